"""Input checks shared by the force-plate modules: force arrays, sampling rate, run-lengths, error prefixes."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from analysis.errors import AnalysisError


def _as_total_force(force_n: ArrayLike, what: str = "force_n") -> tuple[np.ndarray, np.ndarray | None]:
    """(total vertical force (n,), per-plate (n, k) or None)."""
    arr = np.asarray(force_n, dtype=float)
    if arr.ndim == 1:
        per_plate = None
        total = arr
    elif arr.ndim == 2:
        per_plate = arr
        total = arr.sum(axis=1)
    else:
        raise AnalysisError(f"{what} must be (n_samples,) or (n_samples, n_plates), got shape {arr.shape}")
    if total.size < 3:
        raise AnalysisError(f"{what} has only {total.size} samples")
    if not np.all(np.isfinite(total)):
        bad = int(np.flatnonzero(~np.isfinite(total))[0])
        raise AnalysisError(f"{what} has a non-finite value at sample {bad}; interpolate or trim the trial first")
    return total, per_plate


def _check_fs(fs_hz: float) -> float:
    fs = float(fs_hz)
    if not (np.isfinite(fs) and fs > 0):
        raise AnalysisError(f"sampling rate must be positive, got {fs_hz!r}")
    return fs


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) indices of the True runs of a boolean mask."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(padded)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _where(source: str | None) -> str:
    return f"{source}: " if source else ""
