"""The driver: :func:`extract_features` turns every trial of a study into the tidy feature tables.

How the work runs: tasks are short batches of trials (:func:`analysis.features.schedule.batch_size`) that a
runner (:mod:`analysis.features.runners`) executes in workers which read the files themselves; the driver
submits at most ``max_in_flight`` tasks (2 per worker thread) and collects them as they complete, so memory
stays bounded whatever the study size. MVC trials go first (:class:`~analysis.features.schedule.TwoStageSchedule`).
Cached trials never reach a worker (:mod:`analysis.features.cache`, :mod:`analysis.features.snapshot`).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import sys
import time
from collections.abc import Mapping
from typing import Any

import pandas as pd

import analysis.features.runners as runners
from analysis.features.cache import CACHE_SUBDIR, HASH_INDEX_FILE, _FeatureCache
from analysis.features.cache_keys import CacheKeys, _HashIndex
from analysis.features.encoding import _jsonable, _round_trip
from analysis.features.processors import default_pipeline
from analysis.features.schedule import TwoStageSchedule, batch_size
from analysis.features.snapshot import _ArrowResult, _assemble, _Snapshot, _SnapshotHit
from analysis.features.study_view import _as_study_view, _row_dicts
from analysis.features.tables import FAILURE_COLUMNS, OUTPUT_FILES, FeatureTables, _empty_table, _write_outputs
from analysis.features.tasks import Pipeline, TrialOutcome, TrialTask
from analysis.paths import cache_dir_for, writable_cache_dir


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
    # a read-only study gets one message naming $ANKLELAB_CACHE / --cache-dir, not an OSError mid-run
    derived_dir = writable_cache_dir(study.root) if (write or cache) else cache_dir_for(study.root)
    resolved = pipeline.resolve_settings(study.processing, settings)
    cache_root = derived_dir / CACHE_SUBDIR if cache else None
    feature_cache = _FeatureCache(cache_root)
    snapshot = _Snapshot.load(cache_root)
    hashes = _HashIndex(cache_root / HASH_INDEX_FILE if cache_root else None)
    cache_keys = CacheKeys(pipeline, hashes)

    trials = _row_dicts(study.trials)
    n_trials = len(trials)
    base_context = {
        "channel_map": study.channels,
        "roles": study.roles,
        "units": study.units,
        "study_name": study.name,
        "read_options": study.read_options,
    }
    schedule = TwoStageSchedule(trials, pipeline.combine_mvc)
    ready = schedule.ready

    results: list[Any] = [None] * n_trials
    failures: list[dict[str, Any]] = []
    stats: dict[str, Any] = {
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
    from tqdm.auto import tqdm

    bar = tqdm(
        total=n_trials,
        unit="trial",
        desc=f"features {study.name}",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def fail(i: int, stage: str, error: str, error_type: str) -> None:
        failures.append(_failure_row(trials[i], stage, error, error_type))

    def finish(i: int, result: Any) -> None:
        """Trial ``i`` is done: its tables (DataFrames, Arrow payloads or a snapshot hit) or None (failed)."""
        results[i] = result
        if schedule.is_mvc[i]:
            if isinstance(result, _SnapshotHit):
                result = snapshot.frames(result)
            elif isinstance(result, _ArrowResult):
                result = result.frames()
            schedule.done(i, result)
        bar.update(1)

    runner = None
    try:
        limit = max_in_flight or 1
        in_flight: dict[Any, list[int]] = {}
        while ready or in_flight:
            while ready and len(in_flight) < limit:
                batch: list[tuple[int, TrialTask]] = []
                size = batch_size(stats["n_computed"], stats["compute_s"])
                while ready and len(batch) < size:
                    i = ready.popleft()
                    task = schedule.task(i, pipeline, resolved, base_context)
                    if cache:
                        try:
                            keys[i] = cache_keys.key(task, schedule.group_of[i])
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
                        hit: Any = snapshot.get(keys[i])  # row positions in the snapshot, taken at the end
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
                    runner = runners._make_runner(workers, scheduler)
                    limit = max_in_flight or runners.IN_FLIGHT_PER_WORKER * runner.n_workers
                    stats["runner"], stats["n_workers"] = runner.description, runner.n_workers
                tasks = [task for _, task in batch]
                try:
                    future = runner.submit(tasks)
                except cf.process.BrokenProcessPool:
                    # a worker died (killed, out of memory): its trials are listed when their futures fail;
                    # start a new pool for the rest
                    runner.close()
                    runner = runners._make_runner(workers, scheduler)
                    future = runner.submit(tasks)
                in_flight[future] = [i for i, _ in batch]
            if not in_flight or runner is None:
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
    if cache_root is not None and done_keys != snapshot.keys:
        _Snapshot.save(cache_root, {name: frame for name, frame in assembled.items() if len(frame.columns)}, done_keys)
    refs = schedule.mvc_table()
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
        curves=frames["curves"],
    )
    if write:
        _write_outputs(result, derived_dir)
    return result


def _failure_row(trial: Mapping[str, Any], stage: str, error: str, error_type: str) -> dict[str, Any]:
    """One row of the failures table."""
    return {
        "subject_id": str(trial.get("subject_id")),
        "trial_id": str(trial.get("trial_id")),
        "file": str(trial.get("path") or trial.get("file")),
        "stage": stage,
        "error": error,
        "error_type": error_type,
    }
