"""Property tests: random garbage in the CSV manifests gives clear Problems, never a traceback."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.errors import StudyError
from analysis.study import Problem, load_study, validate_study

SUBJECT_HEADER = ["subject_id", "body_mass_kg", "height_m", "sex", "age", "training_age_years", "group"]
TRIAL_HEADER = [
    "subject_id",
    "session",
    "trial_id",
    "exercise",
    "load_per_ankle",
    "load_unit",
    "load_phase",
    "kind",
    "file",
    "is_mvc",
    "mvc_muscle",
    "notes",
]
NUMERIC = {"body_mass_kg", "height_m", "age", "training_age_years", "load_per_ankle"}
ENUM = {"load_unit", "load_phase", "kind"}

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "nan",
            "inf",
            "-1",
            "1e400",
            "72,5",
            "NaN",
            "None",
            "true",
            "../x",
            "/etc/passwd",
            '"',
            "a,b",
            "line\nbreak",
            "\x00",
            "💥",
            "0x1F",
            "kg",
            "lb",
            "none",
        ]
    ),
)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _study(root: Path, subject_row: list[str], trial_row: list[str]) -> None:
    (root / "study.yaml").write_text("name: p\nsynthetic: true\n", encoding="utf-8")
    _write(root / "subjects.csv", SUBJECT_HEADER, [["S01", "70", "1.75", "male", "30", "5", "a"], subject_row])
    _write(
        root / "trials.csv",
        TRIAL_HEADER,
        [["S01", "1", "t1", "squat", "0", "", "none", "forceplate", "t1.csv", "false", "", ""], trial_row],
    )
    (root / "t1.csv").write_text("time_s,Fz [N]\n0,1\n0.001,2\n", encoding="utf-8")


def _is_number(text: str) -> bool:
    try:
        value = float(text.strip())
    except ValueError:
        return False
    return value == value and abs(value) != float("inf")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject_row=st.lists(cells, min_size=7, max_size=7), trial_row=st.lists(cells, min_size=12, max_size=12))
def test_garbage_cells_give_problems_not_tracebacks(subject_row, trial_row):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _study(root, subject_row, trial_row)
        problems = validate_study(root, check_files=True, progress=False)
        assert all(isinstance(p, Problem) and p.severity in ("error", "warning") and p.message for p in problems)
        assert all(p.row is None or p.row >= 1 for p in problems)
        # the garbage rows are row 3 of each table (header = row 1); a bad number there is named precisely
        by_cell = {(p.file, p.row, p.column) for p in problems if p.severity == "error"}
        sub_multiline = any("\n" in c or "\r" in c for c in subject_row)
        trial_multiline = any("\n" in c or "\r" in c for c in trial_row)
        for header, row, file, multiline in (
            (SUBJECT_HEADER, subject_row, "subjects.csv", sub_multiline),
            (TRIAL_HEADER, trial_row, "trials.csv", trial_multiline),
        ):
            if multiline or any("\x00" in c for c in row):
                continue  # quoted line breaks shift rows; NUL makes the whole file an error (tested below)
            for name, cell in zip(header, row):
                cell = cell.strip()
                if name in NUMERIC and cell and not _is_number(cell):
                    assert (file, 3, name) in by_cell, (name, cell, problems)
                if (
                    name in ENUM
                    and cell
                    and cell.lower()
                    not in {
                        "kg",
                        "lb",
                        "none",
                        "full_range",
                        "mid_range",
                        "eccentric_only",
                        "concentric_only",
                        "emg",
                        "forceplate",
                        "kinematics",
                        "combined",
                    }
                ):
                    assert (file, 3, name) in by_cell, (name, cell, problems)
        errors = [p for p in problems if p.severity == "error"]
        try:
            study = load_study(root)
        except StudyError as exc:
            assert errors and len(exc.problems) >= len(errors)
        else:
            blank_row_skipped = not any(c.strip() for c in trial_row)
            assert not errors and len(study.trials) == (1 if blank_row_skipped else 2)


@settings(max_examples=40, deadline=None)
@given(content=st.binary(max_size=200), table=st.sampled_from(["subjects.csv", "trials.csv", "study.yaml"]))
def test_garbage_files_give_problems_not_tracebacks(content, table):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _study(
            root,
            ["S02", "80", "", "", "", "", ""],
            ["S02", "1", "t2", "squat", "0", "", "none", "forceplate", "t1.csv", "", "", ""],
        )
        (root / table).write_bytes(content)
        problems = validate_study(root, check_files=False, progress=False)
        assert all(isinstance(p, Problem) for p in problems)
        # an empty/garbage required table is always at least one error naming that file
        if table != "study.yaml":
            assert any(p.severity == "error" and p.file == table for p in problems), content


EXPOSURE_HEADER = ["athlete_id", "team", "season", "date_start", "date_end", "exposure_time", "exposure_unit"]
INJURY_HEADER = ["athlete_id", "date_injured", "date_recovered", "days_lost", "body_region", "tissue_type"]
dates = st.one_of(cells, st.dates().map(str), st.sampled_from(["2024-02-30", "31/12/2024", "2024-1-5"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exposure=st.tuples(cells, cells, cells, dates, dates, cells, cells).map(list),
    injury=st.tuples(cells, dates, dates, cells, cells, cells).map(list),
)
def test_garbage_injury_tables_give_problems_not_tracebacks(exposure, injury):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _study(
            root,
            ["S02", "80", "", "", "", "", ""],
            ["S02", "1", "t2", "squat", "0", "", "none", "forceplate", "t1.csv", "", "", ""],
        )
        _write(
            root / "exposures.csv",
            EXPOSURE_HEADER,
            [["A", "", "", "2024-01-01", "2024-06-30", "10", "hours"], exposure],
        )
        _write(root / "injuries.csv", INJURY_HEADER, [injury])
        problems = validate_study(root, check_files=False, progress=False)
        assert all(isinstance(p, Problem) for p in problems)
        if any("\n" in c or "\r" in c or "\x00" in c for c in exposure + injury):
            return
        by_cell = {(p.file, p.row, p.column) for p in problems if p.severity == "error"}
        for name, cell in zip(EXPOSURE_HEADER[3:5], exposure[3:5]):
            if cell.strip() and not _is_iso_date(cell.strip()):
                assert ("exposures.csv", 3, name) in by_cell, (name, cell, problems)
        if injury[1].strip() and not _is_iso_date(injury[1].strip()):
            assert ("injuries.csv", 2, "date_injured") in by_cell


def _is_iso_date(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
