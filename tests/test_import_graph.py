"""The import graph of analysis/: no cycles between modules, and plots/ only draws.

Every ``import`` and ``from ... import`` in every module is read with :mod:`ast`, including the ones inside
functions (a function-level import is still a dependency; it only hides a cycle until the function runs).
Edges:

* ``import a.b.c`` -> ``a.b.c`` (the deepest module of the tree that exists);
* ``from a.b import c`` -> ``a.b.c`` when that is a module, else ``a.b``; relative imports are resolved;
* an edge from a module to one of its own ancestor packages is ignored: a package ``__init__`` re-exporting
  its submodules, which themselves import from the package, is the normal package layout, not a cycle
  between concerns. The edge ``__init__`` -> submodule is kept, so a cycle through a package is still found.

Rule for analysis.plots.*: functions take tidy tables or fitted results and return Figures / HTML, so no
module there imports readers, the EMG chain, model fits, injury model fitting, feature extraction or
statsmodels (:data:`PLOTS_FORBIDDEN`).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest

ANALYSIS_DIR = Path(__file__).resolve().parents[1] / "analysis"

#: What analysis.plots.* may not import (issue 13: plots only draw). Prefixes of dotted names.
PLOTS_FORBIDDEN = (
    "analysis.io",
    "analysis.readers",
    "analysis.emg.chain",
    "analysis.emg.process",
    "analysis.models",
    "analysis.injury",
    "analysis.features",
    "statsmodels",
)

#: Plot modules owned by other engineers that still break the rule on this branch, with what they import.
#: Each entry must shrink to nothing when its owner's split lands; a module that became clean is reported
#: by test_known_plot_violations_are_still_real so the entry can be deleted.
KNOWN_PLOT_VIOLATIONS: dict[str, str] = {}


def module_files(root: Path) -> dict[str, Path]:
    """``{dotted module name: file}`` for every .py under ``root`` (a package directory)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def raw_imports(name: str, path: Path) -> list[str]:
    """Every dotted name ``path`` imports (``from a import b`` gives ``a.b``), relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append(base)
            found += [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]
    return found


def _deepest_module(dotted: str, modules: Iterable[str]) -> str | None:
    known = set(modules)
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        candidate = ".".join(parts[:i])
        if candidate in known:
            return candidate
    return None


def import_graph(root: Path) -> dict[str, set[str]]:
    """``{module: modules it imports}`` within the tree of ``root`` (see the module docstring for the edges)."""
    files = module_files(root)
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        for dotted in raw_imports(name, path):
            target = _deepest_module(dotted, files)
            if target is None or target == name or name.startswith(target + "."):
                continue  # outside the tree, itself, or its own ancestor package (re-export layout)
            graph[name].add(target)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted, sorted by first name."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(components)


def describe_cycle(graph: dict[str, set[str]], component: list[str]) -> str:
    """One concrete loop through the component, e.g. ``a -> b -> c -> a``."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    while True:
        nxt = sorted(graph[path[-1]] & members)
        back = [m for m in nxt if m == start]
        if back and len(path) > 1:
            return " -> ".join(path + [start])
        fresh = [m for m in nxt if m not in seen]
        if not fresh:
            # cycle does not pass through start on this walk: report from where it closes
            loop_start = next(m for m in nxt if m in seen)
            return " -> ".join(path[path.index(loop_start) :] + [loop_start])
        path.append(fresh[0])
        seen.add(fresh[0])


def plots_violations(root: Path) -> dict[str, list[str]]:
    """``{plots module: forbidden names it imports}``."""
    out: dict[str, list[str]] = {}
    for name, path in module_files(root).items():
        if not (name == "analysis.plots" or name.startswith("analysis.plots.")):
            continue
        bad = sorted(
            {d for d in raw_imports(name, path) if any(d == f or d.startswith(f + ".") for f in PLOTS_FORBIDDEN)}
        )
        if bad:
            out[name] = bad
    return out


# --------------------------------------------------------------------------------------------- the repo
def test_no_import_cycles_in_analysis():
    graph = import_graph(ANALYSIS_DIR)
    assert len(graph) > 20, "the walker found too few modules: is ANALYSIS_DIR right?"
    cycles = import_cycles(graph)
    assert not cycles, "import cycles between modules of analysis/:\n" + "\n".join(
        describe_cycle(graph, c) for c in cycles
    )


def test_plots_only_draw():
    violations = {m: v for m, v in plots_violations(ANALYSIS_DIR).items() if m not in KNOWN_PLOT_VIOLATIONS}
    assert not violations, (
        "analysis.plots.* must take tables / fitted results and return figures; these modules import "
        f"readers, signal processing or model fits: {violations}"
    )


def test_known_plot_violations_are_still_real():
    """An allowance that is no longer needed must be deleted (warns rather than fails: its owner's branch
    may land before or after this one)."""
    current = plots_violations(ANALYSIS_DIR)
    for module in KNOWN_PLOT_VIOLATIONS:
        if module not in current:
            pytest.skip(f"{module} no longer breaks the plots rule: delete it from KNOWN_PLOT_VIOLATIONS")


# --------------------------------------------------------------------------------------------- the checker
def _write_package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "toy"


def test_checker_finds_a_cycle_hidden_in_a_function(tmp_path):
    toy = _write_package(
        tmp_path,
        {
            "toy/__init__.py": "",
            "toy/a.py": "from toy.b import helper\n",
            "toy/b.py": "def helper():\n    from toy import c\n    return c\n",
            "toy/c.py": "def later():\n    from .a import helper\n    return helper\n",
            "toy/d.py": "import toy.a\n",
        },
    )
    graph = import_graph(toy)
    assert graph["toy.b"] == {"toy.c"} and graph["toy.c"] == {"toy.a"}
    cycles = import_cycles(graph)
    assert cycles == [["toy.a", "toy.b", "toy.c"]]
    assert describe_cycle(graph, cycles[0]) == "toy.a -> toy.b -> toy.c -> toy.a"


def test_checker_finds_a_cycle_through_a_package_init(tmp_path):
    toy = _write_package(
        tmp_path,
        {
            "toy/__init__.py": "",
            "toy/notebook.py": "from toy.reports import run\n",
            "toy/reports/__init__.py": "from toy.reports.runner import run\n",
            "toy/reports/runner.py": "def run():\n    from toy import notebook\n",
        },
    )
    cycles = import_cycles(import_graph(toy))
    assert cycles == [["toy.notebook", "toy.reports", "toy.reports.runner"]]


def test_checker_accepts_a_package_reexporting_its_submodules(tmp_path):
    toy = _write_package(
        tmp_path,
        {
            "toy/__init__.py": "",
            "toy/models/__init__.py": "from toy.models.mixed import fit\nfrom toy.models.hinge import profile\n",
            "toy/models/mixed.py": "from toy.models import hinge\n",
            "toy/models/hinge.py": "import toy.models\nfrom . import estimates\n",
            "toy/models/estimates.py": "from toy.models import Estimate\n",
        },
    )
    graph = import_graph(toy)
    assert graph["toy.models"] == {"toy.models.mixed", "toy.models.hinge"}
    assert graph["toy.models.hinge"] == {"toy.models.estimates"} and graph["toy.models.estimates"] == set()
    assert import_cycles(graph) == []


def test_checker_flags_a_plot_module_that_fits(tmp_path):
    root = (
        _write_package(
            tmp_path,
            {
                "analysis/__init__.py": "",
                "analysis/plots/__init__.py": "",
                "analysis/plots/ok.py": "import matplotlib.pyplot as plt\nfrom analysis.plots import tables\n",
                "analysis/plots/tables.py": "",
                "analysis/plots/bad.py": "def f():\n    from analysis.emg import process\n    import statsmodels.api\n",
                "analysis/emg/__init__.py": "",
            },
        ).parent
        / "analysis"
    )
    assert plots_violations(root) == {"analysis.plots.bad": ["analysis.emg.process", "statsmodels.api"]}
