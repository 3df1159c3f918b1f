"""Cached results on their way into the output tables: a trial's tables as Arrow payloads
(:class:`_ArrowResult`), the one-file-per-table snapshot of the last run (:class:`_Snapshot`, what makes a
rerun of a large study fast) and :func:`_assemble`, which builds each table from every trial's result."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.features.encoding import _table_from_arrow, _write_bytes_atomic, _write_parquet_atomic


@dataclass
class _ArrowResult:
    """A trial's tables still as Arrow IPC payloads (fresh from a worker or from a cache entry)."""

    payloads: dict[str, bytes]

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: _table_from_arrow(blob) for name, blob in self.payloads.items()}


def _frames_from_arrow(payloads: list[bytes], cache_keys: list[str]) -> pd.DataFrame:
    """Per-trial Arrow payloads -> one DataFrame with its ``_cache_key`` column, decoded in one go.

    Identical to decoding each payload and ``pd.concat``-ing the frames when every payload has the same
    column types (the usual case: one ``to_pandas`` instead of thousands); otherwise exactly that.
    """
    import pyarrow as pa
    import pyarrow.ipc

    tables = [pyarrow.ipc.open_stream(blob).read_all() for blob in payloads]
    schema = tables[0].schema
    same_types = all(t.schema.equals(schema) for t in tables) and not any(
        pa.types.is_dictionary(f.type) or pa.types.is_null(f.type) for f in schema
    )
    if not same_types:
        frames = [t.to_pandas().assign(**{_Snapshot.KEY: key}) for t, key in zip(tables, cache_keys)]
        return pd.concat(frames, ignore_index=True)
    frame = pa.concat_tables(tables).to_pandas()
    frame[_Snapshot.KEY] = np.repeat(np.asarray(cache_keys, dtype=object), [t.num_rows for t in tables])
    return frame


@dataclass
class _SnapshotHit:
    """A cached trial found in the snapshot: its row positions per table (taken in one go at the end)."""

    positions: dict[str, np.ndarray]


def _assemble(name: str, results: list, keys: Mapping[int, str], snapshot: _Snapshot) -> pd.DataFrame:
    """One table from every trial's result in trial order, with its ``_cache_key`` column.

    Consecutive snapshot hits become a single ``take`` (a rerun of thousands of cached trials costs one
    table copy, not thousands of small ones).
    """
    parts: list[pd.DataFrame] = []
    pending: list[np.ndarray] = []
    arrow_payloads: list[bytes] = []
    arrow_keys: list[str] = []

    def flush() -> None:
        if pending:
            parts.append(snapshot.tables[name].take(np.concatenate(pending)))
            pending.clear()
        if arrow_payloads:
            parts.append(_frames_from_arrow(arrow_payloads, arrow_keys))
            arrow_payloads.clear()
            arrow_keys.clear()

    for i, result in enumerate(results):
        if isinstance(result, _SnapshotHit):
            if arrow_payloads:
                flush()
            if name in result.positions:
                pending.append(result.positions[name])
            continue
        if isinstance(result, _ArrowResult):
            if pending:
                flush()
            if name in result.payloads:
                arrow_payloads.append(result.payloads[name])
                arrow_keys.append(keys.get(i, ""))
            continue
        flush()
        if result and name in result:
            frame = result[name]
            parts.append(frame.assign(**{_Snapshot.KEY: keys.get(i, "")}))
    flush()
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


class _Snapshot:
    """All cache entries of the last run in one parquet file per table (+ ``_cache_key``), read in one go.

    Per-entry files are the source of truth (written as results arrive, safe against crashes); the
    snapshot only makes a rerun of a large study fast: reading thousands of small files costs seconds.
    """

    KEY = "_cache_key"

    def __init__(self, tables: dict[str, pd.DataFrame], keys: set[str]):
        self.keys = keys
        self.tables = tables
        self.rows = {name: table.groupby(self.KEY, sort=False).indices for name, table in tables.items()}

    @classmethod
    def load(cls, cache_root: Path | None) -> _Snapshot:
        empty = cls({}, set())
        if cache_root is None or not (cache_root / "snapshot.json").is_file():
            return empty
        try:
            meta = json.loads((cache_root / "snapshot.json").read_text())
            tables = {name: pd.read_parquet(cache_root / f"snapshot.{name}.parquet") for name in meta["tables"]}
            return cls(tables, set(meta["keys"]))
        except (OSError, ValueError, KeyError):
            return empty

    def get(self, key: str) -> _SnapshotHit | None:
        if key not in self.keys:
            return None
        return _SnapshotHit({name: rows[key] for name, rows in self.rows.items() if key in rows})

    def frames(self, hit: _SnapshotHit) -> dict[str, pd.DataFrame]:
        return {
            name: self.tables[name].take(positions).drop(columns=self.KEY).reset_index(drop=True)
            for name, positions in hit.positions.items()
        }

    @classmethod
    def save(cls, cache_root: Path, tables: Mapping[str, pd.DataFrame], keys: set[str]) -> None:
        (cache_root / "snapshot.json").unlink(missing_ok=True)  # never a manifest pointing at stale tables
        for name, table in tables.items():
            _write_parquet_atomic(table, cache_root / f"snapshot.{name}.parquet")
        meta = {"tables": sorted(tables), "keys": sorted(keys)}
        _write_bytes_atomic(json.dumps(meta).encode(), cache_root / "snapshot.json")
