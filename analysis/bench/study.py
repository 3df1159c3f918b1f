"""Benchmark of whole-study feature extraction (``analysis.features``): throughput, scaling, memory, rerun.

What is measured, honestly:

* The study has the shape of a large multi-site EMG study: 60 subjects x 7 loads x 3 load phases x 5
  repetitions = 6,300 squat trials of 8 muscles x 10 s at 2 kHz (1.008e9 channel-samples) plus one 5-s
  MVC trial per subject. ``quick`` keeps 3 subjects x 2 repetitions (2.0e7 channel-samples, 1/50).
* Writing 1e9 samples would take 8 GB of disk (float64) and minutes; instead each trial's "file" is a
  tiny recipe (seed, activation level) and the **reader synthesises the recording in the worker** from a
  per-process bank of pre-generated noise (one multiply per trial). So everything of the real run is
  measured - study scan, content hashing, cache keys, scheduling, the real EMG chain (``emg.process`` +
  ``emg.trial_features`` via ``features.process_emg_trial``), MVC two-stage, result transfer, cache
  writes, output tables - **except disk reads and format parsing** of the raw files.
* Baseline: the same reader + EMG chain in a plain single-process loop (no orchestration, the per-trial
  frames concatenated once into the EMG table), on trials spread evenly over the study, measured just
  before and just after the study run in this run; their mean is the baseline (both are printed).
  Throughput per worker = channel-samples / wall time / workers of the parallel run; target >= 0.8 of the
  baseline. Speed-up 1 -> 2 workers is measured on the whole quick study, or on 1/10 of the full study.
* Memory: peak of the summed RSS of the driver and all its child processes (workers, fork server),
  sampled every 50 ms by psutil; shared pages count once per process, so this over-states the truth.
* On a shared 2-core machine other processes take CPU: the "share of worker time spent in read + EMG
  chain" row separates orchestration overhead (scheduling, transfer, idle workers) from such contention.
* Rerun: one recipe file changed after a cached full run; the rerun's wall time against the full run.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import features
from analysis.recording import Recording
from analysis.runtime import tune_allocator
from analysis.units import KG_PER_LB

__all__ = ["run", "make_bench_study", "BenchStudy"]

MUSCLES = (
    "gluteus_maximus",
    "gluteus_medius",
    "gastrocnemius_medialis",
    "gastrocnemius_lateralis",
    "soleus",
    "tibialis_anterior",
    "vastus_lateralis",
    "biceps_femoris",
)
CHANNELS = {f"EMG {i + 1}": m for i, m in enumerate(MUSCLES)}
FS_HZ = 2000.0  # typical sEMG rate (SENIAM; docs/design/signal-processing.md §2)
TRIAL_S = 10.0
MVC_S = 5.0  # 3 x 5 s MVC protocol (data/README.md example); one 5-s trial per subject here
LOADS_KG = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
PHASES = ("full_range", "mid_range", "eccentric_only")
_NOISE_BANK_N = 4
_V_PER_UNIT = 1e-4  # ~100 uV RMS at full activation: typical surface EMG amplitude [assumption]


@dataclass
class BenchStudy:
    """Duck-typed study for ``extract_features`` (root, trials with absolute paths, config)."""

    root: Path
    trials: pd.DataFrame
    config: dict = field(default_factory=dict)

    @property
    def channel_samples(self) -> int:
        seconds = np.where(self.trials["is_mvc"], MVC_S, TRIAL_S)
        return int((seconds * FS_HZ).sum()) * len(CHANNELS)


def make_bench_study(root: Path, n_subjects: int, n_reps: int) -> BenchStudy:
    """Recipe files (a few bytes each) for every trial; the reader turns them into 2-kHz 8-channel EMG."""
    (root / "raw").mkdir(parents=True, exist_ok=True)
    rows = []
    seed = 0

    def add(subject, trial_id, exercise, load_kg, phase, is_mvc, level, seconds):
        nonlocal seed
        seed += 1
        file = f"raw/{trial_id}.json"
        (root / file).write_text(json.dumps({"seed": seed, "level": level, "seconds": seconds}))
        rows.append(
            {
                "subject_id": subject,
                "session": "1",
                "trial_id": trial_id,
                "exercise": exercise,
                "load_phase": phase,
                "load_kg": load_kg,
                "load_lb": load_kg / KG_PER_LB,
                "load_pct_bw": 100 * load_kg / 75.0,
                "body_mass_kg": 75.0,
                "group": "bench",
                "kind": "emg",
                "file": file,
                "is_mvc": is_mvc,
                "mvc_muscle": ";".join(MUSCLES) if is_mvc else "",
                "path": str((root / file).resolve()),
            }
        )

    for s in range(n_subjects):
        subject = f"B{s + 1:03d}"
        add(subject, f"{subject}_mvc", "mvc", 0.0, "none", True, 1.0, MVC_S)
        for load in LOADS_KG:
            for phase in PHASES if load else ("none",) * len(PHASES):
                for rep in range(n_reps):
                    tag = f"{load:g}kg_{phase}_{rep}" if load else f"0kg_{len(rows)}"
                    add(subject, f"{subject}_{tag}", "squat", load, phase, False, 0.3 + 0.05 * load, TRIAL_S)
    return BenchStudy(root=root, trials=pd.DataFrame(rows), config={"name": "bench", "channels": CHANNELS})


@functools.lru_cache(maxsize=4)
def _noise_bank(n_samples: int) -> np.ndarray:
    """(bank, n_samples, channels) unit noise, generated once per worker process."""
    rng = np.random.default_rng(20240601)
    return rng.standard_normal((_NOISE_BANK_N, n_samples, len(CHANNELS)))


def read_recipe(trial: Mapping[str, Any], context: Mapping[str, Any]) -> Recording:
    """The bench 'reader': a recipe file -> bursty EMG (squat-like 0.5 Hz activation) in V."""
    recipe = json.loads(Path(str(trial["path"])).read_text())
    n = int(recipe["seconds"] * FS_HZ)
    t = np.arange(n) / FS_HZ
    activation = 0.05 + float(recipe["level"]) * (0.5 - 0.5 * np.cos(2 * np.pi * 0.5 * t))
    samples = _noise_bank(n)[int(recipe["seed"]) % _NOISE_BANK_N] * (activation * _V_PER_UNIT)[:, None]
    return Recording(
        samples=samples,
        sampling_rate_hz=FS_HZ,
        channel_names=list(CHANNELS),
        units=["V"] * len(CHANNELS),
        channel_kinds=["emg"] * len(CHANNELS),
        source=Path(trial["path"]),
    )


def _bench_pipeline() -> features.Pipeline:
    real = features.default_pipeline()
    return features.Pipeline(
        read=read_recipe,
        processors={"emg": features.process_emg_trial},
        mvc_processor=features.process_mvc_trial,
        combine_mvc=real.combine_mvc,
        resolve_settings=real.resolve_settings,
        code_modules={"emg": ("analysis.emg",), "mvc": ("analysis.emg",)},
    )


class _PeakRSS:
    """Peak summed RSS of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval_s: float = 0.05):
        import psutil

        self._psutil = psutil
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._procs: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self, refresh: bool) -> int:
        # listing the children scans all of /proc (about a millisecond of CPU that the workers would lose),
        # so the process list is refreshed once a second and only the RSS is read every interval
        if refresh or not self._procs:
            me = self._psutil.Process()
            self._procs = [me, *me.children(recursive=True)]
        total = 0
        for proc in self._procs:
            try:
                total += proc.memory_info().rss
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                pass
        return total

    def _loop(self) -> None:
        n = 0
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._sample(refresh=n % round(1.0 / self.interval_s) == 0))
            n += 1
            self._stop.wait(self.interval_s)

    def __enter__(self) -> _PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _baseline_throughput(study: BenchStudy, n_trials: int) -> float:
    """Channel-samples/s of the plain single-process chain: read -> EMG chain -> one tidy table.

    What a user's own loop without this package's orchestration would do to get the same EMG table: no
    hashing, cache, transfer or scheduling, the per-trial frames concatenated once at the end. The trials
    are spread evenly over the study (every load, phase and repetition, not just the first ones) and the
    rate is total channel-samples over total time, the same estimator as the study run's.
    """
    pipeline = _bench_pipeline()
    settings = pipeline.resolve_settings({}, None)
    task_trials = study.trials[~study.trials["is_mvc"].astype(bool)]
    picks = np.unique(np.linspace(0, len(task_trials) - 1, n_trials + 1).round().astype(int))
    trials = task_trials.iloc[picks].to_dict("records")
    context = {"settings": {"emg": settings["emg"]}, "channel_map": CHANNELS, "mvc_refs": {m: 1e-4 for m in MUSCLES}}
    # warm-up: imports, the noise bank, filter design caches
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", features.CurveWarning)
        features.process_emg_trial(trials[0], read_recipe(trials[0], context), context)
    frames, samples = [], 0
    started = time.perf_counter()
    with warnings.catch_warnings():
        # the bench recordings carry no movement events, so every trial warns that it has no cycle curve
        # (the study run records that in its warnings table); printed here it would be one line per trial
        warnings.simplefilter("ignore", features.CurveWarning)
        for trial in trials[1:]:
            recording = read_recipe(trial, context)
            samples += recording.n_samples * recording.n_channels
            frames.append(features.process_emg_trial(trial, recording, context)["emg"])
    pd.concat(frames, ignore_index=True)
    return samples / (time.perf_counter() - started)


def _timed_run(study: BenchStudy, **kwargs) -> tuple[features.FeatureTables, float]:
    started = time.perf_counter()
    result = features.extract_features(study, pipeline=_bench_pipeline(), progress=False, **kwargs)
    elapsed = time.perf_counter() - started
    if result.stats["n_failed"]:
        raise RuntimeError(f"bench study had failures: {result.failures.head().to_dict('records')}")
    return result, elapsed


def _row(measurement, value, unit, baseline=np.nan, target=np.nan, higher_is_better=True):
    ratio = value / baseline if baseline and np.isfinite(baseline) else np.nan
    compare = ratio if np.isfinite(ratio) else value
    meets = None if not np.isfinite(target) else bool(compare >= target if higher_is_better else compare <= target)
    return {
        "measurement": measurement,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "meets_target": meets,
    }


def run(quick: bool = False) -> pd.DataFrame:
    # the workers tune their allocator (analysis.runtime); the baseline, run in this process, must share that
    # setting whoever calls run() (anklelab does it already; ANKLELAB_MALLOC_TUNING=0 turns it off for both)
    tune_allocator()
    n_subjects, n_reps = (3, 2) if quick else (60, 5)
    workers = 2
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="anklelab-bench-study-"))
    old_cache = os.environ.pop("ANKLELAB_CACHE", None)
    try:
        study = make_bench_study(tmp / "study", n_subjects, n_reps)
        samples = study.channel_samples
        # the baseline brackets the study run (before and after; their mean is the baseline) so that a
        # machine that gets faster or slower during the minutes of the run does not bias the ratio
        n_baseline = 10 if quick else 40
        before = _baseline_throughput(study, n_baseline)
        with _PeakRSS() as memory:
            full, full_s = _timed_run(study, workers=workers)
        after = _baseline_throughput(study, n_baseline)
        baseline = (before + after) / 2
        rows.append(
            _row(
                f"single-process EMG chain (baseline: mean of {before / 1e6:.2f} M/s before and "
                f"{after / 1e6:.2f} M/s after the study run, {n_baseline} trials each)",
                baseline,
                "channel-samples/s",
            )
        )
        per_worker = samples / full_s / workers
        rows.append(
            _row(
                f"study throughput per worker ({workers} workers, {samples:.3g} channel-samples, "
                f"{len(study.trials)} trials)",
                per_worker,
                "channel-samples/s",
                baseline,
                0.8,
            )
        )
        busy = full.stats["compute_s"] / (full_s * workers)
        rows.append(
            _row(
                "share of worker time spent in read + EMG chain (rest: scheduling, transfer, idle)",
                busy,
                "1",
                np.nan,
                0.8,
            )
        )
        in_memory = samples * 8.0  # the study as float64 samples
        rows.append(
            _row(
                "peak RSS driver + workers (baseline: study size as float64)",
                memory.peak_bytes / 1e9,
                "GB",
                in_memory / 1e9,
                np.nan,
            )
        )
        rows[-1]["target"], rows[-1]["meets_target"] = 1.5, bool(memory.peak_bytes / 1e9 <= 1.5)
        rows[-1]["ratio"] = memory.peak_bytes / in_memory

        _, unchanged_s = _timed_run(study, workers=workers)
        rows.append(_row("rerun, nothing changed", unchanged_s, "s", full_s, 0.05, higher_is_better=False))
        # change one task trial (an MVC trial would, correctly, invalidate every EMG trial of its subject)
        task_trials = study.trials[~study.trials["is_mvc"].astype(bool)]
        changed = task_trials.iloc[len(task_trials) // 2]
        recipe = json.loads(Path(changed["path"]).read_text())
        recipe["seed"] += 1
        Path(changed["path"]).write_text(json.dumps(recipe))
        rerun, rerun_s = _timed_run(study, workers=workers)
        assert rerun.stats["n_computed"] == 1, rerun.stats["computed_trial_ids"]
        rows.append(_row("rerun after one trial changed", rerun_s, "s", full_s, 0.05, higher_is_better=False))

        subset = study if quick else make_bench_study(tmp / "subset", 6, n_reps)
        one_s = _timed_run(subset, workers=1, cache=False)[1]
        two_s = _timed_run(subset, workers=2, cache=False)[1]
        label = "whole quick study" if quick else "1/10 of the study"
        rows.append(_row(f"speed-up 1 -> 2 workers ({label})", one_s / two_s, "x", np.nan, 1.6))
    finally:
        if old_cache is not None:
            os.environ["ANKLELAB_CACHE"] = old_cache
        shutil.rmtree(tmp, ignore_errors=True)
    table = pd.DataFrame(rows, columns=["measurement", "value", "unit", "baseline", "ratio", "target", "meets_target"])
    if quick:
        # a 3-s smoke study is dominated by fixed costs (starting the worker pool ~1 s, writing the tables):
        # the targets are about the full study, so a quick run shows the numbers without a verdict
        timed = ~table["measurement"].str.startswith(("peak RSS", "single-process"))
        table.loc[timed, "measurement"] += " [quick smoke run: start-up dominates, target for the full run only]"
        table.loc[timed, ["target", "meets_target"]] = [np.nan, None]
    return table
