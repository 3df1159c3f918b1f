"""data/README.md (the format in words) and analysis/study_schema.yaml (machine-checked) must agree."""

from __future__ import annotations

import re

import pytest

from analysis.paths import DATA_DIR
from analysis.study import load_schema

README = DATA_DIR / "README.md"


def _doc_sections() -> dict[str, str]:
    """Markdown text under each '## heading', keyed by the file name the heading starts with."""
    sections: dict[str, str] = {}
    for block in re.split(r"^## ", README.read_text(encoding="utf-8"), flags=re.M)[1:]:
        heading, _, body = block.partition("\n")
        sections[heading.split()[0]] = body
    return sections


def _table_rows(body: str) -> list[tuple[str, str]]:
    """(name, required cell) of every row of the first markdown table whose first cell is a `code` name."""
    rows = []
    for line in body.splitlines():
        match = re.match(r"^\|\s*`([a-z_]+)`\s*\|\s*([a-z]+)\s*\|", line)
        if match:
            rows.append((match.group(1), match.group(2)))
        elif rows and not line.startswith("|"):
            break
    return rows


@pytest.mark.parametrize("table", ["subjects", "trials", "measures", "exposures", "injuries"])
def test_doc_and_schema_list_the_same_columns(table):
    spec = load_schema()["tables"][table]
    rows = _table_rows(_doc_sections()[spec["file"]])
    assert [name for name, _ in rows] == list(spec["columns"]), f"{spec['file']}: README and schema disagree"
    for name, required in rows:
        assert (required == "yes") == bool(spec["columns"][name].get("required")), f"{spec['file']}: {name} required?"


def test_doc_and_schema_list_the_same_study_yaml_keys():
    keys = load_schema()["study_yaml"]["keys"]
    rows = _table_rows(_doc_sections()["study.yaml"])
    assert [name for name, _ in rows] == list(keys)
    for name, required in rows:
        assert (required == "yes") == bool(keys[name].get("required")), name


def test_doc_lists_the_vocabularies_of_the_schema():
    text = README.read_text(encoding="utf-8")
    schema = load_schema()
    trials = schema["tables"]["trials"]["columns"]
    for column in ("load_phase", "kind", "load_unit"):
        for value in trials[column]["allowed"]:
            assert f"`{value}`" in text, f"{column} value {value!r} is not documented"
    exercises = re.search(r"Built-in exercises: `([^`]*)`", text, flags=re.S).group(1)
    assert [e.strip() for e in exercises.split(",")] == schema["vocabularies"]["exercise"]
    derived = schema["tables"]["trials"]["derived"]
    for name in derived:
        assert f"`{name}`" in _doc_sections()["trials.csv"], f"derived column {name!r} is not documented"


def test_doc_and_schema_agree_on_limits():
    text = README.read_text(encoding="utf-8")
    subjects = load_schema()["tables"]["subjects"]["columns"]
    assert f"{subjects['body_mass_kg']['min']}–{subjects['body_mass_kg']['max']} kg" in text
    clip = load_schema()["checks"]["clipping_fraction_max"]
    assert f"{clip:.0%}".replace("%", " %") in text
    assert f"above {load_schema()['checks']['load_kg_max']} kg per ankle" in text
