"""Validation of a study folder: parse study.yaml and every table, cross-check them, open every recording once and
check its content; :func:`validate_study` lists every problem at once."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReadError
from analysis.recording import Recording
from analysis.study import recordings
from analysis.study.config import _channel_map, _check_study_yaml
from analysis.study.content import check_recording, check_sampling_rate_consistency
from analysis.study.cross_checks import _check_injury_tables, _check_measures, _check_trials, _inside, _is_file
from analysis.study.plausibility import check_body_masses
from analysis.study.problems import Problem, _Problems, _sorted
from analysis.study.schema import _table_spec
from analysis.study.tables import _read_raw_csv, _typed_table


@dataclass
class _Parsed:
    root: Path
    config: dict[str, Any] | None
    subjects: pd.DataFrame | None = None
    trials: pd.DataFrame | None = None
    measures: pd.DataFrame | None = None
    exposures: pd.DataFrame | None = None
    injuries: pd.DataFrame | None = None
    problems: _Problems = field(default_factory=_Problems)


def _parse(root: Path) -> _Parsed:
    root = Path(root)
    problems = _Problems()
    parsed = _Parsed(root=root, config=None, problems=problems)
    if not root.is_dir():
        problems.error(
            str(root),
            None,
            None,
            "the study folder does not exist" if not root.exists() else "is not a folder",
            "give the path of a folder holding study.yaml, subjects.csv and trials.csv",
        )
        return parsed
    config = _check_study_yaml(root, problems)
    parsed.config = config
    exercises = config.get("exercises") if isinstance(config, dict) else None
    extra = {"exercise": [str(e) for e in exercises]} if isinstance(exercises, list) else {}
    for table in ("subjects", "trials", "measures", "exposures", "injuries"):
        spec = _table_spec(table)
        path = root / spec["file"]
        if not path.is_file():
            if spec.get("required"):
                problems.error(
                    spec["file"],
                    None,
                    None,
                    f"{spec['file']} is missing",
                    f"create it with the columns listed in data/README.md ({spec['file']})",
                )
            continue
        raw = _read_raw_csv(path, spec["file"], problems)
        if raw is None:
            continue
        typed = _typed_table(raw, table, spec["file"], problems, extra)
        if table == "subjects" and "subject_id" in raw.missing_columns:
            # (an error above) without subject codes every trial would also read as "unknown subject"
            continue
        rows_refused = any(p.file == spec["file"] and (p.row or 0) > 1 for p in problems)  # e.g. too many cells
        if typed.empty and spec.get("required") and not rows_refused:
            problems.error(
                spec["file"],
                None,
                None,
                f"{spec['file']} has a header but no data rows",
                f"add one row per {'subject' if table == 'subjects' else 'recorded trial'} below the header "
                "(a study without them has nothing to analyse)",
            )
        setattr(parsed, table, typed)
    if parsed.subjects is not None:
        check_body_masses(parsed.subjects, problems)
        s = parsed.subjects
        for r, age, years in zip(s["_row"], s["age"], s["training_age_years"]):
            if np.isfinite(age) and np.isfinite(years) and years > age:
                problems.warning(
                    "subjects.csv",
                    int(r),
                    "training_age_years",
                    f"training_age_years {years:g} exceeds age {age:g}",
                    "check both values",
                )
    if parsed.trials is not None:
        _check_trials(root, parsed.trials, parsed.subjects, config, problems)
    if parsed.measures is not None:
        _check_measures(parsed.measures, parsed.subjects, problems)
    _check_injury_tables(parsed.exposures, parsed.injuries, problems)
    return parsed


def _check_files(parsed: _Parsed, progress: bool) -> None:
    trials = parsed.trials
    if trials is None or trials.empty:
        return
    problems = parsed.problems
    from tqdm import tqdm

    channel_map = _channel_map(parsed.config or {})
    rows = [t for t in trials.to_dict("records") if t["file"] and _is_file(_inside(parsed.root, t["file"]))]
    cache: dict[tuple, Recording | Problem] = {}
    rates = []
    for trial in tqdm(rows, desc="checking recordings", unit="file", disable=not progress, delay=1.0, file=sys.stderr):
        path = _inside(parsed.root, trial["file"])
        assert path is not None  # rows holds only files inside the study folder (filtered above)
        options = recordings._recording_options(trial, parsed.config)
        key = (str(path), repr(sorted(options.items())))  # repr: a force_platform option is a dict
        if key not in cache:
            try:
                cache[key] = recordings._read_recording_checking_rate(path, options)
            except ReadError as exc:
                where = f" ({exc.where})" if exc.where else ""
                cache[key] = Problem(
                    "error",
                    "trials.csv",
                    None,
                    "file",
                    f"{trial['file']}: cannot be read{where}: {exc.problem}",
                    exc.hint or "check the file and its format (trials.csv 'format' column)",
                )
            except Exception as exc:  # a reader bug must not hide the other problems
                cache[key] = Problem(
                    "error",
                    "trials.csv",
                    None,
                    "file",
                    f"{trial['file']}: the reader failed unexpectedly ({type(exc).__name__}: {exc})",
                    "report this as a bug in analysis.io, with the file",
                )
        result = cache[key]
        if isinstance(result, Problem):
            problems.append(
                Problem(result.severity, "trials.csv", int(trial["_row"]), result.column, result.message, result.hint)
            )
            continue
        problems.extend(check_recording(result, trial, channel_map))
        rates.append(
            {
                "_row": trial["_row"],
                "session": trial["session"],
                "kind": trial["kind"],
                "file": trial["file"],
                "file_sampling_rate_hz": float(result.sampling_rate_hz),
            }
        )
    if rates:
        problems.extend(check_sampling_rate_consistency(pd.DataFrame(rates)))


def validate_study(path: str | Path, check_files: bool = True, progress: bool = True) -> list[Problem]:
    """Every problem of the study folder at ``path``, errors and warnings, sorted by file and row.

    ``check_files=False`` checks only study.yaml and the tables (file existence included), without opening
    recordings. Nothing is written anywhere. Rows are spreadsheet rows (header = row 1).
    """
    parsed = _parse(Path(path))
    if check_files:
        _check_files(parsed, progress)
    return _sorted(list(parsed.problems))
