"""Phase-anchored jump kinetics: propulsive power, braking and propulsive RFD, fixed-window RFD for static starts.

Every metric here is defined once in :mod:`analysis.forceplate.definitions` (unit, phase, method token,
definition, source); :func:`_metric` builds the :class:`~analysis.metric_rows.Metric` whose ``method`` starts
with that token and appends the parameters that produced the value.

* Power P(t) = F(t)·v(t) with v the impulse–momentum CoM velocity that also gives the take-off velocity
  (metrics-and-reliability.md §1.4, PMC10224001 Table 1); W/kg divides by body mass BW/g.
* Braking RFD: secant from the start of braking (peak negative CoM velocity, McMahon et al. 2018) to the
  peak braking force; propulsive RFD: secant from the start of propulsion (v = 0) to the peak propulsive
  force (jumpmetrics' "average" RFD between events, §1.6). Both are ≥ 0 by construction.
* RFD 0–w ms from the force-rise onset (Maffiuletti et al. 2016) only for jumps from a static hold: in a
  countermovement the first 100 ms after onset are the unweighting dip, so the secant is negative and
  measures how fast the athlete unweights (§1.6); :func:`analysis.forceplate.analyse_jump` never emits it
  for a CMJ.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from analysis.forceplate.definitions import definition
from analysis.forceplate.impulse import G_M_S2, rfd_windows
from analysis.metric_rows import Metric

__all__ = ["propulsive_power_metrics", "phase_rfd_metrics", "static_start_rfd_metrics"]


def _metric(name: str, value: float, parameters: str) -> Metric:
    """A metric whose unit and method token come from its one definition (:mod:`.definitions`)."""
    d = definition(name)
    return Metric(float(value), d.unit, f"{d.method};{parameters}" if parameters else d.method)


def propulsive_power_metrics(
    force_n: np.ndarray,
    velocity_m_s: np.ndarray,
    propulsion: tuple[int, int],
    body_weight_n: float,
    parameters: str,
) -> dict[str, Metric]:
    """Peak and mean propulsive power (W, W/kg) over the propulsion samples [start, take-off].

    Mean power is the time average of F·v over the phase (= work / duration), not mean F × mean v.
    Empty when the propulsion phase has fewer than two samples.
    """
    a, b = propulsion
    if b - a < 2:
        return {}
    power_w = force_n[a : b + 1] * velocity_m_s[a : b + 1]
    mass_kg = body_weight_n / G_M_S2
    peak, mean = float(power_w.max()), float(power_w[:-1].mean())
    return {
        "peak_propulsive_power_w": _metric("peak_propulsive_power_w", peak, parameters),
        "peak_propulsive_power_w_per_kg": _metric("peak_propulsive_power_w_per_kg", peak / mass_kg, parameters),
        "mean_propulsive_power_w": _metric("mean_propulsive_power_w", mean, parameters),
        "mean_propulsive_power_w_per_kg": _metric("mean_propulsive_power_w_per_kg", mean / mass_kg, parameters),
    }


def _secant_to_peak(force_n: np.ndarray, fs_hz: float, start: int, stop: int) -> float | None:
    """(F_peak − F_start)/(t_peak − t_start) with the peak the maximum of [start, stop); None if it is at start."""
    if stop - start < 2:
        return None
    i_peak = start + int(np.argmax(force_n[start:stop]))
    if i_peak == start:
        return None
    return float((force_n[i_peak] - force_n[start]) * fs_hz / (i_peak - start))


def phase_rfd_metrics(
    force_n: np.ndarray,
    fs_hz: float,
    phases: dict[str, tuple[int, int]],
    body_weight_n: float,
    parameters: str,
) -> dict[str, Metric]:
    """Braking RFD (braking start → peak braking force), propulsive RFD (propulsion start → peak propulsive
    force) and the propulsive mean force in BW. A phase too short to hold a peak after its start is skipped."""
    out: dict[str, Metric] = {}
    braking = phases.get("braking", (0, 0))
    rfd = _secant_to_peak(force_n, fs_hz, *braking)
    if rfd is not None:
        out["braking_rfd_n_per_s"] = _metric("braking_rfd_n_per_s", rfd, parameters)
    propulsion = phases.get("propulsion", (0, 0))
    rfd = _secant_to_peak(force_n, fs_hz, *propulsion)
    if rfd is not None:
        out["propulsive_rfd_n_per_s"] = _metric("propulsive_rfd_n_per_s", rfd, parameters)
    a, b = propulsion
    if b > a:
        mean_bw = float(force_n[a:b].mean()) / body_weight_n
        out["propulsion_mean_force_bw"] = _metric("propulsion_mean_force_bw", mean_bw, parameters)
    return out


def static_start_rfd_metrics(
    force_n: np.ndarray,
    fs_hz: float,
    rise_onset: int,
    takeoff_index: int,
    windows_ms: Iterable[float],
    parameters: str,
) -> dict[str, Metric]:
    """RFD 0–w ms (secant from the force-rise onset, Maffiuletti et al. 2016) for a jump from a static hold.

    A window is emitted when it ends before take-off (after it the plate reads no force and the secant measures
    the flight). Windows ending after the peak force are kept, as the definition has it: leaving them out drops
    exactly the trials whose force rises fastest, which biased a between-group RFD comparison (claim C7) down.
    """
    out: dict[str, Metric] = {}
    for w, value in rfd_windows(force_n, fs_hz, rise_onset, windows_ms).items():
        if rise_onset + int(round(w / 1000 * fs_hz)) >= takeoff_index:
            continue
        name = f"rfd_0_{w:g}ms_n_per_s"
        d = definition(name)
        out[name] = Metric(float(value), d.unit, f"secant_from_onset_0_{w:g}ms;{parameters}")
    return out
