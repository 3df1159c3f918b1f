"""Notebooks are committed without outputs, with a python3 kernelspec, a `parameters` cell, and their
jupytext `py:percent` twin in sync (edit either, then `jupytext --sync notebooks/*.ipynb`)."""

from __future__ import annotations

import jupytext
import nbformat
import pytest

from analysis.paths import NOTEBOOKS_DIR
from analysis.reports import list_notebooks

NOTEBOOKS = list_notebooks()


def test_the_suite_has_notebooks():
    assert NOTEBOOKS, f"no numbered notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    dirty = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} carry outputs; strip them (nbstripout / jupytext --sync from the .py)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernel_and_parameters_cell(path):
    nb = nbformat.read(str(path), as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec must be python3"
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell must be tagged 'parameters' (found {len(tagged)})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_py_percent_twin_in_sync(path):
    twin = path.with_suffix(".py")
    assert twin.exists(), f"{path.name}: missing its jupytext twin {twin.name}"
    a = [(c.cell_type, c.source.strip()) for c in nbformat.read(str(path), as_version=4).cells]
    b = [(c.cell_type, c.source.strip()) for c in jupytext.read(str(twin)).cells]
    assert a == b, f"{path.name} and {twin.name} differ: run `jupytext --sync {path}`"
