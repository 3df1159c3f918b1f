"""Shared by every EMG step: the array convention (float64, time on axis 0), the sampling-rate check and
:class:`EMGWarning`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis.errors import AnalysisError

__all__ = ["EMGWarning"]


class EMGWarning(UserWarning):
    """Something in the EMG chain the user should know about (capped cut-off, > 100 % MVC, ...)."""


def _as_2d(x: Any, name: str = "signal") -> tuple[np.ndarray, bool]:
    """float64 (n_samples, n_channels) view/copy and whether the input was 1-D."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise AnalysisError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim == 1:
        return arr[:, None], True
    if arr.ndim != 2:
        raise AnalysisError(f"{name}: expected (n_samples, n_channels), got shape {arr.shape}")
    return arr, False


def _restore(arr: np.ndarray, was_1d: bool) -> np.ndarray:
    return arr[:, 0] if was_1d else arr


def _check_fs(fs_hz: float) -> float:
    fs = float(fs_hz)
    if not (math.isfinite(fs) and fs > 0):
        raise AnalysisError(f"sampling rate must be a positive number of Hz, got {fs_hz!r}")
    return fs


def _n_samples(duration_s: float, fs_hz: float, minimum: int = 1) -> int:
    return max(minimum, int(round(duration_s * fs_hz)))
