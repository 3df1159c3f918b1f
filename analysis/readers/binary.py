"""R data files (.rda/.RData): data frames, and R lists of EMG trials as recordings.

(The OpenSignals .h5 reader lives in :mod:`analysis.readers.opensignals`; it is re-exported here.)"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReadError
from analysis.readers.assemble import build_recording
from analysis.readers.opensignals import HDF5_SIGNATURE, read_opensignals_h5
from analysis.recording import Recording

__all__ = ["read_opensignals_h5", "read_r_tables", "read_r_emg", "HDF5_SIGNATURE", "R_SIGNATURES"]

#: R save() files: gzip, bzip2 or xz compressed, or uncompressed "RDX2/RDX3" (R Internals, 1.8)
R_SIGNATURES = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"RDX2", b"RDX3", b"RDA2", b"RDA3")


def _flatten(obj: Any, prefix: str, out: dict[str, pd.DataFrame]) -> None:
    if isinstance(obj, pd.DataFrame):
        out[prefix] = obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _flatten(value, f"{prefix}/{key}" if prefix else str(key), out)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _flatten(value, f"{prefix}/{i}", out)
    elif isinstance(obj, np.ndarray) and obj.ndim in (1, 2) and obj.dtype.kind in "fiub":
        out[prefix] = pd.DataFrame(obj if obj.ndim == 2 else obj[:, None])


def read_r_tables(path: Path, raw: bytes | None = None) -> dict[str, pd.DataFrame]:
    """Every data frame in an R file: pyreadr first, then ``rdata`` for lists (nested keys joined by '/')."""
    import pyreadr
    import rdata

    raw = raw if raw is not None else Path(path).read_bytes()
    if not raw.startswith(R_SIGNATURES):
        raise ReadError(path, "not an R data file (no gzip/bzip2/xz or RDX signature)", where="byte 0")
    tables: dict[str, pd.DataFrame] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = pyreadr.read_r(str(path))
            tables = {str(k): v for k, v in result.items() if isinstance(v, pd.DataFrame)}
        except Exception:  # pyreadr raises its own LibrdataError on anything it cannot parse
            tables = {}
        if not tables:
            try:
                converted = rdata.read_rda(str(path))
            except Exception as exc:  # rdata raises ValueError/NotImplementedError/EOFError/zlib errors
                raise ReadError(
                    path, f"neither pyreadr nor rdata could read it ({type(exc).__name__}: {exc})"
                ) from None
            _flatten(converted, "", tables)
    if not tables:
        raise ReadError(path, "the R file holds no data frame, matrix or list of them")
    return tables


#: musclesyneRgies RAW_DATA: 1000 Hz (SOURCE.txt; Santuz et al. 2020); EMG unit not stated by the package
def read_r_emg(path: Path, raw: bytes, options: dict[str, Any]) -> Recording:
    """An R list of trials with ``emg`` (time + muscles) and ``cycles`` (touchdown, lift-off) tables."""
    tables = read_r_tables(path, raw)
    trials = sorted({k.rsplit("/", 1)[0] for k in tables if k.endswith("/emg")})
    if not trials:
        raise ReadError(
            path, f"no '<trial>/emg' table; tables are {sorted(tables)}", hint="use read_r_tables() for other R files"
        )
    trial = options.get("r_object") or trials[0]
    if trial not in trials:
        raise ReadError(path, f"no trial {trial!r}; trials are {trials}", where="r_object")
    emg = tables[f"{trial}/emg"]
    if "time" not in emg.columns:
        raise ReadError(path, f"EMG table has no 'time' column; columns are {list(emg.columns)}", where=f"{trial}/emg")
    from analysis.readers._common import rate_from_time

    time_s = emg["time"].to_numpy(dtype=float)
    rate = rate_from_time(path, time_s, column=f"{trial}/emg$time", first_row=1)
    muscles = [c for c in emg.columns if c != "time"]
    try:
        data = emg[muscles].to_numpy(dtype=float)
    except (ValueError, TypeError) as exc:
        raise ReadError(path, f"non-numeric EMG ({exc})", where=f"{trial}/emg") from None
    start = float(time_s[0])
    events = pd.DataFrame({"label": pd.Series(dtype=str), "time_s": pd.Series(dtype=float)})
    cycles = tables.get(f"{trial}/cycles")
    if cycles is not None and cycles.shape[1] >= 2:
        c = cycles.to_numpy(dtype=float)
        events = (
            pd.DataFrame(
                {
                    "label": ["touchdown"] * len(c) + ["lift_off"] * len(c),
                    "time_s": np.concatenate([c[:, 0], c[:, 1]]) - start,
                }
            )
            .sort_values("time_s", kind="stable")
            .reset_index(drop=True)
        )
    unit = options.get("unit")
    metadata = {
        "format": "r_emg",
        "trial": trial,
        "trials": trials,
        "start_time_s": start,
        "event_times": "seconds from the first sample (file time minus start_time_s)",
        "unit_stated": unit is not None,
    }
    return build_recording(
        path,
        "r_emg",
        muscles,
        [unit] * len(muscles),
        data,
        rate,
        options,
        metadata,
        kinds=["emg"] * len(muscles),
        events=events,
        row_where=lambda r: f"{trial}/emg row {r + 1}",
    )
