"""Notebook style (issue 13): one H1 ``# NN · Title``, sections ``## N · Section``; the thinned reports are a
parameters cell and one library call per section, with no helper functions and no HTML built in the notebook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: notebooks whose headings follow the style (02 joins when its thinning lands)
STYLED = ("00", "01", "03", "04", "05", "06")
#: notebooks thinned to one call per section
THIN = ("03", "04", "05")
MAX_CODE_LINES = 15  # the setup cell and the checks cell are the longest; a section cell is two lines


def _cells(number: str) -> list[tuple[str, str]]:
    (path,) = NOTEBOOKS.glob(f"{number}_*.py")
    text = path.read_text(encoding="utf-8").split("# ---\n", 2)[-1]
    cells = []
    for chunk in re.split(r"^# %%", text, flags=re.M)[1:]:
        header, _, body = chunk.partition("\n")
        cells.append(("markdown" if "[markdown]" in header else "code", body.strip()))
    return cells


@pytest.mark.parametrize("number", STYLED)
def test_headings(number):
    markdown = "\n".join(body for kind, body in _cells(number) if kind == "markdown")
    h1 = re.findall(r"^# # (.*)$", markdown, flags=re.M)
    assert len(h1) == 1 and re.match(rf"{number} · \S", h1[0]), h1
    h2 = re.findall(r"^# ## (.*)$", markdown, flags=re.M)
    assert h2, "no sections"
    numbers = [int(m.group(1)) for m in (re.match(r"(\d+) · \S", h) for h in h2) if m]
    assert len(numbers) == len(h2), [h for h in h2 if not re.match(r"\d+ · ", h)]
    assert numbers == list(range(1, len(h2) + 1)), numbers


@pytest.mark.parametrize("number", THIN)
def test_thin_notebook(number):
    code = [body for kind, body in _cells(number) if kind == "code"]
    assert code[0].startswith("study_dir: str"), "the first code cell is the parameters cell"
    for body in code[1:]:
        lines = [line for line in body.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        assert len(lines) <= MAX_CODE_LINES, body
        assert not re.search(r"^\s*(def|class) ", body, flags=re.M), body
        assert not re.search(r"""f["'][^"']*<""", body), "HTML built with an f-string in the notebook"
        assert "show_html(" not in body and "plt.show" not in body, body
