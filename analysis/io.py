"""Readers for every file format the suite accepts, and atomic table writes.

Public entry points:

- ``read_recording(path, **options) -> Recording`` — dispatches on :func:`sniff_format` (or ``format=``)
  to C3D (ezc3d, force platforms cross-checked), delimited text (generic ``time_s,<name> [<unit>]``,
  Delsys, Noraxon, AMTI NetForce, Bertec, one-column Fz, UCI lower-limb EMG), OpenSim .mot/.sto,
  OpenSignals .h5/.txt and R lists of EMG trials. Values come back in SI (V, N, N·m, m, deg) with the
  file's units in ``source_units``.
- ``sniff_format(path) -> str``
- ``read_r_tables(path) -> dict[str, DataFrame]``, ``read_injury_tables(path) -> dict[str, DataFrame]``
- ``save_table(df, path)`` (temp file in the same folder + ``os.replace``), ``load_table(path)``

Options of ``read_recording`` (all optional):

``format``            force a reader (one of :data:`FORMATS`)
``sampling_rate_hz``  for files that do not store it (one-column Fz text, NetForce without preamble)
``columns``           ``{source column: new name}``; ``units``: ``{source column: unit}``;
``kinds``             ``{column: kind}``; ``unit``: unit for columns that state none
``channels``          list of channel names to keep, in that order
``time_column``       name of the time column when it is not ``time``/``time_s``/``X[s]``
``delimiter``         force the text delimiter
``c3d_platform_path`` ``'auto'`` (default, cross-checked), ``'raw'`` or ``'extraction'``
``r_object``          trial name inside an R list of EMG trials
``device``            OpenSignals device (MAC address group) when a file holds several
``lenient``           ``True`` to leave out what carries no sample -- blank lines inside a text export's
                      numeric block, a cut-off last line -- with a :class:`ReadWarning` (also listed in
                      ``Recording.metadata['read_warnings']``) instead of refusing the file; nothing else is
                      relaxed (a garbled row, NaN or 1e300 stays an error)
``force_platform``    OpenSignals force platform: ``{'calibration_kg_mv_per_v': C, 'tare': 'none' |
                      'unloaded_minimum' | [t0, t1]}`` (optionally keyed by device); required when the file
                      holds FORCEPLATFORM channels (:mod:`analysis.readers.opensignals_force`)

Every reader ends in the checks of :mod:`analysis.readers.checks` (complete numeric block, finite values,
plausible range per SI unit, declared sample counts, time strictly increasing and uniform, at least two
samples); a file that fails them raises :class:`~analysis.errors.ReadError` naming the file and the line,
byte, parameter or dataset. No reader raises anything else: an unexpected exception is wrapped here.

Event times (``Recording.events.time_s``) are seconds from the first sample; the file's own clock at
that sample is ``metadata['start_time_s']``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import ReadError
from analysis.files import publish
from analysis.readers._common import decode_text
from analysis.readers.binary import HDF5_SIGNATURE, R_SIGNATURES, read_opensignals_h5, read_r_emg
from analysis.readers.binary import read_r_tables as _read_r_tables
from analysis.readers.c3d import C3D_KEY_BYTE, read_c3d
from analysis.readers.checks import ReadWarning
from analysis.readers.text import TEXT_FORMATS, read_text, sniff_text_format
from analysis.recording import Recording

__all__ = [
    "FORMATS",
    "ReadWarning",
    "read_recording",
    "sniff_format",
    "read_r_tables",
    "read_injury_tables",
    "save_table",
    "load_table",
]

FORMATS = ("c3d", "opensignals_h5", "r_emg") + TEXT_FORMATS
_OPTIONS = {
    "format",
    "sampling_rate_hz",
    "columns",
    "units",
    "kinds",
    "unit",
    "channels",
    "time_column",
    "delimiter",
    "c3d_platform_path",
    "r_object",
    "device",
    "lenient",
    "force_platform",
}
_SNIFF_BYTES = 65536


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise ReadError(path, "no such file", hint="check the path (relative paths are relative to the study folder)")
    if path.is_dir():
        raise ReadError(path, "is a folder, not a recording file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"cannot be read: {exc.strerror or exc}") from None


def _sniff_bytes(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix == ".c3d" or (len(head) > 1 and head[1] == C3D_KEY_BYTE and suffix not in (".csv", ".txt", ".tsv")):
        return "c3d"
    if head.startswith(HDF5_SIGNATURE) or suffix in (".h5", ".hdf5"):
        return "opensignals_h5"
    if suffix in (".rda", ".rdata") or head.startswith(R_SIGNATURES):
        return "r_emg"
    if not head.strip():
        raise ReadError(path, "the file is empty", where="line 1")
    text = decode_text(path, head)
    return sniff_text_format(path, text)


def sniff_format(path: str | Path) -> str:
    """The reader :func:`read_recording` would use for this file (extension first, then content)."""
    path = Path(path)
    if not path.is_file():
        raise ReadError(path, "no such file")
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    return _sniff_bytes(path, head)


def read_recording(path: str | Path, **options: Any) -> Recording:
    """Read one recording file into a :class:`~analysis.recording.Recording` in SI units."""
    path = Path(path)
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ReadError(path, f"unknown option(s) {unknown}; allowed: {sorted(_OPTIONS)}")
    fmt = options.get("format") or "auto"
    if fmt != "auto" and fmt not in FORMATS:
        raise ReadError(path, f"unknown format {fmt!r}; formats are {list(FORMATS)}")
    rate = options.get("sampling_rate_hz")
    if rate is not None:
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            rate = float("nan")
        if not rate > 0 or rate == float("inf"):
            raise ReadError(path, f"sampling_rate_hz must be a positive number, got {options['sampling_rate_hz']!r}")
        options["sampling_rate_hz"] = rate
    if not isinstance(options.get("lenient", False), bool):
        raise ReadError(path, f"lenient must be True or False, got {options['lenient']!r}")
    raw = _read_bytes(path)
    try:
        if fmt == "auto":
            fmt = _sniff_bytes(path, raw[:_SNIFF_BYTES])
        if fmt == "c3d":
            return read_c3d(path, raw, options)
        if fmt == "opensignals_h5":
            return read_opensignals_h5(path, raw, options)
        if fmt == "r_emg":
            return read_r_emg(path, raw, options)
        return read_text(path, raw, fmt, options)
    except ReadError:
        raise
    except Exception as exc:  # a reader bug or a library's own error (MemoryError too): name the file
        raise ReadError(
            path,
            f"could not be read as {fmt} ({type(exc).__name__}: {exc})",
            hint="the file is probably corrupted; if it opens in its own software, report this with the file",
        ) from exc


def read_r_tables(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every data frame in an .rda/.RData file (pyreadr; ``rdata`` for R lists, keys ``outer/inner``)."""
    path = Path(path)
    return _read_r_tables(path, _read_bytes(path))


#: injurytools' raw Liverpool FC tables (R package injurytools 2.0.0, data/*.rda)
_INJURY_FILES = {"exposures": "raw_df_exposures.rda", "injuries": "raw_df_injuries.rda"}


def read_injury_tables(path: str | Path) -> dict[str, pd.DataFrame]:
    """injurytools raw data: ``{'exposures': ..., 'injuries': ...}`` from a folder holding
    ``raw_df_exposures.rda`` and ``raw_df_injuries.rda``, or every table of one .rda file.

    Date columns (``from``, ``until`` and any column of ``datetime.date`` objects) become
    ``datetime64``; categories stay categories; nothing else is changed.
    """
    path = Path(path)
    if path.is_dir():
        missing = [name for name in _INJURY_FILES.values() if not (path / name).is_file()]
        if missing:
            raise ReadError(path, f"missing {missing}", hint="point to the injurytools data folder or to one .rda file")
        out = {}
        for key, name in _INJURY_FILES.items():
            tables = read_r_tables(path / name)
            out[key] = _dates_to_datetime(next(iter(tables.values())))
        return out
    return {name: _dates_to_datetime(df) for name, df in read_r_tables(path).items()}


def _dates_to_datetime(df: pd.DataFrame) -> pd.DataFrame:
    import datetime as dt

    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object:
            sample = df[col].dropna()
            if len(sample) and all(isinstance(v, dt.date) for v in sample.iloc[:20]):
                df[col] = pd.to_datetime(df[col])
    return df


def save_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as parquet (``.parquet``) or CSV (``.csv``) atomically: temp file in the target
    folder, then ``os.replace`` (readers never see half a file). Returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"{path}: save_table writes .parquet or .csv, not {suffix or 'no extension'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if suffix == ".parquet":
            df.to_parquet(tmp_name, index=False)
        else:
            df.to_csv(tmp_name, index=False)
        publish(tmp_name, path)  # the umask's mode, not mkstemp's 0600
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return path


def load_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`save_table` (or any .parquet/.csv)."""
    path = Path(path)
    raw_exists = path.is_file()
    if not raw_exists:
        raise ReadError(path, "no such table")
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
    except Exception as exc:  # pyarrow/pandas raise many types; the message names the file
        raise ReadError(path, f"table could not be read ({type(exc).__name__}: {exc})") from None
    raise ReadError(path, f"unknown table type {path.suffix!r}", hint="use .parquet or .csv")
