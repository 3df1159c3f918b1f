"""Orchestration of analysis.features on a tiny fake study with fake processors (no signal processing).

The real processors on a simulated study are tested in test_features_study.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import test_features_support as fake

from analysis import features
from analysis.features import FeatureTables, extract_features, file_sha256, load_feature_tables


@pytest.fixture
def study(tmp_path, monkeypatch) -> fake.FakeStudy:
    monkeypatch.delenv("ANKLELAB_CACHE", raising=False)
    return fake.make_fake_study(tmp_path / "study")


def run(study, **kwargs) -> FeatureTables:
    kwargs.setdefault("scheduler", "serial")
    return extract_features(study, pipeline=fake.FAKE_PIPELINE, progress=False, **kwargs)


def test_file_sha256_streams_exactly(tmp_path):
    import hashlib

    path = tmp_path / "x.bin"
    payload = bytes(range(256)) * 5000  # > 1 chunk when chunk_bytes is small
    path.write_bytes(payload)
    assert file_sha256(path, chunk_bytes=1000) == hashlib.sha256(payload).hexdigest()


def test_tables_contain_every_trial_with_the_two_stage_mvc_reference(study):
    result = run(study)
    assert result.failures.empty
    assert result.stats["n_computed"] == len(study.trials) and result.stats["n_cached"] == 0
    # one EMG row per EMG trial x muscle, in trials.csv order
    emg_trials = study.trials[(study.trials["kind"] == "emg") & ~study.trials["is_mvc"]]
    assert list(result.emg["trial_id"].unique()) == list(emg_trials["trial_id"])
    assert len(result.emg) == 2 * len(emg_trials)
    # %MVC uses the max over the subject's MVC trials, computed here independently
    trial = emg_trials.iloc[0]
    mvc_files = study.trials[(study.trials["subject_id"] == trial["subject_id"]) & study.trials["is_mvc"]]["path"]
    reference = np.max([np.abs(np.load(p)).max(axis=0) for p in mvc_files], axis=0)
    samples = np.load(trial["path"])
    expected = 100 * np.abs(samples).mean(axis=0) / reference
    rows = result.emg[result.emg["trial_id"] == trial["trial_id"]]
    np.testing.assert_allclose(rows["mean_pct_mvc"].to_numpy(), expected, rtol=1e-12)
    # force table and the MVC reference table
    assert len(result.force) == 2 * int((study.trials["kind"] == "forceplate").sum())
    assert set(result.mvc["muscle"]) == set(fake.MUSCLES.values())
    assert len(result.mvc) == 2 * study.trials["subject_id"].nunique()


def test_local_processes_give_the_same_tables_as_serial(study):
    serial = run(study, cache=False)
    local = run(study, scheduler=None, workers=2, cache=False)
    assert local.stats["runner"].startswith("local processes")
    for name in ("emg", "force", "mvc", "failures"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(local, name))


def test_tables_written_atomically_into_the_derived_folder_only(study):
    raw_before = sorted(p.name for p in (study.root / "raw").iterdir())
    result = run(study)
    derived = study.root / "derived"
    for _name, file in features.OUTPUT_FILES.items():
        assert (derived / file).is_file()
    assert sorted(p.name for p in (study.root / "raw").iterdir()) == raw_before
    assert not list(derived.glob(".*.tmp"))
    loaded = load_feature_tables(study.root)
    pd.testing.assert_frame_equal(loaded.emg, result.emg)
    pd.testing.assert_frame_equal(loaded.force, result.force)
    assert loaded.stats["n_trials"] == len(study.trials)


def test_cache_dir_follows_anklelab_cache(study, tmp_path, monkeypatch):
    monkeypatch.setenv("ANKLELAB_CACHE", str(tmp_path / "elsewhere"))
    run(study)
    assert (tmp_path / "elsewhere" / "study" / features.OUTPUT_FILES["emg"]).is_file()
    assert not (study.root / "derived").exists()


def test_second_run_computes_nothing_and_gives_identical_tables(study):
    first = run(study)
    second = run(study)
    assert second.stats["n_computed"] == 0
    assert second.stats["n_cached"] == len(study.trials)
    assert second.stats["n_hashed_files"] == 0  # size + mtime unchanged: no file reread
    for name in ("emg", "force", "mvc"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))


def test_changed_file_recomputes_exactly_that_trial(study):
    run(study)
    target = study.trials.set_index("trial_id").loc["S02_emg1", "path"]
    samples = np.load(target)
    samples[0, 0] += 1.0
    np.save(target, samples)
    result = run(study)
    assert result.stats["computed_trial_ids"] == ["S02_emg1"]
    assert result.stats["n_cached"] == len(study.trials) - 1
    # cached rows (one-file snapshot) + the fresh trial == everything recomputed from scratch
    fresh = run(study, cache=False)
    for name in ("emg", "force", "mvc"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(fresh, name))


def test_touched_but_unchanged_file_is_rehashed_not_recomputed(study):
    run(study)
    target = Path(study.trials.set_index("trial_id").loc["S01_force0", "path"])
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    result = run(study)
    assert result.stats["n_hashed_files"] == 1
    assert result.stats["n_computed"] == 0


def test_changed_mvc_trial_recomputes_its_subject_emg_trials_only(study):
    run(study)
    target = study.trials.set_index("trial_id").loc["S01_mvc0", "path"]
    np.save(target, np.load(target) * 10)  # a much larger MVC peak: S01's references change
    result = run(study)
    assert sorted(result.stats["computed_trial_ids"]) == ["S01_emg0", "S01_emg1", "S01_emg2", "S01_mvc0"]


def test_changed_emg_setting_recomputes_exactly_the_emg_trials(study):
    run(study)
    result = run(study, settings={"emg": {"scale": 3.0}})
    emg_ids = study.trials.loc[study.trials["kind"] == "emg", "trial_id"]
    assert sorted(result.stats["computed_trial_ids"]) == sorted(emg_ids)
    # and back to the old setting: everything comes from the cache again
    assert run(study).stats["n_computed"] == 0


def test_changed_force_setting_leaves_emg_cached(study):
    run(study)
    result = run(study, settings={"forceplate": {"threshold_n": 750.0}})
    assert sorted(result.stats["computed_trial_ids"]) == sorted(
        study.trials.loc[study.trials["kind"] == "forceplate", "trial_id"]
    )
    assert (result.force.loc[result.force["metric"] == "samples_above_threshold_n", "value"] < 400).all()


def test_no_cache_recomputes_and_writes_no_entries(study):
    run(study)
    result = run(study, cache=False)
    assert result.stats["n_computed"] == len(study.trials)


def test_broken_trials_are_listed_and_the_rest_is_processed(study):
    trials = study.trials.set_index("trial_id")
    Path(trials.loc["S01_force1", "path"]).write_bytes(b"this is not a numpy file")
    Path(trials.loc["S02_emg0", "path"]).unlink()
    study.trials.loc[study.trials["trial_id"] == "S01_emg2", "exercise"] = "explode"
    result = run(study)
    failures = result.failures.set_index("trial_id")
    assert sorted(failures.index) == ["S01_emg2", "S01_force1", "S02_emg0"]
    assert failures.loc["S01_force1", "stage"] == "read"
    assert "not a .npy array" in failures.loc["S01_force1", "error"]
    assert failures.loc["S01_force1", "file"] == trials.loc["S01_force1", "path"]
    assert failures.loc["S02_emg0", "stage"] == "hash"
    assert failures.loc["S01_emg2", "stage"] == "emg"
    assert failures.loc["S01_emg2", "error_type"] == "ValueError"
    assert result.stats["n_failed"] == 3
    processed = set(result.emg["trial_id"]) | set(result.force["trial_id"])
    assert processed == set(study.trials["trial_id"]) - set(failures.index) - set(
        study.trials.loc[study.trials["is_mvc"], "trial_id"]
    )
    # failures are retried, not cached
    again = run(study)
    assert sorted(again.stats["computed_trial_ids"]) == ["S01_emg2", "S01_force1"]


def test_failed_mvc_trial_leaves_the_other_mvc_as_reference(study):
    trials = study.trials.set_index("trial_id")
    Path(trials.loc["S01_mvc1", "path"]).write_bytes(b"garbage")
    result = run(study)
    assert list(result.failures["trial_id"]) == ["S01_mvc1"]
    expected = np.abs(np.load(trials.loc["S01_mvc0", "path"])).max(axis=0)
    s01 = result.mvc[result.mvc["subject_id"] == "S01"].set_index("muscle")
    np.testing.assert_allclose(s01.loc[list(fake.MUSCLES.values()), "mvc_reference"], expected)


def test_in_flight_tasks_stay_bounded(study, monkeypatch):
    """The driver never has more than max_in_flight tasks submitted and not yet collected."""
    seen = []
    original_submit = features._SerialRunner.submit

    class CountingRunner(features._SerialRunner):
        def __init__(self):
            super().__init__()
            self.open = set()

        def submit(self, task):
            future = original_submit(self, task)
            self.open.add(future)
            seen.append(len(self.open))
            return future

        def wait_any(self, futures):
            done = {next(iter(futures))}  # hand back one at a time, like a slow cluster
            self.open -= done
            return done

    monkeypatch.setattr(features.runners, "_make_runner", lambda workers, scheduler: CountingRunner())
    result = run(study, max_in_flight=3, cache=False)
    assert result.failures.empty and result.stats["n_computed"] == len(study.trials)
    assert max(seen) == 3


def test_phases_from_events_pairs_start_and_end():
    events = pd.DataFrame(
        {"label": ["rep_start", "rep_end", "rep_start", "rep_end", "heel_strike"], "time_s": [0.5, 1.5, 2.0, 3.25, 0.1]}
    )
    assert features.phases_from_events(events) == {"rep": [(0.5, 1.5), (2.0, 3.25)]}
    assert features.phases_from_events(events.iloc[:0]) == {}
    with pytest.raises(features.AnalysisError, match="rep_start/rep_end"):
        features.phases_from_events(events.iloc[:3])


# --- batches of trials per task ---------------------------------------------------------------------------
def _frame(trial_id: str, n: int, value: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "trial_id": trial_id,
            "muscle": [f"m{k}" for k in range(n)],
            "n_cycles": np.arange(n),
            "value": value + np.arange(n, dtype=float),
            "flag": pd.Series([None] * n, dtype="str"),
        }
    )


def _decoded(payload: bytes):
    import pyarrow.ipc

    table = pyarrow.ipc.open_stream(payload).read_all()
    return table.schema, table.to_pandas()


def test_batched_conversion_gives_each_trial_what_it_gets_alone():
    frames = [{"emg": _frame("a", 3, 1.0)}, {"emg": _frame("b", 0, 2.0)}, {"emg": _frame("c", 2, 3.0)}]
    batched = features._encode_batch(frames)
    for tables, payloads in zip(frames, batched):
        alone_schema, alone = _decoded(features._table_to_arrow(tables["emg"]))
        schema, frame = _decoded(payloads["emg"])
        assert schema.equals(alone_schema, check_metadata=True)
        pd.testing.assert_frame_equal(frame, alone)
        pd.testing.assert_frame_equal(frame, tables["emg"].reset_index(drop=True))


def test_frames_that_differ_in_dtype_or_hold_objects_are_converted_one_by_one():
    ints = _frame("b", 2, 0.0).astype({"value": "int64"})
    objects = _frame("c", 2, 0.0).assign(extra=[[1], [2]])  # object column: Arrow infers its type per call
    assert not features._batchable([_frame("a", 2, 0.0), ints])
    assert not features._batchable([objects, objects])
    frames = [{"emg": _frame("a", 2, 0.0)}, {"emg": ints}, {"emg": objects}]
    for tables, payloads in zip(frames, features._encode_batch(frames)):
        pd.testing.assert_frame_equal(
            _decoded(payloads["emg"])[1], _decoded(features._table_to_arrow(tables["emg"]))[1]
        )


def _bad_output(trial, recording, context):
    if trial["trial_id"] == "S01_emg1":
        return {"emg": pd.DataFrame({"trial_id": [trial["trial_id"]], "thing": [object()]})}  # not storable
    return fake.fake_emg(trial, recording, context)


def test_a_trial_whose_tables_cannot_be_stored_fails_alone_in_its_batch(study):
    trials = study.trials[(study.trials["kind"] == "emg") & ~study.trials["is_mvc"]].to_dict("records")
    context = {
        "settings": {"emg": {"scale": 1.0}},
        "channel_map": fake.MUSCLES,
        "mvc_refs": {m: 1.0 for m in fake.MUSCLES.values()},
    }
    tasks = [
        features.TrialTask(trial=t, stage="emg", read=fake.read_npy, processor=_bad_output, context=context)
        for t in trials
    ]
    outcomes = features.run_trial_tasks(tasks)
    assert [o.trial_id for o in outcomes] == [t["trial_id"] for t in trials]
    failed = {o.trial_id: o.failure for o in outcomes if o.failure}
    assert list(failed) == ["S01_emg1"] and failed["S01_emg1"]["stage"] == "output"
    assert all(set(o.payloads) == {"emg"} for o in outcomes if not o.failure)


def test_batches_give_the_same_tables_as_one_trial_per_task(study, monkeypatch):
    sizes = []
    original = features._SerialRunner.submit

    def spy(self, tasks):
        sizes.append(len(tasks))
        return original(self, tasks)

    monkeypatch.setattr(features._SerialRunner, "submit", spy)
    batched = run(study, cache=False)
    assert max(sizes) > 1 and sum(sizes) == len(study.trials)
    sizes.clear()
    monkeypatch.setattr(features.schedule, "MAX_BATCH_TRIALS", 1)
    single = run(study, cache=False)
    assert max(sizes) == 1
    for name in ("emg", "force", "mvc", "failures"):
        pd.testing.assert_frame_equal(getattr(batched, name), getattr(single, name))


# --- warnings raised while processing ----------------------------------------------------------------------
def test_warnings_are_collected_per_trial_not_printed_and_survive_the_cache(study):
    import warnings as pywarnings

    study.trials.loc[study.trials["trial_id"] == "S02_emg1", "exercise"] = "warn_me"
    with pywarnings.catch_warnings(record=True) as escaped:
        pywarnings.simplefilter("always")
        first = run(study)
    assert not [w for w in escaped if "on purpose" in str(w.message)]
    assert first.warnings[["trial_id", "stage", "category", "message"]].values.tolist() == [
        ["S02_emg1", "emg", "UserWarning", "trial S02_emg1: a warning on purpose"]
    ]
    assert first.stats["n_warnings"] == 1
    again = run(study)
    assert again.stats["n_computed"] == 0
    pd.testing.assert_frame_equal(again.warnings, first.warnings)
    pd.testing.assert_frame_equal(load_feature_tables(study.root).warnings, first.warnings)
    # a derived folder written before warnings were recorded still loads (with an empty warnings table)
    (features.cache_dir_for(study.root) / features.OUTPUT_FILES["warnings"]).unlink()
    assert list(load_feature_tables(study.root).warnings.columns) == list(features.WARNING_COLUMNS)


def test_a_run_without_warnings_has_an_empty_table_with_the_columns(study):
    result = run(study)
    assert result.warnings.empty and list(result.warnings.columns) == list(features.WARNING_COLUMNS)


def test_warning_summary_groups_by_category():
    table = pd.DataFrame(
        {
            "subject_id": ["S1", "S1", "S2"],
            "trial_id": ["a", "a", "b"],
            "file": ["f"] * 3,
            "stage": ["emg"] * 3,
            "category": ["EMGWarning", "UserWarning", "EMGWarning"],
            "message": ["a: 103 % MVC", "a: odd", "b: 101 % MVC"],
        }
    )
    assert features.warning_summary(table) == [
        "3 warning(s) in 2 trial(s) while processing (each is listed in features_warnings.parquet):",
        "  EMGWarning x2 in 2 trial(s), e.g. a: 103 % MVC",
        "  UserWarning x1 in 1 trial(s), e.g. a: odd",
    ]
    assert features.warning_summary(table.iloc[:0]) == []


def _warn_per_trial(trial, recording, context):
    import time as _time
    import warnings as pywarnings

    pywarnings.warn(f"trial {trial['trial_id']}: first", UserWarning, stacklevel=1)
    _time.sleep(0.01)  # let another thread's trial start and finish in between
    pywarnings.warn(f"trial {trial['trial_id']}: second", UserWarning, stacklevel=1)
    return fake.fake_emg(trial, recording, context)


def test_warnings_stay_with_their_trial_when_a_dask_worker_runs_tasks_in_threads(study):
    """dask workers run tasks in threads; warning capture is process-wide state in Python 3.11, so without
    care a warning lands in another trial's record or in none."""
    from concurrent.futures import ThreadPoolExecutor

    trials = study.trials[(study.trials["kind"] == "emg") & ~study.trials["is_mvc"]].to_dict("records")
    context = {
        "settings": {"emg": {"scale": 1.0}},
        "channel_map": fake.MUSCLES,
        "mvc_refs": {m: 1.0 for m in fake.MUSCLES.values()},
    }
    tasks = [
        features.TrialTask(trial=t, stage="emg", read=fake.read_npy, processor=_warn_per_trial, context=context)
        for t in trials
    ] * 4
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda task: features.run_trial_tasks([task])[0], tasks))
    for outcome in outcomes:
        table = features._table_from_arrow(outcome.payloads["warnings"])
        assert table["message"].tolist() == [f"trial {outcome.trial_id}: first", f"trial {outcome.trial_id}: second"]
