"""Amplitude and time normalisation: envelope in %MVC, time and cycle normalisation to ``n_points``, integrated
EMG.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from analysis.emg._common import EMGWarning, _as_2d, _check_fs, _restore
from analysis.errors import AnalysisError

__all__ = ["normalise_to_mvc", "time_normalise", "cycle_normalise", "integrated_emg"]


def normalise_to_mvc(envelope: Any, reference: float | Sequence[float], *, label: str = "") -> np.ndarray:
    """Envelope in % of the MVC reference (0-100 scale; per column reference). Warns above 100 % MVC."""
    env, was_1d = _as_2d(envelope)
    ref = np.broadcast_to(np.asarray(reference, dtype=float), (env.shape[1],))
    if np.any(~np.isfinite(ref)) or np.any(ref <= 0):
        raise AnalysisError(f"{label or 'envelope'}: MVC reference must be positive, got {ref.tolist()}")
    pct = env * (100.0 / ref)
    if env.size and np.nanmax(pct) > 100.0:
        over = np.nanmax(pct, axis=0)
        warnings.warn(
            f"{label or 'envelope'}: exceeds 100 % MVC (peak {np.max(over):.0f} %); expected in loaded dynamic "
            "tasks, otherwise check the MVC trials",
            EMGWarning,
            stacklevel=2,
        )
    return _restore(pct, was_1d)


def time_normalise(segment: Any, n_points: int = 101) -> np.ndarray:
    """Linear resampling of a ``(n_samples, ...)`` segment to ``n_points`` (first and last samples kept)."""
    arr = np.asarray(segment, dtype=np.float64)
    n = arr.shape[0]
    if n < 2:
        raise AnalysisError(f"cannot time-normalise a segment of {n} sample(s)")
    pos = np.linspace(0.0, n - 1, int(n_points))
    i0 = np.minimum(np.floor(pos).astype(np.intp), n - 2)
    frac = (pos - i0).reshape((-1,) + (1,) * (arr.ndim - 1))
    return arr[i0] * (1.0 - frac) + arr[i0 + 1] * frac


def cycle_normalise(
    x: Any, fs_hz: float, starts_s: Sequence[float], ends_s: Sequence[float], n_points: int = 101, *, t0_s: float = 0.0
) -> np.ndarray:
    """Cut ``x`` between event times and resample each cycle to ``n_points``: (n_cycles, n_points, n_channels).

    Times are in seconds on the record's clock; ``t0_s`` is the time of sample 0. Boundaries fall between
    samples and are linearly interpolated, so 0 % is exactly ``start`` and 100 % exactly ``end``.
    """
    fs = _check_fs(fs_hz)
    arr, _ = _as_2d(x)
    starts = (np.asarray(starts_s, dtype=float) - t0_s) * fs
    ends = (np.asarray(ends_s, dtype=float) - t0_s) * fs
    if starts.shape != ends.shape or starts.ndim != 1:
        raise AnalysisError(f"cycle starts ({starts.size}) and ends ({ends.size}) must be 1-D and equally long")
    n = arr.shape[0]
    bad = np.nonzero((starts < 0) | (ends > n - 1) | (ends <= starts))[0]
    if bad.size:
        k = int(bad[0])
        raise AnalysisError(
            f"cycle {k + 1}: {starts_s[k]:g}-{ends_s[k]:g} s is empty or outside the record "
            f"({t0_s:g}-{t0_s + (n - 1) / fs:g} s)"
        )
    frac_grid = np.linspace(0.0, 1.0, int(n_points))
    pos = starts[:, None] + (ends - starts)[:, None] * frac_grid[None, :]
    i0 = np.minimum(np.floor(pos).astype(np.intp), n - 2)
    frac = (pos - i0)[..., None]
    return arr[i0] * (1.0 - frac) + arr[i0 + 1] * frac


def integrated_emg(x: Any, fs_hz: float, *, rectified: bool = False) -> np.ndarray:
    """Integrated EMG per channel: sum of |x| times the sample interval (rectangle rule), unit·s."""
    fs = _check_fs(fs_hz)
    arr, was_1d = _as_2d(x)
    rect = arr if rectified else np.abs(arr)
    out = rect.sum(axis=0) / fs
    return out[0] if was_1d else out
