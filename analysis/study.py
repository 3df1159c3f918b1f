"""The study folder: format, loading and validation (``anklelab validate``).

A study is one folder (``study.yaml``, ``subjects.csv``, ``trials.csv`` and optional ``measures.csv``,
``exposures.csv``, ``injuries.csv``; see data/README.md, the single source of truth in words, and
``study_schema.yaml``, the same rules machine readable). ``validate_study`` lists every problem at once
with its file, spreadsheet row and column; ``load_study`` returns one tidy :class:`Study` or raises
``StudyError`` listing all errors. Nothing here ever writes into the study folder.

Rows are **spreadsheet rows**: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import importlib
import importlib.resources
import io as _stdio
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis.errors import ReadError, StudyError
from analysis.paths import cache_dir_for
from analysis.recording import Recording

__all__ = [
    "Problem",
    "Study",
    "load_study",
    "validate_study",
    "check_recording",
    "check_declared_sampling_rate",
    "check_nonfinite_gaps",
    "check_clipping",
    "check_mapped_channels",
    "check_sampling_rate_consistency",
    "load_schema",
    "format_problems",
    "KG_PER_LB",
    "ROW_CONVENTION",
]

#: International yard and pound agreement (1959): 1 lb = 0.45359237 kg exactly.
KG_PER_LB = 0.45359237
#: How rows are numbered in every message.
ROW_CONVENTION = "rows are spreadsheet rows: header = row 1, first data row = row 2"

STUDY_YAML = "study.yaml"
_EMG_KINDS = ("emg", "combined")
_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}


# ---------------------------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with a study. ``row`` is the spreadsheet row (header = 1), None for the whole file."""

    severity: str  # "error" | "warning"
    file: str  # relative to the study folder (e.g. "trials.csv")
    row: int | None
    column: str | None
    message: str
    hint: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.row}" if self.row is not None else self.file

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        col = f" [{self.column}]" if self.column else ""
        hint = f" -- {self.hint}" if self.hint else ""
        return f"{self.severity}: {self.where}{col}: {self.message}{hint}"


class _Problems(list):
    """A list of Problem with two short constructors."""

    def error(self, file: str, row: int | None, column: str | None, message: str, hint: str = "") -> None:
        self.append(Problem("error", file, row, column, message, hint))

    def warning(self, file: str, row: int | None, column: str | None, message: str, hint: str = "") -> None:
        self.append(Problem("warning", file, row, column, message, hint))


# ---------------------------------------------------------------------------------------------
# schema
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The machine-checked study schema (analysis/study_schema.yaml, shipped as package data)."""
    text = importlib.resources.files("analysis").joinpath("study_schema.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _table_spec(name: str) -> dict[str, Any]:
    return load_schema()["tables"][name]


# ---------------------------------------------------------------------------------------------
# reading CSV manifests: never a traceback, every failure a Problem
# ---------------------------------------------------------------------------------------------
@dataclass
class _RawTable:
    frame: pd.DataFrame  # all cells as stripped str, plus "_row" (spreadsheet row)
    decimal_comma: bool
    missing_columns: set[str]


def _read_raw_csv(path: Path, label: str, problems: _Problems) -> _RawTable | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(label, None, None, f"cannot open: {exc.strerror or exc}", "check the file permissions")
        return None
    if b"\x00" in data:
        problems.error(
            label,
            None,
            None,
            "is not a text file (contains NUL bytes)",
            "export the table as CSV (comma-separated, UTF-8)",
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.error(
            label,
            None,
            None,
            f"is not UTF-8 text (byte {exc.start})",
            "save it as 'CSV UTF-8 (comma delimited)' in Excel, or UTF-8 in your editor",
        )
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(_stdio.StringIO(text, newline=""), delimiter=delimiter)
    try:
        while True:
            start_line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if any(c.strip() for c in cells):
                records.append((start_line, [c.strip() for c in cells]))
    except csv.Error as exc:
        problems.error(label, reader.line_num, None, f"malformed CSV: {exc}", "check for an unmatched double quote")
        return None
    if not records:
        problems.error(
            label, None, None, "is empty (no header row)", "the first row must name the columns (see data/README.md)"
        )
        return None
    header_row, header = records[0]
    names = [h.lower() for h in header]
    ok = True
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            problems.error(
                label,
                header_row,
                None,
                f"header cell {i + 1} is empty",
                "give every column a name or delete the empty column",
            )
            ok = False
        elif name in seen:
            problems.error(
                label, header_row, name, f"column {name!r} appears twice in the header", "delete or rename one of them"
            )
            ok = False
        seen.setdefault(name, i)
    if not ok:
        return None
    n_columns = len(names)
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    for line, cells in records[1:]:
        if len(cells) > n_columns and any(cells[n_columns:]):
            problems.error(
                label,
                line,
                None,
                f"has {len(cells)} cells but the header has {n_columns} columns",
                "a value probably contains the separator: quote it or remove the extra cells",
            )
            continue
        cells = (cells + [""] * n_columns)[:n_columns]
        rows.append(cells)
        row_numbers.append(line)
    frame = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names, dtype=object)
    frame["_row"] = row_numbers
    return _RawTable(frame=frame, decimal_comma=delimiter == ";", missing_columns=set())


def _typed_table(
    raw: _RawTable, table: str, label: str, problems: _Problems, extra_vocabulary: Mapping[str, list[str]] | None = None
) -> pd.DataFrame:
    """Check every column against the schema and return a typed frame (bad cells become NaN/None)."""
    spec = _table_spec(table)
    columns: dict[str, dict[str, Any]] = spec["columns"]
    frame = raw.frame
    header_row = 1
    for name, col in columns.items():
        if name not in frame.columns:
            if col.get("required"):
                problems.error(
                    label,
                    header_row,
                    name,
                    f"required column {name!r} is missing",
                    f"add a column named {name!r} (see data/README.md, section {spec['file']})",
                )
            frame[name] = ""
            raw.missing_columns.add(name)
    derived = set(spec.get("derived", {}))
    for name in frame.columns:
        if name == "_row" or name in columns:
            continue
        if name in derived:
            problems.warning(
                label,
                header_row,
                name,
                f"column {name!r} is computed on loading; the typed values are ignored",
                "delete the column (it is derived from load_per_ankle, load_unit and body mass)",
            )
        else:
            problems.warning(
                label,
                header_row,
                name,
                f"unknown column {name!r} is ignored",
                f"check the spelling; known columns: {', '.join(columns)}",
            )
    out: dict[str, Any] = {"_row": frame["_row"].astype(int).to_numpy()}
    vocabularies = load_schema().get("vocabularies", {})
    for name, col in columns.items():
        cells = frame[name].astype(str)
        rows = frame["_row"].to_numpy()
        present = name not in raw.missing_columns
        kind = col.get("type", "str")
        empty = (cells == "").to_numpy()
        if present and col.get("nonempty"):
            for r in rows[empty]:
                what = "missing unit" if name in ("unit", "exposure_unit") else "empty cell"
                problems.error(label, int(r), name, f"{what}: {name!r} must be filled", _empty_hint(name, col))
        if kind == "float":
            text = cells.str.replace(",", ".", regex=False) if raw.decimal_comma else cells
            values = pd.to_numeric(text.where(~empty, None), errors="coerce").astype(float)
            bad = ~empty & ~np.isfinite(values.to_numpy())
            for r, c in zip(rows[bad], cells.to_numpy()[bad]):
                problems.error(
                    label, int(r), name, f"{c!r} is not a number", _number_hint(name, col, raw.decimal_comma)
                )
            values = values.where(np.isfinite(values))
            severity = col.get("range_severity", "error")
            lo, hi = col.get("min"), col.get("max")
            report = problems.error if severity == "error" else problems.warning
            for r, v in zip(rows, values.to_numpy()):
                if not np.isfinite(v):
                    continue
                if (lo is not None and v < lo) or (hi is not None and v > hi):
                    unit = f" {col['unit']}" if col.get("unit") else ""
                    bounds = f"{lo}–{hi}" if hi is not None else f"≥ {lo}"
                    report(
                        label,
                        int(r),
                        name,
                        f"{name} = {v:g}{unit} is implausible (expected {bounds}{unit})",
                        _range_hint(name),
                    )
            out[name] = values.to_numpy()
        elif kind == "bool":
            lowered = cells.str.lower()
            bad = ~lowered.isin(_TRUE | _FALSE).to_numpy()
            for r, c in zip(rows[bad], cells.to_numpy()[bad]):
                problems.error(
                    label, int(r), name, f"{c!r} is not true/false", "write true or false (yes/no and 1/0 also work)"
                )
            default = bool(col.get("default", False))
            out[name] = [True if v in _TRUE else (default if v == "" else False) for v in lowered]
        elif kind == "date":
            parsed = []
            for r, c in zip(rows, cells):
                if c == "":
                    parsed.append(pd.NaT)
                    continue
                try:
                    day = dt.date.fromisoformat(c)
                except ValueError:
                    problems.error(
                        label, int(r), name, f"{c!r} is not a date", "write dates as YYYY-MM-DD (e.g. 2024-03-31)"
                    )
                    parsed.append(pd.NaT)
                    continue
                if not 1900 <= day.year <= 2100:  # outside any sports-medicine record; also keeps ns timestamps valid
                    problems.error(
                        label, int(r), name, f"date {c!r} (year {day.year}) is implausible", "check the year"
                    )
                    parsed.append(pd.NaT)
                    continue
                parsed.append(pd.Timestamp(day))
            out[name] = pd.to_datetime(pd.Series(parsed, dtype="datetime64[ns]")).to_numpy()
        else:
            values = cells
            allowed = col.get("allowed")
            vocab_name = col.get("vocabulary")
            if allowed is not None:
                values = cells.str.lower()
                bad = ~(values.isin([str(a) for a in allowed]) | (values == "")).to_numpy()
                for r, c in zip(rows[bad], cells.to_numpy()[bad]):
                    problems.error(
                        label, int(r), name, f"unknown {name} {c!r}", f"use one of: {', '.join(map(str, allowed))}"
                    )
            elif vocab_name is not None:
                vocab = list(vocabularies.get(vocab_name, [])) + list((extra_vocabulary or {}).get(vocab_name, []))
                bad = ~(cells.isin(vocab) | (cells == "")).to_numpy()
                for r, c in zip(rows[bad], cells.to_numpy()[bad]):
                    problems.error(
                        label,
                        int(r),
                        name,
                        f"unknown {name} {c!r}",
                        f"use a built-in name (data/README.md) or declare it under '{vocab_name}s:' in study.yaml",
                    )
            elif col.get("known") is not None:
                known = [str(k) for k in col["known"]]
                bad = ~(cells.isin(known) | (cells == "")).to_numpy()
                for r, c in zip(rows[bad], cells.to_numpy()[bad]):
                    problems.warning(
                        label, int(r), name, f"unusual {name} {c!r}", f"expected one of: {', '.join(known)}"
                    )
            out[name] = values.to_numpy(dtype=object)
            if col.get("unique") and present:
                first_row: dict[str, int] = {}
                for r, v in zip(rows, values):
                    if v == "":
                        continue
                    if v in first_row:
                        problems.error(
                            label,
                            int(r),
                            name,
                            f"duplicate {name} {v!r} (first used in row {first_row[v]})",
                            f"every {name} must be unique: rename one of them",
                        )
                    else:
                        first_row[v] = int(r)
    return pd.DataFrame(out)


def _empty_hint(name: str, col: Mapping[str, Any]) -> str:
    if name == "load_per_ankle":
        return "write 0 for an unloaded trial"
    if col.get("allowed"):
        return f"write one of: {', '.join(map(str, col['allowed']))}"
    if name in ("unit", "exposure_unit"):
        return "write the unit of the value (e.g. deg, s, N; hours or minutes for exposure)"
    return f"fill in {name} (see data/README.md)"


def _number_hint(name: str, col: Mapping[str, Any], decimal_comma: bool) -> str:
    unit = f" in {col['unit']}" if col.get("unit") else ""
    sep = "" if decimal_comma else "; use a decimal point (72.5), not a comma"
    return f"write a plain number{unit} without a unit suffix{sep}"


def _range_hint(name: str) -> str:
    return {
        "body_mass_kg": "body mass must be in kg (lb / 2.2046 = kg); check for a typo",
        "height_m": "height must be in metres (178 cm = 1.78)",
        "load_per_ankle": "loads cannot be negative",
    }.get(name, "check for a typo or a unit mix-up")


# ---------------------------------------------------------------------------------------------
# study.yaml
# ---------------------------------------------------------------------------------------------
def _check_study_yaml(root: Path, problems: _Problems) -> dict[str, Any] | None:
    path = root / STUDY_YAML
    if not path.is_file():
        problems.error(
            STUDY_YAML,
            None,
            None,
            "study.yaml is missing",
            "create it with at least 'name:' and 'synthetic: true|false' (see data/README.md)",
        )
        return None
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        problems.error(STUDY_YAML, None, None, "is not UTF-8 text", "save it as UTF-8")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.error(
            STUDY_YAML,
            line,
            None,
            f"is not valid YAML: {getattr(exc, 'problem', None) or exc}",
            "check indentation and quote names containing ':' or '#' (row = line number)",
        )
        return None
    if config is None:
        config = {}
    if not isinstance(config, dict):
        problems.error(
            STUDY_YAML, None, None, "must be a mapping of keys (name:, synthetic:, ...)", "see data/README.md"
        )
        return None
    keys = load_schema()["study_yaml"]["keys"]
    for key, spec in keys.items():
        value = config.get(key)
        if value is None:
            if spec.get("required"):
                hint = (
                    "add 'synthetic: true' for simulated data or 'synthetic: false' for real recordings"
                    if key == "synthetic"
                    else f"add '{key}:'"
                )
                problems.error(STUDY_YAML, None, key, f"required key {key!r} is missing", hint)
            continue
        expected = {"str": str, "bool": bool, "mapping": dict, "list": list}[spec["type"]]
        if not isinstance(value, expected):
            hint = "write true or false without quotes" if expected is bool else f"{key} must be a {spec['type']}"
            problems.error(STUDY_YAML, None, key, f"{key} is {value!r}, not a {spec['type']}", hint)
    for key in config:
        if key not in keys:
            problems.warning(
                STUDY_YAML,
                None,
                str(key),
                f"unknown key {key!r} is ignored",
                f"check the spelling; known keys: {', '.join(keys)}",
            )
    if isinstance(config.get("name"), str) and not config["name"].strip():
        problems.error(STUDY_YAML, None, "name", "name is empty", "give the study a short name")
    allowed_units = load_schema()["study_yaml"]["units"]
    units = config.get("units")
    if isinstance(units, dict):
        for quantity, unit in units.items():
            if quantity in allowed_units and unit not in allowed_units[quantity]:
                problems.error(
                    STUDY_YAML,
                    None,
                    f"units.{quantity}",
                    f"unknown {quantity} unit {unit!r}",
                    f"use one of: {', '.join(allowed_units[quantity])}",
                )
    for key in ("channels", "roles"):
        mapping = config.get(key)
        if isinstance(mapping, dict):
            for channel, target in mapping.items():
                if not isinstance(target, str) or not target.strip():
                    problems.error(
                        STUDY_YAML,
                        None,
                        f"{key}.{channel}",
                        f"channel {channel!r} maps to {target!r}",
                        "map each channel name to a muscle (or role) name",
                    )
    known_muscles = set(load_schema()["vocabularies"]["muscle"])
    for muscle in sorted(set(_channel_map(config).values()) - known_muscles):
        problems.warning(
            STUDY_YAML,
            None,
            "channels",
            f"muscle {muscle!r} is not in the built-in muscle list",
            "check the spelling (e.g. gastrocnemius_medialis); unknown names still work",
        )
    listed = config.get("muscles")
    if isinstance(listed, list):
        unmapped = sorted(set(map(str, listed)) - set(_channel_map(config).values()))
        for muscle in unmapped:
            problems.warning(
                STUDY_YAML,
                None,
                "muscles",
                f"analysed muscle {muscle!r} is recorded by no channel in 'channels:'",
                "add the channel to 'channels:' or remove the muscle",
            )
    mvc = config.get("mvc")
    if isinstance(mvc, dict):
        window = mvc.get("window_ms")
        if window is not None and not (
            isinstance(window, (int, float)) and not isinstance(window, bool) and window > 0
        ):
            problems.error(
                STUDY_YAML, None, "mvc.window_ms", f"window_ms is {window!r}", "write a positive number of milliseconds"
            )
        if "required" in mvc and not isinstance(mvc["required"], bool):
            problems.error(STUDY_YAML, None, "mvc.required", f"required is {mvc['required']!r}", "write true or false")
    return config


def _channel_map(config: Mapping[str, Any]) -> dict[str, str]:
    mapping = config.get("channels")
    if not isinstance(mapping, dict):
        return {}
    return {str(k): str(v).strip() for k, v in mapping.items() if isinstance(v, str) and v.strip()}


def _analysed_muscles(config: Mapping[str, Any]) -> list[str]:
    listed = config.get("muscles")
    if isinstance(listed, list) and listed:
        return [str(m) for m in listed]
    return sorted(set(_channel_map(config).values()))


def _mvc_required(config: Mapping[str, Any]) -> bool:
    mvc = config.get("mvc")
    return not (isinstance(mvc, dict) and mvc.get("required") is False)


# ---------------------------------------------------------------------------------------------
# cross-table checks
# ---------------------------------------------------------------------------------------------
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
    for r, subject in zip(trials["_row"], trials["subject_id"]):
        if subject and subject_ids is not None and subject not in subject_ids:
            problems.error(
                label,
                int(r),
                "subject_id",
                f"unknown subject {subject!r} (not in subjects.csv)",
                "add the subject to subjects.csv or fix the code",
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
            problems.error(
                label,
                int(r),
                "file",
                f"file {relative!r} does not exist" + (" (it is a folder)" if _is_dir(path) else ""),
                "check the path (relative to the study folder, '/' separators, exact case)",
            )
    if config is not None:  # without a readable study.yaml the channel map is unknown: nothing to say about MVCs
        _check_mvc(trials, config, problems, label)


def _check_mvc(trials: pd.DataFrame, config: Mapping[str, Any], problems: _Problems, label: str) -> None:
    channel_muscles = set(_channel_map(config).values())
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
                    "check the spelling against 'channels:' in study.yaml",
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
    for r, subject in zip(measures["_row"], measures["subject_id"]):
        if subject and subject not in ids:
            problems.error(
                "measures.csv",
                int(r),
                "subject_id",
                f"unknown subject {subject!r} (not in subjects.csv)",
                "add the subject to subjects.csv or fix the code",
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
                "add the athlete's exposure (time at risk) or fix the athlete code",
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


# ---------------------------------------------------------------------------------------------
# content checks on a Recording + its trials.csv row (no file I/O: unit-testable in memory)
# ---------------------------------------------------------------------------------------------
def _trial_where(trial: Mapping[str, Any]) -> tuple[str, int | None, str]:
    row = trial.get("_row")
    return (
        "trials.csv",
        (int(row) if row is not None and not pd.isna(row) else None),
        str(trial.get("file", "") or "<memory>"),
    )


def check_declared_sampling_rate(recording: Recording, trial: Mapping[str, Any]) -> list[Problem]:
    """Error when trials.csv ``sampling_rate_hz`` disagrees with the rate the file gave (relative tolerance)."""
    file, row, name = _trial_where(trial)
    declared = trial.get("sampling_rate_hz")
    if declared is None or not np.isfinite(declared):
        return []
    tolerance = load_schema()["checks"]["sampling_rate_rel_tolerance"]
    actual = float(recording.sampling_rate_hz)
    if abs(actual - declared) > tolerance * declared:
        return [
            Problem(
                "error",
                file,
                row,
                "sampling_rate_hz",
                f"{name}: the file is sampled at {actual:g} Hz but trials.csv says {declared:g} Hz",
                "correct sampling_rate_hz (or leave it empty when the file stores its rate)",
            )
        ]
    return []


#: Channel kinds where NaN is physics, not a dropout: the centre of pressure is undefined while the plate
#: is unloaded (flight phase of a jump; Winter 2009, Biomechanics and Motor Control, ch. 5).
_NAN_ALLOWED_KINDS = ("cop",)
#: Channel kinds where gaps are common and fixable downstream (marker occlusion -> gap filling): a warning.
_NAN_WARNING_KINDS = ("marker",)


def check_nonfinite_gaps(recording: Recording, trial: Mapping[str, Any]) -> list[Problem]:
    """NaN/inf samples (dropouts, gaps): count, longest run and first time per channel.

    Error for EMG, force, moments and angles; warning for markers (occlusion); COP is exempt (undefined
    while the plate is unloaded).
    """
    file, row, name = _trial_where(trial)
    bad = ~np.isfinite(recording.samples)
    kinds = np.asarray(recording.channel_kinds)
    bad[:, np.isin(kinds, _NAN_ALLOWED_KINDS)] = False
    counts = bad.sum(axis=0)
    if not counts.any():
        return []
    longest = _longest_runs(bad)
    first = np.argmax(bad, axis=0)
    fs = recording.sampling_rate_hz
    problems = []
    for severity, selected in (
        ("error", ~np.isin(kinds, _NAN_WARNING_KINDS)),
        ("warning", np.isin(kinds, _NAN_WARNING_KINDS)),
    ):
        details = [
            f"{recording.channel_names[i]!r}: {counts[i]} samples, longest gap {longest[i] / fs * 1000:g} ms, "
            f"first at {first[i] / fs:g} s"
            for i in np.flatnonzero((counts > 0) & selected)
        ]
        if details:
            more = f"; and {len(details) - 5} more channels" if len(details) > 5 else ""
            hint = (
                "fill marker gaps in the capture software, or cut the trial to its complete part"
                if severity == "warning"
                else "re-export the recording without dropouts, or cut the trial to its complete part"
            )
            problems.append(
                Problem(
                    severity,
                    file,
                    row,
                    "file",
                    f"{name}: missing samples (NaN gaps) in " + "; ".join(details[:5]) + more,
                    hint,
                )
            )
    return problems


def _longest_runs(mask: np.ndarray) -> np.ndarray:
    """Longest run of True per column of a 2-D boolean array (vectorised)."""
    n = mask.shape[0]
    padded = np.zeros((n + 2, mask.shape[1]), dtype=np.int8)
    padded[1:-1] = mask
    edges = np.diff(padded, axis=0)
    longest = np.zeros(mask.shape[1], dtype=int)
    starts_r, starts_c = np.nonzero(edges == 1)
    ends_r, ends_c = np.nonzero(edges == -1)
    # nonzero returns row-major order; sort by column then row so starts and ends pair up
    s_order = np.lexsort((starts_r, starts_c))
    e_order = np.lexsort((ends_r, ends_c))
    lengths = ends_r[e_order] - starts_r[s_order]
    np.maximum.at(longest, starts_c[s_order], lengths)
    return longest


def _emg_indices(recording: Recording, channel_map: Mapping[str, str] | None) -> list[int]:
    mapped = set(channel_map or {})
    return [
        i for i, (n, k) in enumerate(zip(recording.channel_names, recording.channel_kinds)) if k == "emg" or n in mapped
    ]


def check_clipping(
    recording: Recording, trial: Mapping[str, Any], channel_map: Mapping[str, str] | None = None
) -> list[Problem]:
    """Warning when an EMG channel sits at its max/min in runs (≥ 2 samples) for > 1 % of samples."""
    file, row, name = _trial_where(trial)
    idx = _emg_indices(recording, channel_map)
    if not idx or recording.n_samples < 2:
        return []
    x = recording.samples[:, idx]
    with np.errstate(invalid="ignore"):
        at_extreme = (x == np.nanmax(x, axis=0)) | (x == np.nanmin(x, axis=0))
    neighbour = np.zeros_like(at_extreme)
    neighbour[1:] |= at_extreme[:-1]
    neighbour[:-1] |= at_extreme[1:]
    fraction = (at_extreme & neighbour).mean(axis=0)
    limit = load_schema()["checks"]["clipping_fraction_max"]
    problems = []
    for j in np.flatnonzero(fraction > limit):
        channel = recording.channel_names[idx[j]]
        flat = np.nanmax(x[:, j]) == np.nanmin(x[:, j])
        message = (
            f"{name}: EMG channel {channel!r} is flat (every sample equal)"
            if flat
            else f"{name}: EMG channel {channel!r} is clipped: {fraction[j]:.1%} of samples sit at its max/min "
            f"(limit {limit:.0%})"
        )
        problems.append(
            Problem(
                "warning",
                file,
                row,
                "file",
                message,
                "check the electrode and amplifier gain; clipped bursts underestimate amplitude and distort MDF",
            )
        )
    return problems


def check_mapped_channels(
    recording: Recording, trial: Mapping[str, Any], channel_map: Mapping[str, str] | None
) -> list[Problem]:
    """For EMG trials: error when no mapped channel is in the file, warning for each missing one."""
    file, row, name = _trial_where(trial)
    if not channel_map or str(trial.get("kind", "")) not in _EMG_KINDS:
        return []
    wanted = list(channel_map)
    if trial.get("is_mvc"):
        muscles = set(_split_muscles(trial.get("mvc_muscle")))
        wanted = [c for c in wanted if channel_map[c] in muscles] or wanted
    missing = [c for c in wanted if c not in recording.channel_names]
    if not missing:
        return []
    if len(missing) == len(wanted):
        return [
            Problem(
                "error",
                file,
                row,
                "file",
                f"{name}: none of the EMG channels in study.yaml 'channels:' ({', '.join(wanted)}) is in the file; "
                f"its channels are {', '.join(recording.channel_names)}",
                "fix the channel names in study.yaml 'channels:' to match the file",
            )
        ]
    return [
        Problem(
            "warning",
            file,
            row,
            "file",
            f"{name}: mapped EMG channel(s) {', '.join(missing)} not in the file",
            "check the channel names in study.yaml 'channels:'",
        )
    ]


def check_time_gaps(recording: Recording, trial: Mapping[str, Any]) -> list[Problem]:
    """Error when a reader kept the file's time column (``metadata['time_s']``) and it jumps (> 1.5 periods)."""
    file, row, name = _trial_where(trial)
    time_s = recording.metadata.get("time_s")
    if time_s is None:
        return []
    steps = np.diff(np.asarray(time_s, dtype=float))
    period = 1.0 / recording.sampling_rate_hz
    jumps = np.flatnonzero(steps > 1.5 * period)
    if not len(jumps):
        return []
    return [
        Problem(
            "error",
            file,
            row,
            "file",
            f"{name}: {len(jumps)} gap(s) in the time column, the first after t = {time_s[jumps[0]]:g} s "
            f"({steps[jumps[0]] * 1000:g} ms instead of {period * 1000:g} ms)",
            "re-export the recording without dropped samples",
        )
    ]


def check_recording(
    recording: Recording, trial: Mapping[str, Any], channel_map: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every content check on one recording and its trials.csv row (a dict or Series with ``_row``, ``file``, ...)."""
    return [
        *check_declared_sampling_rate(recording, trial),
        *check_nonfinite_gaps(recording, trial),
        *check_time_gaps(recording, trial),
        *check_clipping(recording, trial, channel_map),
        *check_mapped_channels(recording, trial, channel_map),
    ]


def check_sampling_rate_consistency(rates: pd.DataFrame) -> list[Problem]:
    """Warning for trials whose file rate differs from the most common rate of their session and kind.

    ``rates`` has columns ``_row``, ``session``, ``kind``, ``file``, ``file_sampling_rate_hz``.
    """
    problems = []
    tolerance = load_schema()["checks"]["sampling_rate_rel_tolerance"]
    for (session, kind), group in rates.dropna(subset=["file_sampling_rate_hz"]).groupby(
        ["session", "kind"], sort=True
    ):
        typical = group["file_sampling_rate_hz"].mode().iloc[0]
        off = group[(group["file_sampling_rate_hz"] - typical).abs() > tolerance * typical]
        for r, name, fs in zip(off["_row"], off["file"], off["file_sampling_rate_hz"]):
            problems.append(
                Problem(
                    "warning",
                    "trials.csv",
                    int(r),
                    "file",
                    f"{name}: sampled at {fs:g} Hz, other {kind} trials of session {session!r} at {typical:g} Hz",
                    "check the acquisition settings; the analysis uses each file's own rate",
                )
            )
    return problems


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
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


def _read_recording(path: Path, **options: Any) -> Recording:
    """Indirection to ``analysis.io.read_recording`` (imported late; tests may replace this function)."""
    return importlib.import_module("analysis.io").read_recording(path, **options)


def _read_recording_checking_rate(path: Path, options: dict[str, Any]) -> Recording:
    """Read with the trials.csv options; when the reader refuses the declared rate, re-read without it so the
    file's own rate can be compared (check_declared_sampling_rate then names both rates)."""
    try:
        return _read_recording(path, **options)
    except ReadError:
        if "sampling_rate_hz" not in options:
            raise
        without = {k: v for k, v in options.items() if k != "sampling_rate_hz"}
        try:
            return _read_recording(path, **without)
        except ReadError:
            pass
        raise


def _recording_options(trial: Mapping[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    rate = trial.get("sampling_rate_hz")
    if rate is not None and np.isfinite(rate):
        options["sampling_rate_hz"] = float(rate)
    fmt = trial.get("format")
    if isinstance(fmt, str) and fmt:
        options["format"] = fmt
    return options


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
        setattr(parsed, table, _typed_table(raw, table, spec["file"], problems, extra))
    if parsed.subjects is not None:
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
    try:
        importlib.import_module("analysis.io")
    except ModuleNotFoundError as exc:
        if _read_recording.__module__ == __name__ and exc.name == "analysis.io":
            problems.warning(
                "trials.csv",
                None,
                "file",
                "recordings were not opened: analysis.io is not installed",
                "update the suite; run with --no-files to check only the tables",
            )
            return
    from tqdm import tqdm

    channel_map = _channel_map(parsed.config or {})
    rows = [t for t in trials.to_dict("records") if t["file"] and _is_file(_inside(parsed.root, t["file"]))]
    cache: dict[tuple, Recording | Problem] = {}
    rates = []
    for trial in tqdm(rows, desc="checking recordings", unit="file", disable=not progress, delay=1.0, file=sys.stderr):
        path = _inside(parsed.root, trial["file"])
        options = _recording_options(trial)
        key = (str(path), tuple(sorted(options.items())))
        if key not in cache:
            try:
                cache[key] = _read_recording_checking_rate(path, options)
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


_FILE_ORDER = [STUDY_YAML, "subjects.csv", "trials.csv", "measures.csv", "exposures.csv", "injuries.csv"]


def _sorted(problems: list[Problem]) -> list[Problem]:
    def key(p: Problem) -> tuple:
        order = _FILE_ORDER.index(p.file) if p.file in _FILE_ORDER else -1
        return (order, p.row if p.row is not None else 0)

    return sorted(problems, key=key)


def validate_study(path: str | Path, check_files: bool = True, progress: bool = True) -> list[Problem]:
    """Every problem of the study folder at ``path``, errors and warnings, sorted by file and row.

    ``check_files=False`` checks only study.yaml and the tables (file existence included), without opening
    recordings. Nothing is written anywhere. Rows are spreadsheet rows (header = row 1).
    """
    parsed = _parse(Path(path))
    if check_files:
        _check_files(parsed, progress)
    return _sorted(list(parsed.problems))


# ---------------------------------------------------------------------------------------------
# the loaded study
# ---------------------------------------------------------------------------------------------
@dataclass
class Study:
    """A valid study folder as tidy tables. Build it with :func:`load_study`."""

    root: Path
    config: dict[str, Any]
    name: str
    synthetic: bool
    subjects: pd.DataFrame
    trials: pd.DataFrame
    measures: pd.DataFrame | None
    exposures: pd.DataFrame | None
    injuries: pd.DataFrame | None
    channel_map: dict[str, str]
    muscles: list[str]
    processing: dict[str, Any]
    derived_dir: Path
    roles: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def channels(self) -> dict[str, str]:
        """Alias of ``channel_map`` (EMG channel name -> muscle)."""
        return self.channel_map

    def trial(self, trial_id: str) -> pd.Series:
        """The trials.csv row (with derived columns) of ``trial_id``."""
        match = self.trials[self.trials["trial_id"] == str(trial_id)]
        if match.empty:
            raise StudyError(f"{self.root / 'trials.csv'}: no trial {trial_id!r}; check the trial_id column")
        return match.iloc[0]

    def trial_recording(self, trial_id: str) -> Recording:
        """Read the recording of ``trial_id`` with the options trials.csv gives (sampling_rate_hz, format)."""
        trial = self.trial(trial_id)
        return _read_recording(Path(trial["path"]), **_recording_options(trial.to_dict()))

    def content_hash(self) -> str:
        """sha256 over every file of the study (sorted relative paths + contents, streamed), derived/ excluded."""
        root = self.root.resolve()
        derived = self.derived_dir.resolve()
        digest = hashlib.sha256()
        files = []
        for path in root.rglob("*"):
            relative = path.relative_to(root)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            if path.resolve().is_relative_to(derived):
                continue
            files.append((relative.as_posix(), path))
        for relative, path in sorted(files):
            digest.update(relative.encode("utf-8") + b"\0")
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            digest.update(b"\0")
        return digest.hexdigest()

    def __repr__(self) -> str:
        return (
            f"Study({self.name!r}{', synthetic' if self.synthetic else ''}: {len(self.subjects)} subjects, "
            f"{len(self.trials)} trials, root={str(self.root)!r})"
        )


def _public(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame.rename(columns={"_row": "manifest_row"}).reset_index(drop=True)


def load_study(path: str | Path) -> Study:
    """Load a study folder into a :class:`Study`; raises ``StudyError`` listing every error (warnings kept)."""
    parsed = _parse(Path(path))
    errors = [p for p in parsed.problems if p.severity == "error"]
    if errors:
        listing = "\n".join(f"  - {p}" for p in _sorted(errors))
        raise StudyError(
            f"{path}: the study has {len(errors)} error(s) ({ROW_CONVENTION}):\n{listing}\n"
            f"Run 'anklelab validate {path}' for the full report.",
            _sorted(list(parsed.problems)),
        )
    root = Path(path).resolve()
    config = parsed.config or {}
    subjects = parsed.subjects
    trials = parsed.trials.copy()
    trials["load_unit"] = trials["load_unit"].where(trials["load_unit"] != "", "kg")  # only where the load is 0
    factor = np.where(trials["load_unit"] == "lb", KG_PER_LB, 1.0)
    trials["load_kg"] = trials["load_per_ankle"].to_numpy() * factor
    trials["load_lb"] = trials["load_kg"] / KG_PER_LB
    body = subjects.set_index("subject_id")
    trials["body_mass_kg"] = trials["subject_id"].map(body["body_mass_kg"]).astype(float)
    trials["group"] = trials["subject_id"].map(body["group"])
    trials["load_pct_bw"] = 100.0 * trials["load_kg"] / trials["body_mass_kg"]
    trials["path"] = [str(_inside(root, f)) for f in trials["file"]]
    trials["sampling_rate_hz"] = trials["sampling_rate_hz"].astype(float)
    trials["format"] = trials["format"].where(trials["format"] != "", None)
    exposures = parsed.exposures
    if exposures is not None:
        exposures = exposures.copy()
        exposures["exposure_hours"] = np.where(
            exposures["exposure_unit"] == "minutes", exposures["exposure_time"] / 60.0, exposures["exposure_time"]
        )
    injuries = parsed.injuries
    if injuries is not None:
        injuries = injuries.copy()
        from_dates = (injuries["date_recovered"] - injuries["date_injured"]).dt.days.astype(float)
        injuries["days_lost"] = injuries["days_lost"].where(np.isfinite(injuries["days_lost"]), from_dates)
    processing = config.get("processing") if isinstance(config.get("processing"), dict) else {}
    return Study(
        root=root,
        config=config,
        name=str(config["name"]),
        synthetic=bool(config["synthetic"]),
        subjects=_public(subjects),
        trials=_public(trials),
        measures=_public(parsed.measures),
        exposures=_public(exposures),
        injuries=_public(injuries),
        channel_map=_channel_map(config),
        muscles=_analysed_muscles(config),
        processing=dict(processing),
        derived_dir=cache_dir_for(root),
        roles={str(k): str(v) for k, v in (config.get("roles") or {}).items()}
        if isinstance(config.get("roles"), dict)
        else {},
        units=dict(config["units"]) if isinstance(config.get("units"), dict) else {},
        warnings=_sorted(list(parsed.problems)),
    )


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------
def format_problems(problems: list[Problem], study: str | Path) -> str:
    """A readable table of problems plus a summary line (what ``anklelab validate`` prints)."""
    n_errors = sum(p.severity == "error" for p in problems)
    n_warnings = len(problems) - n_errors
    lines = []
    if problems:
        where_width = max(len("FILE:ROW"), *(len(p.where) for p in problems))
        column_width = max(len("COLUMN"), *(len(p.column or "-") for p in problems))
        indent = " " * (9 + where_width + 2 + column_width + 2)
        lines.append(f"{'SEVERITY':<9}{'FILE:ROW':<{where_width}}  {'COLUMN':<{column_width}}  PROBLEM / WHAT TO DO")
        for p in problems:
            lines.append(
                f"{p.severity.upper():<9}{p.where:<{where_width}}  {(p.column or '-'):<{column_width}}  {p.message}"
            )
            if p.hint:
                lines.append(f"{indent}-> {p.hint}")
        lines.append("")
    summary = f"{n_errors} error(s), {n_warnings} warning(s) in {study} ({ROW_CONVENTION})"
    lines.append(("OK: " if n_errors == 0 else "INVALID: ") + summary)
    return "\n".join(lines)
