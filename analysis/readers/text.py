"""Delimited-text exports: thin per-layout rules (generic ``time_s,<name> [<unit>]``, Delsys, Noraxon, AMTI
NetForce, Bertec, one-column Fz, UCI lower-limb EMG, OpenSim .mot/.sto, OpenSignals .txt) over the table
engine of :mod:`analysis.readers.table`, ending in the shared checks of :mod:`analysis.readers.checks`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import ReadError
from analysis.readers._common import (
    TIME_COLUMN_PATTERN,
    decode_text,
    guess_kind,
    is_known_unit,
    normalise_unit,
    rate_from_time,
    split_name_unit,
    to_si,
)
from analysis.readers.assemble import build_recording
from analysis.readers.assemble import build_recording as _build  # the former private name
from analysis.readers.checks import MIN_SAMPLES, check_declared_count
from analysis.readers.opensignals import PLUX_EMG_GAIN, PLUX_VCC_V, plux_emg_mv, read_opensignals_txt
from analysis.readers.opensignals import _opensignals_recording as _opensignals_recording
from analysis.readers.table import _DELIMITERS, _TAIL_LINES, TextTable, parse_table
from analysis.readers.table import _choose_delimiter as _choose_delimiter
from analysis.readers.table import _is_number as _is_number
from analysis.readers.table import _numeric_row as _numeric_row
from analysis.readers.table import _plain_row_pattern as _plain_row_pattern
from analysis.readers.table import _split as _split
from analysis.readers.table import trim_trailing_incomplete as _trim_trailing_incomplete
from analysis.recording import Recording

__all__ = [
    "TextTable",
    "parse_table",
    "read_text",
    "TEXT_FORMATS",
    "sniff_text_format",
    "build_recording",
    "plux_emg_mv",
    "PLUX_VCC_V",
    "PLUX_EMG_GAIN",
    "_DELIMITERS",
    "_TAIL_LINES",
    "_build",
]

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

_SAMPLING_RATE_HINT = (
    "pass sampling_rate_hz=... to read_recording, or set sampling_rate_hz for this trial in trials.csv"
)


def _rate_from_preamble(lines: list[str]) -> float | None:
    for line in lines:
        match = re.search(
            r"(sampl\w*\s*(rate|frequency)|frequency|rate)\D{0,20}?([0-9]+(\.[0-9]+)?)\s*(hz)?", line, re.I
        )
        if match:
            return float(match.group(3))
    return None


def _si_of(unit: str | None) -> str | None:
    return to_si(np.zeros(1), normalise_unit(unit))[1] if unit else None


def _unlabelled_unit(name: str, flavour: str, options: dict[str, Any]) -> str | None:
    """Unit of a column the file does not label: the ``unit`` option (study.yaml ``units:``) when the column's
    name-based default is of the same quantity or there is none (``force: kN`` reads an unlabelled Fz as kN, not a
    CoP column), else the name-based default."""
    guess, stated = _default_unit(name, flavour), options.get("unit")
    if stated and (guess is None or _si_of(stated) == _si_of(guess)):
        return str(stated)
    return guess


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


def _channels_with_time(
    path: Path, table: TextTable, flavour: str, options: dict[str, Any], metadata: dict[str, Any]
) -> Recording:
    """Header-named columns, an optional time column, units from ``[unit]``/``(unit)``/unit row/defaults."""
    if table.header is None:
        raise ReadError(path, "no header row naming the columns", where=f"line {table.first_data_line}")
    header: list[str] = table.header
    parsed = [split_name_unit(h) for h in header]
    unit_row = None
    for row in table.extra_header_rows:
        units = [normalise_unit(c) for c in row]
        named = [u for u in units if u]
        if named and sum(1 for u in named if is_known_unit(u)) >= len(named) / 2:  # mostly unit names
            unit_row = units
            break
    time_col = options.get("time_column")
    time_cols = [
        j for j, (n, _) in enumerate(parsed) if TIME_COLUMN_PATTERN.match(n) or TIME_COLUMN_PATTERN.match(header[j])
    ]
    if time_col is not None:
        if time_col not in header and time_col not in [n for n, _ in parsed]:
            raise ReadError(path, f"no time column {time_col!r}; columns are {header}", where="header")
        time_cols = [j for j, (n, _) in enumerate(parsed) if time_col in (n, header[j])] + [
            j for j in time_cols if header[j] != time_col
        ]
    skip = set(time_cols)
    skip |= {j for j, h in enumerate(header) if h == "" or h.lower().startswith("unnamed")}
    if flavour == "netforce_txt":
        skip |= {j for j, h in enumerate(header) if h.lower() in ("sample", "samples", "frame", "#")}
    wanted = options.get("channels")
    channel_cols = [j for j in range(len(header)) if j not in skip]
    if flavour == "delsys_csv":
        channel_cols, dropped = _delsys_same_rate(table, header, time_cols, channel_cols)
        if dropped:
            metadata["channels_dropped_other_rate"] = dropped
    if wanted is not None:
        by_name = {parsed[j][0]: j for j in channel_cols} | {header[j]: j for j in channel_cols}
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
    nan_rows, nan_cols = np.nonzero(np.isnan(data[:, channel_cols]))
    if nan_rows.size:
        r, c = int(nan_rows[0]), channel_cols[int(nan_cols[0])]
        raise ReadError(
            path,
            "missing value inside the recording",
            where=f"line {table.line_of(r)}, column {c + 1} ({header[c]!r})",
            hint="readers keep gaps visible instead of filling them: fix the export",
        )
    _enough_rows(path, table)
    rate = options.get("sampling_rate_hz")
    if time_cols:
        j = time_cols[0]
        time_unit = parsed[j][1] or (unit_row[j] if unit_row else None) or "s"
        time_s, _, _ = to_si(data[:, j], time_unit)
        file_rate = rate_from_time(
            path, time_s, column=header[j], first_row=table.first_data_line, line_of=table.line_of
        )
        if rate is not None and abs(float(rate) - file_rate) > 1e-3 * file_rate:
            raise ReadError(
                path,
                f"sampling_rate_hz={rate} disagrees with the time column ({file_rate:.6g} Hz)",
                where=f"column {header[j]!r}",
            )
        rate = file_rate
        metadata["start_time_s"] = float(time_s[0])
        metadata["sampling_rate_source"] = f"time column {header[j]!r}"
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
        parsed[j][1] or (unit_row[j] if unit_row else None) or _unlabelled_unit(parsed[j][0], flavour, options)
        for j in channel_cols
    ]
    if table.preamble:
        metadata["preamble"] = table.preamble[:50]
    return _build(
        path,
        flavour,
        names,
        units,
        data[:, channel_cols],
        rate,
        options,
        _with_warnings(metadata, table),
        row_where=_line_where(table),
    )


def _line_where(table: TextTable) -> Any:
    return lambda row: f"line {table.line_of(row)}"


def _with_warnings(metadata: dict[str, Any], table: TextTable) -> dict[str, Any]:
    if table.warnings:
        metadata = dict(metadata, read_warnings=list(table.warnings))
    return metadata


def _enough_rows(path: Path, table: TextTable) -> None:
    """Fewer than two rows cannot be a recording: say so before asking for a sampling rate."""
    n = table.data.shape[0]
    if n < MIN_SAMPLES:
        raise ReadError(
            path,
            f"{n} data row(s): a recording needs at least {MIN_SAMPLES} (is the file truncated?)",
            where=f"line {table.first_data_line}",
            hint="export or copy the recording again",
        )


def _delsys_same_rate(
    table: TextTable, header: list[str], time_cols: list[int], channel_cols: list[int]
) -> tuple[list[int], list[str]]:
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
            dropped.append(header[j])
    return kept, dropped


# --------------------------------------------------------------------------------------------
# layouts with their own header conventions


def _read_fz_text(path: Path, table: TextTable, options: dict[str, Any]) -> Recording:
    n = table.data.shape[1]
    if table.header:
        # a name has a letter: a first line like "--4.478" or "-1.2.3" is a garbled value, not a channel name
        for j, cell in enumerate(table.header):
            if not re.search(r"[A-Za-z]", cell):
                raise ReadError(
                    path,
                    f"{cell!r} is neither a number nor a channel name",
                    where=f"line {table.first_data_line - 1 - len(table.extra_header_rows)}, column {j + 1}",
                    hint="fix that value; force values are read as numbers, whatever their sign",
                )
    names = table.header if table.header else (["Fz"] if n == 1 else [f"FP{i + 1}" for i in range(n)])
    # no trimming of empty trailing cells here: plain force files have none, so one is a truncated row
    _enough_rows(path, table)
    rate = options.get("sampling_rate_hz")
    if rate is None:
        raise ReadError(path, "a plain force column file does not store its sampling rate", hint=_SAMPLING_RATE_HINT)
    metadata: dict[str, Any] = {
        "format": "fz_text",
        "sampling_rate_source": "sampling_rate_hz option",
        "unit_assumed": options.get("unit") is None,  # the file states no unit: N (vertical GRF) unless unit= says
        "vertical_axis": "z",
    }
    opts = dict(options)
    opts.setdefault("unit", "N")
    if opts["unit"] is None:
        opts["unit"] = "N"
    return _build(
        path,
        "fz_text",
        list(names),
        [None] * n,
        table.data,
        rate,
        opts,
        _with_warnings(metadata, table),
        kinds=["force"] * n,
        row_where=_line_where(table),
    )


_UCI_CHANNEL = re.compile(
    r"^Channel\s+(\d+):\s*'(?P<name>[^']*)',\s*(?P<n>\d+)\s+values,\s*engineering units:\s*(?P<unit>[^,]+)", re.I
)
#: UCI "EMG dataset in Lower Limb": 1000 Hz per the dataset description (Sanchez & Sotelo, UCI ML Repository)
UCI_SAMPLING_RATE_HZ = 1000.0


def _read_uci(path: Path, table: TextTable, options: dict[str, Any]) -> Recording:
    names: list[str] = []
    units: list[str | None] = []
    declared: list[int] = []
    declared_at: list[int] = []
    for i, line in enumerate(table.preamble):
        match = _UCI_CHANNEL.match(line.strip())
        if match:
            names.append(match.group("name").strip())
            units.append(normalise_unit(match.group("unit").strip()))
            declared.append(int(match.group("n")))
            declared_at.append(i + 1)
    if len(names) != table.data.shape[1]:
        raise ReadError(
            path,
            f"the header declares {len(names)} channel(s) but data rows have {table.data.shape[1]} column(s)",
            where=f"lines 1-{len(table.preamble)}",
        )
    emg_cols = [j for j, u in enumerate(units) if u in ("mV", "uV", "V")]
    table = _trim_trailing_incomplete(table, emg_cols or list(range(len(names))))
    data = table.data
    bad = np.argwhere(np.isnan(data))
    if bad.size:
        r, c = bad[0]
        raise ReadError(
            path,
            "missing value inside the recording",
            where=f"line {table.line_of(int(r))}, column {c + 1} ({names[c]!r})",
        )
    _enough_rows(path, table)
    for j in emg_cols:  # the EMG channels hold exactly the values the header announces (the angle is resampled)
        check_declared_count(
            path, data.shape[0], declared[j], what=f"values of channel {names[j]!r}", where=f"line {declared_at[j]}"
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
    return _build(
        path,
        "uci_emg",
        names,
        units,
        data,
        rate,
        options,
        _with_warnings(metadata, table),
        kinds=kinds,
        row_where=_line_where(table),
    )


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
    table = parse_table(path, body, require_header=True, lenient=bool(options.get("lenient")), first_line=end + 2)
    header = table.header or []
    for key, found, what in (("nrows", table.data.shape[0], "rows"), ("ncolumns", len(header), "columns")):
        if key in settings:
            try:
                declared = int(settings[key])
            except ValueError:
                raise ReadError(path, f"{key}={settings[key]!r} is not a count", where="header") from None
            check_declared_count(path, found, declared, what=what, where=f"header line '{key}='")
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
    _enough_rows(path, table)
    rate = rate_from_time(
        path, table.data[:, time_cols[0]], column="time", first_row=table.first_data_line, line_of=table.line_of
    )
    metadata = {
        "format": "opensim",
        "in_degrees": in_degrees,
        "header": header_lines,
        "start_time_s": float(table.data[0, time_cols[0]]),
        "sampling_rate_source": "time column 'time'",
    }
    return _build(
        path,
        "opensim",
        names,
        chan_units,
        data,
        rate,
        options,
        _with_warnings(metadata, table),
        row_where=_line_where(table),
    )


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
    text = decode_text(path, raw)
    if fmt == "auto":
        fmt = sniff_text_format(path, text)
    if fmt == "opensim":
        return _read_opensim(path, text, options)
    if fmt == "opensignals_txt":
        return read_opensignals_txt(path, text, options)
    table = parse_table(path, text, delimiter=options.get("delimiter"), lenient=bool(options.get("lenient")))
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
