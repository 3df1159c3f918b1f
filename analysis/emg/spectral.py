"""Windowed and spectral features: sliding-window time-domain features exactly as defined by Phinyomark et al. 2012
(Hudgins 1993), Welch MNF/MDF/peak with the estimator named next to the numbers, and the Welch PSD at selected
bins only (a windowed DFT) that the mains-hum test uses.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal as sps

from analysis.emg._common import _as_2d, _check_fs, _n_samples
from analysis.errors import AnalysisError

__all__ = [
    "FEATURE_NAMES",
    "FEATURE_CONVENTIONS",
    "MDF_RULE",
    "WindowedFeatures",
    "windowed_features",
    "WelchResult",
    "welch_frequencies",
    "welch_method",
]


#: Windowed features computed by :func:`windowed_features` (Hudgins 1993; Phinyomark et al. 2012).
FEATURE_NAMES = ("rms", "mav", "wl", "zc", "ssc", "var", "mnf", "mdf")
#: Conventions of :func:`windowed_features`: the published definitions, or the suite's behaviour before issue 15.
FEATURE_CONVENTIONS = ("phinyomark2012", "legacy")
#: How MDF is read off a cumulative power spectrum (written next to every MDF this package returns).
MDF_RULE = "first bin where cumulative power >= half the total"


class WindowedFeatures(dict[str, np.ndarray]):
    """``{feature: (n_windows, n_channels)}`` plus ``"time_s"``; ``methods`` names each feature's definition
    (thresholds, comparison, centring, spectral estimator) next to the numbers."""

    def __init__(self, values: dict[str, np.ndarray], methods: dict[str, str]) -> None:
        super().__init__(values)
        self.methods = methods


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
    convention: str = "phinyomark2012",
) -> WindowedFeatures:
    """Classic EMG features in sliding windows, as defined by Phinyomark, Phukpattaranont & Limsakul 2012
    (Expert Syst Appl 39:7420) and Hudgins et al. 1993 (docs/design/metrics-and-reliability.md §3).

    Windows start at 0, ``step_n``, ... and hold ``window_n`` samples (only whole windows). Returns a
    :class:`WindowedFeatures` ``{name: (n_windows, n_channels)}`` plus ``"time_s"`` (window centres), with
    ``.methods[name]`` the definition used. Per window x_1..x_N (thresholds in signal units):

    * RMS = sqrt(Σx²/N); MAV = Σ|x|/N; WL = Σ_{i=1}^{N−1} |x_{i+1} − x_i|;
    * ZC = #{i: x_i·x_{i+1} < 0 and |x_i − x_{i+1}| ≥ ``zc_threshold``} (touching zero is not a crossing);
    * SSC = #{i = 2..N−1: (x_i − x_{i−1})(x_i − x_{i+1}) ≥ ``ssc_threshold``} (Phinyomark's f(u) = 1 if u ≥ T:
      with T = 0 a flat or linear step counts);
    * VAR = Σx²/(N − 1), not centred (sEMG is taken as zero-mean; Phinyomark 2012);
    * MNF = Σ f P / Σ P and MDF (first bin where the cumulative power ≥ half) of the Hann-windowed periodogram
      of the window (rfft of N samples, no zero padding, bins DC..Nyquist).

    ``convention="legacy"`` gives the suite's behaviour before issue 15 (SSC counts only products > T; VAR is the
    centred sample variance, ddof 1), for comparison with older results only.
    """
    fs = _check_fs(fs_hz)
    arr, _ = _as_2d(x)
    window_n, step_n = int(window_n), int(step_n)
    unknown = sorted(set(features) - set(FEATURE_NAMES))
    if unknown:
        raise AnalysisError(f"unknown EMG feature(s) {unknown}; available: {list(FEATURE_NAMES)}")
    if convention not in FEATURE_CONVENTIONS:
        raise AnalysisError(f"unknown feature convention {convention!r}; available: {list(FEATURE_CONVENTIONS)}")
    if window_n < 2 or step_n < 1:
        raise AnalysisError(f"window must be >= 2 samples and step >= 1, got {window_n} and {step_n}")
    if arr.shape[0] < window_n:
        raise AnalysisError(f"signal of {arr.shape[0]} samples is shorter than one {window_n}-sample window")
    legacy = convention == "legacy"
    win = sliding_window_view(arr, window_n, axis=0)[::step_n]  # (n_windows, n_channels, window_n), a view
    out: dict[str, np.ndarray] = {}
    methods: dict[str, str] = {}
    n_windows = win.shape[0]
    out["time_s"] = (np.arange(n_windows) * step_n + (window_n - 1) / 2.0) / fs
    if "rms" in features:
        out["rms"] = np.sqrt(np.einsum("wcn,wcn->wc", win, win) / window_n)
        methods["rms"] = "sqrt(sum(x^2)/N)"
    if "mav" in features:
        out["mav"] = np.abs(win).mean(axis=-1)
        methods["mav"] = "sum(|x|)/N"
    if "var" in features:
        if legacy:
            out["var"] = win.var(axis=-1, ddof=1)
            methods["var"] = "var(centred,ddof=1)=sum((x-mean)^2)/(N-1) [legacy]"
        else:
            out["var"] = np.einsum("wcn,wcn->wc", win, win) / (window_n - 1)
            methods["var"] = "var(uncentred,ddof=1)=sum(x^2)/(N-1) [phinyomark2012]"
    if {"wl", "zc", "ssc"} & set(features):
        d = np.diff(win, axis=-1)
        if "wl" in features:
            out["wl"] = np.abs(d).sum(axis=-1)
            methods["wl"] = "sum(|x[i+1]-x[i]|)"
        if "zc" in features:
            crossing = (win[..., :-1] * win[..., 1:] < 0) & (np.abs(d) >= zc_threshold)
            out["zc"] = crossing.sum(axis=-1).astype(np.float64)
            methods["zc"] = f"zc(x[i]*x[i+1]<0 and |x[i]-x[i+1]|>={zc_threshold:g})"
        if "ssc" in features:
            product = -d[..., :-1] * d[..., 1:]  # (x_i - x_{i-1})(x_i - x_{i+1})
            counted = product > ssc_threshold if legacy else product >= ssc_threshold
            out["ssc"] = counted.sum(axis=-1).astype(np.float64)
            methods["ssc"] = (
                f"ssc((x[i]-x[i-1])*(x[i]-x[i+1])>{ssc_threshold:g}) [legacy]"
                if legacy
                else f"ssc((x[i]-x[i-1])*(x[i]-x[i+1])>={ssc_threshold:g}) [phinyomark2012]"
            )
    if {"mnf", "mdf"} & set(features):
        taper = sps.get_window("hann", window_n)
        power = np.abs(np.fft.rfft(win * taper, axis=-1)) ** 2
        freqs = np.fft.rfftfreq(window_n, 1.0 / fs)
        mnf, mdf = _spectral_mnf_mdf(freqs, power)
        estimator = f"hann_periodogram(rfft,N={window_n},no_zero_padding,bins=DC..Nyquist)"
        if "mnf" in features:
            out["mnf"] = mnf
            methods["mnf"] = f"mnf=sum(f*P)/sum(P);{estimator}"
        if "mdf" in features:
            out["mdf"] = mdf
            methods["mdf"] = f"mdf={MDF_RULE};{estimator}"
    return WindowedFeatures(out, methods)


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

    @property
    def method(self) -> str:
        """The spectral estimator and MDF rule behind ``mnf_hz`` / ``mdf_hz``."""
        p = self.parameters
        return welch_method(int(p["nperseg"]), int(p["noverlap"]), str(p["window"]))


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


def welch_method(nperseg: int, noverlap: int, window: str = "hann", n_windows_averaged: int | None = None) -> str:
    """The spectral estimator behind an MNF/MDF, as written next to the number (tidy ``spectral_method``)."""
    averaged = f",averaged_over={n_windows_averaged}_windows" if n_windows_averaged and n_windows_averaged > 1 else ""
    return (
        f"welch({window},nperseg={nperseg},noverlap={noverlap},density,mean_detrended{averaged});"
        f"mnf=sum(f*P)/sum(P);mdf={MDF_RULE}"
    )


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
