"""Checks across the tables: trials against subjects and study.yaml (loads, files inside the folder, MVC coverage),
measures against subjects, injuries against exposures."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.study.config import _analysed_muscles, _channel_map, _mvc_required
from analysis.study.problems import _Problems
from analysis.study.schema import _EMG_KINDS, STUDY_YAML, load_schema
from analysis.study.suggest import Listings, Suggestions, closest_file, spelling_on_disk
from analysis.units import KG_PER_LB

#: missing files for which similar names are searched (letter case is always checked) [assumption: a study
#: with more missing files has a wrong folder, not typos; keeps validate fast on 10,000-file folders]
_MAX_FUZZY_FILE_SUGGESTIONS = 50


def _split_muscles(cell: Any) -> list[str]:
    return [m.strip() for m in str(cell or "").split(";") if m.strip()]


def _inside(root: Path, relative: str) -> Path | None:
    """Absolute path of ``relative`` if it stays inside ``root`` (symlinks resolved), else None."""
    candidate = Path(relative.replace("\\", "/"))
    if candidate.is_absolute() or candidate.drive:
        return None
    try:
        resolved = (root / candidate).resolve()
        resolved.relative_to(root.resolve())
    except (ValueError, OSError):  # outside the folder, NUL byte, name too long, symlink loop
        return None
    return resolved


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _is_file(path: Path | None) -> bool:
    try:
        return path is not None and path.is_file()
    except (OSError, ValueError):
        return False


def _check_trials(
    root: Path,
    trials: pd.DataFrame,
    subjects: pd.DataFrame | None,
    config: Mapping[str, Any] | None,
    problems: _Problems,
    label: str = "trials.csv",
) -> None:
    subject_ids = set(subjects["subject_id"]) if subjects is not None else None
    known_subjects = Suggestions(subject_ids or ())
    for r, subject in zip(trials["_row"], trials["subject_id"]):
        if subject and subject_ids is not None and subject not in subject_ids:
            problems.error(
                label,
                int(r),
                "subject_id",
                f"unknown subject {subject!r} (not in subjects.csv)",
                known_subjects.hint("add the subject to subjects.csv or fix the code", subject),
            )
    load_kg_max = load_schema()["checks"]["load_kg_max"]
    for r, load, unit, phase in zip(
        trials["_row"], trials["load_per_ankle"], trials["load_unit"], trials["load_phase"]
    ):
        r = int(r)
        if not np.isfinite(load):
            continue
        if load > 0 and not unit:
            problems.error(
                label,
                r,
                "load_unit",
                f"load_per_ankle is {load:g} but load_unit is empty",
                "write kg or lb in load_unit",
            )
        if load == 0 and phase and phase != "none":
            problems.error(
                label,
                r,
                "load_phase",
                f"load_phase is {phase!r} but load_per_ankle is 0",
                "set load_phase to none for unloaded trials, or fill in the load",
            )
        if load > 0 and phase == "none":
            problems.error(
                label,
                r,
                "load_phase",
                f"load_per_ankle is {load:g} but load_phase is 'none'",
                "say where the load acts: full_range, mid_range, eccentric_only or concentric_only",
            )
        if unit in ("kg", "lb"):
            load_kg = load * (KG_PER_LB if unit == "lb" else 1.0)
            if load_kg > load_kg_max:
                problems.warning(
                    label,
                    r,
                    "load_per_ankle",
                    f"{load:g} {unit} per ankle ({load_kg:.1f} kg) is unusually heavy",
                    f"check the value and load_unit (loads above {load_kg_max} kg per ankle are implausible)",
                )
    if subjects is not None:
        used = set(trials["subject_id"])
        for r, subject in zip(subjects["_row"], subjects["subject_id"]):
            if subject and subject not in used:
                problems.warning("subjects.csv", int(r), "subject_id", f"subject {subject!r} has no trials", "")
    listings: Listings = {}  # each folder listed once for the spelling checks
    n_missing = 0
    for r, relative in zip(trials["_row"], trials["file"]):
        if not relative:
            continue
        path = _inside(root, relative)
        if path is None:
            problems.error(
                label,
                int(r),
                "file",
                f"{relative!r} leaves the study folder (or is not a valid path)",
                "copy the recording into the study folder and give a path relative to it",
            )
        elif not _is_file(path):
            n_missing += 1
            # similar names are looked for only for the first files: difflib over big folders costs ms per file
            closest = closest_file(root, relative, listings, fuzzy=n_missing <= _MAX_FUZZY_FILE_SUGGESTIONS)
            suggestion = f"did you mean {closest!r}? " if closest else ""
            problems.error(
                label,
                int(r),
                "file",
                f"file {relative!r} does not exist" + (" (it is a folder)" if _is_dir(path) else ""),
                suggestion + "check the path (relative to the study folder, '/' separators, exact case)",
            )
        else:
            on_disk = spelling_on_disk(root, relative, listings)
            if on_disk is not None:  # a case-insensitive disk (macOS, Windows) opened it; Linux will not
                problems.warning(
                    label,
                    int(r),
                    "file",
                    f"file {relative!r} is spelled {on_disk!r} on disk (letter case differs)",
                    f"write {on_disk!r}: the study then also opens on case-sensitive systems (Linux, clusters)",
                )
    if config is not None:  # without a readable study.yaml the channel map is unknown: nothing to say about MVCs
        _check_mvc(trials, config, problems, label)


def _check_mvc(trials: pd.DataFrame, config: Mapping[str, Any], problems: _Problems, label: str) -> None:
    channel_muscles = set(_channel_map(config).values())
    recorded = Suggestions(channel_muscles)
    for r, is_mvc, cell in zip(trials["_row"], trials["is_mvc"], trials["mvc_muscle"]):
        if is_mvc and not _split_muscles(cell):
            problems.error(
                label,
                int(r),
                "mvc_muscle",
                "MVC trial without mvc_muscle",
                "name the muscle(s) this MVC is for; several separated by ';'",
            )
        for muscle in _split_muscles(cell):
            if channel_muscles and muscle not in channel_muscles:
                problems.warning(
                    label,
                    int(r),
                    "mvc_muscle",
                    f"mvc_muscle {muscle!r} is not recorded by any channel in study.yaml",
                    recorded.hint("check the spelling against 'channels:' in study.yaml", muscle),
                )
    emg = trials[trials["kind"].isin(_EMG_KINDS)]
    if emg.empty:
        return
    muscles = _analysed_muscles(config)
    if not muscles:
        problems.warning(
            STUDY_YAML,
            None,
            "channels",
            "the study has EMG trials but no 'channels:' map",
            "map each EMG channel name to its muscle so EMG can be analysed per muscle",
        )
        return
    if not _mvc_required(config):
        return
    for (subject, session), group in emg.groupby(["subject_id", "session"], sort=True):
        covered: set[str] = set()
        for is_mvc, cell in zip(group["is_mvc"], group["mvc_muscle"]):
            if is_mvc:
                covered.update(_split_muscles(cell))
        dynamic = group[~group["is_mvc"].astype(bool)]
        if dynamic.empty:
            continue
        first_row = int(dynamic["_row"].min())
        for muscle in muscles:
            if muscle not in covered:
                problems.error(
                    label,
                    first_row,
                    "mvc_muscle",
                    f"subject {subject!r}, session {session!r}: no MVC trial for analysed muscle {muscle!r}",
                    f"add a trial with is_mvc=true and mvc_muscle={muscle}, or set 'mvc: {{required: false}}' "
                    "in study.yaml to analyse without %MVC normalisation",
                )


def _check_measures(measures: pd.DataFrame, subjects: pd.DataFrame | None, problems: _Problems) -> None:
    if subjects is None:
        return
    ids = set(subjects["subject_id"])
    known_subjects = Suggestions(ids)
    for r, subject in zip(measures["_row"], measures["subject_id"]):
        if subject and subject not in ids:
            problems.error(
                "measures.csv",
                int(r),
                "subject_id",
                f"unknown subject {subject!r} (not in subjects.csv)",
                known_subjects.hint("add the subject to subjects.csv or fix the code", subject),
            )


def _check_injury_tables(exposures: pd.DataFrame | None, injuries: pd.DataFrame | None, problems: _Problems) -> None:
    if exposures is not None:
        for r, start, end in zip(exposures["_row"], exposures["date_start"], exposures["date_end"]):
            if pd.notna(start) and pd.notna(end) and end < start:
                problems.error(
                    "exposures.csv",
                    int(r),
                    "date_end",
                    f"date_end {end.date()} is before date_start {start.date()}",
                    "swap or correct the dates",
                )
    if injuries is None:
        return
    if exposures is None:
        problems.error(
            "injuries.csv",
            None,
            None,
            "injuries.csv has no exposures.csv beside it",
            "add exposures.csv: rates need the time at risk of every athlete",
        )
        return
    periods = {a: g for a, g in exposures.groupby("athlete_id")}
    known_athletes = Suggestions(periods)
    for r, athlete, injured, recovered, days in zip(
        injuries["_row"],
        injuries["athlete_id"],
        injuries["date_injured"],
        injuries["date_recovered"],
        injuries["days_lost"],
    ):
        r = int(r)
        if athlete and athlete not in periods:
            problems.error(
                "injuries.csv",
                r,
                "athlete_id",
                f"athlete {athlete!r} has an injury but no exposure in exposures.csv",
                known_athletes.hint("add the athlete's exposure (time at risk) or fix the athlete code", athlete),
            )
        if pd.notna(injured) and pd.notna(recovered):
            if recovered < injured:
                problems.error(
                    "injuries.csv",
                    r,
                    "date_recovered",
                    f"date_recovered {recovered.date()} is before date_injured {injured.date()}",
                    "swap or correct the dates",
                )
            elif np.isfinite(days) and abs((recovered - injured).days - days) > 1:
                problems.warning(
                    "injuries.csv",
                    r,
                    "days_lost",
                    f"days_lost {days:g} disagrees with the dates ({(recovered - injured).days} days)",
                    "correct days_lost or the dates",
                )
        if athlete in periods and pd.notna(injured):
            g = periods[athlete]
            inside = ((g["date_start"] <= injured) & (injured <= g["date_end"])).any()
            if not inside:
                problems.warning(
                    "injuries.csv",
                    r,
                    "date_injured",
                    f"injury on {injured.date()} is outside athlete {athlete!r}'s exposure periods",
                    "check the date or the exposure periods",
                )
