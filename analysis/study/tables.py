"""Reading the CSV manifests (subjects, trials, measures, exposures, injuries): never a traceback, every failure a
Problem; each column checked against the schema and typed."""

from __future__ import annotations

import csv
import datetime as dt
import io as _stdio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.study.problems import _Problems
from analysis.study.schema import _table_spec, load_schema
from analysis.study.suggest import Suggestions, with_suggestion

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}


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
    # every study table has at least two required columns: one header cell holding '|', ':' or spaces is a
    # table written with another separator, which would otherwise read as "every column missing"
    odd_separator = next((sep for sep in ("|", ":", " ") if len(names) == 1 and sep in names[0]), None)
    if odd_separator is not None:
        problems.error(
            label,
            header_row,
            None,
            f"the header is one cell {header[0]!r}: the cells seem separated by {odd_separator!r}",
            "save the table as CSV with commas between cells (';' or tab also work)",
        )
        return None
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
                    with_suggestion(
                        f"add a column named {name!r} (see data/README.md, section {spec['file']})",
                        name,
                        [c for c in frame.columns if c != "_row" and c not in columns],
                    ),
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
                with_suggestion(f"check the spelling; known columns: {', '.join(columns)}", name, columns),
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
                allowed_names = Suggestions(map(str, allowed))
                for r, c in zip(rows[bad], cells.to_numpy()[bad]):
                    problems.error(
                        label,
                        int(r),
                        name,
                        f"unknown {name} {c!r}",
                        allowed_names.hint(f"use one of: {', '.join(map(str, allowed))}", c),
                    )
            elif vocab_name is not None:
                vocab = list(vocabularies.get(vocab_name, [])) + list((extra_vocabulary or {}).get(vocab_name, []))
                bad = ~(cells.isin(vocab) | (cells == "")).to_numpy()
                vocab_names = Suggestions(vocab)
                for r, c in zip(rows[bad], cells.to_numpy()[bad]):
                    problems.error(
                        label,
                        int(r),
                        name,
                        f"unknown {name} {c!r}",
                        vocab_names.hint(
                            f"use a built-in name (data/README.md) or declare it under '{vocab_name}s:' in study.yaml",
                            c,
                        ),
                    )
            elif col.get("known") is not None:
                known = [str(k) for k in col["known"]]
                bad = ~(cells.isin(known) | (cells == "")).to_numpy()
                known_names = Suggestions(known)
                for r, c in zip(rows[bad], cells.to_numpy()[bad]):
                    problems.warning(
                        label,
                        int(r),
                        name,
                        f"unusual {name} {c!r}",
                        known_names.hint(f"expected one of: {', '.join(known)}", c),
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
