"""Content checks on a Recording and its trials.csv row (no file I/O: unit-testable in memory): declared sampling
rate, NaN gaps, time-column gaps, clipping, mapped EMG channels, rate consistency within a session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.recording import Recording
from analysis.study.cross_checks import _split_muscles
from analysis.study.problems import Problem
from analysis.study.schema import _EMG_KINDS, load_schema


def _trial_where(trial: Mapping[str, Any]) -> tuple[str, int | None, str]:
    row = trial.get("_row")
    return (
        "trials.csv",
        (int(row) if row is not None and not pd.isna(row) else None),
        str(trial.get("file", "") or "<memory>"),
    )


def check_declared_sampling_rate(recording: Recording, trial: Mapping[str, Any]) -> list[Problem]:
    """Error when trials.csv ``sampling_rate_hz`` disagrees with the rate the file gave (relative tolerance)."""
    file, row, name = _trial_where(trial)
    declared = trial.get("sampling_rate_hz")
    if declared is None or not np.isfinite(declared):
        return []
    tolerance = load_schema()["checks"]["sampling_rate_rel_tolerance"]
    actual = float(recording.sampling_rate_hz)
    if abs(actual - declared) > tolerance * declared:
        return [
            Problem(
                "error",
                file,
                row,
                "sampling_rate_hz",
                f"{name}: the file is sampled at {actual:g} Hz but trials.csv says {declared:g} Hz",
                "correct sampling_rate_hz (or leave it empty when the file stores its rate)",
            )
        ]
    return []


#: Channel kinds where NaN is physics, not a dropout: the centre of pressure is undefined while the plate
#: is unloaded (flight phase of a jump; Winter 2009, Biomechanics and Motor Control, ch. 5).
_NAN_ALLOWED_KINDS = ("cop",)
#: Channel kinds where gaps are common and fixable downstream (marker occlusion -> gap filling): a warning.
_NAN_WARNING_KINDS = ("marker",)


def check_nonfinite_gaps(recording: Recording, trial: Mapping[str, Any]) -> list[Problem]:
    """NaN/inf samples (dropouts, gaps): count, longest run and first time per channel.

    Error for EMG, force, moments and angles; warning for markers (occlusion); COP is exempt (undefined
    while the plate is unloaded).
    """
    file, row, name = _trial_where(trial)
    bad = ~np.isfinite(recording.samples)
    kinds = np.asarray(recording.channel_kinds)
    bad[:, np.isin(kinds, _NAN_ALLOWED_KINDS)] = False
    counts = bad.sum(axis=0)
    if not counts.any():
        return []
    longest = _longest_runs(bad)
    first = np.argmax(bad, axis=0)
    fs = recording.sampling_rate_hz
    problems = []
    for severity, selected in (
        ("error", ~np.isin(kinds, _NAN_WARNING_KINDS)),
        ("warning", np.isin(kinds, _NAN_WARNING_KINDS)),
    ):
        details = [
            f"{recording.channel_names[i]!r}: {counts[i]} samples, longest gap {longest[i] / fs * 1000:g} ms, "
            f"first at {first[i] / fs:g} s"
            for i in np.flatnonzero((counts > 0) & selected)
        ]
        if details:
            more = f"; and {len(details) - 5} more channels" if len(details) > 5 else ""
            hint = (
                "fill marker gaps in the capture software, or cut the trial to its complete part"
                if severity == "warning"
                else "re-export the recording without dropouts, or cut the trial to its complete part"
            )
            problems.append(
                Problem(
                    severity,
                    file,
                    row,
                    "file",
                    f"{name}: missing samples (NaN gaps) in " + "; ".join(details[:5]) + more,
                    hint,
                )
            )
    return problems


def _longest_runs(mask: np.ndarray) -> np.ndarray:
    """Longest run of True per column of a 2-D boolean array (vectorised)."""
    n = mask.shape[0]
    padded = np.zeros((n + 2, mask.shape[1]), dtype=np.int8)
    padded[1:-1] = mask
    edges = np.diff(padded, axis=0)
    longest = np.zeros(mask.shape[1], dtype=int)
    starts_r, starts_c = np.nonzero(edges == 1)
    ends_r, ends_c = np.nonzero(edges == -1)
    # nonzero returns row-major order; sort by column then row so starts and ends pair up
    s_order = np.lexsort((starts_r, starts_c))
    e_order = np.lexsort((ends_r, ends_c))
    lengths = ends_r[e_order] - starts_r[s_order]
    np.maximum.at(longest, starts_c[s_order], lengths)
    return longest


def _emg_indices(recording: Recording, channel_map: Mapping[str, str] | None) -> list[int]:
    mapped = set(channel_map or {})
    return [
        i for i, (n, k) in enumerate(zip(recording.channel_names, recording.channel_kinds)) if k == "emg" or n in mapped
    ]


def check_clipping(
    recording: Recording, trial: Mapping[str, Any], channel_map: Mapping[str, str] | None = None
) -> list[Problem]:
    """Warning when an EMG channel sits at its max/min in runs (≥ 2 samples) for > 1 % of samples."""
    file, row, name = _trial_where(trial)
    idx = _emg_indices(recording, channel_map)
    if not idx or recording.n_samples < 2:
        return []
    x = recording.samples[:, idx]
    with np.errstate(invalid="ignore"):
        at_extreme = (x == np.nanmax(x, axis=0)) | (x == np.nanmin(x, axis=0))
    neighbour = np.zeros_like(at_extreme)
    neighbour[1:] |= at_extreme[:-1]
    neighbour[:-1] |= at_extreme[1:]
    fraction = (at_extreme & neighbour).mean(axis=0)
    limit = load_schema()["checks"]["clipping_fraction_max"]
    problems = []
    for j in np.flatnonzero(fraction > limit):
        channel = recording.channel_names[idx[j]]
        flat = np.nanmax(x[:, j]) == np.nanmin(x[:, j])
        message = (
            f"{name}: EMG channel {channel!r} is flat (every sample equal)"
            if flat
            else f"{name}: EMG channel {channel!r} is clipped: {fraction[j]:.1%} of samples sit at its max/min "
            f"(limit {limit:.0%})"
        )
        problems.append(
            Problem(
                "warning",
                file,
                row,
                "file",
                message,
                "check the electrode and amplifier gain; clipped bursts underestimate amplitude and distort MDF",
            )
        )
    return problems


def check_mapped_channels(
    recording: Recording, trial: Mapping[str, Any], channel_map: Mapping[str, str] | None
) -> list[Problem]:
    """For EMG trials: error when no mapped channel is in the file, warning for each missing one."""
    file, row, name = _trial_where(trial)
    if not channel_map or str(trial.get("kind", "")) not in _EMG_KINDS:
        return []
    wanted = list(channel_map)
    if trial.get("is_mvc"):
        muscles = set(_split_muscles(trial.get("mvc_muscle")))
        wanted = [c for c in wanted if channel_map[c] in muscles] or wanted
    missing = [c for c in wanted if c not in recording.channel_names]
    if not missing:
        return []
    if len(missing) == len(wanted):
        return [
            Problem(
                "error",
                file,
                row,
                "file",
                f"{name}: none of the EMG channels in study.yaml 'channels:' ({', '.join(wanted)}) is in the file; "
                f"its channels are {', '.join(recording.channel_names)}",
                "fix the channel names in study.yaml 'channels:' to match the file",
            )
        ]
    return [
        Problem(
            "warning",
            file,
            row,
            "file",
            f"{name}: mapped EMG channel(s) {', '.join(missing)} not in the file",
            "check the channel names in study.yaml 'channels:'",
        )
    ]


def check_time_gaps(recording: Recording, trial: Mapping[str, Any]) -> list[Problem]:
    """Error when a reader kept the file's time column (``metadata['time_s']``) and it jumps (> 1.5 periods)."""
    file, row, name = _trial_where(trial)
    time_s = recording.metadata.get("time_s")
    if time_s is None:
        return []
    steps = np.diff(np.asarray(time_s, dtype=float))
    period = 1.0 / recording.sampling_rate_hz
    jumps = np.flatnonzero(steps > 1.5 * period)
    if not len(jumps):
        return []
    return [
        Problem(
            "error",
            file,
            row,
            "file",
            f"{name}: {len(jumps)} gap(s) in the time column, the first after t = {time_s[jumps[0]]:g} s "
            f"({steps[jumps[0]] * 1000:g} ms instead of {period * 1000:g} ms)",
            "re-export the recording without dropped samples",
        )
    ]


def check_recording(
    recording: Recording, trial: Mapping[str, Any], channel_map: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every content check on one recording and its trials.csv row (a dict or Series with ``_row``, ``file``, ...)."""
    return [
        *check_declared_sampling_rate(recording, trial),
        *check_nonfinite_gaps(recording, trial),
        *check_time_gaps(recording, trial),
        *check_clipping(recording, trial, channel_map),
        *check_mapped_channels(recording, trial, channel_map),
    ]


def check_sampling_rate_consistency(rates: pd.DataFrame) -> list[Problem]:
    """Warning for trials whose file rate differs from the most common rate of their session and kind.

    ``rates`` has columns ``_row``, ``session``, ``kind``, ``file``, ``file_sampling_rate_hz``.
    """
    problems = []
    tolerance = load_schema()["checks"]["sampling_rate_rel_tolerance"]
    for (session, kind), group in rates.dropna(subset=["file_sampling_rate_hz"]).groupby(
        ["session", "kind"], sort=True
    ):
        typical = group["file_sampling_rate_hz"].mode().iloc[0]
        off = group[(group["file_sampling_rate_hz"] - typical).abs() > tolerance * typical]
        for r, name, fs in zip(off["_row"], off["file"], off["file_sampling_rate_hz"]):
            problems.append(
                Problem(
                    "warning",
                    "trials.csv",
                    int(r),
                    "file",
                    f"{name}: sampled at {fs:g} Hz, other {kind} trials of session {session!r} at {typical:g} Hz",
                    "check the acquisition settings; the analysis uses each file's own rate",
                )
            )
    return problems
