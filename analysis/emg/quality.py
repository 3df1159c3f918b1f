"""Per-channel quality flags of a raw EMG record: clipping, flat, powerline (mains hum) and low SNR."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from analysis.emg._common import _as_2d, _check_fs, _n_samples
from analysis.emg.envelope import linear_envelope
from analysis.emg.filters import bandpass
from analysis.emg.settings import EMGSettings
from analysis.emg.spectral import _welch_bins

__all__ = ["QUALITY_FLAGS", "quality_flags"]


#: Flags :func:`quality_flags` can raise for a channel.
QUALITY_FLAGS = ("clipping", "flat", "powerline", "low_snr")


def quality_flags(
    raw: Any,
    fs_hz: float,
    envelope: Any | None = None,
    settings: EMGSettings | None = None,
    channel_names: Sequence[str] | None = None,
) -> dict[str, list[str]]:
    """Per-channel quality flags from the raw EMG (and its envelope): see :data:`QUALITY_FLAGS`.

    * ``clipping``: >= ``clip_fraction`` of samples (and at least 5) sit at the channel's own minimum or
      maximum — a free signal touches its extreme value once or twice, a clipped one many times.
    * ``flat``: peak-to-peak below ``flat_ptp_v``.
    * ``powerline``: the PSD at 50 or 60 Hz (1 Hz resolution) is ``powerline_ratio_db`` above the median
      PSD of the 10 Hz on either side (excluding +-3 Hz); Welch, 0.5 s Hann segments, no overlap.
    * ``low_snr``: 95th / 5th percentile of the envelope below ``low_snr_db`` (no visible activation).
    """
    settings = settings or EMGSettings()
    fs = _check_fs(fs_hz)
    arr, _ = _as_2d(raw)
    n, c = arr.shape
    names = list(channel_names) if channel_names is not None else [str(i) for i in range(c)]
    if n == 0:
        return {name: ["flat"] for name in names}
    hi, lo, at_rail = _rail_counts(arr.T)
    powerline = _powerline_hits(arr, fs, settings)
    if envelope is None:
        envelope = linear_envelope(
            bandpass(arr, fs, _cap_band_quiet(settings.bandpass_hz, fs)), fs, settings.envelope_lowpass_hz
        )
    env, _ = _as_2d(envelope)
    return _assemble_flags(names, n, fs, hi, lo, at_rail, powerline, env, settings)


def _rail_counts(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a (n_channels, n_samples) array: max, min and the number of samples at either extreme."""
    hi, lo = rows.max(axis=1), rows.min(axis=1)
    tol = 1e-9 * np.maximum(hi - lo, np.finfo(float).tiny)
    at_rail = ((rows >= (hi - tol)[:, None]) | (rows <= (lo + tol)[:, None])).sum(axis=1)
    return hi, lo, at_rail


def _powerline_hits(arr: np.ndarray, fs: float, settings: EMGSettings) -> np.ndarray:
    """Channels of a (n_samples, n_channels) array whose 50 or 60 Hz PSD line stands out (one Welch call)."""
    n, c = arr.shape
    powerline = np.zeros(c, dtype=bool)
    nperseg = min(n, _n_samples(0.5, fs, 2))  # 2 Hz resolution, no overlap: cheap and enough for a mains line
    if n >= nperseg and fs > 2 * 72:
        freqs, psd = _welch_bins(arr, fs, nperseg, (38.0, 72.0))  # every bin the 50/60 Hz tests look at
        for mains in (50.0, 60.0):
            at = np.abs(freqs - mains) <= 0.5 * fs / nperseg + 1e-9
            near = (np.abs(freqs - mains) <= 10.0) & (np.abs(freqs - mains) > 3.0)
            if at.any() and near.any():
                ratio = psd[at].max(axis=0) / np.maximum(np.median(psd[near], axis=0), np.finfo(float).tiny)
                powerline |= 10 * np.log10(np.maximum(ratio, np.finfo(float).tiny)) >= settings.powerline_ratio_db
    return powerline


def _assemble_flags(
    names: Sequence[str],
    n: int,
    fs: float,
    hi: np.ndarray,
    lo: np.ndarray,
    at_rail: np.ndarray,
    powerline: np.ndarray,
    env: np.ndarray,
    settings: EMGSettings,
) -> dict[str, list[str]]:
    """Flags per channel from the rail counts, the mains test and the (n_samples, n_channels) envelope."""
    flat = (hi - lo) < settings.flat_ptp_v
    clipping = (~flat) & (at_rail >= max(5, math.ceil(settings.clip_fraction * n)))
    # the envelope is band-limited to a few Hz: percentiles of a 200 Hz subsample are the same, 10x cheaper
    p5, p95 = np.percentile(env[:: max(1, int(fs // 200))], [5, 95], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr_db = 20 * np.log10(p95 / p5)
    low_snr = (~flat) & ~(snr_db >= settings.low_snr_db)
    flags: dict[str, list[str]] = {name: [] for name in names}
    for i, name in enumerate(names):
        for flag, hit in (("clipping", clipping), ("flat", flat), ("powerline", powerline), ("low_snr", low_snr)):
            if hit[i]:
                flags[name].append(flag)
    return flags


def _cap_band_quiet(band_hz: Sequence[float], fs_hz: float) -> tuple[float, float]:
    return float(band_hz[0]), min(float(band_hz[1]), 0.95 * fs_hz / 2.0)
