"""Muscle activity onsets: rest-baseline statistics and burst detection (threshold, TKEO, double threshold),
vectorised over channels via run-lengths of boolean masks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.emg._common import _as_2d, _check_fs, _n_samples
from analysis.emg.envelope import _moving_sum, tkeo_envelope
from analysis.emg.settings import _ONSET_METHODS
from analysis.errors import AnalysisError

__all__ = ["OnsetResult", "baseline_stats", "detect_onsets"]


@dataclass
class OnsetResult:
    """Bursts per channel: ``onsets[c]`` / ``offsets[c]`` are sample indices (offset exclusive)."""

    onsets: list[np.ndarray]
    offsets: list[np.ndarray]
    thresholds: np.ndarray
    fs_hz: float
    method: str
    parameters: dict[str, Any]
    channel_names: list[str] | None = None

    @property
    def n_bursts(self) -> list[int]:
        return [int(a.size) for a in self.onsets]

    def durations_s(self, channel: int = 0) -> np.ndarray:
        return (self.offsets[channel] - self.onsets[channel]) / self.fs_hz

    def mask(self, n_samples: int) -> np.ndarray:
        """Boolean (n_samples, n_channels) activity mask."""
        out = np.zeros((n_samples, len(self.onsets)), dtype=bool)
        for c, (on, off) in enumerate(zip(self.onsets, self.offsets)):
            marks = np.zeros(n_samples + 1, dtype=np.int32)
            np.add.at(marks, on, 1)
            np.add.at(marks, off, -1)
            out[:, c] = np.cumsum(marks[:-1]) > 0
        return out

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: channel, onset_s, offset_s, duration_s, method."""
        names = self.channel_names or [str(i) for i in range(len(self.onsets))]
        rows = [
            (names[c], on / self.fs_hz, off / self.fs_hz, (off - on) / self.fs_hz)
            for c in range(len(self.onsets))
            for on, off in zip(self.onsets[c], self.offsets[c])
        ]
        frame = pd.DataFrame(rows, columns=["channel", "onset_s", "offset_s", "duration_s"])
        frame["method"] = self.method
        return frame


def baseline_stats(
    x: Any, fs_hz: float, baseline_s: tuple[float, float] | None = None, window_s: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-channel mean, SD and start sample of the rest baseline.

    ``baseline_s=(start, end)`` uses that window for every channel; ``None`` takes, per channel, the
    ``window_s`` window with the lowest mean (the quietest stretch of the record) [assumption].
    """
    fs = _check_fs(fs_hz)
    arr, _ = _as_2d(x)
    n = arr.shape[0]
    if baseline_s is not None:
        i0, i1 = int(round(baseline_s[0] * fs)), int(round(baseline_s[1] * fs))
        if not 0 <= i0 < i1 <= n or i1 - i0 < 2:
            raise AnalysisError(
                f"onset baseline {list(baseline_s)} s is outside the record (0-{n / fs:g} s) or shorter than 2 samples"
            )
        seg = arr[i0:i1]
        return seg.mean(axis=0), seg.std(axis=0, ddof=1), np.full(arr.shape[1], i0)
    w = min(n, _n_samples(window_s, fs, minimum=2))
    csum = np.zeros((n + 1, arr.shape[1]))
    np.cumsum(arr, axis=0, out=csum[1:])
    means = csum[w:] - csum[:-w]
    del csum
    means /= w  # in place: same values as a new array, one record-sized temporary less
    start = np.argmin(means, axis=0)
    del means
    idx = start[None, :] + np.arange(w)[:, None]
    seg = np.take_along_axis(arr, idx, axis=0)
    return seg.mean(axis=0), seg.std(axis=0, ddof=1), start


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True in a (n_samples, n_channels) mask: channel, start, stop (exclusive), channel-major order."""
    n, c = mask.shape
    padded = np.zeros((c, n + 2), dtype=np.int8)
    padded[:, 1:-1] = mask.T
    change = np.diff(padded, axis=1)
    ch_on, start = np.nonzero(change == 1)
    ch_off, stop = np.nonzero(change == -1)
    return ch_on, start, stop


def _clean_runs(
    ch: np.ndarray, start: np.ndarray, stop: np.ndarray, min_on_n: int, min_off_n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bridge gaps shorter than ``min_off_n`` within a channel, then drop runs shorter than ``min_on_n``."""
    if ch.size and min_off_n > 0:
        new_group = np.ones(ch.size, dtype=bool)
        new_group[1:] = (ch[1:] != ch[:-1]) | (start[1:] - stop[:-1] >= min_off_n)
        last_of_group = np.r_[new_group[1:], True]
        ch, start, stop = ch[new_group], start[new_group], stop[last_of_group]
    keep = (stop - start) >= max(min_on_n, 1)
    return ch[keep], start[keep], stop[keep]


def detect_onsets(
    x: Any,
    fs_hz: float,
    *,
    method: str = "threshold",
    k_sd: float = 3.0,
    baseline_s: tuple[float, float] | None = None,
    baseline_window_s: float = 0.5,
    threshold: float | Sequence[float] | None = None,
    peak_fraction: float | None = None,
    min_on_s: float = 0.025,
    min_off_s: float = 0.025,
    tkeo_lowpass_hz: float = 50.0,
    window_s: float = 0.010,
    min_fraction: float = 0.5,
    channel_names: list[str] | None = None,
) -> OnsetResult:
    """Muscle activity bursts per channel, vectorised via run-lengths of boolean masks.

    Methods (all on ``x``, a ``(n_samples, n_channels)`` array):

    * ``"threshold"`` (Hodges & Bui 1996): ``x`` is an envelope; active where ``x > mean + k_sd * SD`` of
      the rest baseline.
    * ``"tkeo"`` (Solnik et al. 2010): ``x`` is the *band-passed* EMG; the detection signal is
      :func:`tkeo_envelope` (low-pass ``tkeo_lowpass_hz``) and the same baseline rule applies to it.
    * ``"double_threshold"`` (after Bonato et al. 1998): ``x`` is an envelope; a sample is active when
      at least ``min_fraction`` of the ``window_s`` samples centred on it exceed the first threshold.

    ``threshold`` (absolute, per channel or scalar) overrides the baseline rule; ``peak_fraction`` sets it
    to that fraction of each channel's maximum detection signal instead (the relative rule of
    biosignalsnotebooks ``detect_emg_activations``, 10 % there). Afterwards gaps shorter
    than ``min_off_s`` are bridged and bursts shorter than ``min_on_s`` dropped.
    """
    fs = _check_fs(fs_hz)
    arr, _ = _as_2d(x)
    if method not in _ONSET_METHODS:
        raise AnalysisError(f"unknown onset method {method!r}; use one of {list(_ONSET_METHODS)}")
    detection = tkeo_envelope(arr, fs, tkeo_lowpass_hz) if method == "tkeo" else arr
    params: dict[str, Any] = {"min_on_s": min_on_s, "min_off_s": min_off_s}
    if threshold is not None and peak_fraction is not None:
        raise AnalysisError("give either an absolute threshold or a peak_fraction, not both")
    if peak_fraction is not None:
        if not 0 < peak_fraction < 1:
            raise AnalysisError(f"peak_fraction must be in (0, 1), got {peak_fraction}")
        thresholds = peak_fraction * detection.max(axis=0)
        params["peak_fraction"] = peak_fraction
        rule = f"{peak_fraction * 100:g}%peak"
    elif threshold is None:
        mean, sd, base_start = baseline_stats(detection, fs, baseline_s, baseline_window_s)
        thresholds = mean + k_sd * sd
        params.update(
            k_sd=k_sd,
            baseline_s=list(baseline_s) if baseline_s else None,
            baseline_window_s=None if baseline_s else baseline_window_s,
            baseline_start_s=(base_start / fs).tolist(),
        )
        rule = f"baseline+{k_sd:g}SD"
    else:
        thresholds = np.broadcast_to(np.asarray(threshold, dtype=float), (arr.shape[1],)).copy()
        params["threshold"] = thresholds.tolist()
        rule = "absolute"
    mask = detection > thresholds
    if method == "double_threshold":
        m = _n_samples(window_s, fs)
        total, count = _moving_sum(mask.astype(np.float64), m)
        mask = total >= np.ceil(min_fraction * m - 1e-9)
        params.update(window_s=window_s, window_n=m, min_fraction=min_fraction)
        rule += f",{min_fraction:g}of{m}"
    if method == "tkeo":
        params["tkeo_lowpass_hz"] = tkeo_lowpass_hz
    ch, start, stop = _clean_runs(*_runs(mask), _n_samples(min_on_s, fs, 0), _n_samples(min_off_s, fs, 0))
    bounds = np.searchsorted(ch, np.arange(arr.shape[1] + 1))
    onsets = [start[bounds[c] : bounds[c + 1]] for c in range(arr.shape[1])]
    offsets = [stop[bounds[c] : bounds[c + 1]] for c in range(arr.shape[1])]
    stamp = f"{method}:{rule},on{min_on_s * 1000:g}ms,off{min_off_s * 1000:g}ms"
    return OnsetResult(onsets, offsets, thresholds, fs, stamp, params, channel_names)
