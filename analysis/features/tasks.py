"""The unit of work: a :class:`Pipeline` (what turns a trial into table rows), a :class:`TrialTask` (one trial
as a worker receives it: a path and settings, never samples), and :func:`run_trial_tasks`, the function every
runner executes (in-process, on local processes or on dask workers). A bad trial never raises here: its
error comes back in its :class:`TrialOutcome`."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import AnalysisError
from analysis.features.cache import _FeatureCache
from analysis.features.encoding import _encode_batch, _table_from_arrow
from analysis.features.tables import _RESERVED_TABLES, OUTPUT_FILES
from analysis.features.warnings_capture import trial_warnings, warning_rows
from analysis.recording import Recording

TrialProcessor = Callable[[Mapping[str, Any], Recording, Mapping[str, Any]], Mapping[str, pd.DataFrame]]
TrialReader = Callable[[Mapping[str, Any], Mapping[str, Any]], Recording]


@dataclass(frozen=True)
class Pipeline:
    """What turns one trial into table rows; every callable must be a module-level function (picklable).

    ``read(trial_row, context) -> Recording``; a processor is ``(trial_row, recording, context) ->
    {table_name: DataFrame}`` with table names among ``emg, force, kinematics, mvc, curves``.
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


def _process_one(task: TrialTask) -> tuple[TrialOutcome, dict[str, pd.DataFrame]]:
    """Read + process one trial into its result tables (DataFrames), or the error; never raises."""
    started = time.perf_counter()
    outcome = TrialOutcome(trial_id=str(task.trial.get("trial_id")), worker_pid=os.getpid())
    stage = "read"
    tables: dict[str, pd.DataFrame] = {}
    with trial_warnings() as caught:
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
        tables["warnings"] = warning_rows(task.trial, task.stage, caught)
    outcome.compute_s = time.perf_counter() - started
    return outcome, tables
