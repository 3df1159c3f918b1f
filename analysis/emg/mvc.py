"""MVC reference per muscle: the highest moving average of the envelope over all MVC trials of a subject and
session (CEDE, Besomi et al. 2020).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.emg._common import EMGWarning, _as_2d, _check_fs, _n_samples
from analysis.emg.chain import EMGResult, process
from analysis.emg.settings import EMGSettings
from analysis.errors import AnalysisError
from analysis.recording import Recording

__all__ = ["MVCReference", "mvc_reference"]


@dataclass
class MVCReference:
    """Per-muscle MVC reference amplitudes (in the envelope's unit, V for recordings)."""

    values: dict[str, float]
    window_ms: float
    method: str = "peak of moving average over all MVC trials"
    cede_method: int = 2  # CEDE matrix: standardised isometric MVC (Besomi et al. 2020)
    n_trials: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, muscle: str) -> float:
        return self.values[muscle]

    def get(self, muscle: str, default: float | None = None) -> float | None:
        return self.values.get(muscle, default)

    def as_series(self) -> pd.Series:
        return pd.Series(self.values, name="mvc_reference", dtype=float)

    def describe(self) -> dict[str, Any]:
        return {
            "window_ms": self.window_ms,
            "method": self.method,
            "cede_method": self.cede_method,
            "n_trials": dict(self.n_trials),
        }


def _peak_moving_average(envelope: np.ndarray, window_n: int) -> np.ndarray:
    n = envelope.shape[0]
    if n == 0:
        return np.full(envelope.shape[1], np.nan)
    w = min(window_n, n)
    csum = np.zeros((n + 1, envelope.shape[1]))
    np.cumsum(envelope, axis=0, out=csum[1:])
    return ((csum[w:] - csum[:-w]) / w).max(axis=0)


def mvc_reference(
    trials: Iterable[EMGResult | Recording | tuple[np.ndarray, float, Sequence[str]]],
    *,
    channel_map: Mapping[str, str] | None = None,
    window_ms: float | None = None,
    settings: EMGSettings | None = None,
) -> MVCReference:
    """Per-muscle MVC reference: the highest ``window_ms`` moving average of the envelope over all trials.

    ``trials`` are the MVC trials of one subject and session: :class:`EMGResult`, :class:`Recording`
    (processed with ``settings``) or ``(envelope, fs_hz, channel_names)`` tuples. ``channel_map`` maps
    channel names to muscles (default: channel name = muscle). A muscle's value is the maximum over the
    trials that contain it — never a per-condition maximum of the task trials (CEDE, Besomi et al. 2020).
    """
    settings = settings or EMGSettings()
    window_ms = float(window_ms if window_ms is not None else settings.mvc_window_ms)
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    names: Sequence[str]
    for trial in trials:
        if isinstance(trial, Recording):
            trial = process(trial, settings)
        if isinstance(trial, EMGResult):
            envelope, fs, names = trial.envelope, trial.fs_hz, trial.channel_names
        else:
            envelope, fs, names = trial
        env, _ = _as_2d(envelope, "MVC envelope")
        if env.shape[1] != len(names):
            raise AnalysisError(f"MVC trial: {env.shape[1]} envelope columns for {len(names)} channel names")
        window_n = _n_samples(window_ms / 1000.0, _check_fs(fs))
        if env.shape[0] < window_n:
            warnings.warn(
                f"MVC trial of {env.shape[0] / fs:.3f} s is shorter than the {window_ms:g} ms window; "
                "its whole-trial mean is used",
                EMGWarning,
                stacklevel=2,
            )
        peaks = _peak_moving_average(env, window_n)
        for name, peak in zip(names, peaks):
            if channel_map is not None and name not in channel_map:
                continue
            muscle = name if channel_map is None else channel_map[name]
            counts[muscle] = counts.get(muscle, 0) + 1
            if np.isfinite(peak) and peak > best.get(muscle, -np.inf):
                best[muscle] = float(peak)
    if not best:
        raise AnalysisError("no MVC reference could be computed: no MVC trial contained a mapped channel")
    for muscle, value in best.items():
        if value <= 0:
            raise AnalysisError(f"MVC reference for {muscle!r} is {value:g}: a flat or empty MVC channel")
    return MVCReference(best, window_ms, n_trials=counts)
