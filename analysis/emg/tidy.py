"""Tidy EMG features per trial: :func:`trial_features`, one row per muscle x phase with the trial's key columns
(``EMG_FEATURE_COLUMNS``, docs/architecture.md).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal as sps

from analysis.emg._common import EMGWarning, _n_samples
from analysis.emg.chain import EMGResult
from analysis.emg.mvc import MVCReference
from analysis.emg.spectral import _spectral_mnf_mdf, welch_method
from analysis.errors import AnalysisError
from analysis.metric_rows import KEY_COLUMNS
from analysis.units import LB_PER_KG

__all__ = ["TRIAL_KEY_COLUMNS", "EMG_FEATURE_COLUMNS", "trial_features"]


#: Key columns copied from the trial: the same keys as every per-trial table (one definition, in metric_rows).
TRIAL_KEY_COLUMNS = KEY_COLUMNS


EMG_FEATURE_COLUMNS = TRIAL_KEY_COLUMNS + (
    "muscle",
    "phase",
    "mean_pct_mvc",
    "peak_pct_mvc",
    "iemg_pct_mvc_s",
    "mean_envelope_mv",
    "mdf_hz",
    "mnf_hz",
    "spectral_method",
    "n_cycles",
    "duration_s",
    "quality_flags",
    "mvc_reference_mv",
    "settings",
)


def _trial_keys(trial_info: Mapping[str, Any]) -> dict[str, Any]:
    keys = {k: trial_info.get(k, np.nan) for k in TRIAL_KEY_COLUMNS}
    load_kg, mass = keys["load_kg"], keys["body_mass_kg"]
    numeric = lambda v: isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v)  # noqa: E731
    if numeric(load_kg):
        if not numeric(keys["load_lb"]):
            keys["load_lb"] = float(load_kg) * LB_PER_KG
        if not numeric(keys["load_pct_bw"]) and numeric(mass) and mass > 0:
            keys["load_pct_bw"] = 100.0 * float(load_kg) / float(mass)
    return keys


def _window_indices(windows: Sequence[tuple[float, float]], fs: float, n: int, label: str) -> list[tuple[int, int]]:
    if len(windows) == 0:
        raise AnalysisError(f"phase {label!r} has no windows: give at least one (start_s, end_s) or leave it out")
    out = []
    for window in windows:
        if len(window) != 2:
            raise AnalysisError(f"phase {label!r}: window {window!r} is not a (start_s, end_s) pair")
        start_s, end_s = (float(v) for v in window)
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
    windows, e.g. one per repetition or gait cycle) adds a row aggregating its windows: mean amplitude as the average
    rectified value (ARV) of the band-passed EMG over all window samples (Merletti 1999, ISEK standards: amplitude of
    an epoch), peak of the %MVC linear envelope, iEMG as the integral of the rectified EMG in %MVC·s per window (mean
    over windows), Welch
    MDF/MNF of the band-passed EMG (PSDs averaged over windows; ``spectral_method`` names the estimator and the
    MDF rule next to the numbers), ``n_cycles`` = number of windows,
    ``duration_s`` = total time the windows cover (e.g. time under load in a set).
    A muscle without an MVC reference gets NaN %MVC values and the flag ``no_mvc_reference``.

    Why ARV and not the mean of the envelope: the 6 Hz envelope spreads each burst ~0.1 s beyond its window, so a
    short window's envelope mean reads low, a 0.8 s rep by 0.8 % and a 2 s rep by 0.3 % (issue 16: C5's sustained −
    brief contrast read +0.005 on the log scale above the truth). The envelope's DC gain is 1, so on a plateau (the MVC
    reference) both agree. Without the band-passed EMG (``keep_filtered=False``) the envelope mean stands in; the
    ``settings`` column names which (``amplitude``).
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
    arv = result.filtered is not None
    settings_record = {
        "emg": result.settings.to_dict(),
        "chain": result.method,
        "amplitude": "ARV of the band-passed EMG over each phase's windows; peak from the linear envelope"
        if arv
        else "mean of the linear envelope over each phase's windows (no band-passed EMG kept)",
    }
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
    spectral_methods: dict[str, str] = {}
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
                noverlap = int(nperseg * result.settings.welch_overlap)
                spectral_methods[phase] = welch_method(nperseg, noverlap, "hann", len(windows))
    rows = []
    for k, (channel, muscle) in enumerate(channel_map.items()):
        c = columns[k]
        env = result.envelope[:, c]
        rect = np.abs(result.filtered[:, c]) if result.filtered is not None else env  # amplitude: ARV
        ref = refs.get(muscle)
        if ref is not None:
            try:
                ref = float(ref)
            except (TypeError, ValueError):
                raise AnalysisError(
                    f"{result.source or 'EMG result'}: MVC reference for {muscle!r} (channel {channel}) is {ref!r}, "
                    "not a number in V"
                ) from None
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
            arv_sum = sum(float(rect[i0:i1].sum()) for i0, i1 in windows)
            n_win = sum(i1 - i0 for i0, i1 in windows)
            iemg = np.mean([rect[i0:i1].sum() / fs for i0, i1 in windows]) * (100.0 / ref)
            mnf, mdf = (float(v[k]) for v in spectra[phase]) if phase in spectra else (np.nan, np.nan)
            rows.append(
                {
                    **keys,
                    "muscle": muscle,
                    "phase": phase,
                    "mean_pct_mvc": float(arv_sum / n_win * (100.0 / ref)),
                    "peak_pct_mvc": float(np.max(values) * (100.0 / ref)),
                    "iemg_pct_mvc_s": float(iemg),
                    "mean_envelope_mv": float(np.mean(values) * 1000.0),
                    "mdf_hz": mdf,
                    "mnf_hz": mnf,
                    "spectral_method": spectral_methods.get(phase, "none (no filtered signal or phase < 8 samples)"),
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
