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

Package map (one concern per module; each imports only the ones above it)
-------------------------------------------------------------------------
* ``_common``: array convention (float64, time on axis 0), sampling-rate check, :class:`EMGWarning`.
* ``settings``: :class:`EMGSettings`, defaults with sources, checks.
* ``filters``: zero-phase Butterworth designs and filtfilt, DC removal, mains notch/comb.
* ``envelope``: rectification, linear envelope, moving mean/RMS, Teager-Kaiser operator.
* ``onsets``: baseline statistics and burst detection (:class:`OnsetResult`).
* ``normalise``: %MVC, time and cycle normalisation, integrated EMG.
* ``spectral``: windowed features (Phinyomark 2012 definitions; ``convention="legacy"`` for the old ones), Welch
  frequencies with the estimator named (``welch_method``), Welch at selected bins (mains test).
* ``quality``: per-channel quality flags.
* ``chain``: :func:`process` on a Recording (:class:`EMGResult`), blocked and channel-major.
* ``mvc``: :func:`mvc_reference` (:class:`MVCReference`).
* ``tidy``: :func:`trial_features`, the tidy per-trial table.

Every name is re-exported here: import from ``analysis.emg``, not from the submodules.
"""

from __future__ import annotations

from analysis.emg._common import EMGWarning
from analysis.emg.chain import EMGResult, process
from analysis.emg.envelope import (
    linear_envelope,
    moving_average,
    moving_rms,
    rectify,
    teager_kaiser,
    tkeo_envelope,
)
from analysis.emg.filters import bandpass, butter_sos, lowpass, powerline_filter, remove_dc_offset
from analysis.emg.mvc import MVCReference, mvc_reference
from analysis.emg.mvc import _peak_moving_average as _peak_moving_average  # used by tests/test_emg.py
from analysis.emg.normalise import cycle_normalise, integrated_emg, normalise_to_mvc, time_normalise
from analysis.emg.onsets import OnsetResult, baseline_stats, detect_onsets
from analysis.emg.quality import QUALITY_FLAGS, quality_flags
from analysis.emg.settings import EMGSettings
from analysis.emg.spectral import (
    FEATURE_CONVENTIONS,
    FEATURE_NAMES,
    MDF_RULE,
    WelchResult,
    WindowedFeatures,
    welch_frequencies,
    welch_method,
    windowed_features,
)
from analysis.emg.spectral import _welch_bins as _welch_bins  # used by tests/test_emg.py
from analysis.emg.tidy import EMG_FEATURE_COLUMNS, TRIAL_KEY_COLUMNS, trial_features

__all__ = [
    "EMGSettings",
    "EMGResult",
    "EMGWarning",
    "OnsetResult",
    "MVCReference",
    "WelchResult",
    "FEATURE_NAMES",
    "FEATURE_CONVENTIONS",
    "MDF_RULE",
    "WindowedFeatures",
    "welch_method",
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
