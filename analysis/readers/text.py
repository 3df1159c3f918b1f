"""Delimited-text exports: one table engine (preamble, delimiter, header row, unit row, numeric block)
and thin per-layout rules (generic ``time_s,<name> [<unit>]``, Delsys, Noraxon, AMTI NetForce, Bertec,
one-column Fz, UCI lower-limb EMG, OpenSim .mot/.sto, OpenSignals .txt).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReadError
from analysis.readers._common import (
    TIME_COLUMN_PATTERN,
    guess_kind,
    is_known_unit,
    normalise_unit,
    rate_from_time,
    split_name_unit,
    to_si,
)
from analysis.recording import Recording

__all__ = ["TextTable", "parse_table", "read_text", "TEXT_FORMATS", "sniff_text_format"]

TEXT_FORMATS = (
    "generic_csv",
    "delsys_csv",
    "noraxon_csv",
    "netforce_txt",
    "bertec_csv",
    "fz_text",
    "uci_emg",
    "opensim",
    "opensignals_txt",
)

_DELIMITERS = ("\t", ",", ";", " ")  # " " means runs of whitespace
_TAIL_LINES = 40  # lines from the end used to choose the delimiter
_SAMPLING_RATE_HINT = (
    "pass sampling_rate_hz=... to read_recording, or set sampling_rate_hz for this trial in trials.csv"
)


@dataclass
class TextTable:
    """A parsed text export: what came before the header, the header, unit rows and the numbers."""

    delimiter: str | None
    preamble: list[str]
    header: list[str] | None
    extra_header_rows: list[list[str]]
    data: np.ndarray
    first_data_line: int  # 1-based line number of the first numeric row
    trimmed_trailing_rows: int = 0
    notes: dict[str, Any] = field(default_factory=dict)


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return [line.strip()]
    if delimiter == " ":
        return line.split()
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]


def _is_number(token: str) -> bool:
    if token == "":
        return True
    try:
        float(token)
    except ValueError:
        return False
    return True


def _numeric_row(cells: list[str]) -> bool:
    return any(c != "" for c in cells) and all(_is_number(c) for c in cells)


#: a plain decimal number (a strict subset of what ``float`` accepts: no nan/inf, no ``_``, ASCII digits)
_PLAIN_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


@functools.lru_cache(maxsize=64)
def _plain_row_pattern(delimiter: str | None, n_fields: int) -> re.Pattern:
    """Rows made only of plain numbers (or empty cells) and ``n_fields`` fields, without quotes.

    Every line it matches is one the careful check (``_split`` + ``_is_number`` per cell) accepts as a data
    row with ``n_fields`` fields, so matching it first and falling back to the careful check only for the
    lines it rejects (the header, quoted cells, nan/inf, ...) finds exactly the same numeric block.
    """
    if delimiter is None and n_fields != 1:
        return re.compile(r"(?!)")  # no delimiter means one field: nothing else is a plain row
    pad = "[ ]*" if delimiter == "\t" else "[ \t]*"  # blanks around a cell, never the delimiter itself
    if delimiter is None or n_fields == 1:  # one column: the stripped line is the cell, never empty
        return re.compile(rf"{pad}{_PLAIN_NUMBER}{pad}")
    if delimiter == " ":  # runs of whitespace: no empty cells
        return re.compile(rf"{pad}{_PLAIN_NUMBER}(?:[ \t]+{_PLAIN_NUMBER}){{{n_fields - 1}}}{pad}")
    cell = rf"{pad}(?:{_PLAIN_NUMBER})?{pad}"
    # (?=.*\S): a blank line ends the numeric block, so it is never a plain row (a row of empty tab cells)
    return re.compile(r"(?=.*\S)" + cell + rf"(?:{re.escape(delimiter)}{cell}){{{n_fields - 1}}}")


def _choose_delimiter(lines: list[str]) -> tuple[str | None, int]:
    """The delimiter that splits the trailing numeric rows into the most, equally many, fields."""
    tail = [ln for ln in lines[-_TAIL_LINES:] if ln.strip()]
    best: tuple[str | None, int] = (None, 1)
    for delim in _DELIMITERS:
        n_fields, n_rows = None, 0
        for line in reversed(tail):
            cells = _split(line, delim)
            if n_fields is None:
                n_fields = len(cells)
            if len(cells) != n_fields or not _numeric_row(cells):
                break
            n_rows += 1
        if n_rows and n_fields and n_fields > best[1]:
            best = (delim, n_fields)
    return best


def parse_table(path: Path, text: str, *, delimiter: str | None = None, require_header: bool = False) -> TextTable:
    """Find the numeric block at the end of a text export and the header row above it."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ReadError(path, "the file has no lines", where="line 1")
    if delimiter is None:
        delimiter, n_fields = _choose_delimiter(lines)
    else:
        n_fields = len(_split(lines[-1], delimiter))
    if n_fields == 1:
        delimiter = None
        if not _is_number(lines[-1].strip()):
            raise ReadError(
                path,
                f"no numeric data rows found (last line is {lines[-1][:60]!r})",
                where=f"line {len(lines)}",
                hint="check the delimiter (tab, comma, semicolon) and that the file holds samples",
            )
    # walk up from the end over the numeric block (plain rows by one regex match, the rest carefully)
    plain_row = _plain_row_pattern(delimiter, n_fields).fullmatch
    start = len(lines)
    while start > 0:
        if plain_row(lines[start - 1]):
            start -= 1
            continue
        cells = _split(lines[start - 1], delimiter)
        if not lines[start - 1].strip():
            break
        if len(cells) != n_fields or not (_numeric_row(cells) or all(c == "" for c in cells)):
            break
        start -= 1
    if start == len(lines):
        raise ReadError(path, "no numeric data rows found", where=f"line {len(lines)}")
    header: list[str] | None = None
    extra: list[list[str]] = []
    preamble_end = start
    # non-numeric rows with the same number of fields directly above the block
    run: list[tuple[int, list[str]]] = []
    i = start - 1
    while i >= 0 and lines[i].strip():
        cells = _split(lines[i], delimiter)
        if len(cells) != n_fields:
            break
        numeric_share = sum(1 for c in cells if c != "" and _is_number(c)) / max(1, sum(1 for c in cells if c != ""))
        if i == start - 1 and numeric_share >= 0.5 and n_fields > 1:
            bad_col = next(j for j, c in enumerate(cells) if not _is_number(c))
            raise ReadError(
                path,
                f"non-numeric value {cells[bad_col]!r} in a data row",
                where=f"line {i + 1}, column {bad_col + 1}",
                hint="fix or remove that row; readers do not guess values",
            )
        run.insert(0, (i, cells))
        i -= 1
    if run:
        filled = [sum(1 for c in cells if c != "") for _, cells in run]
        top = filled.index(max(filled))
        preamble_end = run[top][0]
        header = run[top][1]
        extra = [cells for _, cells in run[top + 1 :]]
    elif n_fields > 1 or require_header:
        # a header with a different number of fields than the data: mis-delimited or broken export
        above = start - 1
        if above >= 0 and lines[above].strip():
            raise ReadError(
                path,
                f"the header has {len(_split(lines[above], delimiter))} field(s) but data rows have {n_fields}",
                where=f"line {above + 1}",
                hint="check the delimiter and that the header names every column",
            )
        if require_header:
            raise ReadError(path, "no header row above the data", where=f"line {start + 1}")
    block = "\n".join(lines[start:])
    try:
        frame = pd.read_csv(
            io.StringIO(block),
            sep=r"\s+" if delimiter == " " else (delimiter or ","),
            header=None,
            dtype=float,
            engine="c" if delimiter != " " else "python",
            skip_blank_lines=False,
            names=range(n_fields),
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise ReadError(
            path, f"could not parse the numeric rows: {exc}", where=f"lines {start + 1}-{len(lines)}"
        ) from None
    return TextTable(
        delimiter=delimiter,
        preamble=lines[:preamble_end],
        header=header,
        extra_header_rows=extra,
        data=frame.to_numpy(dtype=float),
        first_data_line=start + 1,
    )


def _trim_trailing_incomplete(table: TextTable, columns: list[int]) -> TextTable:
    """Drop rows at the end where any of ``columns`` is empty (exports padded with partial rows)."""
    complete = np.all(np.isfinite(table.data[:, columns]), axis=1)
    if complete.all():
        return table
    last_complete = int(np.flatnonzero(complete)[-1]) if complete.any() else -1
    n_trim = table.data.shape[0] - 1 - last_complete
    table.data = table.data[: last_complete + 1]
    table.trimmed_trailing_rows = n_trim
    return table


def _rate_from_preamble(lines: list[str]) -> float | None:
    for line in lines:
        match = re.search(
            r"(sampl\w*\s*(rate|frequency)|frequency|rate)\D{0,20}?([0-9]+(\.[0-9]+)?)\s*(hz)?", line, re.I
        )
        if match:
            return float(match.group(3))
    return None


def _default_unit(name: str, flavour: str) -> str | None:
    lowered = name.lower()
    if re.match(r"^(cop|copx|copy|ground_force\d*_p[xyz]|cop[_ ]?[xy])", lowered):
        return "m"  # Bertec Digital Acquire and OpenSim store CoP in metres
    if re.match(r"^(f[xyz]\d*|fz?sum|fp\d+|ground_force\d*_v[xyz]|fz)$", lowered):
        return "N"
    if re.match(r"^(m[xyz]\d*|ground_torque\d*_[xyz]|t[xyz]\d*)$", lowered):
        return "N·m"  # NetForce and Bertec default to SI moments
    if flavour == "delsys_csv":
        if "emg" in lowered:
            return "V"  # EMGworks / Trigno exports write EMG in volts
        if "acc" in lowered:
            return "g"
        if "gyro" in lowered:
            return "deg/s"
    return None


def _build(
    path: Path,
    flavour: str,
    names: list[str],
    source_units: list[str | None],
    data: np.ndarray,
    rate_hz: float,
    options: dict[str, Any],
    metadata: dict[str, Any],
    kinds: list[str] | None = None,
    events: pd.DataFrame | None = None,
) -> Recording:
    rename: dict[str, str] = dict(options.get("columns") or {})
    unit_override: dict[str, str] = dict(options.get("units") or {})
    kind_override: dict[str, str] = dict(options.get("kinds") or {})
    default_unit = options.get("unit")
    out_names, out_units, out_src_units, out_kinds = [], [], [], []
    samples = np.empty_like(data, dtype=float)
    unknown_units = []
    for j, name in enumerate(names):
        src = normalise_unit(unit_override.get(name, source_units[j] or default_unit))
        converted, si_unit, factor = to_si(data[:, j], src)
        samples[:, j] = converted
        new_name = rename.get(name, name)
        kind = (
            kind_override.get(name)
            or kind_override.get(new_name)
            or (kinds[j] if kinds else guess_kind(new_name, si_unit))
        )
        if src is None:
            unknown_units.append(name)
        out_names.append(new_name)
        out_units.append(si_unit or "")
        out_src_units.append(src or "")
        out_kinds.append(kind)
    if len(set(out_names)) != len(out_names):
        dupes = sorted({n for n in out_names if out_names.count(n) > 1})
        raise ReadError(path, f"duplicate channel names {dupes}", where="header", hint="rename them with columns={...}")
    metadata = dict(metadata)
    metadata.setdefault("format", flavour)
    if unknown_units:
        metadata["channels_without_unit"] = unknown_units
    vertical = _vertical_axis(out_names, samples)
    if vertical:
        metadata["vertical_axis"] = vertical
        metadata["vertical_axis_method"] = "axis of ground_force*_v{x,y,z} with the largest median |force|"
    try:
        return Recording(
            samples=samples,
            sampling_rate_hz=float(rate_hz),
            channel_names=out_names,
            units=out_units,
            channel_kinds=out_kinds,
            source=path,
            source_units=out_src_units,
            events=events if events is not None else Recording.__dataclass_fields__["events"].default_factory(),
            metadata=metadata,
        )
    except ValueError as exc:
        raise ReadError(path, str(exc).split(": ", 1)[-1], hint="check the kinds= option") from None


def _vertical_axis(names: list[str], samples: np.ndarray) -> str | None:
    axes = {}
    for axis in "xyz":
        idx = [i for i, n in enumerate(names) if re.fullmatch(rf"ground_force\d*_v{axis}", n)]
        if idx:
            axes[axis] = float(np.nanmedian(np.abs(samples[:, idx])))
    if len(axes) < 3:
        return None
    return max(axes, key=axes.get)


def _channels_with_time(
    path: Path, table: TextTable, flavour: str, options: dict[str, Any], metadata: dict[str, Any]
) -> Recording:
    """Header-named columns, an optional time column, units from ``[unit]``/``(unit)``/unit row/defaults."""
    assert table.header is not None
    parsed = [split_name_unit(h) for h in table.header]
    unit_row = None
    for row in table.extra_header_rows:
        units = [normalise_unit(c) for c in row]
        named = [u for u in units if u]
        if named and sum(1 for u in named if is_known_unit(u)) >= len(named) / 2:  # mostly unit names
            unit_row = units
            break
    time_col = options.get("time_column")
    time_cols = [
        j
        for j, (n, _) in enumerate(parsed)
        if TIME_COLUMN_PATTERN.match(n) or TIME_COLUMN_PATTERN.match(table.header[j])
    ]
    if time_col is not None:
        if time_col not in table.header and time_col not in [n for n, _ in parsed]:
            raise ReadError(path, f"no time column {time_col!r}; columns are {table.header}", where="header")
        time_cols = [j for j, (n, _) in enumerate(parsed) if time_col in (n, table.header[j])] + [
            j for j in time_cols if table.header[j] != time_col
        ]
    skip = set(time_cols)
    skip |= {j for j, h in enumerate(table.header) if h == "" or h.lower().startswith("unnamed")}
    if flavour == "netforce_txt":
        skip |= {j for j, h in enumerate(table.header) if h.lower() in ("sample", "samples", "frame", "#")}
    wanted = options.get("channels")
    channel_cols = [j for j in range(len(table.header)) if j not in skip]
    if flavour == "delsys_csv":
        channel_cols, dropped = _delsys_same_rate(table, time_cols, channel_cols)
        if dropped:
            metadata["channels_dropped_other_rate"] = dropped
    if wanted is not None:
        by_name = {parsed[j][0]: j for j in channel_cols} | {table.header[j]: j for j in channel_cols}
        missing = [w for w in wanted if w not in by_name]
        if missing:
            raise ReadError(
                path, f"no channel(s) {missing}; channels are {[parsed[j][0] for j in channel_cols]}", where="header"
            )
        channel_cols = [by_name[w] for w in wanted]
    if not channel_cols:
        raise ReadError(path, "no signal columns besides time", where="header")
    complete_cols = channel_cols + time_cols[:1]
    table = _trim_trailing_incomplete(table, complete_cols)
    if table.trimmed_trailing_rows:
        metadata["trimmed_trailing_rows"] = table.trimmed_trailing_rows
    data = table.data
    if data.shape[0] == 0:
        raise ReadError(path, "no complete data rows", where=f"line {table.first_data_line}")
    nan_rows, nan_cols = np.nonzero(~np.isfinite(data[:, channel_cols]))
    if nan_rows.size:
        r, c = int(nan_rows[0]), channel_cols[int(nan_cols[0])]
        raise ReadError(
            path,
            "missing value inside the recording",
            where=f"line {table.first_data_line + r}, column {c + 1} ({table.header[c]!r})",
            hint="readers keep gaps visible instead of filling them: fix the export",
        )
    rate = options.get("sampling_rate_hz")
    if time_cols:
        j = time_cols[0]
        time_unit = parsed[j][1] or (unit_row[j] if unit_row else None) or "s"
        time_s, _, _ = to_si(data[:, j], time_unit)
        file_rate = rate_from_time(path, time_s, column=table.header[j], first_row=table.first_data_line)
        if rate is not None and abs(float(rate) - file_rate) > 1e-3 * file_rate:
            raise ReadError(
                path,
                f"sampling_rate_hz={rate} disagrees with the time column ({file_rate:.6g} Hz)",
                where=f"column {table.header[j]!r}",
            )
        rate = file_rate
        metadata["start_time_s"] = float(time_s[0])
        metadata["sampling_rate_source"] = f"time column {table.header[j]!r}"
    elif rate is None:
        rate = _rate_from_preamble(table.preamble)
        if rate is not None:
            metadata["sampling_rate_source"] = "file preamble"
    else:
        metadata["sampling_rate_source"] = "sampling_rate_hz option"
    if rate is None:
        raise ReadError(path, "the file states no sampling rate and has no time column", hint=_SAMPLING_RATE_HINT)
    names = [parsed[j][0] for j in channel_cols]
    units = [
        parsed[j][1] or (unit_row[j] if unit_row else None) or _default_unit(parsed[j][0], flavour)
        for j in channel_cols
    ]
    if table.preamble:
        metadata["preamble"] = table.preamble[:50]
    return _build(path, flavour, names, units, data[:, channel_cols], rate, options, metadata)


def _delsys_same_rate(table: TextTable, time_cols: list[int], channel_cols: list[int]) -> tuple[list[int], list[str]]:
    """EMGworks pairs each signal with its own ``X[s]`` column; keep channels on the first EMG time base."""
    if not time_cols:
        return channel_cols, []
    own_time = {j: max([t for t in time_cols if t < j], default=time_cols[0]) for j in channel_cols}
    reference = own_time[channel_cols[0]]
    ref_t = table.data[:, reference]
    kept, dropped = [], []
    for j in channel_cols:
        t = table.data[:, own_time[j]]
        n = min(np.isfinite(t).sum(), np.isfinite(ref_t).sum())
        if np.array_equal(np.isfinite(t), np.isfinite(ref_t)) and np.allclose(t[:n], ref_t[:n], equal_nan=True):
            kept.append(j)
        else:
            dropped.append(table.header[j])
    return kept, dropped


# --------------------------------------------------------------------------------------------
# layouts with their own header conventions


def _read_fz_text(path: Path, table: TextTable, options: dict[str, Any]) -> Recording:
    n = table.data.shape[1]
    names = table.header if table.header else (["Fz"] if n == 1 else [f"FP{i + 1}" for i in range(n)])
    rate = options.get("sampling_rate_hz")
    if rate is None:
        raise ReadError(path, "a plain force column file does not store its sampling rate", hint=_SAMPLING_RATE_HINT)
    table = _trim_trailing_incomplete(table, list(range(n)))
    metadata: dict[str, Any] = {
        "format": "fz_text",
        "sampling_rate_source": "sampling_rate_hz option",
        "unit_assumed": options.get("unit") is None,  # the file states no unit: N (vertical GRF) unless unit= says
        "vertical_axis": "z",
    }
    if table.trimmed_trailing_rows:
        metadata["trimmed_trailing_rows"] = table.trimmed_trailing_rows
    opts = dict(options)
    opts.setdefault("unit", "N")
    if opts["unit"] is None:
        opts["unit"] = "N"
    return _build(path, "fz_text", list(names), [None] * n, table.data, rate, opts, metadata, kinds=["force"] * n)


_UCI_CHANNEL = re.compile(
    r"^Channel\s+(\d+):\s*'(?P<name>[^']*)',\s*(?P<n>\d+)\s+values,\s*engineering units:\s*(?P<unit>[^,]+)", re.I
)
#: UCI "EMG dataset in Lower Limb": 1000 Hz per the dataset description (Sanchez & Sotelo, UCI ML Repository)
UCI_SAMPLING_RATE_HZ = 1000.0


def _read_uci(path: Path, table: TextTable, options: dict[str, Any]) -> Recording:
    names, units, declared = [], [], []
    for line in table.preamble:
        match = _UCI_CHANNEL.match(line.strip())
        if match:
            names.append(match.group("name").strip())
            units.append(normalise_unit(match.group("unit").strip()))
            declared.append(int(match.group("n")))
    if len(names) != table.data.shape[1]:
        raise ReadError(
            path,
            f"the header declares {len(names)} channel(s) but data rows have {table.data.shape[1]} column(s)",
            where=f"lines 1-{len(table.preamble)}",
        )
    emg_cols = [j for j, u in enumerate(units) if u in ("mV", "uV", "V")]
    table = _trim_trailing_incomplete(table, emg_cols or list(range(len(names))))
    data = table.data
    bad = np.argwhere(~np.isfinite(data))
    if bad.size:
        r, c = bad[0]
        raise ReadError(
            path,
            "missing value inside the recording",
            where=f"line {table.first_data_line + r}, column {c + 1} ({names[c]!r})",
        )
    rate = options.get("sampling_rate_hz") or UCI_SAMPLING_RATE_HZ
    metadata = {
        "format": "uci_emg",
        "file_name": table.preamble[0].split(":", 1)[-1].strip() if table.preamble else None,
        "declared_values_per_channel": declared,
        "trimmed_trailing_rows": table.trimmed_trailing_rows,
        "trimmed_reason": "rows at the end without EMG (angle-only or empty) were dropped",
        "sampling_rate_source": "sampling_rate_hz option"
        if options.get("sampling_rate_hz")
        else "UCI dataset description (1000 Hz)",
    }
    kinds = [
        "emg" if j in emg_cols else guess_kind(names[j], to_si(np.zeros(1), units[j])[1]) for j in range(len(names))
    ]
    return _build(path, "uci_emg", names, units, data, rate, options, metadata, kinds=kinds)


def _read_opensim(path: Path, text: str, options: dict[str, Any]) -> Recording:
    lines = text.splitlines()
    end = next((i for i, ln in enumerate(lines) if ln.strip().lower() == "endheader"), None)
    if end is None:
        raise ReadError(path, "no 'endheader' line: not an OpenSim .mot/.sto file", where="header")
    header_lines = lines[:end]
    settings = {}
    for ln in header_lines:
        if "=" in ln:
            key, _, value = ln.partition("=")
            settings[key.strip().lower()] = value.strip()
    in_degrees = settings.get("indegrees", "yes").lower() != "no"
    body = "\n".join(lines[end + 1 :])
    table = parse_table(path, body, require_header=True)
    table.first_data_line += end + 1
    header = table.header or []
    time_cols = [j for j, h in enumerate(header) if h.lower() == "time"]
    if not time_cols:
        raise ReadError(path, "no 'time' column after endheader", where=f"line {end + 2}")
    units = []
    for h in header:
        lowered = h.lower()
        if re.search(r"_(tx|ty|tz)$", lowered):
            units.append("m")
        elif re.search(r"_p[xyz]$", lowered):
            units.append("m")
        elif re.search(r"_v[xyz]$|force", lowered):
            units.append("N")
        elif re.search(r"torque|moment", lowered):
            units.append("N·m")
        else:
            units.append("deg" if in_degrees else "rad")
    names = [h for j, h in enumerate(header) if j not in time_cols]
    chan_units = [u for j, u in enumerate(units) if j not in time_cols]
    data = table.data[:, [j for j in range(len(header)) if j not in time_cols]]
    rate = rate_from_time(path, table.data[:, time_cols[0]], column="time", first_row=table.first_data_line)
    metadata = {
        "format": "opensim",
        "in_degrees": in_degrees,
        "header": header_lines,
        "start_time_s": float(table.data[0, time_cols[0]]),
        "sampling_rate_source": "time column 'time'",
    }
    return _build(path, "opensim", names, chan_units, data, rate, options, metadata)


#: PLUX EMG transfer function (biosignalsnotebooks conversion.raw_to_phy 'EMG'): VCC 3 V, gain 1000
PLUX_VCC_V = 3.0
PLUX_EMG_GAIN = 1000.0


def plux_emg_mv(adc: np.ndarray, resolution_bits: int) -> np.ndarray:
    """PLUX EMG sensor: mV = (ADC / 2^n - 1/2) * VCC / G * 1000 = ADC * 3.0 / 2^n - 1.5 (VCC 3 V, G 1000)."""
    return (np.asarray(adc, dtype=float) / 2.0**resolution_bits - 0.5) * PLUX_VCC_V / PLUX_EMG_GAIN * 1000.0


def _read_opensignals_txt(path: Path, text: str, options: dict[str, Any]) -> Recording:
    lines = text.splitlines()
    try:
        json_line = next(ln for ln in lines[:5] if ln.startswith("# {"))
        end = next(i for i, ln in enumerate(lines) if ln.strip().lower() == "# endofheader")
        info = json.loads(json_line[2:])
        device, meta = next(iter(info.items()))
        columns = list(meta["column"])
        labels = list(meta["label"])
        sensors = list(meta["sensor"])
        resolutions = [int(r) for r in meta["resolution"]]
        rate = float(meta["sampling rate"])
    except (StopIteration, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReadError(
            path, f"OpenSignals header is missing or malformed ({type(exc).__name__}: {exc})", where="lines 1-3"
        ) from None
    table = parse_table(path, "\n".join(lines[end + 1 :]))
    if table.data.shape[1] != len(columns):
        raise ReadError(
            path, f"header lists {len(columns)} columns, data rows have {table.data.shape[1]}", where=f"line {end + 2}"
        )
    analog_cols = [columns.index(lbl) for lbl in labels if lbl in columns]
    if len(analog_cols) != len(labels):
        raise ReadError(path, f"channel labels {labels} not all in columns {columns}", where="line 2")
    return _opensignals_recording(
        path, device, meta, labels, sensors, resolutions, table.data[:, analog_cols], rate, options, "opensignals_txt"
    )


def _opensignals_recording(path, device, meta, labels, sensors, resolutions, adc, rate, options, fmt) -> Recording:
    from analysis.readers.opensignals_force import force_platform_channels, is_force_platform_sensor

    if len(resolutions) == 1 and len(labels) > 1:
        resolutions = resolutions * len(labels)
    if not (len(labels) == len(sensors) == len(resolutions) == adc.shape[1]):
        raise ReadError(
            path,
            f"{len(labels)} labels, {len(sensors)} sensors, {len(resolutions)} resolutions for {adc.shape[1]} channels",
            where="header",
        )
    columns, kinds, names, transfer = [], [], [], {}
    units: list[str | None] = []
    platform = [j for j, sensor in enumerate(sensors) if is_force_platform_sensor(sensor)]
    for j, (sensor, bits) in enumerate(zip(sensors, resolutions)):
        if j in platform:
            continue
        names.append(labels[j])
        if str(sensor).upper().startswith("EMG"):
            columns.append(plux_emg_mv(adc[:, j], bits))
            units.append("mV")
            kinds.append("emg")
            transfer[labels[j]] = "EMG mV = ADC*VCC/2^n - VCC/2 (VCC 3.0 V, EMG gain 1000; PLUX/biosignalsnotebooks)"
        else:
            columns.append(adc[:, j].astype(float))
            units.append("ADC")
            kinds.append("other")
            transfer[labels[j]] = "none (raw ADC counts)"
    metadata = {
        "format": fmt,
        "device": device,
        "device_info": {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in meta.items()},
        "resolution_bits": resolutions,
        "transfer_function": transfer,
        "sensors": sensors,
    }
    if platform:  # load cells -> N per cell and Fz (analysis.readers.opensignals_force)
        newtons, fp_names, record = force_platform_channels(
            path,
            device,
            meta,
            [labels[j] for j in platform],
            [resolutions[j] for j in platform],
            adc[:, platform],
            rate,
            options.get("force_platform"),
        )
        columns.extend(newtons.T)
        names.extend(fp_names)
        units.extend(["N"] * len(fp_names))
        kinds.extend(["force"] * len(fp_names))
        transfer.update(dict.fromkeys(fp_names, record["transfer_function"]))
        metadata["force_platform"] = record
    data = np.column_stack(columns) if columns else np.empty((adc.shape[0], 0))
    return _build(path, fmt, names, units, data, rate, options, metadata, kinds=kinds)


# --------------------------------------------------------------------------------------------


def sniff_text_format(path: Path, text: str) -> str:
    """Which text layout this is, from its first lines (cheap: never parses the whole file)."""
    head = text[:8192]
    first = head.splitlines()[:12]
    lowered = head.lower()
    suffix = path.suffix.lower()
    if first and first[0].startswith("# OpenSignals"):
        return "opensignals_txt"
    if suffix in (".mot", ".sto") or any(ln.strip().lower() == "endheader" for ln in first[:12]):
        return "opensim"
    if first and first[0].startswith("File Name:") and any(_UCI_CHANNEL.match(ln) for ln in first[1:4]):
        return "uci_emg"
    if re.search(r"(^|[,;\t\"])x\s*\[s\]", lowered, re.M):
        return "delsys_csv"
    if (
        "noraxon" in lowered
        or re.search(r"\((uv|µv|μv)\)", lowered)
        and re.search(r"(^|[,;\t\"])\"?time\"?([,;\t]|$)", lowered, re.M)
    ):
        return "noraxon_csv"
    if "netforce" in lowered or "amti" in lowered:
        return "netforce_txt"
    if "bertec" in lowered or re.search(r"(^|[,;\t])copx([,;\t]|$)", lowered, re.M):
        return "bertec_csv"
    lines = [ln for ln in head.splitlines() if ln.strip()]
    if len(text) > len(head) and len(lines) > 2:
        lines = lines[:-1]  # the last line of a cut-off head may be partial
    if lines:
        delim, n = _choose_delimiter(lines[1:] or lines)
        first_cells = _split(lines[0], delim) if n > 1 else [lines[0].strip()]
        if n <= 2 and (
            all(_is_number(c) for c in first_cells)
            or all(re.fullmatch(r"(fz|fp\d+|f\d+)", c.lower()) for c in first_cells)
        ):
            return "fz_text"
    return "generic_csv"


def read_text(path: Path, raw: bytes, fmt: str, options: dict[str, Any]) -> Recording:
    from analysis.readers._common import decode_text

    text = decode_text(path, raw)
    if fmt == "auto":
        fmt = sniff_text_format(path, text)
    if fmt == "opensim":
        return _read_opensim(path, text, options)
    if fmt == "opensignals_txt":
        return _read_opensignals_txt(path, text, options)
    table = parse_table(path, text, delimiter=options.get("delimiter"))
    if fmt == "uci_emg":
        return _read_uci(path, table, options)
    if fmt == "fz_text":
        return _read_fz_text(path, table, options)
    if table.header is None:
        raise ReadError(
            path,
            "no header row naming the columns",
            where=f"line {table.first_data_line}",
            hint="add a header like 'time_s,EMG 1 [mV]', or pass format='fz_text' for a plain force column",
        )
    metadata: dict[str, Any] = {"format": fmt, "delimiter": table.delimiter}
    return _channels_with_time(path, table, fmt, options, metadata)
