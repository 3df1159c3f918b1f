"""Amplitude envelopes: rectification, the linear envelope, centred moving mean / RMS and the
Teager-Kaiser energy operator (TKEO).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.emg._common import _as_2d, _check_fs, _n_samples, _restore
from analysis.emg.filters import lowpass
from analysis.errors import AnalysisError

__all__ = ["rectify", "linear_envelope", "moving_average", "moving_rms", "teager_kaiser", "tkeo_envelope"]


def rectify(x: Any) -> np.ndarray:
    """Full-wave rectification (absolute value)."""
    arr, was_1d = _as_2d(x)
    return _restore(np.abs(arr), was_1d)


def linear_envelope(
    x: Any,
    fs_hz: float,
    cutoff_hz: float = 6.0,
    order: int = 4,
    *,
    rectified: bool = False,
    zero_phase_correction: bool = True,
) -> np.ndarray:
    """Linear envelope: full-wave rectification then zero-phase low-pass at ``cutoff_hz``.

    Pass ``rectified=True`` if ``x`` is already rectified. The low-pass can ring slightly below zero
    where the rectified signal is near zero; the envelope is clipped at 0 (an amplitude is never negative).
    """
    arr, was_1d = _as_2d(x)
    rect = arr if rectified else np.abs(arr)
    env = lowpass(rect, fs_hz, cutoff_hz, order, zero_phase_correction=zero_phase_correction)
    np.maximum(env, 0.0, out=env)
    return _restore(env, was_1d)


def _moving_sum(arr: np.ndarray, window_n: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred moving sum and the number of samples in each (truncated at the edges) window.

    Window for sample i: [i - window_n // 2, i - window_n // 2 + window_n), clipped to the record.
    """
    n = arr.shape[0]
    half = window_n // 2
    start = np.clip(np.arange(n) - half, 0, n)
    stop = np.clip(np.arange(n) - half + window_n, 0, n)
    # Each window is summed on its own (zero-padded sliding view) rather than as a difference of one
    # running cumulative sum: a cumulative sum loses small values that follow huge ones (catastrophic
    # cancellation), which made the moving RMS of quiet stretches after a burst wrong.
    pad = [(half, window_n - half - 1)] + [(0, 0)] * (arr.ndim - 1)
    padded = np.pad(np.asarray(arr, dtype=np.float64), pad)
    windows = np.lib.stride_tricks.sliding_window_view(padded, window_n, axis=0)
    return windows.sum(axis=-1), (stop - start).astype(np.float64)


def moving_average(x: Any, window_n: int) -> np.ndarray:
    """Centred moving mean over ``window_n`` samples (windows truncated at the record edges)."""
    arr, was_1d = _as_2d(x)
    window_n = int(window_n)
    if window_n < 1:
        raise AnalysisError(f"moving-average window must be >= 1 sample, got {window_n}")
    total, count = _moving_sum(arr, window_n)
    return _restore(total / count[:, None], was_1d)


def moving_rms(x: Any, fs_hz: float, window_ms: float = 100.0) -> np.ndarray:
    """Centred moving RMS over ``window_ms`` (rounded to whole samples; truncated at the edges)."""
    fs = _check_fs(fs_hz)
    arr, was_1d = _as_2d(x)
    window_n = _n_samples(window_ms / 1000.0, fs)
    total, count = _moving_sum(arr * arr, window_n)
    mean_sq = total / count[:, None]
    np.maximum(mean_sq, 0.0, out=mean_sq)  # cumulative-sum round-off can give -1e-20
    return _restore(np.sqrt(mean_sq), was_1d)


def teager_kaiser(x: Any) -> np.ndarray:
    """Teager-Kaiser energy operator psi[n] = x[n]^2 - x[n-1] x[n+1]; the end samples copy their neighbour."""
    arr, was_1d = _as_2d(x)
    out = np.empty_like(arr)
    if arr.shape[0] < 3:
        out[:] = arr * arr
        return _restore(out, was_1d)
    out[1:-1] = arr[1:-1] * arr[1:-1] - arr[:-2] * arr[2:]
    out[0] = out[1]
    out[-1] = out[-2]
    return _restore(out, was_1d)


def tkeo_envelope(x_bandpassed: Any, fs_hz: float, lowpass_hz: float = 50.0, order: int = 4) -> np.ndarray:
    """TKEO-conditioned detection signal (Solnik et al. 2010): TKEO -> rectify -> zero-phase low-pass (>= 0)."""
    return linear_envelope(teager_kaiser(x_bandpassed), fs_hz, lowpass_hz, order)
