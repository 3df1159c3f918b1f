"""The malformed STUDY corpus (issue 14): broken study folders generated here (never committed), each with the
exact outcome `anklelab validate` must give: which errors and warnings, with file, spreadsheet row and column,
what the message says (including the 'did you mean' suggestion), that `load_study` then refuses (errors) or
loads (warnings only), and that validation takes under 5 s. None may be silently accepted and none may raise
anything but the suite's own errors.

Each case starts from the valid two-subject study of tests/test_study.py (rows 2-6 of trials.csv are S01, rows
7-11 are S02; row 6 is S01's CMJ on the force plate) and breaks one thing. Recordings are read by that module's
generic-CSV stand-in reader, so the outcomes depend only on analysis.study (readers have their own corpus)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_study import _edit_csv, build_valid_study, fake_read_recording

from analysis import study as study_mod
from analysis.errors import StudyError
from analysis.study import load_study, validate_study

#: issue 14: no malformed study may take more than 5 s to validate
MAX_VALIDATE_S = 5.0
#: issue 14: the alias bomb is refused in under a second
MAX_ALIAS_BOMB_S = 1.0

Expected = tuple[str, str, int | None, str | None, str]  # severity, file, row, column, text in message or hint


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Path], None]
    expected: tuple[Expected, ...]


# ---------------------------------------------------------------------------------------------
# mutations
# ---------------------------------------------------------------------------------------------
def _set_cell(file: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set the cell at spreadsheet ``row`` (header = 1) of ``column``."""

    def mutate(root: Path) -> None:
        def edit(rows):
            rows[row - 1][rows[0].index(column)] = value

        _edit_csv(root / file, edit)

    return mutate


def _rename_column(file: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        _edit_csv(root / file, lambda rows: rows[0].__setitem__(rows[0].index(old), new))

    return mutate


def _drop_column(file: str, column: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        def edit(rows):
            index = rows[0].index(column)
            for r in rows:
                del r[index]

        _edit_csv(root / file, edit)

    return mutate


def _header_only(file: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        _edit_csv(root / file, lambda rows: rows.__delitem__(slice(1, None)))

    return mutate


def _write_text(file: str, text: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        (root / file).write_text(text, encoding="utf-8")

    return mutate


def _write_bytes(file: str, data: bytes) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        (root / file).write_bytes(data)

    return mutate


def _delete(file: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        (root / file).unlink()

    return mutate


def _replace_in(file: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        text = (root / file).read_text(encoding="utf-8")
        assert old in text, (file, old)
        (root / file).write_text(text.replace(old, new), encoding="utf-8")

    return mutate


def _with_subjects(masses_kg: list[str]) -> Callable[[Path], None]:
    """Subjects S03, S04, ... with these body masses, each with one force-plate trial (no MVC needed)."""

    def mutate(root: Path) -> None:
        ids = [f"S{i:02d}" for i in range(3, 3 + len(masses_kg))]
        _edit_csv(
            root / "subjects.csv",
            lambda rows: rows.extend([s, m, "1.75", "", "", "", ""] for s, m in zip(ids, masses_kg)),
        )
        _edit_csv(
            root / "trials.csv",
            lambda rows: rows.extend(
                [s, "1", f"{s}_cmj", "cmj", "0", "", "none", "forceplate", "raw/S01/cmj.csv", "false", "", "", ""]
                for s in ids
            ),
        )

    return mutate


def _alias_bomb(levels: int = 12, width: int = 9) -> str:
    """'Billion laughs': each anchor is a list of ``width`` aliases of the previous one (width ** levels)."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "name: bomb\nsynthetic: false\n" + "\n".join(lines) + f"\nchannels: *l{levels - 1}\n"


VALID_YAML = 'name: tiny\nsynthetic: false\nchannels:\n  "EMG 1": gluteus_maximus\n  "EMG 2": gastrocnemius_medialis\n'
ALL_TRIAL_ROWS = range(2, 12)


def _unknown_subject_rows(subjects: dict[str, range]) -> tuple[Expected, ...]:
    return tuple(
        ("error", "trials.csv", r, "subject_id", f"unknown subject {s!r}") for s, rows in subjects.items() for r in rows
    )


CASES = [
    # ---- study.yaml -------------------------------------------------------------------------
    Case(
        "yaml_missing",
        _delete("study.yaml"),
        (("error", "study.yaml", None, None, "study.yaml is missing"),),
    ),
    Case(
        "yaml_alias_bomb",
        _write_text("study.yaml", _alias_bomb()),
        (("error", "study.yaml", None, None, "expand to more than 100,000 values"),),
    ),
    Case(
        "yaml_recursive_alias",
        _write_text("study.yaml", "name: loop\nsynthetic: false\nchannels: &c [*c]\n"),
        (("error", "study.yaml", None, None, "recursive document"),),
    ),
    Case(
        "yaml_huge",
        _write_text("study.yaml", VALID_YAML + "# padding\n" * 120_000),
        (("error", "study.yaml", None, None, "a study.yaml is at most 1,000,000 bytes"),),
    ),
    Case(
        "yaml_nested_too_deeply",
        _write_text("study.yaml", "name: deep\nsynthetic: false\nmuscles: " + "[" * 5000 + "\n"),
        (("error", "study.yaml", None, None, "nested more than 50 levels deep"),),
    ),
    Case(
        "yaml_syntax_error",
        _write_text("study.yaml", VALID_YAML + "muscles: [unclosed\n"),
        (("error", "study.yaml", 7, None, "is not valid YAML"),),
    ),
    Case(
        "yaml_not_utf8",
        _write_bytes("study.yaml", VALID_YAML.replace("tiny", "Müller").encode("latin-1")),
        (("error", "study.yaml", None, None, "is not UTF-8 text"),),
    ),
    Case(
        "yaml_not_a_mapping",
        _write_text("study.yaml", "- name: tiny\n- synthetic: false\n"),
        (("error", "study.yaml", None, None, "must be a mapping"),),
    ),
    Case(
        "yaml_synthetic_quoted",
        _replace_in("study.yaml", "synthetic: false", 'synthetic: "no"'),
        (("error", "study.yaml", None, "synthetic", "write true or false without quotes"),),
    ),
    Case(
        "yaml_unit_lbs",
        _write_text("study.yaml", VALID_YAML + "units: {load: lbs, emg: mv}\n"),
        (
            ("error", "study.yaml", None, "units.load", "did you mean 'lb'?"),
            ("error", "study.yaml", None, "units.emg", "did you mean 'mV'?"),
        ),
    ),
    Case(
        "yaml_key_typo",
        _write_text("study.yaml", VALID_YAML + "descripton: squats\n"),
        (("warning", "study.yaml", None, "descripton", "did you mean 'description'?"),),
    ),
    Case(
        "yaml_muscle_typo",
        _write_text("study.yaml", VALID_YAML + "muscles: [gluteus_maximus, gastrocnemius_medial]\n"),
        (
            ("warning", "study.yaml", None, "muscles", "did you mean 'gastrocnemius_medialis'?"),
            # an analysed muscle without MVC trials: one error per subject and session (at its first trial)
            ("error", "trials.csv", 4, "mvc_muscle", "no MVC trial for analysed muscle 'gastrocnemius_medial'"),
            ("error", "trials.csv", 9, "mvc_muscle", "no MVC trial for analysed muscle 'gastrocnemius_medial'"),
        ),
    ),
    # ---- subjects.csv -----------------------------------------------------------------------
    Case(
        "subjects_missing",
        _delete("subjects.csv"),
        (("error", "subjects.csv", None, None, "subjects.csv is missing"),),
    ),
    Case(
        "subjects_header_only",
        _header_only("subjects.csv"),
        (("error", "subjects.csv", None, None, "has a header but no data rows"),)
        + _unknown_subject_rows({"S01": range(2, 7), "S02": range(7, 12)}),
    ),
    Case(
        "subjects_renamed_column",
        _rename_column("subjects.csv", "body_mass_kg", "body_mass"),
        (
            ("error", "subjects.csv", 1, "body_mass_kg", "did you mean 'body_mass'?"),
            ("warning", "subjects.csv", 1, "body_mass", "did you mean 'body_mass_kg'?"),
        ),
    ),
    Case(
        "subjects_id_column_renamed",
        _rename_column("subjects.csv", "subject_id", "subject"),
        (
            ("error", "subjects.csv", 1, "subject_id", "required column 'subject_id' is missing"),
            ("warning", "subjects.csv", 1, "subject", "did you mean 'subject_id'?"),
        ),
    ),
    Case(
        "subjects_negative_mass",
        _set_cell("subjects.csv", 2, "body_mass_kg", "-75"),
        (("error", "subjects.csv", 2, "body_mass_kg", "body_mass_kg = -75 kg is implausible"),),
    ),
    Case(
        "subjects_nan_mass",
        _set_cell("subjects.csv", 3, "body_mass_kg", "NaN"),
        (("error", "subjects.csv", 3, "body_mass_kg", "'NaN' is not a number"),),
    ),
    Case(
        "subjects_absurd_mass",
        _set_cell("subjects.csv", 2, "body_mass_kg", "7500"),
        (("error", "subjects.csv", 2, "body_mass_kg", "body_mass_kg = 7500 kg is implausible"),),
    ),
    Case(
        "subjects_mass_typed_in_lb",
        _with_subjects(["70", "149", "80", "68"]),  # S04 at row 5: 149 lb = 67.6 kg
        (("warning", "subjects.csv", 5, "body_mass_kg", "149 lb = 67.6 kg, an ordinary mass in this study"),),
    ),
    Case(
        "subjects_mass_outlier",
        _with_subjects(["72", "71", "38", "74"]),  # S05 at row 6
        (("warning", "subjects.csv", 6, "body_mass_kg", "body_mass_kg 38 is far from the other subjects"),),
    ),
    Case(
        "subjects_duplicate_id",
        _set_cell("subjects.csv", 3, "subject_id", "S01"),
        (
            ("error", "subjects.csv", 3, "subject_id", "duplicate subject_id 'S01' (first used in row 2)"),
            *_unknown_subject_rows({"S02": range(7, 12)}),
        ),
    ),
    Case(
        "subjects_not_utf8",
        _write_bytes(
            "subjects.csv",
            "subject_id,body_mass_kg,group\nS01,75,Müller\nS02,60,late\n".encode("latin-1"),
        ),
        (("error", "subjects.csv", None, None, "is not UTF-8 text (byte 38)"),),
    ),
    Case(
        "subjects_pipe_delimiter",
        _write_text("subjects.csv", "subject_id|body_mass_kg\nS01|75\nS02|60\n"),
        (("error", "subjects.csv", 1, None, "the cells seem separated by '|'"),),
    ),
    Case(
        "subjects_sex_case",
        _set_cell("subjects.csv", 2, "sex", "Male"),
        (("warning", "subjects.csv", 2, "sex", "did you mean 'male'?"),),
    ),
    # ---- trials.csv -------------------------------------------------------------------------
    Case(
        "trials_missing",
        _delete("trials.csv"),
        (("error", "trials.csv", None, None, "trials.csv is missing"),),
    ),
    Case(
        "trials_empty_file",
        _write_text("trials.csv", ""),
        (("error", "trials.csv", None, None, "is empty (no header row)"),),
    ),
    Case(
        "trials_header_only",
        _header_only("trials.csv"),
        (
            ("error", "trials.csv", None, None, "trials.csv has a header but no data rows"),
            ("warning", "subjects.csv", 2, "subject_id", "subject 'S01' has no trials"),
            ("warning", "subjects.csv", 3, "subject_id", "subject 'S02' has no trials"),
        ),
    ),
    Case(
        "trials_unknown_subject",
        _set_cell("trials.csv", 6, "subject_id", "S1"),
        (("error", "trials.csv", 6, "subject_id", "did you mean 'S01'?"),),
    ),
    Case(
        "trials_unknown_subject_case",
        _set_cell("trials.csv", 11, "subject_id", "s02"),
        (("error", "trials.csv", 11, "subject_id", "did you mean 'S02'?"),),
    ),
    Case(
        "trials_unit_lbs",
        _set_cell("trials.csv", 5, "load_unit", "lbs"),
        (("error", "trials.csv", 5, "load_unit", "did you mean 'lb'?"),),
    ),
    Case(
        "trials_exercise_typo",
        _set_cell("trials.csv", 4, "exercise", "squats"),
        (("error", "trials.csv", 4, "exercise", "did you mean 'squat'?"),),
    ),
    Case(
        "trials_load_phase_typo",
        _set_cell("trials.csv", 5, "load_phase", "midrange"),
        (("error", "trials.csv", 5, "load_phase", "did you mean 'mid_range'?"),),
    ),
    Case(
        "trials_kind_typo",
        _set_cell("trials.csv", 6, "kind", "forceplates"),
        (("error", "trials.csv", 6, "kind", "did you mean 'forceplate'?"),),
    ),
    Case(
        "trials_mvc_muscle_typo",
        _set_cell("trials.csv", 2, "mvc_muscle", "gluteus_maximum"),
        (
            ("warning", "trials.csv", 2, "mvc_muscle", "did you mean 'gluteus_maximus'?"),
            ("error", "trials.csv", 4, "mvc_muscle", "no MVC trial for analysed muscle 'gluteus_maximus'"),
        ),
    ),
    Case(
        "trials_duplicate_trial_id",
        _set_cell("trials.csv", 9, "trial_id", "S02_mvc_gmax"),
        (("error", "trials.csv", 9, "trial_id", "duplicate trial_id 'S02_mvc_gmax' (first used in row 7)"),),
    ),
    Case(
        "trials_file_missing",
        _delete("raw/S02/cmj.csv"),
        (("error", "trials.csv", 11, "file", "file 'raw/S02/cmj.csv' does not exist"),),
    ),
    Case(
        "trials_file_case_mismatch",
        _set_cell("trials.csv", 6, "file", "raw/s01/CMJ.csv"),
        (("error", "trials.csv", 6, "file", "did you mean 'raw/S01/cmj.csv'?"),),
    ),
    Case(
        "trials_file_typo",
        _set_cell("trials.csv", 6, "file", "raw/S01/cmj_1.csv"),
        (("error", "trials.csv", 6, "file", "did you mean 'raw/S01/cmj.csv'?"),),
    ),
    Case(
        "trials_file_leaves_folder",
        _set_cell("trials.csv", 6, "file", "../S01/cmj.csv"),
        (("error", "trials.csv", 6, "file", "leaves the study folder"),),
    ),
    Case(
        "trials_renamed_column",
        _rename_column("trials.csv", "trial_id", "trial"),
        (
            ("error", "trials.csv", 1, "trial_id", "did you mean 'trial'?"),
            ("warning", "trials.csv", 1, "trial", "did you mean 'trial_id'?"),
        ),
    ),
    Case(
        "trials_dropped_column",
        _drop_column("trials.csv", "load_phase"),
        (("error", "trials.csv", 1, "load_phase", "required column 'load_phase' is missing"),),
    ),
    Case(
        "trials_negative_load",
        _set_cell("trials.csv", 5, "load_per_ankle", "-4"),
        (("error", "trials.csv", 5, "load_per_ankle", "load_per_ankle = -4 is implausible"),),
    ),
    Case(
        "trials_nan_load",
        _set_cell("trials.csv", 10, "load_per_ankle", "nan"),
        (("error", "trials.csv", 10, "load_per_ankle", "'nan' is not a number"),),
    ),
    Case(
        "trials_absurd_load",
        _set_cell("trials.csv", 5, "load_per_ankle", "400"),
        (("warning", "trials.csv", 5, "load_per_ankle", "400 lb per ankle (181.4 kg) is unusually heavy"),),
    ),
    Case(
        "trials_ragged_row",
        _replace_in("trials.csv", "raw/S01/cmj.csv,false,,,", "raw/S01/cmj.csv,false,,,,deep, slow"),
        (("error", "trials.csv", 6, None, "has 15 cells but the header has 13 columns"),),
    ),
    Case(
        "trials_nul_bytes",
        _write_bytes("trials.csv", b"subject_id,session\x00\x00\nS01,1\n"),
        (("error", "trials.csv", None, None, "is not a text file (contains NUL bytes)"),),
    ),
    Case(
        "trials_not_utf8",
        _write_bytes("trials.csv", "subject_id,notes\nS01,Sprünge\n".encode("cp1252")),
        (("error", "trials.csv", None, None, "is not UTF-8 text (byte 24)"),),
    ),
    Case(
        "trials_unreadable_recording",
        _write_bytes("raw/S01/cmj.csv", b"\x89PNG\r\n\x1a\n\x00\x00garbage"),
        (("error", "trials.csv", 6, "file", "raw/S01/cmj.csv: cannot be read"),),
    ),
    # ---- optional tables --------------------------------------------------------------------
    Case(
        "measures_unknown_subject",
        _write_text("measures.csv", "subject_id,session,measure,value,unit\nS1,1,jps_abs_error_deg,3.5,deg\n"),
        (("error", "measures.csv", 2, "subject_id", "did you mean 'S01'?"),),
    ),
    Case(
        "measures_missing_unit",
        _write_text("measures.csv", "subject_id,session,measure,value,unit\nS01,1,jps_abs_error_deg,3.5,\n"),
        (("error", "measures.csv", 2, "unit", "missing unit"),),
    ),
    Case(
        "injuries_unknown_athlete",
        _set_cell("injuries.csv", 2, "athlete_id", "S001"),
        (("error", "injuries.csv", 2, "athlete_id", "did you mean 'S01'?"),),
    ),
    Case(
        "exposures_unit_typo",
        _set_cell("exposures.csv", 2, "exposure_unit", "hrs"),
        (("error", "exposures.csv", 2, "exposure_unit", "did you mean 'hours'?"),),
    ),
]


@pytest.fixture
def fake_reader(monkeypatch):
    monkeypatch.setattr(study_mod.recordings, "_read_recording", fake_read_recording)


def _validate_timed(root: Path) -> tuple[list, float]:
    started = time.perf_counter()
    problems = validate_study(root, progress=False)
    return problems, time.perf_counter() - started


def test_the_corpus_is_big_and_distinct():
    assert len(CASES) >= 33
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_study_gives_exactly_the_expected_problems(case, tmp_path, fake_reader):
    root = build_valid_study(tmp_path / "study")
    assert validate_study(root, progress=False) == []  # the starting point is valid
    case.mutate(root)
    problems, seconds = _validate_timed(root)
    assert seconds < MAX_VALIDATE_S, f"{case.name}: validate took {seconds:.1f} s"
    listing = "\n".join(map(str, problems))
    for severity, file, row, column, text in case.expected:
        assert any(
            (p.severity, p.file, p.row, p.column) == (severity, file, row, column) and text in f"{p.message} {p.hint}"
            for p in problems
        ), f"{case.name}: not reported: {severity} {file}:{row} [{column}] {text!r}\ngot:\n{listing}"
    got = {(p.severity, p.file, p.row, p.column) for p in problems}
    assert got == {e[:4] for e in case.expected}, f"{case.name}: other problems than expected:\n{listing}"
    # load_study checks study.yaml and the tables; a recording's content errors fail that trial in `features`
    errors = [p for p in validate_study(root, check_files=False, progress=False) if p.severity == "error"]
    if errors:
        with pytest.raises(StudyError) as info:
            load_study(root)
        for p in errors:
            assert f"{p.where}" in str(info.value)
    else:
        study = load_study(root)  # warnings only (or errors in recordings): loads, and keeps the warnings
        expected_warnings = {e[1:4] for e in case.expected if e[0] == "warning"}
        assert {(p.file, p.row, p.column) for p in study.warnings} == expected_warnings


# ---------------------------------------------------------------------------------------------
# odd but valid files: read correctly, not refused (and not misread)
# ---------------------------------------------------------------------------------------------
SUBJECTS_TEXT = "subject_id,body_mass_kg,height_m,sex,age,training_age_years,group\nS01,75.5,1.80,male,25,5,early\nS02,60,1.65,female,30,8,late\n"

ACCEPTED = {
    "excel_bom": lambda root: (root / "subjects.csv").write_bytes(SUBJECTS_TEXT.encode("utf-8-sig")),
    "crlf_line_endings": lambda root: (root / "subjects.csv").write_bytes(SUBJECTS_TEXT.replace("\n", "\r\n").encode()),
    "semicolon_and_decimal_comma": lambda root: (root / "subjects.csv").write_text(
        SUBJECTS_TEXT.replace(",", ";").replace("75.5", "75,5").replace("1.80", "1,80").replace("1.65", "1,65")
    ),
    "tab_separated": lambda root: (root / "subjects.csv").write_text(SUBJECTS_TEXT.replace(",", "\t")),
    "blank_lines_between_rows": lambda root: (root / "subjects.csv").write_text(
        SUBJECTS_TEXT.replace("\nS02", "\n\n,,,,,,\nS02")
    ),
    "upper_case_header": lambda root: (root / "subjects.csv").write_text(
        SUBJECTS_TEXT.replace("subject_id,body_mass_kg", "SUBJECT_ID,Body_Mass_Kg")
    ),
}


@pytest.mark.parametrize("mutate", ACCEPTED.values(), ids=list(ACCEPTED))
def test_odd_but_valid_tables_read_correctly(mutate, tmp_path, fake_reader):
    root = build_valid_study(tmp_path / "study")
    mutate(root)
    problems, seconds = _validate_timed(root)
    assert problems == [] and seconds < MAX_VALIDATE_S
    subjects = load_study(root).subjects
    assert subjects["subject_id"].tolist() == ["S01", "S02"]
    assert subjects["body_mass_kg"].tolist() == [75.5, 60.0]
    assert subjects["height_m"].tolist() == [1.80, 1.65]


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path):
    root = build_valid_study(tmp_path / "study")
    (root / "subjects.csv").write_text(SUBJECTS_TEXT.replace("\nS02,60", "\n\nS02,-60"))
    problems = validate_study(root, check_files=False, progress=False)
    assert [(p.file, p.row, p.column) for p in problems] == [("subjects.csv", 4, "body_mass_kg")]


# ---------------------------------------------------------------------------------------------
# the alias bomb and the header-only trials.csv, as a user meets them
# ---------------------------------------------------------------------------------------------
def test_alias_bomb_is_refused_in_under_a_second_naming_the_file(tmp_path):
    root = build_valid_study(tmp_path / "study")
    (root / "study.yaml").write_text(_alias_bomb(levels=20), encoding="utf-8")  # 9 ** 20 values if expanded
    started = time.perf_counter()
    with pytest.raises(StudyError) as info:
        load_study(root)
    assert time.perf_counter() - started < MAX_ALIAS_BOMB_S
    assert "study.yaml: is refused: its aliases (*name) expand to more than 100,000 values" in str(info.value)
    started = time.perf_counter()
    problems = validate_study(root, progress=False)
    assert time.perf_counter() - started < MAX_ALIAS_BOMB_S + MAX_VALIDATE_S
    assert [p.file for p in problems if p.severity == "error"] == ["study.yaml"]


def test_a_few_anchors_and_merge_keys_still_work(tmp_path):
    root = build_valid_study(tmp_path / "study")
    (root / "study.yaml").write_text(
        # an anchored scalar, an alias and a merge key, all into settings the stages know (processing: is checked)
        VALID_YAML
        + "processing:\n  emg: {envelope_lowpass_hz: &hz 6}\n  forceplate: {<<: {onset_sd: 5}, onset_fixed_n: *hz}\n",
        encoding="utf-8",
    )
    study = load_study(root)
    assert study.processing["forceplate"] == {"onset_sd": 5, "onset_fixed_n": 6}


def test_validate_cli_fails_on_a_header_only_trials_csv(tmp_path, capsys):
    from analysis.cli import main as cli_main

    root = build_valid_study(tmp_path / "study")
    _header_only("trials.csv")(root)
    assert cli_main(["validate", str(root)]) == 1
    out = capsys.readouterr().out
    assert (
        "trials.csv" in out
        and "has a header but no data rows" in out
        and out.rstrip().splitlines()[-1].startswith("INVALID")
    )


def test_a_case_insensitive_disk_gets_a_warning_for_a_mis_cased_file(tmp_path, monkeypatch):
    """On macOS/Windows 'raw/s01/CMJ.csv' opens; the study would then fail on Linux. Simulated here (Linux is
    case-sensitive) by letting every path 'exist'."""
    root = build_valid_study(tmp_path / "study")
    _set_cell("trials.csv", 6, "file", "raw/s01/CMJ.csv")(root)
    monkeypatch.setattr(study_mod.cross_checks, "_is_file", lambda path: path is not None)
    problems = validate_study(root, check_files=False, progress=False)
    assert [(p.severity, p.file, p.row, p.column) for p in problems] == [("warning", "trials.csv", 6, "file")]
    assert "'raw/S01/cmj.csv' on disk" in problems[0].message


def test_many_missing_files_in_a_big_folder_validate_quickly(tmp_path, fake_reader):
    root = build_valid_study(tmp_path / "study")
    folder = root / "raw" / "many"
    folder.mkdir()
    for i in range(3000):
        (folder / f"trial_{i:05d}.csv").write_bytes(b"")

    def edit(rows):
        rows.extend(
            ["S01", "1", f"m{i}", "cmj", "0", "", "none", "forceplate", f"raw/many/Trial-{i:05d}.csv", "", "", "", ""]
            for i in range(2000)
        )

    _edit_csv(root / "trials.csv", edit)
    problems, seconds = _validate_timed(root)
    assert seconds < MAX_VALIDATE_S
    missing = [p for p in problems if p.column == "file"]
    assert len(missing) == 2000 and all("does not exist" in p.message for p in missing)
    assert "did you mean 'raw/many/trial_00000.csv'?" in missing[0].hint


def test_a_table_whose_every_row_is_refused_is_not_called_header_only(tmp_path, fake_reader):
    root = build_valid_study(tmp_path / "study")
    (root / "subjects.csv").write_text("subject_id,body_mass_kg\nS01,75,x,y\nS02,60,x,y\n", encoding="utf-8")
    problems = validate_study(root, check_files=False, progress=False)
    subjects = [(p.row, p.message) for p in problems if p.file == "subjects.csv"]
    assert subjects == [
        (2, "has 4 cells but the header has 2 columns"),
        (3, "has 4 cells but the header has 2 columns"),
    ]
