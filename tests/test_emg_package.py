"""analysis.emg as a package: the public import paths of the former single module, and its layering."""

import ast
from pathlib import Path

import analysis.emg as emg

#: the submodules from the bottom layer up; a module may import only modules listed before it
LAYERS = (
    "_common",
    "settings",
    "filters",
    "envelope",
    "onsets",
    "normalise",
    "spectral",
    "quality",
    "chain",
    "mvc",
    "tidy",
)
PACKAGE_DIR = Path(emg.__file__).parent


def test_every_public_name_of_the_former_module_resolves():
    for name in emg.__all__:
        assert getattr(emg, name) is not None, name
    # private names tests use, reachable as analysis.emg.<name>
    assert emg._welch_bins is emg.spectral._welch_bins
    assert emg._peak_moving_average is emg.mvc._peak_moving_average
    from analysis.emg import EMG_FEATURE_COLUMNS, EMGSettings, process, trial_features  # noqa: F401


def test_each_submodule_is_in_a_layer_and_small():
    modules = {p.stem for p in PACKAGE_DIR.glob("*.py")} - {"__init__"}
    assert modules == set(LAYERS)
    for name in LAYERS:
        n_lines = len((PACKAGE_DIR / f"{name}.py").read_text().splitlines())
        assert n_lines <= 700, f"analysis/emg/{name}.py has {n_lines} lines; split it by concern"


def test_submodules_import_only_lower_layers():
    """No import cycles: e.g. filters never imports chain (the chain is built on the single steps)."""
    for level, name in enumerate(LAYERS):
        tree = ast.parse((PACKAGE_DIR / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analysis.emg"):
                target = node.module.removeprefix("analysis.emg").lstrip(".")
                assert target in LAYERS[:level], f"analysis.emg.{name} imports {node.module} (same or higher layer)"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("analysis.emg") for a in node.names), name
