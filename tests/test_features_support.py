"""A tiny fake study and fake per-trial processors to test the orchestration of analysis.features alone.

Module-level functions only (workers import them by name). The fake "signal processing" is trivial on
purpose: mean |x| per EMG channel divided by the subject x session MVC reference; max of the force channel.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import ReadError
from analysis.features import Pipeline
from analysis.recording import Recording

FS_HZ = 100.0
MUSCLES = {"EMG 1": "gluteus_maximus", "EMG 2": "gastrocnemius_medialis"}


@dataclass
class FakeStudy:
    root: Path
    trials: pd.DataFrame
    config: dict = field(default_factory=dict)


def read_npy(trial, context) -> Recording:
    path = Path(trial["path"])
    try:
        samples = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ReadError(path, f"not a .npy array ({exc})", hint="re-export the trial") from None
    kinds = ["force"] if trial["kind"] == "forceplate" else ["emg"] * samples.shape[1]
    names = ["Fz"] if trial["kind"] == "forceplate" else list(MUSCLES)
    return Recording(
        samples=samples,
        sampling_rate_hz=FS_HZ,
        channel_names=names,
        units=["N" if k == "force" else "V" for k in kinds],
        channel_kinds=kinds,
        source=path,
    )


def _keys(trial) -> dict:
    return {k: trial[k] for k in ("subject_id", "session", "trial_id", "exercise", "load_phase", "load_kg")}


def fake_mvc(trial, recording, context) -> dict:
    scale = float(context["settings"]["emg"]["scale"])
    muscles = [context["channel_map"][c] for c in recording.channel_names]
    peak = np.abs(recording.samples).max(axis=0) * scale
    return {"mvc": pd.DataFrame({**_keys(trial), "muscle": muscles, "mvc_reference": peak})}


def fake_emg(trial, recording, context) -> dict:
    scale = float(context["settings"]["emg"]["scale"])
    if "explode" in str(trial.get("exercise")):
        raise ValueError("processor exploded on purpose")
    if "warn" in str(trial.get("exercise")):
        warnings.warn(f"trial {trial['trial_id']}: a warning on purpose", UserWarning, stacklevel=2)
    muscles = [context["channel_map"][c] for c in recording.channel_names]
    mean_abs = np.abs(recording.samples).mean(axis=0) * scale
    refs = np.array([context["mvc_refs"].get(m, np.nan) for m in muscles])
    return {
        "emg": pd.DataFrame(
            {
                **_keys(trial),
                "muscle": muscles,
                "phase": "all",
                "mean_pct_mvc": 100 * mean_abs / refs,
                "mvc_reference_mv": 1e3 * refs,
            }
        )
    }


def fake_force(trial, recording, context) -> dict:
    threshold = float(context["settings"]["forceplate"]["threshold_n"])
    fz = recording.channel("Fz")
    return {
        "force": pd.DataFrame(
            {
                **_keys(trial),
                "metric": ["peak_force_n", "samples_above_threshold_n"],
                "value": [fz.max(), float((fz > threshold).sum())],
                "unit": ["N", "1"],
                "method": f"fake:threshold={threshold:g}N",
            }
        )
    }


def combine_max(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.groupby("muscle", as_index=False, sort=True)["mvc_reference"].max()


def resolve(processing, overrides) -> dict:
    settings = {"emg": {"scale": 1.0}, "forceplate": {"threshold_n": 20.0}}
    for source in (processing or {}), (overrides or {}):
        for stage, values in source.items():
            settings[stage] = {**settings.get(stage, {}), **values}
    return settings


FAKE_PIPELINE = Pipeline(
    read=read_npy,
    processors={"emg": fake_emg, "forceplate": fake_force},
    mvc_processor=fake_mvc,
    combine_mvc=combine_max,
    resolve_settings=resolve,
    code_modules={"emg": (__name__,), "forceplate": (__name__,), "mvc": (__name__,)},
)


def make_fake_study(root: Path, n_subjects: int = 2, n_emg: int = 3, n_force: int = 2, seed: int = 0) -> FakeStudy:
    """Per subject: 2 MVC trials, n_emg EMG trials, n_force force trials, as .npy files under raw/."""
    rng = np.random.default_rng(seed)
    rows = []
    (root / "raw").mkdir(parents=True, exist_ok=True)

    def add(subject, trial_id, kind, exercise, is_mvc, samples):
        file = f"raw/{trial_id}.npy"
        np.save(root / file, samples)
        rows.append(
            {
                "subject_id": subject,
                "session": "1",
                "trial_id": trial_id,
                "exercise": exercise,
                "load_phase": "none",
                "load_kg": 0.0,
                "kind": kind,
                "file": file,
                "is_mvc": is_mvc,
                "path": str((root / file).resolve()),
            }
        )

    for s in range(n_subjects):
        subject = f"S{s + 1:02d}"
        for m in range(2):
            add(subject, f"{subject}_mvc{m}", "emg", "mvc", True, rng.normal(0, 1 + m, (200, 2)))
        for t in range(n_emg):
            add(subject, f"{subject}_emg{t}", "emg", "squat", False, rng.normal(0, 0.5, (300, 2)))
        for t in range(n_force):
            add(subject, f"{subject}_force{t}", "forceplate", "cmj", False, rng.normal(700, 50, (400, 1)))
    return FakeStudy(root=root, trials=pd.DataFrame(rows), config={"channels": MUSCLES, "name": "fake"})
