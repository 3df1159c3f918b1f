"""The curves table (CURVES.md): whole curves per trial, time-normalised onto 101 points (0-100 %), one row
per trial x curve x point, computed by the per-trial processors from the signals they already hold.

* ``emg_envelope`` (``basis="cycle"``): each muscle's linear envelope cut at the trial's movement cycles
  (events ``movement_start``/``movement_end``, else ``cycle_``/``rep_`` events, else an eccentric window
  followed by its concentric window), each cycle resampled to 0-100 % (:func:`analysis.emg.cycle_normalise`)
  and averaged over the trial's cycles; in %MVC with the subject x session MVC reference, else in mV.
* ``vertical_force``: jumps from movement onset (contact for a drop jump) to take-off
  (``basis="onset_to_takeoff"``, events of :func:`analysis.forceplate.analyse_jump`); squat-like trials over
  the whole record (``basis="trial"``); in N, and in BW when the body weight is known. Gait trials get none
  (a walk holds several stances: a whole-trial curve would average unlike things).

A curve that cannot be computed (no cycles, no take-off) is absent and a :class:`CurveWarning` says why: it
is recorded with the trial in the warnings table, never a silent gap.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.features.tables import CURVE_COLUMNS, KEY_COLUMNS

#: Points per curve: 0..100 % in 1 % steps (spm1d convention, as ``EMGSettings.n_points``; fixed by CURVES.md).
N_POINTS = 101
#: Event phases (``<name>_start``/``<name>_end``) that mark one movement cycle each, in order of preference
#: (analysis.simulate writes ``movement``; the EMG amplitude rows of claim C1 use the same windows).
CYCLE_PHASES = ("movement", "cycle", "rep")
PCT = np.arange(N_POINTS, dtype=np.int64)


class CurveWarning(UserWarning):
    """A curve of a trial could not be computed; the message says which and why (the curve is absent)."""


def movement_cycles(phases: Mapping[str, Sequence[tuple[float, float]]]) -> list[tuple[float, float]]:
    """The movement cycles (start_s, end_s) of a trial from its event phases (:data:`CYCLE_PHASES`, else an
    eccentric window joined to the concentric window that starts where it ends); empty if none."""
    for name in CYCLE_PHASES:
        if phases.get(name):
            return [(float(a), float(b)) for a, b in phases[name]]
    eccentric, concentric = list(phases.get("eccentric") or []), list(phases.get("concentric") or [])
    if eccentric and len(eccentric) == len(concentric):
        ecc, con = np.asarray(eccentric, dtype=float), np.asarray(concentric, dtype=float)
        if np.allclose(ecc[:, 1], con[:, 0]):
            return list(zip(ecc[:, 0].tolist(), con[:, 1].tolist()))
    return []


def curve_rows(
    trial: Mapping[str, Any],
    curve: str,
    basis: str,
    n_cycles: int,
    channels: Sequence[str],
    units: Sequence[str],
    values: np.ndarray,
) -> pd.DataFrame:
    """Tidy rows for ``values`` of shape (N_POINTS, n_channels): channel-major, ``pct`` 0..100 per channel."""
    values = np.asarray(values, dtype=np.float64).reshape(N_POINTS, len(channels))
    n = len(channels)
    columns: dict[str, Any] = {k: trial.get(k) for k in KEY_COLUMNS}  # scalars: broadcast by pandas
    columns.update(
        curve=curve,
        channel=np.repeat(np.asarray(channels, dtype=object), N_POINTS),
        unit=np.repeat(np.asarray(units, dtype=object), N_POINTS),
        basis=basis,
        n_cycles=np.int64(n_cycles),
        pct=np.tile(PCT, n),
        value=values.T.reshape(-1),
    )
    return pd.DataFrame(columns, columns=list(CURVE_COLUMNS))


def emg_envelope_curves(
    trial: Mapping[str, Any],
    envelope_v: np.ndarray,
    fs_hz: float,
    channel_names: Sequence[str],
    channel_map: Mapping[str, str],
    mvc_refs: Mapping[str, float],
    cycles: Sequence[tuple[float, float]],
) -> pd.DataFrame | None:
    """Mean cycle envelope per mapped muscle (``envelope_v``: (n_samples, n_channels) in V, event times in s
    from sample 0): %MVC where the muscle has a positive MVC reference (in V), else mV. None (and a
    :class:`CurveWarning`) without cycles."""
    from analysis import emg

    if not cycles:
        warnings.warn(
            f"trial {trial.get('trial_id')}: no movement cycles (no movement_start/movement_end, cycle_ or rep_ "
            "events, nor eccentric + concentric windows): no EMG envelope curve",
            CurveWarning,
            stacklevel=2,
        )
        return None
    muscles = list(channel_map.values())
    columns = [list(channel_names).index(channel) for channel in channel_map]
    starts, ends = zip(*cycles)
    per_cycle = emg.cycle_normalise(envelope_v[:, columns], fs_hz, starts, ends, N_POINTS)  # (cycles, pts, m)
    mean_v = per_cycle.mean(axis=0)
    refs = np.array([float(mvc_refs.get(m, math.nan)) for m in muscles])
    has_ref = np.isfinite(refs) & (refs > 0)
    scale = np.where(has_ref, 100.0 / np.where(has_ref, refs, 1.0), 1000.0)  # % of the reference, or V -> mV
    units = np.where(has_ref, "%MVC", "mV").tolist()
    return curve_rows(trial, "emg_envelope", "cycle", len(cycles), muscles, units, mean_v * scale)


def vertical_force_curves(
    trial: Mapping[str, Any],
    force_n: np.ndarray,
    start_index: float,
    stop_index: float,
    basis: str,
    body_weight_n: float | None,
) -> pd.DataFrame:
    """Total vertical force between two sample positions resampled onto N_POINTS (linear interpolation, so
    0 % and 100 % are exactly the events): one ``N`` curve, and a ``BW`` curve when the body weight is known."""
    force = np.asarray(force_n, dtype=np.float64)
    positions = np.linspace(float(start_index), float(stop_index), N_POINTS)
    curve = np.interp(positions, np.arange(force.size, dtype=np.float64), force)
    frames = [curve_rows(trial, "vertical_force", basis, 1, ["fz"], ["N"], curve)]
    if body_weight_n is not None and math.isfinite(body_weight_n) and body_weight_n > 0:
        frames.append(curve_rows(trial, "vertical_force", basis, 1, ["fz"], ["BW"], curve / body_weight_n))
    return pd.concat(frames, ignore_index=True)


def jump_force_curves(
    trial: Mapping[str, Any], force_n: np.ndarray, events: Mapping[str, int], body_weight_n: float | None
) -> pd.DataFrame | None:
    """Vertical force of a jump from movement onset (``contact`` for a drop jump) to take-off; None (and a
    :class:`CurveWarning`) when the jump analysis found no such events."""
    start = events.get("onset", events.get("contact"))
    stop = events.get("takeoff")
    if start is None or stop is None or stop <= start:
        warnings.warn(
            f"trial {trial.get('trial_id')}: no movement onset before take-off (events {sorted(events)}): "
            "no onset-to-take-off force curve",
            CurveWarning,
            stacklevel=2,
        )
        return None
    return vertical_force_curves(trial, force_n, start, stop, "onset_to_takeoff", body_weight_n)
