"""Whole-study feature extraction: every trial -> tidy feature tables, in parallel, cached, streamed.

``extract_features(study)`` turns each trial of a study into rows of the tidy tables of
docs/architecture.md (``emg``, ``force``, ``kinematics``, ``failures``) and writes them atomically as
parquet into the study's derived folder (``analysis.paths.cache_dir_for``), never beside raw files.

How the work runs
-----------------
* A task is a short batch of trials (one at first, then as many as make about ``BATCH_TARGET_S`` of
  compute): :func:`run_trial_tasks` reads each file *in the worker* (a worker gets paths, not samples),
  calls the per-trial processor of the trial's kind and returns each trial's tables as small Arrow IPC
  payloads (the cache entry format too; the driver decodes them, the output tables are parquet). Each
  trial keeps its own outcome, error and cache entry. The same task function runs in-process
  (``scheduler="serial"``), on local worker processes (default) or on a dask.distributed cluster
  (``scheduler="tcp://host:port"`` or a ``Client``).
* Local default: ``concurrent.futures.ProcessPoolExecutor`` (forkserver), not a dask ``LocalCluster``:
  it starts in well under a second instead of a few, has no scheduler/nanny processes whose memory
  would count against the bound, and needs no dashboard/ports. Multi-machine runs are what
  dask.distributed is for, so ``--scheduler`` uses ``distributed.Client(address)`` with the very same
  task objects.
* Memory is bounded whatever the study size: the driver submits at most ``max_in_flight`` tasks (2 per
  worker thread) and collects them as they complete; a worker holds one recording at a time; only the
  small result rows are kept.
* Two stages for EMG: MVC trials are processed first; as soon as every MVC trial of a
  subject x session is done, its reference values are combined and the EMG trials of that
  subject x session are released (they need the references for %MVC). Force-plate and kinematics
  trials need no reference and run from the start.

The cache
---------
Each trial's result is stored under ``<derived>/feature_cache/`` keyed by sha256 of: the file's
content hash (sha256, streamed; remembered per ``(size, mtime_ns)`` so a rerun does not reread
unchanged files), the trial's row in trials.csv, the settings of the stages its kind uses
(an EMG setting never invalidates a force-plate trial), the MVC references it depends on, and a code
salt (package version + source hash of the modules that process that kind + ``CACHE_FORMAT_VERSION``).
Failed trials are not cached: they are retried on every run.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import functools
import hashlib
import importlib
import importlib.metadata
import inspect
import io as _io
import json
import math
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError, AnkleLabError, StudyError
from analysis.paths import cache_dir_for
from analysis.recording import Recording
from analysis.runtime import tune_allocator

__all__ = [
    "CACHE_FORMAT_VERSION",
    "FAILURE_COLUMNS",
    "KEY_COLUMNS",
    "OUTPUT_FILES",
    "FeatureTables",
    "Pipeline",
    "TrialTask",
    "TrialOutcome",
    "default_pipeline",
    "extract_features",
    "file_sha256",
    "load_feature_tables",
    "phases_from_events",
    "run_trial_task",
    "run_trial_tasks",
    "warning_summary",
]

#: Bump when the layout of cache entries changes (every entry then misses once).
CACHE_FORMAT_VERSION = 4  # 4: entries carry the trial's warnings; 3: key material serialised per part; 2: per-trial entries are Arrow IPC (.arrow), 1: parquet

#: Key columns every per-trial table carries (docs/architecture.md, "Tidy feature tables").
KEY_COLUMNS = (
    "subject_id",
    "session",
    "trial_id",
    "exercise",
    "load_phase",
    "load_kg",
    "load_lb",
    "load_pct_bw",
    "body_mass_kg",
    "group",
)
FAILURE_COLUMNS = ("subject_id", "trial_id", "file", "stage", "error", "error_type")
#: Warnings a trial's processing raised (e.g. a muscle above 100 % MVC): stored with the trial's tables,
#: so a rerun from the cache reports them too, and printed as a summary instead of one line per trial.
WARNING_COLUMNS = ("subject_id", "trial_id", "file", "stage", "category", "message")

#: The feature tables and the file each is written to in the derived folder.
OUTPUT_FILES = {
    "emg": "features_emg.parquet",
    "force": "features_force.parquet",
    "kinematics": "features_kinematics.parquet",
    "mvc": "mvc_references.parquet",
    "failures": "features_failures.parquet",
    "warnings": "features_warnings.parquet",
}
META_FILE = "features_meta.json"
CACHE_SUBDIR = "feature_cache"
HASH_INDEX_FILE = "file_hashes.parquet"

#: Settings stages each trial kind depends on (a changed stage setting invalidates only these kinds).
STAGES_BY_KIND = {
    "emg": ("emg",),
    "forceplate": ("forceplate",),
    "kinematics": ("kinematics",),
    "combined": ("emg", "forceplate", "kinematics"),
}
MVC_STAGE = "mvc"
#: Columns of the trial row that do not change any result (kept out of cache keys).
_ROW_COLUMNS_NOT_IN_KEY = ("path", "notes", "manifest_row")
#: Tasks kept in flight per worker thread: enough to hide the driver's hashing/scheduling latency,
#: few enough that memory stays bounded [assumption].
IN_FLIGHT_PER_WORKER = 2
#: Trials per task: enough compute per task (BATCH_TARGET_S, from the running mean) that the per-task costs
#: (result conversion, transfer, scheduling: ~2 ms) are under 1 %, little enough that the last tasks of a
#: study leave a worker idle for at most a fraction of a second [assumption, measured on the study bench].
BATCH_TARGET_S = 0.25
MAX_BATCH_TRIALS = 16
_HASH_CHUNK_BYTES = 1 << 20


# --------------------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------------------
TrialProcessor = Callable[[Mapping[str, Any], Recording, Mapping[str, Any]], Mapping[str, pd.DataFrame]]
TrialReader = Callable[[Mapping[str, Any], Mapping[str, Any]], Recording]


@dataclass(frozen=True)
class Pipeline:
    """What turns one trial into table rows; every callable must be a module-level function (picklable).

    ``read(trial_row, context) -> Recording``; a processor is ``(trial_row, recording, context) ->
    {table_name: DataFrame}`` with table names among ``emg, force, kinematics, mvc``.
    ``mvc_processor`` returns ``{"mvc": rows}`` for an MVC trial; ``combine_mvc(rows_of_one_subject_session)``
    returns one row per muscle with columns ``muscle`` and ``mvc_reference`` (what EMG trials receive in
    ``context["mvc_refs"]`` as ``{muscle: value}``). ``resolve_settings(study_processing, overrides)``
    returns ``{stage: settings_object}``. ``code_modules[stage]`` names the modules whose source salts
    the cache keys of that stage.
    """

    read: TrialReader
    processors: Mapping[str, TrialProcessor]
    mvc_processor: TrialProcessor
    combine_mvc: Callable[[pd.DataFrame], pd.DataFrame]
    resolve_settings: Callable[[Mapping[str, Any], Mapping[str, Any] | None], dict[str, Any]]
    code_modules: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TrialTask:
    """Everything a worker needs for one trial (small: a path and a few settings, never samples)."""

    trial: dict[str, Any]
    stage: str  # "mvc" or the trial kind
    read: TrialReader
    processor: TrialProcessor
    context: dict[str, Any]
    cache_root: str | None = None  # the worker writes the cache entry itself (shared filesystem)
    cache_key: str | None = None


@dataclass
class TrialOutcome:
    """What a worker sends back: the tables as Arrow IPC payloads (decoded by the driver), or the error.

    ``unsaved`` holds the payloads when the worker could not write the cache entry itself.
    """

    trial_id: str
    payloads: dict[str, bytes] = field(default_factory=dict)  # Arrow IPC per table (``_table_to_arrow``)
    unsaved: dict[str, bytes] | None = None
    failure: dict[str, str] | None = None
    n_channel_samples: int = 0
    compute_s: float = 0.0
    worker_pid: int = 0

    def decoded(self) -> dict[str, pd.DataFrame]:
        """The result tables (decoded in the driver, not in the worker)."""
        return {name: _table_from_arrow(blob) for name, blob in self.payloads.items()}


@dataclass
class FeatureTables:
    """The tidy feature tables of a study, the settings that produced them and run statistics."""

    emg: pd.DataFrame
    force: pd.DataFrame
    kinematics: pd.DataFrame
    failures: pd.DataFrame
    settings: dict[str, Any]
    stats: dict[str, Any]
    mvc: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=lambda: _empty_table("warnings"))

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "emg": self.emg,
            "force": self.force,
            "kinematics": self.kinematics,
            "mvc": self.mvc,
            "failures": self.failures,
            "warnings": self.warnings,
        }


# --------------------------------------------------------------------------------------------------
# The task function (runs in workers)
# --------------------------------------------------------------------------------------------------
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


def run_trial_task(task: TrialTask) -> TrialOutcome:
    """Read one trial's file and run its processor; never raises for a bad trial (returns the error)."""
    return run_trial_tasks([task])[0]


def run_trial_tasks(tasks: list[TrialTask]) -> list[TrialOutcome]:
    """Run a batch of trials one after the other in this process (one recording in memory at a time).

    Every trial gets its own outcome (tables or error) and its own cache entry, exactly as if it ran alone;
    the batch only shares the pandas -> Arrow conversion of the result tables (about 50 us per column per
    call, which per trial was ~2 ms, 5-10 % of a 10-s EMG trial) and one round trip to the driver.
    """
    outcomes: list[TrialOutcome] = []
    frames: list[dict[str, pd.DataFrame]] = []
    for task in tasks:
        outcome, tables = _process_one(task)
        outcomes.append(outcome)
        frames.append(tables)
    started = time.perf_counter()
    encoded = _encode_batch(frames)
    share = (time.perf_counter() - started) / max(1, sum(1 for t in frames if t))
    for task, outcome, _tables, payloads in zip(tasks, outcomes, frames, encoded):
        if outcome.failure is not None:
            continue
        if isinstance(payloads, Exception):
            outcome.failure = _failure_record(payloads, "output")
            continue
        started = time.perf_counter()
        if task.cache_root and task.cache_key:
            try:
                _FeatureCache(Path(task.cache_root)).put(task.cache_key, payloads)
            except OSError:  # e.g. the cache folder is not shared with this worker: the driver writes it
                outcome.unsaved = payloads
        # the driver decodes the payloads (:meth:`TrialOutcome.decoded`): the same round trip as a cache
        # hit, so fresh and cached tables are identical; bytes are also cheaper to send than DataFrames
        outcome.payloads = payloads
        outcome.compute_s += share + (time.perf_counter() - started)
    return outcomes


def _failure_record(exc: BaseException, stage: str) -> dict[str, str]:
    return {
        "stage": str(getattr(exc, "anklelab_stage", stage)),
        "error": str(exc) or type(exc).__name__,
        "error_type": type(exc).__name__,
        "traceback": "".join(traceback.format_exception(exc)[-3:]),
    }


_CAPTURE_LOCK = threading.Lock()


def _process_one(task: TrialTask) -> tuple[TrialOutcome, dict[str, pd.DataFrame]]:
    """Read + process one trial into its result tables (DataFrames), or the error; never raises."""
    started = time.perf_counter()
    outcome = TrialOutcome(trial_id=str(task.trial.get("trial_id")), worker_pid=os.getpid())
    stage = "read"
    tables: dict[str, pd.DataFrame] = {}
    # warnings.catch_warnings is process-wide state (Python 3.11): when a dask worker runs tasks in several
    # threads, one trial's warning would land in another's record or in none. One trial at a time per process
    # keeps them apart; the local workers are single-threaded processes, so they never wait here.
    with _CAPTURE_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            recording = task.read(task.trial, task.context)
            outcome.n_channel_samples = int(recording.n_samples) * int(recording.n_channels)
            stage = task.stage
            result = task.processor(task.trial, recording, task.context)
            del recording
            stage = "output"
            if not isinstance(result, Mapping):
                raise AnalysisError(
                    f"processor for {task.stage!r} returned {type(result).__name__}, not a dict of tables"
                )
            for name, df in result.items():
                if name not in OUTPUT_FILES or name in _RESERVED_TABLES or not isinstance(df, pd.DataFrame):
                    raise AnalysisError(f"processor for {task.stage!r} returned an invalid table {name!r}")
            tables = dict(result)
        except Exception as exc:  # a broken trial must not stop the study: report it
            outcome.failure = _failure_record(exc, stage)
            tables = {}
    if caught and outcome.failure is None:
        trial = task.trial
        tables["warnings"] = pd.DataFrame(
            [
                (
                    str(trial.get("subject_id")),
                    str(trial.get("trial_id")),
                    str(trial.get("path") or trial.get("file")),
                    task.stage,
                    w.category.__name__,
                    str(w.message),
                )
                for w in caught
            ],
            columns=list(WARNING_COLUMNS),
        )
    outcome.compute_s = time.perf_counter() - started
    return outcome, tables


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
                    if not isinstance(out[k], Exception):
                        out[k][name] = _arrow_ipc_bytes(table.slice(offset, len(df)))
                    offset += len(df)
                continue
        for k, df in zip(members, group):
            if isinstance(out[k], Exception):
                continue
            try:
                out[k][name] = _table_to_arrow(df)
            except Exception as exc:  # noqa: BLE001 - that trial's output cannot be stored: report it
                out[k] = exc
    return out


# --------------------------------------------------------------------------------------------------
# Hashing and cache keys
# --------------------------------------------------------------------------------------------------
def file_sha256(path: str | Path, chunk_bytes: int = _HASH_CHUNK_BYTES) -> str:
    """sha256 of a file's content, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


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


def _write_bytes_atomic(payload: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    _write_bytes_atomic(_table_to_bytes(df), path)


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


# --------------------------------------------------------------------------------------------------
# Runners: the same task function in-process, on local processes, or on a dask cluster
# --------------------------------------------------------------------------------------------------
class _SerialRunner:
    description = "serial (in-process)"

    def __init__(self) -> None:
        self.n_workers = 1

    def submit(self, tasks: list[TrialTask]) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_result(run_trial_tasks(tasks))
        return future

    def wait_any(self, futures: set) -> set:
        return {f for f in futures if f.done()} or set(futures)

    def worker_pids(self) -> list[int]:
        return []

    def close(self) -> None:
        pass


#: Imported once in the fork server, so every local worker starts with numpy/scipy/pandas and the
#: processing modules already loaded (a missing module is skipped by multiprocessing).
_WORKER_PRELOAD = (
    "analysis.runtime",
    "analysis.features",
    "analysis.io",
    "analysis.emg",
    "analysis.forceplate",
    "analysis.kinematics",
)


class _ProcessRunner:
    def __init__(self, n_workers: int) -> None:
        self.n_workers = n_workers
        self.description = f"local processes x {n_workers}"
        # forkserver: workers fork from a clean server process (not from a driver that may run threads,
        # e.g. a dask Client or tqdm's monitor), with this package preloaded so starting is cheap.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(_WORKER_PRELOAD))
        self.pool = cf.ProcessPoolExecutor(max_workers=n_workers, mp_context=context, initializer=tune_allocator)
        try:  # workers that cannot start would otherwise fail every trial, one broken pool after another
            self.pool.submit(os.getpid).result()
        except cf.process.BrokenProcessPool as exc:
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise AnkleLabError(
                "the local worker processes could not start (their error is printed above). If you call "
                'extract_features from a script, put the call under `if __name__ == "__main__":` (each '
                'worker imports your script, as Python\'s multiprocessing requires), or pass scheduler="serial" to '
                "run every trial in this process"
            ) from exc

    def submit(self, tasks: list[TrialTask]) -> cf.Future:
        return self.pool.submit(run_trial_tasks, tasks)

    def wait_any(self, futures: set) -> set:
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return done

    def worker_pids(self) -> list[int]:
        return [p.pid for p in getattr(self.pool, "_processes", {}).values() if p.pid]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _DaskRunner:
    def __init__(self, scheduler: Any) -> None:
        import distributed

        self._distributed = distributed
        if isinstance(scheduler, distributed.Client):
            self.client, self._owns_client = scheduler, False
        else:
            try:
                self.client = distributed.Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise AnkleLabError(
                    f"cannot connect to the dask scheduler at {scheduler!r}: {exc} -- start it with "
                    "`dask scheduler` and `dask worker ADDRESS --nworkers N --nthreads 1`, or omit --scheduler to "
                    "run locally"
                ) from exc
            self._owns_client = True
        per_worker = self.client.nthreads()
        threads = sum(per_worker.values())
        if any(n > 1 for n in per_worker.values()):
            # trials of one worker process run one at a time (see _process_one): threads add no speed
            print(
                f"note: dask workers with several threads ({sorted(set(per_worker.values()))}) process one trial "
                "at a time per process; start them with `dask worker ADDRESS --nworkers N --nthreads 1` to use "
                "every core",
                file=sys.stderr,
            )
        self.n_workers = max(1, threads)
        self.description = f"dask {self.client.scheduler.address} ({threads} worker threads)"

    def submit(self, tasks: list[TrialTask]):
        return self.client.submit(_run_trial_tasks_on_worker, tasks, pure=False)

    def wait_any(self, futures: set) -> set:
        result = self._distributed.wait(list(futures), return_when="FIRST_COMPLETED")
        return set(result.done)

    def worker_pids(self) -> list[int]:
        return []

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


def _run_trial_tasks_on_worker(tasks: list[TrialTask]) -> list[TrialOutcome]:
    """:func:`run_trial_tasks` on a dask worker, with the worker process's allocator tuned first (once)."""
    tune_allocator()
    return run_trial_tasks(tasks)


def _make_runner(workers: int | None, scheduler: Any):
    if scheduler is not None and not (isinstance(scheduler, str) and scheduler in ("processes", "serial")):
        return _DaskRunner(scheduler)
    if scheduler == "serial":
        return _SerialRunner()
    n_workers = workers if workers is not None else len(os.sched_getaffinity(0))
    if n_workers < 1:
        raise AnkleLabError(f"workers must be at least 1, got {n_workers}")
    return _ProcessRunner(n_workers)


# --------------------------------------------------------------------------------------------------
# The study as the orchestration sees it
# --------------------------------------------------------------------------------------------------
@dataclass
class _StudyView:
    root: Path
    trials: pd.DataFrame
    channels: dict[str, str]
    roles: dict[str, str]
    processing: dict[str, Any]
    units: dict[str, str]
    name: str


def _as_study_view(study_or_path: Any) -> _StudyView:
    if isinstance(study_or_path, (str, os.PathLike)):
        from analysis.study import load_study

        study_or_path = load_study(Path(study_or_path))
    study = study_or_path
    config = dict(getattr(study, "config", None) or {})
    root = Path(getattr(study, "root", None) or study.path)
    trials = study.trials.copy()
    if "path" not in trials.columns:
        trials["path"] = [str((root / f).resolve()) for f in trials["file"]]
    processing = {
        k: dict(v or {}) for k, v in dict(getattr(study, "processing", None) or config.get("processing") or {}).items()
    }
    mvc_window_ms = (config.get("mvc") or {}).get("window_ms") if isinstance(config.get("mvc"), Mapping) else None
    if mvc_window_ms is not None and "mvc_window_ms" not in processing.get("emg", {}):
        processing.setdefault("emg", {})["mvc_window_ms"] = float(mvc_window_ms)  # study.yaml mvc: window_ms
    return _StudyView(
        root=root,
        trials=trials.reset_index(drop=True),
        channels=dict(getattr(study, "channel_map", None) or config.get("channels") or {}),
        roles=dict(config.get("roles") or {}),
        processing=processing,
        units=dict(config.get("units") or {}),
        name=str(getattr(study, "name", None) or config.get("name") or root.name),
    )


def _row_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """trials.csv rows as plain JSON-safe dicts (NaN -> None); ``to_dict`` already gives Python scalars."""

    def plain(value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            return value
        if kind is float:
            return None if math.isnan(value) else value
        return _jsonable(value)

    columns = [str(c) for c in frame.columns]
    return [{c: plain(v) for c, v in zip(columns, values)} for values in frame.itertuples(index=False, name=None)]


def _needs_mvc(trial: Mapping[str, Any]) -> bool:
    return trial.get("kind") in ("emg", "combined") and not _truthy(trial.get("is_mvc"))


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    return bool(value) if value is not None else False


#: Tables the orchestration writes itself; a processor returning one of them is refused.
_RESERVED_TABLES = ("failures", "warnings")


def _empty_table(name: str) -> pd.DataFrame:
    if name in ("failures", "warnings"):
        columns = FAILURE_COLUMNS if name == "failures" else WARNING_COLUMNS
        return _round_trip(pd.DataFrame({c: pd.Series(dtype=str) for c in columns}))
    return pd.DataFrame()


# --------------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------------
def extract_features(
    study_or_path: Any,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    settings: Mapping[str, Any] | None = None,
    cache: bool = True,
    progress: bool = True,
    pipeline: Pipeline | None = None,
    max_in_flight: int | None = None,
    write: bool = True,
) -> FeatureTables:
    """Process every trial of a study into the tidy feature tables, in parallel, with a feature cache.

    ``workers``: local worker processes (default: all usable cores). ``scheduler``: ``None`` (local
    processes), ``"serial"`` (in this process), a dask scheduler address ``"tcp://host:port"`` or a
    ``distributed.Client``. ``settings``: per-stage overrides (``{"emg": {...}}`` or settings objects) on
    top of the study's ``processing:`` section and the documented defaults. ``cache=False`` recomputes
    everything and neither reads nor writes cache entries. Failed trials are listed in ``failures``
    (the run goes on); tables are written to ``cache_dir_for(study)`` unless ``write=False``.
    """
    started = time.perf_counter()
    pipeline = pipeline or default_pipeline()
    study = _as_study_view(study_or_path)
    derived_dir = cache_dir_for(study.root)
    resolved = pipeline.resolve_settings(study.processing, settings)
    cache_root = derived_dir / CACHE_SUBDIR if cache else None
    feature_cache = _FeatureCache(cache_root)
    snapshot = _Snapshot.load(cache_root)
    hashes = _HashIndex(cache_root / HASH_INDEX_FILE if cache_root else None)

    trials = _row_dicts(study.trials)
    n_trials = len(trials)
    base_context = {"channel_map": study.channels, "roles": study.roles, "units": study.units, "study_name": study.name}
    # Two-stage EMG: which trials wait for which subject x session's MVC trials.
    group_of = [(str(t.get("subject_id")), str(t.get("session"))) for t in trials]
    is_mvc = [_truthy(t.get("is_mvc")) for t in trials]
    mvc_pending: dict[tuple[str, str], int] = {}
    for i, group in enumerate(group_of):
        if is_mvc[i]:
            mvc_pending[group] = mvc_pending.get(group, 0) + 1
    waiting: dict[tuple[str, str], list[int]] = {}
    ready: deque[int] = deque(i for i in range(n_trials) if is_mvc[i])
    for i, trial in enumerate(trials):
        if is_mvc[i]:
            continue
        if _needs_mvc(trial) and mvc_pending.get(group_of[i], 0) > 0:
            waiting.setdefault(group_of[i], []).append(i)
        else:
            ready.append(i)
    mvc_rows: dict[tuple[str, str], list[pd.DataFrame]] = {}
    mvc_refs: dict[tuple[str, str], pd.DataFrame] = {}
    mvc_ref_values: dict[tuple[str, str], dict[str, float]] = {}

    results: list[dict[str, pd.DataFrame] | None] = [None] * n_trials
    failures: list[dict[str, Any]] = []
    stats = {
        "n_trials": n_trials,
        "n_cached": 0,
        "n_computed": 0,
        "n_failed": 0,
        "computed_trial_ids": [],
        "channel_samples_computed": 0,
        "compute_s": 0.0,
        "runner": "none (every trial from the cache)",
        "n_workers": 0,
    }
    keys: dict[int, str] = {}

    def fail(i: int, stage: str, error: str, error_type: str) -> None:
        trial = trials[i]
        failures.append(
            {
                "subject_id": str(trial.get("subject_id")),
                "trial_id": str(trial.get("trial_id")),
                "file": str(trial.get("path") or trial.get("file")),
                "stage": stage,
                "error": error,
                "error_type": error_type,
            }
        )

    def finish(i: int, tables: dict[str, pd.DataFrame] | None) -> None:
        results[i] = tables
        if is_mvc[i]:
            group = group_of[i]
            if isinstance(tables, _SnapshotHit):
                tables = snapshot.frames(tables)
            elif isinstance(tables, _ArrowResult):
                tables = tables.frames()
            if tables and "mvc" in tables:
                mvc_rows.setdefault(group, []).append(tables["mvc"])
            mvc_pending[group] -= 1
            if mvc_pending[group] == 0:
                rows = mvc_rows.get(group)
                mvc_refs[group] = refs = (
                    pipeline.combine_mvc(pd.concat(rows, ignore_index=True))
                    if rows
                    else (pd.DataFrame(columns=["muscle", "mvc_reference"]))
                )
                # muscle -> reference as plain floats, built once per group (not per trial: pandas indexing
                # per task cost the driver ~1.5 ms of the CPU the workers need)
                mvc_ref_values[group] = {
                    str(m): float(v) for m, v in zip(refs["muscle"].tolist(), refs["mvc_reference"].tolist())
                }
                ready.extend(waiting.pop(group, []))
        bar.update(1)

    def make_task(i: int) -> TrialTask:
        trial = trials[i]
        stage = MVC_STAGE if is_mvc[i] else str(trial.get("kind"))
        processor = pipeline.mvc_processor if stage == MVC_STAGE else pipeline.processors.get(stage)
        if processor is None:
            raise StudyError(
                f"trial {trial.get('trial_id')}: no processor for kind {stage!r}; "
                f"known kinds: {sorted(pipeline.processors)}"
            )
        stages = STAGES_BY_KIND["emg"] if stage == MVC_STAGE else STAGES_BY_KIND.get(stage, (stage,))
        context = dict(base_context)
        context["settings"] = {s: resolved[s] for s in stages if s in resolved}
        if _needs_mvc(trial):
            context["mvc_refs"] = mvc_ref_values.get(group_of[i], {})
        return TrialTask(trial=trial, stage=stage, read=pipeline.read, processor=processor, context=context)

    # A cache key is sha256 over (what is the same for every trial of a stage, the subject x session's MVC
    # references, the trial's row, the file's content hash). The shared parts are serialised once per
    # stage / group, not per trial: the driver's CPU per trial is CPU the workers do not get.
    stage_part: dict[tuple, str] = {}
    mvc_part: dict[tuple[str, str], str] = {}

    def _canonical(material: Any) -> str:
        return json.dumps(_jsonable(material), sort_keys=True, separators=(",", ":"), allow_nan=False)

    def cache_key(i: int, task: TrialTask) -> str:
        trial = task.trial
        stages = tuple(task.context["settings"])
        if (task.stage, stages) not in stage_part:
            stage_part[(task.stage, stages)] = _canonical(
                {
                    "stage": task.stage,
                    "code": _code_salt(pipeline, task),
                    "settings": task.context["settings"],
                    # channel -> muscle matters to EMG; channel roles to force plate and kinematics
                    "channel_map": task.context["channel_map"] if "emg" in stages else None,
                    "roles": task.context["roles"] if set(stages) - {"emg"} else None,
                    "units": task.context["units"],
                }
            )
        refs = task.context.get("mvc_refs")
        if refs is None:
            references = "null"
        else:
            if group_of[i] not in mvc_part:
                mvc_part[group_of[i]] = _canonical(refs)
            references = mvc_part[group_of[i]]
        content = hashes.sha256(str(trial.get("file")), Path(str(trial.get("path"))))
        # rows are already plain JSON values (:func:`_row_dicts`)
        row = json.dumps(
            {k: v for k, v in trial.items() if k not in _ROW_COLUMNS_NOT_IN_KEY},
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
        )
        material = "\n".join((stage_part[(task.stage, stages)], references, row, content))
        return hashlib.sha256(material.encode()).hexdigest()

    runner = None
    try:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=n_trials,
            unit="trial",
            desc=f"features {study.name}",
            disable=not progress,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        limit = max_in_flight or 1
        in_flight: dict[Any, list[int]] = {}

        def batch_size() -> int:
            # trials per task from the mean compute time so far: one task at first (nothing known yet)
            if not stats["n_computed"]:
                return 1
            per_trial_s = stats["compute_s"] / stats["n_computed"]
            return max(1, min(MAX_BATCH_TRIALS, int(BATCH_TARGET_S / max(per_trial_s, 1e-6))))

        while ready or in_flight:
            while ready and len(in_flight) < limit:
                batch: list[tuple[int, TrialTask]] = []
                size = batch_size()
                while ready and len(batch) < size:
                    i = ready.popleft()
                    task = make_task(i)
                    if cache:
                        try:
                            keys[i] = cache_key(i, task)
                        except OSError as exc:
                            fail(
                                i,
                                "hash",
                                f"cannot read {trials[i].get('path')}: {exc.strerror or exc} -- check "
                                "that the file exists and trials.csv names it",
                                type(exc).__name__,
                            )
                            finish(i, None)
                            continue
                        hit = snapshot.get(keys[i])  # row positions in the snapshot, taken in one go at the end
                        if hit is None:
                            blobs = feature_cache.get(keys[i])
                            hit = _ArrowResult(blobs) if blobs is not None else None
                        if hit is not None:
                            stats["n_cached"] += 1
                            finish(i, hit)
                            continue
                        task = dataclasses.replace(task, cache_root=str(cache_root), cache_key=keys[i])
                    batch.append((i, task))
                if not batch:
                    continue
                if runner is None:  # started only when something must be computed
                    runner = _make_runner(workers, scheduler)
                    limit = max_in_flight or IN_FLIGHT_PER_WORKER * runner.n_workers
                    stats["runner"], stats["n_workers"] = runner.description, runner.n_workers
                tasks = [task for _, task in batch]
                try:
                    future = runner.submit(tasks)
                except cf.process.BrokenProcessPool:
                    # a worker died (killed, out of memory): its trials are listed when their futures fail;
                    # start a new pool for the rest
                    runner.close()
                    runner = _make_runner(workers, scheduler)
                    future = runner.submit(tasks)
                in_flight[future] = [i for i, _ in batch]
            if not in_flight:
                continue
            for future in runner.wait_any(set(in_flight)):
                indices = in_flight.pop(future)
                try:
                    outcomes: list[TrialOutcome] = future.result()
                except Exception as exc:  # the worker died (killed, out of memory, lost connection)
                    for i in indices:
                        fail(i, "worker", str(exc) or type(exc).__name__, type(exc).__name__)
                        finish(i, None)
                    continue
                for i, outcome in zip(indices, outcomes):
                    stats["n_computed"] += 1
                    stats["computed_trial_ids"].append(outcome.trial_id)
                    stats["channel_samples_computed"] += outcome.n_channel_samples
                    stats["compute_s"] += outcome.compute_s
                    if outcome.failure is not None:
                        fail(i, outcome.failure["stage"], outcome.failure["error"], outcome.failure["error_type"])
                        finish(i, None)
                        continue
                    if cache and outcome.unsaved:
                        feature_cache.put(keys[i], outcome.unsaved)
                    # decoded at the end, all trials of a table in one go (:func:`_assemble`): a per-trial
                    # ``to_pandas`` costs the driver milliseconds of CPU that the workers need
                    finish(i, _ArrowResult(outcome.payloads))
        bar.close()
    finally:
        if runner is not None:
            runner.close()
        hashes.save()

    table_names = [name for name in OUTPUT_FILES if name != "failures"]
    assembled = {name: _assemble(name, results, keys, snapshot) for name in table_names}
    frames = {
        name: _round_trip(frame.drop(columns=_Snapshot.KEY)) if len(frame.columns) else _empty_table(name)
        for name, frame in assembled.items()
        if name != "mvc"
    }
    done_keys = {keys[i] for i in range(n_trials) if results[i] is not None and i in keys}
    if cache and done_keys != snapshot.keys:
        _Snapshot.save(cache_root, {name: frame for name, frame in assembled.items() if len(frame.columns)}, done_keys)
    refs = [refs.assign(subject_id=g[0], session=g[1]) for g, refs in sorted(mvc_refs.items()) if len(refs)]
    frames["mvc"] = _round_trip(pd.concat(refs, ignore_index=True)) if refs else _empty_table("mvc")
    failures_table = pd.DataFrame(failures, columns=list(FAILURE_COLUMNS)) if failures else _empty_table("failures")
    if len(failures_table):
        order = {str(t.get("trial_id")): n for n, t in enumerate(trials)}
        failures_table = failures_table.sort_values("trial_id", key=lambda s: s.map(order)).reset_index(drop=True)
    stats["n_failed"] = len(failures_table)
    stats["n_hashed_files"] = hashes.n_hashed
    stats["bytes_hashed"] = hashes.bytes_hashed
    stats["wall_s"] = time.perf_counter() - started
    stats["output_dir"] = str(derived_dir)
    stats["n_warnings"] = len(frames["warnings"])
    result = FeatureTables(
        emg=frames["emg"],
        force=frames["force"],
        kinematics=frames["kinematics"],
        failures=failures_table,
        settings=_jsonable(resolved),
        stats=stats,
        mvc=frames["mvc"],
        warnings=frames["warnings"],
    )
    if write:
        _write_outputs(result, derived_dir)
    return result


def _round_trip(df: pd.DataFrame) -> pd.DataFrame:
    """The table exactly as it reads back from its parquet file (one dtype story for fresh and cached rows)."""
    return _table_from_bytes(_table_to_bytes(df))


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


def _write_outputs(result: FeatureTables, derived_dir: Path) -> None:
    derived_dir.mkdir(parents=True, exist_ok=True)
    for name, table in result.tables().items():
        _write_parquet_atomic(table, derived_dir / OUTPUT_FILES[name])
    meta = {
        "settings": result.settings,
        "stats": {k: v for k, v in result.stats.items() if k != "computed_trial_ids"},
        "files": OUTPUT_FILES,
    }
    _write_bytes_atomic(json.dumps(_jsonable(meta), indent=2, sort_keys=True).encode(), derived_dir / META_FILE)


def load_feature_tables(study_dir: str | Path) -> FeatureTables:
    """The tables a previous ``extract_features`` run wrote for this study."""
    derived_dir = cache_dir_for(Path(study_dir))
    meta_path = derived_dir / META_FILE
    if not meta_path.is_file():
        raise StudyError(f"{meta_path} does not exist -- run `anklelab features {study_dir}` first")
    meta = json.loads(meta_path.read_text())
    frames = {
        name: pd.read_parquet(derived_dir / file) if (derived_dir / file).is_file() else _empty_table(name)
        for name, file in OUTPUT_FILES.items()
    }  # features_warnings.parquet is newer than some folders
    return FeatureTables(
        emg=frames["emg"],
        force=frames["force"],
        kinematics=frames["kinematics"],
        failures=frames["failures"],
        settings=meta["settings"],
        stats=meta["stats"],
        mvc=frames["mvc"],
        warnings=frames["warnings"],
    )


# --------------------------------------------------------------------------------------------------
# The real per-trial processors (thin: all signal processing lives in emg/forceplate/kinematics)
# --------------------------------------------------------------------------------------------------
class _Stage:
    """Tags an exception raised inside with the processing stage it came from (for the failures table)."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is not None and not hasattr(exc, "anklelab_stage"):
            try:
                exc.anklelab_stage = self.name
            except AttributeError:  # exceptions with __slots__
                pass
        return False


def read_trial(trial: Mapping[str, Any], context: Mapping[str, Any]) -> Recording:
    """Read a trial's file with the options trials.csv gives (``sampling_rate_hz``, ``format``)."""
    from analysis.io import read_recording

    options: dict[str, Any] = {}
    rate = trial.get("sampling_rate_hz")
    if isinstance(rate, (int, float)) and math.isfinite(rate):
        options["sampling_rate_hz"] = float(rate)
    fmt = trial.get("format")
    if isinstance(fmt, str) and fmt:
        options["format"] = fmt
    return read_recording(Path(str(trial["path"])), **options)


def _mvc_muscles(trial: Mapping[str, Any]) -> list[str]:
    cell = trial.get("mvc_muscle")
    return [m.strip() for m in str(cell).split(";") if m.strip()] if isinstance(cell, str) else []


def _has_kind(recording: Recording, kind: str) -> bool:
    return kind in recording.channel_kinds


def process_mvc_trial(
    trial: Mapping[str, Any], recording: Recording, context: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """One MVC trial -> its per-muscle peak (``emg.mvc_reference`` of this trial alone).

    Only the muscles named in ``mvc_muscle`` count (all mapped muscles when it is empty); the study
    reference is the maximum over the subject x session's MVC trials (:func:`combine_mvc_rows`), which is
    what ``emg.mvc_reference`` gives for all those trials at once.
    """
    from analysis import emg

    settings = context["settings"]["emg"]
    channel_map = dict(context["channel_map"])
    targets = _mvc_muscles(trial)
    if targets:
        channel_map = {c: m for c, m in channel_map.items() if m in targets}
    with _Stage("mvc"):
        result = emg.process(recording, settings, keep_filtered=False, with_onsets=False)  # peak envelope only
        reference = emg.mvc_reference([result], channel_map=channel_map, settings=settings)
    muscles = sorted(reference.values)
    return {
        "mvc": pd.DataFrame(
            {
                "subject_id": str(trial.get("subject_id")),
                "session": str(trial.get("session")),
                "trial_id": str(trial.get("trial_id")),
                "muscle": muscles,
                "mvc_reference": [reference.values[m] for m in muscles],
                "unit": "V",
                "window_ms": reference.window_ms,
                "method": reference.method,
                "cede_method": reference.cede_method,
            }
        )
    }


def combine_mvc_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """MVC rows of one subject x session -> one reference per muscle: the maximum over its MVC trials."""
    best = rows.loc[rows.groupby("muscle", sort=True)["mvc_reference"].idxmax()]
    counts = rows.groupby("muscle", sort=True)["trial_id"].agg(["count", lambda ids: ";".join(sorted(ids))])
    counts.columns = ["n_mvc_trials", "mvc_trial_ids"]
    out = best.set_index("muscle")[["mvc_reference", "unit", "window_ms", "method", "cede_method"]].join(counts)
    return out.reset_index()


def phases_from_events(events: pd.DataFrame) -> dict[str, list[tuple[float, float]]]:
    """Phase windows from events labelled ``<phase>_start`` / ``<phase>_end`` (paired in time order)."""
    phases: dict[str, list[tuple[float, float]]] = {}
    if events is None or events.empty or "label" not in events:
        return phases
    labels = events["label"].astype(str)
    names = sorted({lab[:-6] for lab in labels if lab.endswith("_start")})
    for name in names:
        starts = np.sort(events.loc[labels == f"{name}_start", "time_s"].to_numpy(float))
        ends = np.sort(events.loc[labels == f"{name}_end", "time_s"].to_numpy(float))
        if len(starts) != len(ends) or np.any(ends <= starts):
            raise AnalysisError(
                f"events {name}_start/{name}_end do not pair up ({len(starts)} starts, "
                f"{len(ends)} ends): fix the events in the file"
            )
        if len(starts):
            phases[name] = list(zip(starts.tolist(), ends.tolist()))
    return phases


def _emg_rows(trial: Mapping[str, Any], recording: Recording, context: Mapping[str, Any]) -> pd.DataFrame:
    from analysis import emg

    settings = context["settings"]["emg"]
    refs = context.get("mvc_refs") or {}
    reference = emg.MVCReference(dict(refs), window_ms=settings.mvc_window_ms) if refs else None
    with _Stage("emg"):
        result = emg.process(recording, settings, with_onsets=False)  # the feature rows use no onsets
        return emg.trial_features(
            result, reference, trial, context["channel_map"], phases=phases_from_events(recording.events) or None
        )


_JUMP_EXERCISES = ("cmj", "sj", "dj", "drop_landing", "hop")
_GAIT_EXERCISES = ("walk", "gait", "run")


def _force_rows(trial: Mapping[str, Any], recording: Recording, context: Mapping[str, Any]) -> pd.DataFrame:
    """Force-plate metrics by exercise: jumps (analyse_jump), gait, otherwise squat-like (analyse_squat)."""
    from analysis import forceplate as fp

    settings = context["settings"]["forceplate"]
    exercise = str(trial.get("exercise"))
    source = str(trial.get("path"))
    with _Stage("forceplate"):
        force_n = fp.vertical_force_from_recording(recording, roles=context.get("roles"))
        fs = recording.sampling_rate_hz
        mass = trial.get("body_mass_kg")

        def analyse(body_weight_n):
            if exercise in _JUMP_EXERCISES:
                jump_type = "dj" if exercise in ("dj", "drop_landing") else ("sj" if exercise == "sj" else "cmj")
                return fp.analyse_jump(
                    force_n, fs, jump_type, body_weight_n=body_weight_n, settings=settings, source=source
                )
            if exercise in _GAIT_EXERCISES:
                return fp.analyse_gait(force_n, fs, body_weight_n=body_weight_n, settings=settings)
            knee = _knee_flexion(recording, context)
            return fp.analyse_squat(
                force_n, fs, body_weight_n=body_weight_n, knee_flexion_deg=knee, settings=settings, source=source
            )

        try:
            result = analyse(None)
        except AnalysisError:
            # forceplate.weigh refuses without quiet stance; its documented remedy is the body mass from
            # subjects.csv, which the result then records as ``bw=supplied``.
            if not (isinstance(mass, (int, float)) and mass > 0):
                raise
            result = analyse(float(mass) * fp.G_M_S2)
        return result.to_rows(trial)


def _knee_flexion(recording: Recording, context: Mapping[str, Any]):
    """The knee flexion channel of a force recording (e.g. a goniometer on the plate's A/D board), by the
    study's ``roles:`` or a recognised name (``kinematics.angle_channels``), else None."""
    from analysis import kinematics

    channel = kinematics.angle_channels(recording, context.get("roles") or {}).get("knee_flexion")
    return recording.channel(channel) if channel else None


def _kinematics_rows(trial: Mapping[str, Any], recording: Recording, context: Mapping[str, Any]) -> pd.DataFrame:
    """Knee flexion, knee FPPA and pelvic obliquity metrics from the angle channels, mapped by the study's
    ``roles:`` or by recognised names (``kinematics.angle_channels``; a lone angle channel is knee flexion)."""
    from analysis import kinematics

    with _Stage("kinematics"):
        result = kinematics.trial_kinematics_from_recording(
            recording, roles=context.get("roles") or {}, settings=context["settings"].get("kinematics")
        )
        return result.to_rows(trial)


def process_emg_trial(trial, recording, context) -> dict[str, pd.DataFrame]:
    """An EMG trial -> ``emg.process`` + ``emg.trial_features`` with the subject x session MVC references."""
    return {"emg": _emg_rows(trial, recording, context)}


def process_forceplate_trial(trial, recording, context) -> dict[str, pd.DataFrame]:
    return {"force": _force_rows(trial, recording, context)}


def process_kinematics_trial(trial, recording, context) -> dict[str, pd.DataFrame]:
    return {"kinematics": _kinematics_rows(trial, recording, context)}


def process_combined_trial(trial, recording, context) -> dict[str, pd.DataFrame]:
    """A file with several signal kinds: every analysis whose channels are present."""
    out: dict[str, pd.DataFrame] = {}
    if _has_kind(recording, "emg") and context.get("channel_map"):
        out["emg"] = _emg_rows(trial, recording, context)
    if _has_kind(recording, "force"):
        out["force"] = _force_rows(trial, recording, context)
    if _has_kind(recording, "angle") or _has_kind(recording, "marker"):
        out["kinematics"] = _kinematics_rows(trial, recording, context)
    if not out:
        raise AnalysisError(
            f"{trial.get('path')}: a combined trial without EMG, force or angle/marker channels "
            f"(kinds: {sorted(set(recording.channel_kinds))})"
        )
    return out


def resolve_settings(processing: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{stage: settings}``: documented defaults < study.yaml ``processing`` < ``overrides``."""
    from analysis.emg import EMGSettings
    from analysis.forceplate import ForcePlateSettings

    classes: dict[str, Any] = {"emg": EMGSettings, "forceplate": ForcePlateSettings}
    try:
        from analysis import kinematics

        settings_class = getattr(kinematics, "KinematicsSettings", None)
        if settings_class is not None:
            classes["kinematics"] = settings_class
    except ModuleNotFoundError as exc:
        if exc.name != "analysis.kinematics":
            raise
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(classes))
    if unknown:
        raise AnkleLabError(f"settings for unknown stage(s) {unknown}; stages are {sorted(classes)}")
    resolved: dict[str, Any] = {}
    for stage, cls in classes.items():
        override = overrides.get(stage)
        if isinstance(override, cls):
            resolved[stage] = override
            continue
        merged = {**dict(processing.get(stage) or {}), **dict(override or {})}
        resolved[stage] = cls.from_dict(merged) if hasattr(cls, "from_dict") else cls(**merged)
    return resolved


def default_pipeline() -> Pipeline:
    """The suite's processors: analysis.io readers, analysis.emg, analysis.forceplate, analysis.kinematics."""
    readers = ("analysis.io", "analysis.readers", "analysis.recording")
    return Pipeline(
        read=read_trial,
        processors={
            "emg": process_emg_trial,
            "forceplate": process_forceplate_trial,
            "kinematics": process_kinematics_trial,
            "combined": process_combined_trial,
        },
        mvc_processor=process_mvc_trial,
        combine_mvc=combine_mvc_rows,
        resolve_settings=resolve_settings,
        code_modules={
            "emg": readers + ("analysis.emg",),
            "mvc": readers + ("analysis.emg",),
            "forceplate": readers + ("analysis.forceplate",),
            "kinematics": readers + ("analysis.kinematics",),
            "combined": readers + ("analysis.emg", "analysis.forceplate", "analysis.kinematics"),
        },
    )


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------
def warning_summary(warnings_table: pd.DataFrame, examples: int = 1) -> list[str]:
    """A few lines for a person: warnings per category with their number of trials and an example each."""
    if warnings_table is None or not len(warnings_table):
        return []
    n_trials = warnings_table["trial_id"].nunique()
    lines = [
        f"{len(warnings_table)} warning(s) in {n_trials} trial(s) while processing (each is listed in "
        f"{OUTPUT_FILES['warnings']}):"
    ]
    for category, group in warnings_table.groupby("category", sort=True):
        lines.append(
            f"  {category} x{len(group)} in {group['trial_id'].nunique()} trial(s), e.g. "
            + "; ".join(group["message"].head(examples))
        )
    return lines
