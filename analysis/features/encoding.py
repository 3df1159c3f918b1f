"""How result tables become bytes and back: Arrow IPC payloads (worker -> driver, cache entries), parquet
(output tables, snapshots), atomic file writes, and JSON-safe values for cache keys and metadata."""

from __future__ import annotations

import dataclasses
import io as _io
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.files import publish


def _table_to_bytes(df: pd.DataFrame) -> bytes:
    buffer = _io.BytesIO()
    df.reset_index(drop=True).to_parquet(buffer, index=False)
    return buffer.getvalue()


def _table_from_bytes(payload: bytes) -> pd.DataFrame:
    return pd.read_parquet(_io.BytesIO(payload))


def _table_to_arrow(df: pd.DataFrame) -> bytes:
    """A per-trial table as an Arrow IPC stream: the worker -> driver payload and the cache entry.

    Same pandas <-> Arrow conversion as parquet (pyarrow ``Table.from_pandas`` / ``to_pandas`` with the
    pandas schema metadata), so dtypes come back as from parquet, at about a third of parquet's
    encode + decode cost for the small per-trial tables (no encoding, no compression).
    """
    import pyarrow as pa

    return _arrow_ipc_bytes(pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False))


def _arrow_ipc_bytes(table) -> bytes:
    import pyarrow as pa
    import pyarrow.ipc

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _table_from_arrow(payload: bytes) -> pd.DataFrame:
    import pyarrow.ipc

    return pyarrow.ipc.open_stream(payload).read_all().to_pandas()


def _batchable(frames: list[pd.DataFrame]) -> bool:
    """Frames whose pandas -> Arrow conversion is the same alone or concatenated: same columns, same dtypes,
    none of them ``object`` (Arrow infers an object column's type from its values, so that could differ)."""
    first = frames[0]
    if any(dtype == object for dtype in first.dtypes):  # noqa: E721 -- numpy dtype equality, not a type check
        return False
    columns, dtypes = list(first.columns), list(first.dtypes)
    return all(list(f.columns) == columns and list(f.dtypes) == dtypes for f in frames[1:])


def _encode_batch(frames: list[dict[str, pd.DataFrame]]) -> list[dict[str, bytes] | Exception]:
    """Each trial's tables as Arrow IPC payloads (:func:`_table_to_arrow`), converting the trials' frames of a
    table in one go where that gives the same result (:func:`_batchable`), else trial by trial."""
    import pyarrow as pa

    out: list[dict[str, bytes] | Exception] = [{} for _ in frames]
    names = sorted({name for tables in frames for name in tables})
    for name in names:
        members = [k for k, tables in enumerate(frames) if name in tables]
        group = [frames[k][name] for k in members]
        if len(group) > 1 and _batchable(group):
            try:
                table = pa.Table.from_pandas(pd.concat(group, ignore_index=True), preserve_index=False)
            except Exception:  # noqa: BLE001 - any conversion problem: fall back to trial by trial below
                table = None
            if table is not None:
                offset = 0
                for k, df in zip(members, group):
                    payloads = out[k]
                    if not isinstance(payloads, Exception):
                        payloads[name] = _arrow_ipc_bytes(table.slice(offset, len(df)))
                    offset += len(df)
                continue
        for k, df in zip(members, group):
            payloads = out[k]
            if isinstance(payloads, Exception):
                continue
            try:
                payloads[name] = _table_to_arrow(df)
            except Exception as exc:  # noqa: BLE001 - that trial's output cannot be stored: report it
                out[k] = exc
    return out


def _jsonable(value: Any) -> Any:
    """A JSON-serialisable, order-stable form of settings, rows and references."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) else value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Path):
        return str(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return _jsonable(to_dict())
    return repr(value)


def _write_bytes_atomic(payload: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        publish(tmp, path)  # the umask's mode, not mkstemp's 0600
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    _write_bytes_atomic(_table_to_bytes(df), path)


def _round_trip(df: pd.DataFrame) -> pd.DataFrame:
    """The table exactly as it reads back from its parquet file (one dtype story for fresh and cached rows)."""
    return _table_from_bytes(_table_to_bytes(df))
