"""Zero-phase Butterworth filters (two-pass -3 dB cut-off correction), DC removal and the mains notch/comb.

Designs are cached (:func:`_design`); :func:`_filtfilt` and :func:`_filtfilt_rows` repeat
``scipy.signal.sosfiltfilt`` operation for operation with a precomputed ``zi`` (bit-identical results), the
latter on channel-major rows as :func:`analysis.emg.chain.process` uses them.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import signal as sps

from analysis.emg._common import EMGWarning, _as_2d, _check_fs, _restore
from analysis.errors import AnalysisError

__all__ = ["remove_dc_offset", "butter_sos", "bandpass", "lowpass", "powerline_filter"]


def remove_dc_offset(x: Any) -> np.ndarray:
    """Subtract each channel's mean (returns a new float64 array)."""
    arr, was_1d = _as_2d(x)
    return _restore(arr - arr.mean(axis=0), was_1d)


def _two_pass_factor(order: int) -> float:
    """Prototype frequency at which a single pass has |H|^2 = 1/sqrt(2), so two passes give 1/2 (-3 dB)."""
    return (math.sqrt(2.0) - 1.0) ** (1.0 / (2 * order))


def butter_sos(
    order: int, cutoff_hz: float | Sequence[float], fs_hz: float, btype: str, *, zero_phase_correction: bool = True
) -> np.ndarray:
    """Butterworth second-order sections whose **two-pass** response is -3 dB at ``cutoff_hz``.

    With ``zero_phase_correction`` the edges are moved in the bilinear (pre-warped) domain by the
    two-pass factor c = (sqrt(2) - 1)^(1/2N): a low-pass edge up by 1/c, a high-pass edge down by c, and
    a band-pass keeps its geometric centre while its prototype bandwidth widens by 1/c. Then
    ``sosfiltfilt`` with these sections has |H|^2 = 0.5 exactly at the requested cut-offs.
    """
    fs = _check_fs(fs_hz)
    edges = tuple(float(e) for e in np.atleast_1d(np.asarray(cutoff_hz, dtype=float)))
    return _design(int(order), edges, fs, str(btype), bool(zero_phase_correction))[0].copy()


@functools.lru_cache(maxsize=64)
def _design(
    order: int, edges_hz: tuple[float, ...], fs: float, btype: str, zero_phase_correction: bool
) -> tuple[np.ndarray, np.ndarray, int]:
    """Cached (sos, sosfilt_zi, pad length) of :func:`butter_sos`; a trial re-uses the same few designs.

    Shared between calls: never modify them (``butter_sos`` returns a copy).
    """
    nyquist = fs / 2.0
    edges = np.asarray(edges_hz, dtype=float)
    if np.any(edges <= 0) or np.any(edges >= nyquist):
        raise AnalysisError(f"filter cut-off(s) {edges.tolist()} Hz must lie between 0 and Nyquist ({nyquist:g} Hz)")
    if zero_phase_correction:
        c = _two_pass_factor(order)
        warped = 2.0 * fs * np.tan(np.pi * edges / fs)
        if btype == "lowpass":
            warped = warped / c
        elif btype == "highpass":
            warped = warped * c
        elif btype in ("bandpass", "bandstop"):
            w1, w2 = warped
            centre_sq = w1 * w2
            bandwidth = (w2 - w1) / c if btype == "bandpass" else (w2 - w1) * c
            upper = (bandwidth + math.sqrt(bandwidth**2 + 4 * centre_sq)) / 2.0
            warped = np.array([centre_sq / upper, upper])
        else:
            raise AnalysisError(f"unknown filter type {btype!r}")
        edges = fs / np.pi * np.arctan(warped / (2.0 * fs))
    wn = edges if edges.size > 1 else float(edges[0])
    sos = sps.butter(order, wn, btype=btype, fs=fs, output="sos")
    return _frozen_filter(sos)


def _frozen_filter(sos: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(sos, zi, pad length) exactly as ``scipy.signal.sosfiltfilt`` derives them (odd padding, default padlen)."""
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    zi = sps.sosfilt_zi(sos)
    ntaps = 2 * sos.shape[0] + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    zi.flags.writeable = False  # (sos stays writable: scipy's sosfilt needs a writable buffer; never exposed)
    return sos, zi, 3 * ntaps


def _filtfilt(design: tuple[np.ndarray, np.ndarray, int], x: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfiltfilt(sos, x, axis=0)`` (odd padding, default padlen) with a precomputed zi.

    Same operations in the same order as scipy's, so the result is identical; it saves the per-call
    ``sosfilt_zi`` (about a third of the time on a short trial).
    """
    sos, zi, edge = design
    n = x.shape[0]
    if n <= edge:
        raise AnalysisError(f"{n} samples are too few for this zero-phase filter; need more than {edge}")
    left = 2 * x[0:1] - x[edge:0:-1]
    right = 2 * x[-1:] - x[-2 : -(edge + 2) : -1]
    ext = np.concatenate((left, x, right), axis=0)
    zi_shape = (zi.shape[0], 2) + (1,) * (x.ndim - 1)
    zi_b = zi.reshape(zi_shape)
    y, _ = sps.sosfilt(sos, ext, axis=0, zi=zi_b * ext[0:1])
    y, _ = sps.sosfilt(sos, y[::-1], axis=0, zi=zi_b * y[-1:])
    return y[::-1][edge:-edge]


def _odd_extended_rows(x: np.ndarray, edge: int) -> np.ndarray:
    """(c, n + 2 edge) buffer: rows of ``x`` with scipy's odd extension of ``edge`` samples at both ends."""
    n = x.shape[1]
    ext = np.empty((x.shape[0], n + 2 * edge))
    ext[:, edge : edge + n] = x
    _odd_pad_rows(ext, edge)
    return ext


def _odd_pad_rows(ext: np.ndarray, edge: int) -> None:
    """Fill the ``edge`` end samples of each row of ``ext`` from its middle (odd extension), in place."""
    n = ext.shape[1] - 2 * edge
    x = ext[:, edge : edge + n]
    ext[:, :edge] = 2 * x[:, 0:1] - x[:, edge:0:-1]
    ext[:, edge + n :] = 2 * x[:, -1:] - x[:, -2 : -(edge + 2) : -1]


def _filtfilt_rows(
    design: tuple[np.ndarray, np.ndarray, int], rows: np.ndarray, *, extended: bool = False
) -> np.ndarray:
    """:func:`_filtfilt` along axis 1 of channel-major ``rows`` (n_channels, n); returns (n_channels, n).

    Channel-major rows are what ``sosfilt`` works on, so no transposed copies are made; the arithmetic is
    the same, element for element, as ``_filtfilt`` on the (n, c) array (bit-identical results).
    ``extended=True``: ``rows`` is already an odd-extended (c, n + 2 edge) buffer (see :func:`_odd_pad_rows`).
    Otherwise the extension is built here and released before the backward pass, so besides ``rows`` at
    most two row-sized temporaries exist at once.
    """
    sos, zi, edge = design
    ext = rows if extended else _odd_extended_rows(rows, edge)
    if ext.shape[1] - 2 * edge <= edge:
        raise AnalysisError(
            f"{ext.shape[1] - 2 * edge} samples are too few for this zero-phase filter; need more than {edge}"
        )
    zi_rows = zi[:, None, :]  # (n_sections, 1, 2) -> broadcast over channels
    y, _ = sps.sosfilt(sos, ext, axis=1, zi=zi_rows * ext[:, 0:1][None])
    del ext
    y, _ = sps.sosfilt(sos, y[:, ::-1], axis=1, zi=zi_rows * y[:, -1:][None])
    return y[:, ::-1][:, edge:-edge]


def _cap_band(band_hz: Sequence[float], fs_hz: float) -> tuple[float, float]:
    low, high = float(band_hz[0]), float(band_hz[1])
    cap = 0.95 * fs_hz / 2.0
    if high > cap:
        warnings.warn(
            f"band-pass upper edge {high:g} Hz is at or above 95 % of Nyquist ({fs_hz / 2:g} Hz at {fs_hz:g} Hz); "
            f"capped at {cap:g} Hz. Record at >= {2 * high / 0.95:g} Hz to keep it.",
            EMGWarning,
            stacklevel=3,
        )
        high = cap
    if low >= high:
        raise AnalysisError(f"band-pass {low:g}-{high:g} Hz is empty at {fs_hz:g} Hz sampling")
    return low, high


def bandpass(
    x: Any,
    fs_hz: float,
    band_hz: Sequence[float] = (20.0, 450.0),
    order: int = 4,
    *,
    zero_phase_correction: bool = True,
) -> np.ndarray:
    """Zero-phase Butterworth band-pass (SOS, forward-backward) along axis 0.

    The upper edge is capped at 95 % of Nyquist with an :class:`EMGWarning` (e.g. 450 Hz at 500 Hz sampling).
    """
    fs = _check_fs(fs_hz)
    arr, was_1d = _as_2d(x)
    low, high = _cap_band(band_hz, fs)
    design = _design(int(order), (low, high), fs, "bandpass", bool(zero_phase_correction))
    return _restore(_filtfilt(design, arr), was_1d)


def lowpass(
    x: Any, fs_hz: float, cutoff_hz: float, order: int = 4, *, zero_phase_correction: bool = True
) -> np.ndarray:
    """Zero-phase Butterworth low-pass (SOS, forward-backward) along axis 0."""
    fs = _check_fs(fs_hz)
    arr, was_1d = _as_2d(x)
    design = _design(int(order), (float(cutoff_hz),), fs, "lowpass", bool(zero_phase_correction))
    return _restore(_filtfilt(design, arr), was_1d)


def powerline_filter(
    x: Any,
    fs_hz: float,
    mains_hz: float = 50.0,
    harmonics: int = 1,
    quality: float = 30.0,
    *,
    max_hz: float | None = None,
) -> np.ndarray:
    """Zero-phase notch at ``mains_hz`` and, for ``harmonics > 1``, its harmonics (a comb), along axis 0.

    Each notch is ``scipy.signal.iirnotch(f, quality)``; notches at or above ``max_hz`` (default Nyquist)
    are skipped. Forward-backward filtering squares the notch, so its -3 dB width is narrower than f/Q.
    """
    fs = _check_fs(fs_hz)
    arr, was_1d = _as_2d(x)
    top = fs / 2.0 if max_hz is None else min(float(max_hz), fs / 2.0)
    freqs = [mains_hz * k for k in range(1, int(harmonics) + 1) if mains_hz * k < top]
    if not freqs:
        return _restore(arr.copy(), was_1d)
    sos = np.vstack([sps.tf2sos(*sps.iirnotch(f, quality, fs=fs)) for f in freqs])
    return _restore(sps.sosfiltfilt(sos, arr, axis=0), was_1d)
