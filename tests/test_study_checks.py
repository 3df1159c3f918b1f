"""The issue-14 study checks as units: 'did you mean' suggestions, study.yaml limits, body-mass plausibility."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.errors import StudyError
from analysis.study.bounded_yaml import expanded_node_count, load_yaml_bounded
from analysis.study.plausibility import check_body_masses, modified_z_scores
from analysis.study.problems import _Problems
from analysis.study.suggest import Suggestions, closest_file, closest_names, did_you_mean, spelling_on_disk

VJ_IDS = [f"VJ{i:02d}" for i in range(1, 13)]


# ---------------------------------------------------------------------------------------------
# suggestions
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "candidates", "expected"),
    [
        ("VJ1", VJ_IDS, ["VJ01"]),  # leading zeros ignored before any fuzzy match (VJ10, VJ11 are as close)
        ("vj01", VJ_IDS, ["VJ01"]),  # case first
        ("S_01", ["S01", "S02", "S10"], ["S01"]),  # separators ignored
        ("lbs", ["kg", "lb"], ["lb"]),
        ("pounds", ["kg", "lb"], ["lb"]),  # a unit synonym
        ("mv", ["V", "mV", "uV"], ["mV"]),
        ("hrs", ["hours", "minutes"], ["hours"]),
        ("gastrocnemius medialis", ["gastrocnemius_lateralis", "gastrocnemius_medialis"], ["gastrocnemius_medialis"]),
        ("glut_max", ["gluteus_maximus", "gluteus_medius", "soleus"], ["gluteus_maximus"]),
        ("squats", ["squat", "split_squat", "cmj"], ["squat"]),
        ("Squat", ["squat", "split_squat"], ["squat"]),
        ("plank", ["squat", "split_squat", "cmj"], []),  # nothing close: no suggestion
        ("", ["squat"], []),
        ("squat", [], []),
    ],
)
def test_closest_names(value, candidates, expected):
    assert closest_names(value, candidates) == expected


def test_equally_close_names_are_all_offered_up_to_three():
    assert did_you_mean("VJ013", VJ_IDS) == "did you mean 'VJ01' or 'VJ03'?"
    assert closest_names("abc", ["abx", "aby", "abz", "abw"]) == ["abw", "abx", "aby"]
    assert did_you_mean("zzz", VJ_IDS) == ""


def test_suggestions_are_computed_once_per_wrong_value():
    suggestions = Suggestions(VJ_IDS)
    assert suggestions.hint("fix it", "VJ1") == "did you mean 'VJ01'? fix it"
    assert suggestions.hint("fix it", "nothing like it") == "fix it"
    assert set(suggestions._cache) == {"VJ1", "nothing like it"}


def test_file_spelling_on_disk_and_closest_file(tmp_path):
    (tmp_path / "raw" / "S01").mkdir(parents=True)
    (tmp_path / "raw" / "S01" / "cmj_1.csv").write_text("")
    (tmp_path / "raw" / "S01" / "squat.csv").write_text("")
    assert spelling_on_disk(tmp_path, "RAW/s01/CMJ_1.csv") == "raw/S01/cmj_1.csv"
    assert spelling_on_disk(tmp_path, "raw/S01/cmj_1.csv") is None  # spelled right
    assert spelling_on_disk(tmp_path, "raw/S01/nope.csv") is None
    assert spelling_on_disk(tmp_path, "../raw/S01/cmj_1.csv") is None
    assert closest_file(tmp_path, "raw/s01/cmj1.csv") == "raw/S01/cmj_1.csv"  # folder case, then a close name
    assert closest_file(tmp_path, "raw/S01/cmj1.csv", fuzzy=False) is None  # only letter case without fuzzy
    assert closest_file(tmp_path, "raw/S02/cmj_1.csv") is None  # no such folder


def test_a_name_twice_in_different_case_on_disk_is_not_guessed(tmp_path):
    (tmp_path / "a.csv").write_text("")
    (tmp_path / "A.csv").write_text("")
    if len(list(tmp_path.iterdir())) < 2:
        pytest.skip("case-insensitive file system")
    assert spelling_on_disk(tmp_path, "a.CSV") is None


# ---------------------------------------------------------------------------------------------
# study.yaml limits
# ---------------------------------------------------------------------------------------------
def _node(text: str) -> yaml.Node:
    return yaml.compose(text, Loader=yaml.SafeLoader)


def test_expanded_node_count_counts_aliases_as_their_expansion():
    assert expanded_node_count(_node("a: 1"), 100) == 3  # mapping, key, value
    assert (
        expanded_node_count(_node("a: &x [1, 2]\nb: *x\nc: *x"), 100) == 1 + 3 + 3 * 3
    )  # mapping, 3 keys, 3 x (list + 2 items)
    bomb = "l0: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 30)
    )
    started = time.perf_counter()
    assert expanded_node_count(_node(bomb), 100_000) > 100_000  # 9 ** 30 values, counted in microseconds
    assert time.perf_counter() - started < 0.5
    with pytest.raises(ValueError, match="recursive"):
        expanded_node_count(_node("a: &x [1, *x]"), 100)


def test_load_yaml_bounded_reads_ordinary_yaml_and_names_the_file_when_it_refuses(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text("\ufeffname: x\nsynthetic: true\nmuscles: [soleus]\n", encoding="utf-8")
    assert load_yaml_bounded(path) == {"name": "x", "synthetic": True, "muscles": ["soleus"]}
    path.write_text("", encoding="utf-8")
    assert load_yaml_bounded(path) is None
    path.write_text("a: !!python/object:os.system ls\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):  # still the safe loader: no Python objects
        load_yaml_bounded(path)
    path.write_text("a: " + "[" * 60 + "]" * 60 + "\n", encoding="utf-8")
    with pytest.raises(StudyError, match=f"{path}: is refused: its lists or mappings are nested more than 50") as info:
        load_yaml_bounded(path)
    assert [(p.file, p.severity) for p in info.value.problems] == [("study.yaml", "error")]


# ---------------------------------------------------------------------------------------------
# body masses
# ---------------------------------------------------------------------------------------------
def _mass_warnings(masses: list[float]) -> list:
    problems = _Problems()
    check_body_masses(pd.DataFrame({"_row": range(2, 2 + len(masses)), "body_mass_kg": masses}), problems)
    return list(problems)


def test_modified_z_scores_follow_iglewicz_and_hoaglin():
    z, median, mad = modified_z_scores(np.array([60.0, 65, 70, 75, 80, 149, np.nan]))
    assert median == 72.5 and mad == 7.5
    np.testing.assert_allclose(z[:6], 0.6745 * (np.array([60, 65, 70, 75, 80, 149]) - 72.5) / 7.5)
    assert np.isnan(z[6])
    assert modified_z_scores(np.array([70.0, 70, 70, 71]), mad_floor=1.0)[2] == 1.0  # the floor


def test_a_mass_typed_in_lb_is_warned_with_its_kg_value():
    (warning,) = _mass_warnings([60, 65, 70, 75, 80, 149])
    assert (warning.severity, warning.row, warning.column) == ("warning", 7, "body_mass_kg")
    assert "149 lb = 67.6 kg, an ordinary mass in this study: was it typed in lb?" in warning.message
    assert "modified z = 0.6745 (mass - median) / MAD = 6.9, beyond ±3.5" in warning.message
    assert "write 67.6" in warning.hint


def test_an_outlier_that_is_no_lb_value_is_warned_without_the_lb_story():
    (warning,) = _mass_warnings([72, 71, 38, 74, 70, 73])
    assert warning.row == 4 and "far from the other subjects" in warning.message and "lb" not in warning.message


def test_ordinary_spread_small_studies_and_equal_masses_give_no_warning():
    assert _mass_warnings([52, 61, 68, 75, 83, 94, 105]) == []  # a wide but ordinary cohort
    assert _mass_warnings([60, 70, 149]) == []  # fewer than 5 masses: median and MAD say too little
    assert _mass_warnings([70, 70, 70, 70, 71]) == []  # the 1 kg MAD floor
    assert _mass_warnings([70, 72, np.nan, 68, 149]) == []  # 4 finite masses


def test_data_readme_states_the_schema_limits():
    from analysis.paths import DATA_DIR
    from analysis.study import load_schema

    section = (DATA_DIR / "README.md").read_text(encoding="utf-8").split("## What `anklelab validate` checks")[1]
    checks = load_schema()["checks"]
    assert f"at most {checks['study_yaml_max_bytes'] // 1_000_000} MB" in section
    assert f"at most {checks['study_yaml_max_depth']} levels" in section
    assert f"at most {checks['study_yaml_max_nodes']:,} values" in section
    assert f"exceeds {checks['body_mass_modified_z_max']:g}" in section
    assert f"at least {checks['body_mass_outlier_min_subjects']} subjects" in section
    assert f"at least {checks['body_mass_mad_floor_kg']:g} kg" in section
