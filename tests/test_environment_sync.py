"""pyproject.toml, requirements.lock and environment.yml must name the same packages at the same versions.

Conda cannot run on the CI machines (no conda channels), so this checks the files; it does not solve
or create the conda environment (docs/design/notebooks.md §6).
"""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from analysis.paths import PROJECT_ROOT

PYPROJECT = PROJECT_ROOT / "pyproject.toml"
LOCK = PROJECT_ROOT / "requirements.lock"
ENV_YML = PROJECT_ROOT / "environment.yml"
CONDA_ONLY = {"python", "pip"}
ALLOWED_ENV_KEYS = {"name", "channels", "dependencies", "variables", "prefix", "platforms"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pin(spec: str, sep: str = "==") -> tuple[str, str | None]:
    spec = spec.split(";")[0].strip()
    name = re.split(r"[<>=!~\[ ]", spec, maxsplit=1)[0]
    m = re.search(re.escape(sep) + r"\s*([^,\s]+)", spec)
    return norm(name), (m.group(1) if m else None)


def pyproject_pins() -> dict[str, dict[str, str | None]]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    groups = {"runtime": project["dependencies"], **project.get("optional-dependencies", {})}
    return {g: dict(parse_pin(s) for s in specs) for g, specs in groups.items()}


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, version = parse_pin(line)
        pins[name] = version
    return pins


def env_pins() -> dict[str, str | None]:
    env = yaml.safe_load(ENV_YML.read_text())
    unknown = set(env) - ALLOWED_ENV_KEYS
    assert not unknown, f"environment.yml has unknown top-level keys {unknown}"
    pins: dict[str, str | None] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_spec in dep.get("pip", []):
                if pip_spec.startswith(("-e", "-r")):
                    continue
                name, version = parse_pin(pip_spec)
                pins[name] = version
            continue
        dep = dep.split("::")[-1]
        m = re.match(r"^([A-Za-z0-9_.\-]+)\s*=?=?\s*([^=\s]*)", dep)
        name, version = norm(m.group(1)), (m.group(2) or None)
        if name in CONDA_ONLY:
            continue
        pins[name] = version.rstrip(".*") if version else None
    return pins


def test_every_direct_dependency_is_pinned_exactly():
    for group, pins in pyproject_pins().items():
        loose = [n for n, v in pins.items() if v is None]
        assert not loose, f"pyproject [{group}] dependencies without an exact == pin: {loose}"


def test_lock_matches_pyproject():
    lock = lock_pins()
    groups = pyproject_pins()
    for group in ("runtime", "test"):
        for name, version in groups[group].items():
            assert name in lock, f"{name} ({group}) is in pyproject.toml but not in requirements.lock: run `make lock`"
            assert lock[name] == version, (
                f"{name}: pyproject.toml pins {version}, requirements.lock has {lock[name]}: run `make lock`"
            )


def test_environment_yml_matches_pyproject():
    env = env_pins()
    declared = {n: v for pins in pyproject_pins().values() for n, v in pins.items()}
    missing = sorted(set(declared) - set(env))
    extra = sorted(set(env) - set(declared))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    for name, version in declared.items():
        assert env[name] == version, f"{name}: pyproject.toml pins {version}, environment.yml has {env[name]}"


def test_environment_yml_python_is_311():
    deps = yaml.safe_load(ENV_YML.read_text())["dependencies"]
    assert "python=3.11" in deps


@pytest.mark.parametrize("spec, expected", [("numpy==2.4.6", ("numpy", "2.4.6")), ("Py_YAML==6.0", ("py-yaml", "6.0"))])
def test_parse_pin(spec, expected):
    assert parse_pin(spec) == expected


def test_lab_lock_extends_the_main_lock():
    lab = {}
    for line in (PROJECT_ROOT / "requirements-lab.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = parse_pin(line)
            lab[name] = version
    for name, version in lock_pins().items():
        assert lab.get(name) == version, (
            f"{name}: requirements.lock has {version}, requirements-lab.lock {lab.get(name)}"
        )
    for name, version in pyproject_pins()["lab"].items():
        assert lab.get(name) == version, (
            f"{name}: pyproject [lab] pins {version}, requirements-lab.lock {lab.get(name)}"
        )
