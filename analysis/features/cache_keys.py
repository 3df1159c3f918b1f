"""Cache keys of the feature cache: content hashes of trial files (remembered per size + mtime, so a rerun
does not reread unchanged files), the code salt, and :class:`CacheKeys`.

A key is sha256 of: the file's content hash, the trial's row in trials.csv, the settings of the stages its
kind uses (an EMG setting never invalidates a force-plate trial), the MVC references it depends on, and a
code salt (package version + source hash of the modules that process that kind + ``CACHE_FORMAT_VERSION``).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.features.cache import CACHE_FORMAT_VERSION
from analysis.features.encoding import _jsonable, _write_parquet_atomic
from analysis.features.tasks import Pipeline, TrialTask

#: Columns of the trial row that do not change any result (kept out of cache keys).
_ROW_COLUMNS_NOT_IN_KEY = ("path", "notes", "manifest_row")
_HASH_CHUNK_BYTES = 1 << 20


def file_sha256(path: str | Path, chunk_bytes: int = _HASH_CHUNK_BYTES) -> str:
    """sha256 of a file's content, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _module_source_sha256(module_name: str) -> str:
    """sha256 of a module's source (of every .py file for a package); ``absent`` if it does not exist."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return "absent"
        raise
    path = getattr(module, "__file__", None)
    if not path:
        return "builtin"
    path = Path(path)
    files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=64)
def _function_source_sha256(function: Callable) -> str:
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        source = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"
    return hashlib.sha256(source.encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _package_version() -> str:
    try:
        return importlib.metadata.version("anklelab")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def _code_salt(pipeline: Pipeline, task: TrialTask) -> dict[str, Any]:
    """What code produced a result: package version, the processing modules' and the task functions' source."""
    modules = sorted(set(pipeline.code_modules.get(task.stage, ())))
    return {
        "cache_format": CACHE_FORMAT_VERSION,
        "package": _package_version(),
        "modules": {m: _module_source_sha256(m) for m in modules},
        "functions": [_function_source_sha256(task.read), _function_source_sha256(task.processor)],
    }


class _HashIndex:
    """Remembers sha256 per (relative path, size, mtime_ns) so a rerun does not reread unchanged files."""

    def __init__(self, path: Path | None):
        self.path = path
        self.entries: dict[str, tuple[int, int, str]] = {}
        self.n_hashed = 0
        self.bytes_hashed = 0
        self.changed = False
        if path is not None and path.is_file():
            try:
                table = pd.read_parquet(path)
                for row in table.itertuples(index=False):
                    self.entries[str(row.file)] = (int(row.size), int(row.mtime_ns), str(row.sha256))
            except Exception:  # a damaged index only costs rehashing
                self.entries = {}

    def sha256(self, relative: str, absolute: Path) -> str:
        stat = absolute.stat()
        known = self.entries.get(relative)
        if known is not None and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        digest = file_sha256(absolute)
        self.entries[relative] = (int(stat.st_size), int(stat.st_mtime_ns), digest)
        self.n_hashed += 1
        self.bytes_hashed += int(stat.st_size)
        self.changed = True
        return digest

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        table = pd.DataFrame(
            [(k, *v) for k, v in sorted(self.entries.items())], columns=["file", "size", "mtime_ns", "sha256"]
        )
        _write_parquet_atomic(table, self.path)


class CacheKeys:
    """The cache key of each task: sha256 over (what is the same for every trial of a stage, the subject x
    session's MVC references, the trial's row, the file's content hash).

    The shared parts are serialised once per stage / group, not per trial: the driver's CPU per trial is CPU
    the workers do not get.
    """

    def __init__(self, pipeline: Pipeline, hashes: _HashIndex):
        self.pipeline = pipeline
        self.hashes = hashes
        self._stage_part: dict[tuple, str] = {}
        self._mvc_part: dict[tuple[str, str], str] = {}

    @staticmethod
    def _canonical(material: Any) -> str:
        return json.dumps(_jsonable(material), sort_keys=True, separators=(",", ":"), allow_nan=False)

    def key(self, task: TrialTask, group: tuple[str, str]) -> str:
        """The key of ``task`` (``group``: its subject x session); raises OSError if its file cannot be read."""
        trial = task.trial
        stages = tuple(task.context["settings"])
        if (task.stage, stages) not in self._stage_part:
            self._stage_part[(task.stage, stages)] = self._canonical(
                {
                    "stage": task.stage,
                    "code": _code_salt(self.pipeline, task),
                    "settings": task.context["settings"],
                    # channel -> muscle matters to EMG; channel roles to force plate and kinematics
                    "channel_map": task.context["channel_map"] if "emg" in stages else None,
                    "roles": task.context["roles"] if set(stages) - {"emg"} else None,
                    "units": task.context["units"],
                    # study-wide read options change the samples themselves (force-platform calibration)
                    "read_options": task.context.get("read_options") or None,
                }
            )
        refs = task.context.get("mvc_refs")
        if refs is None:
            references = "null"
        else:
            if group not in self._mvc_part:
                self._mvc_part[group] = self._canonical(refs)
            references = self._mvc_part[group]
        content = self.hashes.sha256(str(trial.get("file")), Path(str(trial.get("path"))))
        # rows are already plain JSON values (:func:`analysis.features.study_view._row_dicts`)
        row = json.dumps(
            {k: v for k, v in trial.items() if k not in _ROW_COLUMNS_NOT_IN_KEY},
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
        )
        material = "\n".join((self._stage_part[(task.stage, stages)], references, row, content))
        return hashlib.sha256(material.encode()).hexdigest()
