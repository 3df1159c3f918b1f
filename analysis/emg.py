"""EMG signal chain and features: raw EMG (V) -> envelopes, %MVC, onsets, cycles, spectra, quality.

Every step is a plain function on ``(n_samples, n_channels)`` arrays (time on axis 0) with the sampling
rate passed explicitly as ``fs_hz``; nothing assumes 1 kHz. Steps are vectorised over channels (scipy
second-order-section filters along axis 0, run-lengths of boolean masks for onsets, strided windows for
features), so a minute of 8-channel 2 kHz EMG takes tens of milliseconds.

Conventions
-----------
* Inputs of any real dtype (float32 included) are promoted to **float64**; every array returned is float64.
* Zero-phase filters run forward and backward (``sosfiltfilt``), which squares the magnitude response.
  By default the cut-offs are corrected (Robertson & Dowling 2003; Winter 2009, §3.4.4) so that the
  *two-pass* response is -3 dB (|H|^2 = 0.5) at the stated cut-off frequencies, i.e. the numbers in the
  settings are the -3 dB points of the filter actually applied. With ``zero_phase_correction=False`` the
  single-pass design is used and the applied filter is -6 dB at the stated cut-offs.
* ``order`` is the Butterworth prototype order as in ``scipy.signal.butter`` (a "4th-order" band-pass has
  4 poles per edge, 8 in all, applied twice).
* Amplitudes are in the input's unit (V in a :class:`~analysis.recording.Recording`); %MVC is on a 0-100 scale.

Public entry points: :func:`process` (a Recording -> :class:`EMGResult`), :func:`mvc_reference`,
:func:`trial_features` (tidy rows, one per muscle x phase) and :class:`EMGSettings`; the single steps are
public too so notebooks can show each one.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal as sps

from analysis.errors import AnalysisError, StudyError
from analysis.recording import Recording
from analysis.settings import checked_settings

__all__ = [
    "EMGSettings",
    "EMGResult",
    "EMGWarning",
    "OnsetResult",
    "MVCReference",
    "WelchResult",
    "FEATURE_NAMES",
    "EMG_FEATURE_COLUMNS",
    "TRIAL_KEY_COLUMNS",
    "QUALITY_FLAGS",
    "remove_dc_offset",
    "butter_sos",
    "bandpass",
    "lowpass",
    "powerline_filter",
    "rectify",
    "linear_envelope",
    "moving_average",
    "moving_rms",
    "teager_kaiser",
    "tkeo_envelope",
    "baseline_stats",
    "detect_onsets",
    "mvc_reference",
    "normalise_to_mvc",
    "time_normalise",
    "cycle_normalise",
    "integrated_emg",
    "windowed_features",
    "welch_frequencies",
    "quality_flags",
    "process",
    "trial_features",
]

#: Windowed features computed by :func:`windowed_features` (Hudgins 1993; Phinyomark et al. 2012).
FEATURE_NAMES = ("rms", "mav", "wl", "zc", "ssc", "var", "mnf", "mdf")
#: Flags :func:`quality_flags` can raise for a channel.
QUALITY_FLAGS = ("clipping", "flat", "powerline", "low_snr")
#: Key columns copied from the trial (docs/architecture.md, tidy feature tables).
TRIAL_KEY_COLUMNS = (
    "subject_id",
    "session",
    "trial_id",
    "exercise",
    "load_phase",
    "load_kg",
    "load_lb",
    "load_pct_bw",
    "body_mass_kg",
    "group",
)
EMG_FEATURE_COLUMNS = TRIAL_KEY_COLUMNS + (
    "muscle",
    "phase",
    "mean_pct_mvc",
    "peak_pct_mvc",
    "iemg_pct_mvc_s",
    "mean_envelope_mv",
    "mdf_hz",
    "mnf_hz",
    "n_cycles",
    "duration_s",
    "quality_flags",
    "mvc_reference_mv",
    "settings",
)
_LB_PER_KG = 2.2046226218487757
_ONSET_METHODS = ("threshold", "tkeo", "double_threshold")


class EMGWarning(UserWarning):
    """Something in the EMG chain the user should know about (capped cut-off, > 100 % MVC, ...)."""


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EMGSettings:
    """Every parameter of the EMG chain, with its documented default and source.

    Build from a study.yaml ``processing.emg`` mapping with :meth:`from_dict` (unknown keys are rejected);
    :meth:`to_dict` / :meth:`to_json` give the record stored with every result.
    """

    remove_dc: bool = True  # subtract the channel mean first (pyemgpipeline DCOffsetRemover; ISEK)
    bandpass_hz: tuple[float, float] = (20.0, 450.0)  # De Luca et al. 2010 (J Biomech 43:1573); SENIAM 10-20 to ~500
    bandpass_order: int = 4  # 4th-order Butterworth (De Luca et al. 2010; pyemgpipeline)
    zero_phase_correction: bool = (
        True  # two-pass filter -3 dB at the stated cut-offs (Robertson & Dowling 2003; Winter 2009)
    )
    notch_hz: float | None = (
        None  # off: a notch removes real EMG power (De Luca 2010; Frontiers 2020 tutorial, PMC7594523)
    )
    notch_harmonics: int = 1  # 1 = fundamental only; n = fundamental + (n-1) harmonics below the band-pass top (comb)
    notch_quality: float = 30.0  # Q = f0 / bandwidth: 1.7 Hz wide at 50 Hz (scipy.signal.iirnotch convention)
    envelope_lowpass_hz: float = 6.0  # linear envelope for gait (Winter 2009); pyemgpipeline default 6 Hz
    envelope_order: int = 4  # 4th-order Butterworth, zero-phase (Winter 2009)
    rms_window_ms: float = 100.0  # moving RMS window; ISEK: report it, 50-250 ms usual (Merletti 1999)
    mvc_window_ms: float = 500.0  # MVC = peak of a 500 ms moving average (CEDE, Besomi et al. 2020)
    onset_method: str | None = (
        "threshold"  # baseline mean + k SD (Hodges & Bui 1996); or tkeo / double_threshold / None
    )
    onset_k_sd: float = 3.0  # k = 3 SD above the rest baseline (Hodges & Bui 1996)
    onset_peak_fraction: float | None = (
        None  # instead of k SD: fraction of the channel's peak (biosignalsnotebooks: 0.1)
    )
    onset_baseline_s: tuple[float, float] | None = (
        None  # rest window (s); None = quietest window of the trial [assumption]
    )
    onset_baseline_window_s: float = 0.5  # length of the automatic quietest window [assumption]
    onset_min_on_s: float = 0.025  # minimum burst duration, 25 ms (Hodges & Bui 1996)
    onset_min_off_s: float = 0.025  # gaps shorter than this are bridged (Hodges & Bui 1996 style persistence)
    onset_lowpass_hz: float = (
        50.0  # onset detection envelope / TKEO low-pass at 50 Hz (Hodges & Bui 1996; Solnik et al. 2010)
    )
    double_threshold_window_s: float = 0.010  # m: samples tested together (Bonato et al. 1998, m ~ 10 ms)
    double_threshold_min_fraction: float = 0.5  # r0/m: share of the m samples above the first threshold (Bonato 1998)
    n_points: int = 101  # cycles resampled to 0..100 % (spm1d convention)
    welch_segment_s: float = 0.25  # Welch segment length; ISEK: report window type/length/overlap
    welch_overlap: float = 0.5  # 50 % overlap, Hann window (Welch 1967 default practice)
    clip_fraction: float = (
        0.0001  # flag clipping when >= 0.01 % (and >= 5) samples sit at the channel's extremes [assumption]
    )
    flat_ptp_v: float = (
        1e-6  # flag a flat channel below 1 uV peak-to-peak, under any sEMG amplifier's noise [assumption]
    )
    powerline_ratio_db: float = 10.0  # flag mains when its PSD peak is 10 dB over the neighbouring band [assumption]
    low_snr_db: float = 6.0  # flag when envelope 95th/5th percentile < 6 dB (no visible activation) [assumption]

    def __post_init__(self) -> None:
        # normalise sequences from YAML lists into tuples (frozen: use object.__setattr__)
        for name in ("bandpass_hz", "onset_baseline_s"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(float(v) for v in value))
        problems = self._problems()
        if problems:
            raise AnalysisError("EMG settings: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        p: list[str] = []
        if len(self.bandpass_hz) != 2 or not 0 < self.bandpass_hz[0] < self.bandpass_hz[1]:
            p.append(f"bandpass_hz must be [low, high] with 0 < low < high, got {list(self.bandpass_hz)}")
        for name in ("bandpass_order", "envelope_order", "notch_harmonics", "n_points"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                p.append(f"{name} must be a positive integer, got {value!r}")
        if self.n_points < 2:
            p.append(f"n_points must be >= 2, got {self.n_points}")
        for name in (
            "envelope_lowpass_hz",
            "rms_window_ms",
            "mvc_window_ms",
            "notch_quality",
            "onset_baseline_window_s",
            "onset_lowpass_hz",
            "double_threshold_window_s",
            "welch_segment_s",
            "flat_ptp_v",
        ):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                p.append(f"{name} must be a positive number, got {value!r}")
        for name in ("onset_min_on_s", "onset_min_off_s", "onset_k_sd", "clip_fraction"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value >= 0):
                p.append(f"{name} must be >= 0, got {value!r}")
        if self.notch_hz is not None and not self.notch_hz > 0:
            p.append(f"notch_hz must be positive (50 or 60) or null, got {self.notch_hz!r}")
        if self.onset_method is not None and self.onset_method not in _ONSET_METHODS:
            p.append(f"onset_method must be one of {list(_ONSET_METHODS)} or null, got {self.onset_method!r}")
        if self.onset_baseline_s is not None and (
            len(self.onset_baseline_s) != 2 or not 0 <= self.onset_baseline_s[0] < self.onset_baseline_s[1]
        ):
            p.append(f"onset_baseline_s must be [start_s, end_s] with start < end, got {self.onset_baseline_s}")
        if not 0 <= self.welch_overlap < 1:
            p.append(f"welch_overlap must be in [0, 1), got {self.welch_overlap}")
        if self.onset_peak_fraction is not None and not 0 < self.onset_peak_fraction < 1:
            p.append(f"onset_peak_fraction must be in (0, 1) or null, got {self.onset_peak_fraction!r}")
        if not 0 < self.double_threshold_min_fraction <= 1:
            p.append(f"double_threshold_min_fraction must be in (0, 1], got {self.double_threshold_min_fraction}")
        return p

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None, *, where: str = "study.yaml processing.emg") -> EMGSettings:
        """Settings from a mapping (study.yaml ``processing.emg``); unknown keys raise :class:`StudyError`."""
        values = checked_settings(cls, values, where, error=StudyError)
        try:
            return cls(**values)
        except (AnalysisError, TypeError, ValueError) as exc:
            raise StudyError(f"{where}: {exc}", problems=[str(exc)]) from None

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    def to_json(self) -> str:
        """Compact, key-sorted JSON: the ``settings`` column of the feature table."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------
# Array helpers
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Onsets
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# Windowed and spectral features
# ---------------------------------------------------------------------------------------------
def _spectral_mnf_mdf(freqs: np.ndarray, power: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Mean frequency sum(f P)/sum(P) and median frequency (first f where cumulative power >= half)."""
    power = np.moveaxis(power, axis, -1)
    total = power.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mnf = (power * freqs).sum(axis=-1) / total
    cumulative = np.cumsum(power, axis=-1)
    idx = np.argmax(cumulative >= 0.5 * total[..., None], axis=-1)
    mdf = np.where(total > 0, freqs[idx], np.nan)
    mnf = np.where(total > 0, mnf, np.nan)
    return mnf, mdf


def windowed_features(
    x: Any,
    fs_hz: float,
    window_n: int,
    step_n: int,
    features: Sequence[str] = FEATURE_NAMES,
    *,
    zc_threshold: float = 0.0,
    ssc_threshold: float = 0.0,
) -> dict[str, np.ndarray]:
    """Classic EMG features in sliding windows (Hudgins et al. 1993; Phinyomark et al. 2012).

    Windows start at 0, ``step_n``, ... and hold ``window_n`` samples (only whole windows). Returns
    ``{name: (n_windows, n_channels)}`` plus ``"time_s"`` (window centres). Definitions per window x_1..x_N:
    RMS = sqrt(mean x^2); MAV = mean |x|; WL = sum |x_{i+1} - x_i|; ZC = #{x_i x_{i+1} < 0 and
    |x_i - x_{i+1}| >= zc_threshold}; SSC = #{(x_i - x_{i-1})(x_i - x_{i+1}) > ssc_threshold};
    VAR = sample variance (ddof 1); MNF / MDF from the Hann-windowed periodogram of the window.
    """
    fs = _check_fs(fs_hz)
    arr, _ = _as_2d(x)
    window_n, step_n = int(window_n), int(step_n)
    unknown = sorted(set(features) - set(FEATURE_NAMES))
    if unknown:
        raise AnalysisError(f"unknown EMG feature(s) {unknown}; available: {list(FEATURE_NAMES)}")
    if window_n < 2 or step_n < 1:
        raise AnalysisError(f"window must be >= 2 samples and step >= 1, got {window_n} and {step_n}")
    if arr.shape[0] < window_n:
        raise AnalysisError(f"signal of {arr.shape[0]} samples is shorter than one {window_n}-sample window")
    win = sliding_window_view(arr, window_n, axis=0)[::step_n]  # (n_windows, n_channels, window_n), a view
    out: dict[str, np.ndarray] = {}
    n_windows = win.shape[0]
    out["time_s"] = (np.arange(n_windows) * step_n + (window_n - 1) / 2.0) / fs
    if "rms" in features:
        out["rms"] = np.sqrt(np.einsum("wcn,wcn->wc", win, win) / window_n)
    if "mav" in features:
        out["mav"] = np.abs(win).mean(axis=-1)
    if "var" in features:
        out["var"] = win.var(axis=-1, ddof=1)
    if {"wl", "zc", "ssc"} & set(features):
        d = np.diff(win, axis=-1)
        if "wl" in features:
            out["wl"] = np.abs(d).sum(axis=-1)
        if "zc" in features:
            crossing = (win[..., :-1] * win[..., 1:] < 0) & (np.abs(d) >= zc_threshold)
            out["zc"] = crossing.sum(axis=-1).astype(np.float64)
        if "ssc" in features:
            out["ssc"] = ((-d[..., :-1] * d[..., 1:]) > ssc_threshold).sum(axis=-1).astype(np.float64)
    if {"mnf", "mdf"} & set(features):
        taper = sps.get_window("hann", window_n)
        power = np.abs(np.fft.rfft(win * taper, axis=-1)) ** 2
        freqs = np.fft.rfftfreq(window_n, 1.0 / fs)
        mnf, mdf = _spectral_mnf_mdf(freqs, power)
        if "mnf" in features:
            out["mnf"] = mnf
        if "mdf" in features:
            out["mdf"] = mdf
    return out


@dataclass
class WelchResult:
    """Welch PSD summary per channel (powers in unit^2; PSD in unit^2/Hz)."""

    freqs_hz: np.ndarray
    psd: np.ndarray  # (n_freqs, n_channels)
    mnf_hz: np.ndarray
    mdf_hz: np.ndarray
    peak_hz: np.ndarray
    total_power: np.ndarray  # trapezoid integral of the PSD
    parameters: dict[str, Any]


def welch_frequencies(
    x: Any,
    fs_hz: float,
    *,
    nperseg: int | None = None,
    noverlap: int | None = None,
    window: str = "hann",
    band_hz: Sequence[float] | None = None,
) -> WelchResult:
    """Welch PSD (density, mean-detrended segments) with mean, median and peak frequency per channel.

    ``nperseg`` defaults to 0.25 s of samples, ``noverlap`` to half of it. MDF is the first frequency
    at which the cumulative power reaches half the total; ``band_hz`` restricts MNF/MDF/peak/total to a band.
    """
    fs = _check_fs(fs_hz)
    arr, _ = _as_2d(x)
    nperseg = int(nperseg or _n_samples(0.25, fs, 2))
    nperseg = min(nperseg, arr.shape[0])
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    freqs, psd = sps.welch(
        arr, fs=fs, window=window, nperseg=nperseg, noverlap=noverlap, axis=0, detrend="constant", scaling="density"
    )
    sel = slice(None)
    if band_hz is not None:
        sel = (freqs >= band_hz[0]) & (freqs <= band_hz[1])
    f_sel, p_sel = freqs[sel], psd[sel]
    mnf, mdf = _spectral_mnf_mdf(f_sel, p_sel, axis=0)
    peak = f_sel[np.argmax(p_sel, axis=0)]
    total = np.trapezoid(p_sel, f_sel, axis=0)
    params = {
        "nperseg": nperseg,
        "noverlap": noverlap,
        "window": window,
        "fs_hz": fs,
        "band_hz": list(band_hz) if band_hz is not None else None,
    }
    return WelchResult(freqs, psd, mnf, mdf, peak, total, params)


# ---------------------------------------------------------------------------------------------
# Quality
# ---------------------------------------------------------------------------------------------
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


def _welch_bins(
    arr: np.ndarray, fs: float, nperseg: int, band_hz: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.welch(arr, fs, nperseg=nperseg, noverlap=0, axis=0)`` restricted to the bins in ``band_hz``.

    Written here because scipy has no Welch at selected frequencies: the full-spectrum call spent ~20 % of
    :func:`process` on FFT bins (0-1000 Hz) the mains test never reads. Each wanted bin is one row of a
    windowed DFT matrix, applied to every segment and channel in one batched matrix product. Same numbers
    as scipy's welch at those bins (tests compare them to 1e-10): the mean (constant) detrend is left out
    because a periodic Hann window's DFT is zero beyond bin 1, so removing the mean cannot change bins >= 2.
    """
    n, c = arr.shape
    k, basis, scale = _welch_basis(float(fs), int(nperseg), (float(band_hz[0]), float(band_hz[1])))
    n_seg = n // nperseg
    segments = arr[: n_seg * nperseg].reshape(n_seg, nperseg, c)
    parts = basis @ segments  # (n_seg, 2 m, c)
    m = len(k)
    power = (parts[:, :m] ** 2 + parts[:, m:] ** 2).mean(axis=0)
    return k * (fs / nperseg), power * scale


@functools.lru_cache(maxsize=16)
def _welch_basis(fs: float, nperseg: int, band_hz: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, float]:
    """Bins, windowed DFT rows (cos then sin, read-only) and one-sided density scale for :func:`_welch_bins`."""
    df = fs / nperseg
    k = np.arange(max(2, int(np.ceil(band_hz[0] / df))), int(np.floor(band_hz[1] / df)) + 1)
    k = k[k < nperseg // 2]  # below Nyquist: every bin is doubled in the one-sided density
    window = sps.get_window("hann", nperseg)
    phase = 2 * np.pi * np.outer(k, np.arange(nperseg)) / nperseg
    basis = np.concatenate([np.cos(phase), np.sin(phase)]) * window  # (2 m, nperseg): real and imaginary parts
    basis.setflags(write=False)
    k.setflags(write=False)
    return k, basis, 2.0 / (fs * float(np.sum(window * window)))


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


# ---------------------------------------------------------------------------------------------
# The chain on a Recording
# ---------------------------------------------------------------------------------------------
@dataclass
class EMGResult:
    """Output of :func:`process`: envelopes (V), band-passed EMG (V), flags, onsets and the settings used."""

    envelope: np.ndarray  # (n_samples, n_channels) linear envelope, V, float64
    filtered: np.ndarray | None  # (n_samples, n_channels) band-passed (and notched) EMG, V
    channel_names: list[str]
    fs_hz: float
    quality_flags: dict[str, list[str]]
    settings: EMGSettings
    onsets: OnsetResult | None = None
    source: str | None = None
    unit: str = "V"
    method: str = ""

    @property
    def n_samples(self) -> int:
        return int(self.envelope.shape[0])

    @property
    def time_s(self) -> np.ndarray:
        return np.arange(self.n_samples) / self.fs_hz

    def envelope_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.envelope, columns=self.channel_names, index=pd.Index(self.time_s, name="time_s"))

    def channel(self, name: str) -> int:
        try:
            return self.channel_names.index(name)
        except ValueError:
            raise AnalysisError(
                f"{self.source or 'EMG result'}: no EMG channel {name!r}; channels are {self.channel_names}"
            ) from None


_TO_VOLT = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "µV": 1e-6}
#: records up to 2^16 channel-samples (0.5 MiB in float64, e.g. 6 channels x 5 s at 2 kHz) are filtered in one
#: block: call overhead dominates there and the memory is negligible [assumption]
_ONE_BLOCK_CHANNEL_SAMPLES = 2**16


@functools.lru_cache(maxsize=32)
def _chain_bandpass_design(
    order: int,
    band: tuple[float, float],
    fs: float,
    zero_phase_correction: bool,
    notch_hz: float | None,
    notch_harmonics: int,
    notch_quality: float,
):
    """Cached band-pass design of :func:`process`, with the optional notch/comb sections in front."""
    sos, _, _ = _design(int(order), tuple(float(b) for b in band), fs, "bandpass", bool(zero_phase_correction))
    if notch_hz:
        freqs = [notch_hz * k for k in range(1, notch_harmonics + 1) if notch_hz * k < min(band[1] * 1.1, fs / 2)]
        if freqs:
            notch = np.vstack([sps.tf2sos(*sps.iirnotch(f, notch_quality, fs=fs)) for f in freqs])
            return _frozen_filter(np.vstack([notch, sos]))
    return _design(int(order), tuple(float(b) for b in band), fs, "bandpass", bool(zero_phase_correction))


def _chain_stamp(settings: EMGSettings, fs: float, band: tuple[float, float]) -> str:
    parts = []
    if settings.remove_dc:
        parts.append("dc")
    if settings.notch_hz:
        parts.append(f"notch{settings.notch_hz:g}x{settings.notch_harmonics}Q{settings.notch_quality:g}")
    corr = "zp3dB" if settings.zero_phase_correction else "zp6dB"
    parts.append(f"bp{band[0]:g}-{band[1]:g}Hz-o{settings.bandpass_order}-{corr}")
    parts.append(f"rect-lp{settings.envelope_lowpass_hz:g}Hz-o{settings.envelope_order}")
    return f"emg@{fs:g}Hz:" + ">".join(parts)


def _detect_chain_onsets(x: np.ndarray, fs: float, settings: EMGSettings, names: list[str]) -> OnsetResult:
    """:func:`detect_onsets` with the chain's settings on one block of channels."""
    return detect_onsets(
        x,
        fs,
        method=settings.onset_method,
        k_sd=settings.onset_k_sd,
        baseline_s=settings.onset_baseline_s,
        baseline_window_s=settings.onset_baseline_window_s,
        peak_fraction=settings.onset_peak_fraction,
        min_on_s=settings.onset_min_on_s,
        min_off_s=settings.onset_min_off_s,
        tkeo_lowpass_hz=settings.onset_lowpass_hz,
        window_s=settings.double_threshold_window_s,
        min_fraction=settings.double_threshold_min_fraction,
        channel_names=names,
    )


def _merge_onsets(parts: list[OnsetResult], names: list[str]) -> OnsetResult:
    """One :class:`OnsetResult` from per-block results (channels are independent; per-channel lists join)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    params = dict(first.parameters)
    if "baseline_start_s" in params:
        params["baseline_start_s"] = [s for part in parts for s in part.parameters["baseline_start_s"]]
    return OnsetResult(
        [a for part in parts for a in part.onsets],
        [a for part in parts for a in part.offsets],
        np.concatenate([part.thresholds for part in parts]),
        first.fs_hz,
        first.method,
        params,
        list(names),
    )


def process(
    recording: Recording, settings: EMGSettings | None = None, *, keep_filtered: bool = True, with_onsets: bool = True
) -> EMGResult:
    """Run the EMG chain on the ``emg`` channels of a recording.

    DC removal -> optional notch/comb -> band-pass -> full-wave rectification -> linear envelope; then
    quality flags and (if ``settings.onset_method``) onsets, detected on a ``onset_lowpass_hz`` envelope
    (or its TKEO variant) of the band-passed EMG, not on the smoother 6 Hz envelope. Channels in mV/uV are converted to V.
    Filtering, quality statistics and onset detection run in blocks of channels, in channel-major buffers,
    so temporary memory stays small (channels are independent; results are the same as on the whole array).
    ``with_onsets=False`` skips onset detection (``onsets`` is then None) when only amplitudes/spectra are
    wanted, e.g. feature tables; ``keep_filtered=False`` does not return the band-passed EMG (``filtered`` is
    then None; onsets are still detected), e.g. for MVC trials where only the envelope peak is used.
    """
    settings = settings or EMGSettings()
    where = str(recording.source) if recording.source else "<memory>"
    idx = [i for i, kind in enumerate(recording.channel_kinds) if kind == "emg"]
    if not idx:
        raise AnalysisError(f"{where}: no EMG channels (channel kinds: {sorted(set(recording.channel_kinds))})")
    fs = _check_fs(recording.sampling_rate_hz)
    names = [recording.channel_names[i] for i in idx]
    scales = []
    for i in idx:
        unit = recording.units[i]
        if unit not in _TO_VOLT:
            raise AnalysisError(
                f"{where}: EMG channel {recording.channel_names[i]!r} has unit {unit!r}; expected V (or mV/uV)"
            )
        scales.append(_TO_VOLT[unit])
    n = recording.n_samples
    if n < 3 * 2 * (settings.bandpass_order * 2) + 1:
        raise AnalysisError(f"{where}: only {n} samples, too short to filter; need a longer EMG recording")
    band = _cap_band(settings.bandpass_hz, fs)
    design_bp = _chain_bandpass_design(
        settings.bandpass_order,
        band,
        fs,
        settings.zero_phase_correction,
        settings.notch_hz or None,
        settings.notch_harmonics,
        settings.notch_quality,
    )
    design_env = _design(
        int(settings.envelope_order),
        (float(settings.envelope_lowpass_hz),),
        fs,
        "lowpass",
        bool(settings.zero_phase_correction),
    )
    design_onset = None
    if with_onsets and settings.onset_method in ("threshold", "double_threshold"):
        # a faster envelope than the 6 Hz one: a 6 Hz zero-phase envelope rises ~0.1 s before the burst
        design_onset = _design(
            int(settings.envelope_order),
            (float(settings.onset_lowpass_hz),),
            fs,
            "lowpass",
            bool(settings.zero_phase_correction),
        )
    c = len(idx)
    samples = recording.samples
    contiguous_idx = idx == list(range(idx[0], idx[0] + c))
    unscaled = samples.dtype == np.float64 and all(s == 1.0 for s in scales)
    # mains test first, on the raw EMG in V (a view when possible), before the output arrays exist: Welch's
    # temporaries (~2 x its input) and the outputs (2 x) then never coexist
    raw_v = samples[:, idx[0] : idx[-1] + 1] if contiguous_idx else samples[:, idx]
    if any(s != 1.0 for s in scales):
        raw_v = raw_v * np.asarray(scales)
    powerline = _powerline_hits(np.asarray(raw_v, dtype=np.float64), fs, settings)
    del raw_v
    envelope = np.empty((n, c))
    filtered = np.empty((n, c)) if keep_filtered else None
    hi, lo, at_rail = np.empty(c), np.empty(c), np.empty(c, dtype=np.intp)
    block_onsets: list[OnsetResult] = []
    # channels per block: a short trial runs in one block (few calls); a longer record in blocks of a quarter
    # of its channels, so the temporaries (~3 block-sized arrays) stay within the input's size
    block = c if n * c <= _ONE_BLOCK_CHANNEL_SAMPLES else max(1, c // 4)
    edge_bp = design_bp[2]
    for b0 in range(0, c, block):
        cols = idx[b0 : b0 + block]
        k = slice(b0, b0 + len(cols))
        chunk = samples[:, cols[0] : cols[-1] + 1] if contiguous_idx else samples[:, cols]
        # channel-major work buffer with room for the filter's odd extension: raw (V) -> rail counts -> minus DC
        ext = np.empty((len(cols), n + 2 * edge_bp))
        raw_rows = ext[:, edge_bp : edge_bp + n]
        if unscaled:
            raw_rows[...] = chunk.T
        else:
            np.multiply(chunk.T, np.asarray(scales[k])[:, None], out=raw_rows)
        hi[k], lo[k], at_rail[k] = _rail_counts(raw_rows)
        if settings.remove_dc:
            # the mean over time of the (n, channels) block, summed in the same order as before (same bits)
            dc = chunk.mean(axis=0) if unscaled else (np.asarray(chunk, dtype=np.float64) * scales[k]).mean(axis=0)
            raw_rows -= dc[:, None]
        del chunk, raw_rows
        _odd_pad_rows(ext, edge_bp)
        bp = _filtfilt_rows(design_bp, ext, extended=True)
        del ext
        if filtered is not None:
            filtered[:, k] = bp.T
        if with_onsets and settings.onset_method == "tkeo":  # detect_onsets builds the TKEO envelope itself
            block_onsets.append(_detect_chain_onsets(bp.T, fs, settings, names[k]))
        np.abs(bp, out=bp)
        np.maximum(_filtfilt_rows(design_env, bp), 0.0, out=envelope[:, k].T)
        if design_onset is not None:
            det = _filtfilt_rows(design_onset, bp)
            del bp
            np.maximum(det, 0.0, out=det)
            block_onsets.append(_detect_chain_onsets(det.T, fs, settings, names[k]))
            del det
    flags = _assemble_flags(names, n, fs, hi, lo, at_rail, powerline, envelope, settings)
    onsets = _merge_onsets(block_onsets, names) if block_onsets else None
    return EMGResult(
        envelope,
        filtered,
        names,
        fs,
        flags,
        settings,
        onsets,
        source=str(recording.source) if recording.source else None,
        method=_chain_stamp(settings, fs, band),
    )


# ---------------------------------------------------------------------------------------------
# Tidy features per trial
# ---------------------------------------------------------------------------------------------
def _trial_keys(trial_info: Mapping[str, Any]) -> dict[str, Any]:
    keys = {k: trial_info.get(k, np.nan) for k in TRIAL_KEY_COLUMNS}
    load_kg, mass = keys["load_kg"], keys["body_mass_kg"]
    numeric = lambda v: isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v)  # noqa: E731
    if numeric(load_kg):
        if not numeric(keys["load_lb"]):
            keys["load_lb"] = float(load_kg) * _LB_PER_KG
        if not numeric(keys["load_pct_bw"]) and numeric(mass) and mass > 0:
            keys["load_pct_bw"] = 100.0 * float(load_kg) / float(mass)
    return keys


def _window_indices(windows: Sequence[tuple[float, float]], fs: float, n: int, label: str) -> list[tuple[int, int]]:
    out = []
    for start_s, end_s in windows:
        i0, i1 = int(round(start_s * fs)), int(round(end_s * fs))
        if not 0 <= i0 < i1 <= n:
            raise AnalysisError(
                f"phase {label!r}: window {start_s:g}-{end_s:g} s is empty or outside the record (0-{n / fs:g} s)"
            )
        out.append((i0, i1))
    return out


def trial_features(
    result: EMGResult,
    mvc_refs: MVCReference | Mapping[str, float] | None,
    trial_info: Mapping[str, Any],
    channel_map: Mapping[str, str],
    phases: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> pd.DataFrame:
    """Tidy EMG features, one row per muscle x phase (columns: ``EMG_FEATURE_COLUMNS``).

    ``phase='whole'`` covers the whole record; each entry of ``phases`` (name -> list of (start_s, end_s)
    windows, e.g. one per repetition or gait cycle) adds a row aggregating its windows: mean and peak of
    the %MVC envelope over all window samples, iEMG as %MVC·s per window (mean over windows), Welch
    MDF/MNF of the band-passed EMG (PSDs averaged over windows), ``n_cycles`` = number of windows,
    ``duration_s`` = total time the windows cover (e.g. time under load in a set).
    A muscle without an MVC reference gets NaN %MVC values and the flag ``no_mvc_reference``.
    """
    keys = _trial_keys(trial_info)
    fs, n = result.fs_hz, result.n_samples
    missing = [ch for ch in channel_map if ch not in result.channel_names]
    if missing:
        raise AnalysisError(
            f"{result.source or 'EMG result'}: channel(s) {missing} from the channel map are not in the recording; "
            f"EMG channels are {result.channel_names}"
        )
    refs = mvc_refs.values if isinstance(mvc_refs, MVCReference) else dict(mvc_refs or {})
    settings_record = {"emg": result.settings.to_dict(), "chain": result.method}
    if isinstance(mvc_refs, MVCReference):
        settings_record["mvc"] = mvc_refs.describe()
    settings_json = json.dumps(settings_record, sort_keys=True, separators=(",", ":"))
    phase_windows: dict[str, list[tuple[int, int]]] = {"whole": [(0, n)]}
    for name, windows in (phases or {}).items():
        if name == "whole":
            raise AnalysisError("phase name 'whole' is reserved for the whole record; rename the phase")
        phase_windows[name] = _window_indices(windows, fs, n, name)
    seg_target = _n_samples(result.settings.welch_segment_s, fs, 2)
    columns = [result.channel_names.index(channel) for channel in channel_map]
    # Welch MNF/MDF per phase for all mapped channels at once: one welch call per window, not per channel
    spectra: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if result.filtered is not None and columns:
        for phase, windows in phase_windows.items():
            nperseg = min(seg_target, min(i1 - i0 for i0, i1 in windows))
            if nperseg >= 8:
                psds = []
                for i0, i1 in windows:
                    freqs, psd = sps.welch(
                        result.filtered[i0:i1][:, columns],
                        fs=fs,
                        nperseg=nperseg,
                        noverlap=int(nperseg * result.settings.welch_overlap),
                        axis=0,
                    )
                    psds.append(psd)
                spectra[phase] = _spectral_mnf_mdf(freqs, np.mean(psds, axis=0), axis=0)
    rows = []
    for k, (channel, muscle) in enumerate(channel_map.items()):
        c = columns[k]
        env = result.envelope[:, c]
        ref = refs.get(muscle)
        flags = list(result.quality_flags.get(channel, []))
        if ref is None or not (np.isfinite(ref) and ref > 0):
            ref = np.nan
            flags.append("no_mvc_reference")
        for phase, windows in phase_windows.items():
            values = (
                np.concatenate([env[i0:i1] for i0, i1 in windows])
                if len(windows) > 1
                else env[windows[0][0] : windows[0][1]]
            )
            pct = values * (100.0 / ref)
            iemg = np.mean([env[i0:i1].sum() / fs for i0, i1 in windows]) * (100.0 / ref)
            mnf, mdf = (float(v[k]) for v in spectra[phase]) if phase in spectra else (np.nan, np.nan)
            rows.append(
                {
                    **keys,
                    "muscle": muscle,
                    "phase": phase,
                    "mean_pct_mvc": float(np.mean(pct)),
                    "peak_pct_mvc": float(np.max(pct)),
                    "iemg_pct_mvc_s": float(iemg),
                    "mean_envelope_mv": float(np.mean(values) * 1000.0),
                    "mdf_hz": mdf,
                    "mnf_hz": mnf,
                    "n_cycles": len(windows),
                    "duration_s": sum(i1 - i0 for i0, i1 in windows) / fs,
                    "quality_flags": ";".join(flags),
                    "mvc_reference_mv": float(ref * 1000.0),
                    "settings": settings_json,
                }
            )
    frame = pd.DataFrame(rows, columns=list(EMG_FEATURE_COLUMNS))
    over = [r for r in rows if r["peak_pct_mvc"] > 100.0]  # plain list scan: cheaper than a pandas mask per trial
    if over:
        first = over[0]
        warnings.warn(
            f"trial {keys.get('trial_id')!s}: {first['muscle']} reaches {first['peak_pct_mvc']:.0f} % MVC "
            f"({len(over)} muscle x phase row(s) above 100 %); expected in loaded dynamic tasks, otherwise check the "
            "MVC trials",
            EMGWarning,
            stacklevel=2,
        )
    return frame
