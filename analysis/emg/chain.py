"""The EMG chain on a :class:`~analysis.recording.Recording`: :func:`process` -> :class:`EMGResult`.

DC removal -> optional notch/comb -> band-pass -> rectification -> linear envelope, then quality flags and
onsets, run in blocks of channels on channel-major buffers. Same numbers, bit for bit, as the single public
steps (tests/test_emg_blocks.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal as sps

from analysis.emg._common import _check_fs
from analysis.emg.filters import _cap_band, _design, _filtfilt_rows, _frozen_filter, _odd_pad_rows
from analysis.emg.onsets import OnsetResult, detect_onsets
from analysis.emg.quality import _assemble_flags, _powerline_hits, _rail_counts
from analysis.emg.settings import EMGSettings
from analysis.errors import AnalysisError
from analysis.recording import Recording

__all__ = ["EMGResult", "process"]


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
) -> tuple[np.ndarray, np.ndarray, int]:
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
    method = settings.onset_method
    if method is None:  # process() calls this only when onset detection is switched on
        raise AnalysisError("EMG onset detection is off (settings.onset_method is None)")
    return detect_onsets(
        x,
        fs,
        method=method,
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
