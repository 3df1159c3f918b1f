"""Notebook parameters: what a notebook declares (papermill's inspection) and refusing anything else before it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.errors import AnkleLabError

__all__ = ["ParameterError", "list_notebooks", "notebook_parameters", "validate_parameters", "parse_cli_value"]


class ParameterError(AnkleLabError):
    """A parameter name or value a notebook does not accept."""


def list_notebooks(folder: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """Numbered notebooks of the suite, in order (``00_...``, ``01_...``)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def notebook_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The notebook's parameters: ``{name: {"type", "default", "help"}}`` from its ``parameters`` cell."""
    import papermill

    notebook = _existing_notebook(notebook)
    try:
        raw = papermill.inspect_notebook(str(notebook))
    except Exception as exc:  # nbformat's NotJSONError, a damaged cell, ...: name the file, not a traceback
        raise AnkleLabError(f"{notebook}: not a readable notebook ({type(exc).__name__}: {exc})"[:400]) from exc
    return {
        name: {
            "type": info.get("inferred_type_name") or "None",
            "default": info.get("default"),
            "help": info.get("help") or "",
        }
        for name, info in raw.items()
    }


def _existing_notebook(notebook: str | Path) -> Path:
    path = Path(notebook)
    if not path.exists() and not path.is_absolute():
        candidate = paths.NOTEBOOKS_DIR / path
        if candidate.exists():
            path = candidate
    if not path.exists():
        raise AnkleLabError(f"{notebook}: no such notebook (the suite's notebooks are in {paths.NOTEBOOKS_DIR})")
    if path.suffix != ".ipynb":
        raise AnkleLabError(f"{path}: papermill runs .ipynb notebooks only (convert a .py with jupytext first)")
    return path.resolve()


_TYPE_CHECKS = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


def validate_parameters(notebook: str | Path, parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse names the notebook does not declare and values of the wrong type; return the parameters."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        valid = ", ".join(f"{n} ({d['type']})" for n, d in declared.items()) or "none"
        raise ParameterError(
            f"{Path(notebook).name} has no parameter(s) {', '.join(unknown)}. Valid parameters: {valid}. "
            f"List them with: anklelab params {notebook}"
        )
    for name, value in parameters.items():
        expected = declared[name]["type"].split("[")[0].lower()
        allowed = _TYPE_CHECKS.get(expected)
        if allowed is None or value is None:
            continue
        if expected in ("int", "float") and isinstance(value, bool):
            ok = False
        else:
            ok = isinstance(value, allowed)
        if not ok:
            raise ParameterError(
                f"{Path(notebook).name}: parameter {name} expects {declared[name]['type']}, "
                f"got {value!r} ({type(value).__name__})"
            )
    return dict(parameters)


def parse_cli_value(text: str) -> Any:
    """``-p name value`` values are YAML-typed, as with papermill's own CLI (``3`` → int, ``true`` → bool)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


# ---------------------------------------------------------------------------------------------
# execution and rendering
