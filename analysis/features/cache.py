"""The feature cache: one entry per trial result under ``<derived>/feature_cache/`` (Arrow IPC files + a
manifest), written by the worker that computed it. What a key is made of: :mod:`analysis.features.cache_keys`.
Failed trials are not cached: they are retried on every run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from analysis.features.encoding import _write_bytes_atomic

#: Bump when the layout of cache entries changes (every entry then misses once).
CACHE_FORMAT_VERSION = 5  # 5: entries carry the curves table; 4: the trial's warnings; 3: key material serialised per part; 2: per-trial entries are Arrow IPC (.arrow), 1: parquet
CACHE_SUBDIR = "feature_cache"
HASH_INDEX_FILE = "file_hashes.parquet"


class _FeatureCache:
    """One entry per trial result: ``<key>.<table>.arrow`` files (Arrow IPC), then ``<key>.json`` listing them."""

    def __init__(self, root: Path | None):
        self.root = root

    def _dir(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2]

    def get(self, key: str) -> dict[str, bytes] | None:
        if self.root is None:
            return None
        manifest = self._dir(key) / f"{key}.json"
        try:
            names = json.loads(manifest.read_text())["tables"]
            return {name: (self._dir(key) / f"{key}.{name}.arrow").read_bytes() for name in names}
        except (OSError, ValueError, KeyError):
            return None

    def put(self, key: str, tables: Mapping[str, bytes]) -> None:
        if self.root is None:
            return
        for name, payload in tables.items():
            _write_bytes_atomic(payload, self._dir(key) / f"{key}.{name}.arrow")
        _write_bytes_atomic(json.dumps({"tables": sorted(tables)}).encode(), self._dir(key) / f"{key}.json")
