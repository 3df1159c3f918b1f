"""EMG chain settings: :class:`EMGSettings`, every parameter with its documented default and source, checked
when built (study.yaml ``processing.emg``; unknown keys and out-of-range values are rejected).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.errors import AnalysisError, StudyError
from analysis.settings import checked_settings

__all__ = ["EMGSettings"]


#: the methods of :func:`analysis.emg.onsets.detect_onsets` (checked here for the settings, there for calls)
_ONSET_METHODS = ("threshold", "tkeo", "double_threshold")


@dataclass(frozen=True)
class EMGSettings:
    """Every parameter of the EMG chain, with its documented default and source.

    Build from a study.yaml ``processing.emg`` mapping with :meth:`from_dict` (unknown keys are rejected);
    :meth:`to_dict` / :meth:`to_json` give the record stored with every result.
    """

    remove_dc: bool = True  # subtract the channel mean first (pyemgpipeline DCOffsetRemover; ISEK)
    bandpass_hz: tuple[float, float] = (20.0, 450.0)  # De Luca et al. 2010 (J Biomech 43:1573); SENIAM 10-20 to ~500
    bandpass_order: int = 4  # 4th-order Butterworth (De Luca et al. 2010; pyemgpipeline)
    zero_phase_correction: bool = True  # two-pass -3 dB at the cut-offs (Robertson & Dowling 2003; Winter 2009)
    notch_hz: float | None = None  # off: a notch removes EMG power (De Luca 2010; Frontiers 2020, PMC7594523)
    notch_harmonics: int = 1  # 1 = fundamental only; n = fundamental + (n-1) harmonics below the band-pass top (comb)
    notch_quality: float = 30.0  # Q = f0 / bandwidth: 1.7 Hz wide at 50 Hz (scipy.signal.iirnotch convention)
    envelope_lowpass_hz: float = 6.0  # linear envelope for gait (Winter 2009); pyemgpipeline default 6 Hz
    envelope_order: int = 4  # 4th-order Butterworth, zero-phase (Winter 2009)
    rms_window_ms: float = 100.0  # moving RMS window; ISEK: report it, 50-250 ms usual (Merletti 1999)
    mvc_window_ms: float = 500.0  # MVC = peak of a 500 ms moving average (CEDE, Besomi et al. 2020)
    onset_method: str | None = "threshold"  # mean + k SD (Hodges & Bui 1996); or tkeo / double_threshold / None
    onset_k_sd: float = 3.0  # k = 3 SD above the rest baseline (Hodges & Bui 1996)
    onset_peak_fraction: float | None = None  # instead of k SD: fraction of the peak (biosignalsnotebooks: 0.1)
    onset_baseline_s: tuple[float, float] | None = None  # rest window (s); None = quietest window [assumption]
    onset_baseline_window_s: float = 0.5  # length of the automatic quietest window [assumption]
    onset_min_on_s: float = 0.025  # minimum burst duration, 25 ms (Hodges & Bui 1996)
    onset_min_off_s: float = 0.025  # gaps shorter than this are bridged (Hodges & Bui 1996 style persistence)
    onset_lowpass_hz: float = 50.0  # onset / TKEO envelope low-pass 50 Hz (Hodges & Bui 1996; Solnik et al. 2010)
    double_threshold_window_s: float = 0.010  # m: samples tested together (Bonato et al. 1998, m ~ 10 ms)
    double_threshold_min_fraction: float = 0.5  # r0/m: share of the m samples above the first threshold (Bonato 1998)
    n_points: int = 101  # cycles resampled to 0..100 % (spm1d convention)
    welch_segment_s: float = 0.25  # Welch segment length; ISEK: report window type/length/overlap
    welch_overlap: float = 0.5  # 50 % overlap, Hann window (Welch 1967 default practice)
    clip_fraction: float = 0.0001  # clipping: >= 0.01 % (and >= 5) samples at the channel's extremes [assumption]
    flat_ptp_v: float = 1e-6  # flat: < 1 uV peak-to-peak, below any sEMG amplifier's noise [assumption]
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
