"""Countermovement, squat and drop jumps: events, McMahon et al. 2018 phases, jump metrics, asymmetry.

Jump height from the take-off velocity (impulse–momentum, integrated from the movement onset with v = 0)
and from the flight time; propulsive power, phase-anchored RFD (fixed-window RFD only from a static start),
phase durations, impulses and peak forces; left/right asymmetry with two plates. Weighing and onset are tied
to the jump: the last quiet stance before take-off, the onset searched backwards from the movement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.integrate import cumulative_trapezoid

from analysis.errors import AnalysisError
from analysis.forceplate._inputs import _as_total_force, _check_fs, _where
from analysis.forceplate.bodyweight import find_quiet_stance, quiet_window_ending_at, weigh
from analysis.forceplate.checks import check_jump_heights
from analysis.forceplate.events import flight_periods, onset_before_takeoff
from analysis.forceplate.impulse import G_M_S2, com_kinematics, peak_rfd
from analysis.forceplate.phase_metrics import phase_rfd_metrics, propulsive_power_metrics, static_start_rfd_metrics
from analysis.forceplate.settings import ForcePlateSettings
from analysis.metric_rows import Metric, MetricsMixin

__all__ = ["PHASES", "JumpResult", "analyse_jump", "asymmetry_pct"]


def asymmetry_pct(left: ArrayLike, right: ArrayLike) -> np.ndarray:
    """Bilateral asymmetry 100·(L − R)/max(L, R) (signed: positive = left larger)."""
    left_arr = np.asarray(left, dtype=float)
    right_arr = np.asarray(right, dtype=float)
    denom = np.maximum(np.abs(left_arr), np.abs(right_arr))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 100 * (left_arr - right_arr) / denom, 0.0)


PHASES = ("weighing", "unweighting", "braking", "propulsion", "flight", "landing")


@dataclass
class JumpResult(MetricsMixin):
    """Events (sample indices), McMahon et al. 2018 phases and metrics of one jump."""

    jump_type: str
    fs_hz: float
    body_weight_n: float
    body_weight_method: str
    events: dict[str, int]
    phases: dict[str, tuple[int, int]]
    metrics: dict[str, Metric]
    velocity_m_s: np.ndarray | None = field(repr=False, default=None)  # CoM velocity, analyse_jump fills it
    displacement_m: np.ndarray | None = field(repr=False, default=None)  # CoM displacement, likewise
    flags: list[str] = field(default_factory=list)

    @property
    def event_times_s(self) -> dict[str, float]:
        return {k: v / self.fs_hz for k, v in self.events.items()}

    def phase_table(self) -> pd.DataFrame:
        rows = [
            {
                "phase": p,
                "start_index": a,
                "stop_index": b,
                "start_s": a / self.fs_hz,
                "duration_s": (b - a) / self.fs_hz,
            }
            for p, (a, b) in self.phases.items()
        ]
        return pd.DataFrame(rows)


def _jump_weighing(
    total: np.ndarray,
    fs: float,
    s: ForcePlateSettings,
    region: tuple[int, int],
    flights: np.ndarray,
    body_weight_n: float | None,
    source: str | None,
) -> tuple[float, float, tuple[int, int], str, list[str]]:
    """(body weight N, noise SD N, weighing (start, stop), method, flags) from the quiet stance in ``region``."""
    flags: list[str] = []
    anchor = s.jump_weighing_anchor
    if body_weight_n is not None:
        quiet = find_quiet_stance(total, fs, s, region=region, anchor=anchor)
        if quiet.is_quiet:
            noise = quiet.sd_n
            window = (quiet.start_index, quiet.stop_index)
        else:
            flags.append("no_quiet_stance:noise_sd_from_flight")
            window = (region[0], region[0])
            noise = float("nan")
        if not np.isfinite(noise) and flights.size:
            a, b = flights[0]
            inner = total[a:b]
            noise = float(np.std(inner)) if inner.size > 2 else 1.0
        if not np.isfinite(noise):
            noise = 1.0
        return float(body_weight_n), noise, window, "supplied", flags
    quiet = weigh(total, fs, s, region=region, source=source, anchor=anchor)
    return quiet.mean_n, quiet.sd_n, (quiet.start_index, quiet.stop_index), quiet.method, flags


def _weigh_and_find_onset(
    total: np.ndarray,
    fs: float,
    s: ForcePlateSettings,
    takeoff: int,
    flights: np.ndarray,
    body_weight_n: float | None,
    source: str | None,
) -> tuple[float, float, tuple[int, int], str, list[str], int, int]:
    """Weighing and movement onset tied to the jump (metrics-and-reliability.md §1.2), iterated once:
    weigh the quietest window of the last quiet stance before take-off, find the onset backwards from the
    movement's landmark, re-weigh on the quiet window ending at that onset (if it is quiet), find the onset again.

    Returns (BW, noise SD, weighing window, BW method, flags, onset, band crossing)."""
    bw, noise, window, method, flags = _jump_weighing(total, fs, s, (0, takeoff), flights, body_weight_n, source)
    onset, crossing = onset_before_takeoff(total, fs, bw, noise, takeoff, s, search_start=window[1])
    if method != "supplied" and s.jump_weighing_anchor == "last":
        quiet = quiet_window_ending_at(total, fs, onset, s)
        if quiet is not None:
            bw, noise, window, method = quiet.mean_n, quiet.sd_n, (quiet.start_index, quiet.stop_index), quiet.method
            onset, crossing = onset_before_takeoff(total, fs, bw, noise, takeoff, s, search_start=window[1])
    return bw, noise, window, method, flags, onset, crossing


def _velocity_back_from_takeoff(
    total: np.ndarray, fs: float, bw: float, contact: int, takeoff: int, takeoff_velocity_m_s: float
) -> np.ndarray:
    """Drop-jump CoM velocity over [contact, take-off] integrated backwards from the take-off velocity
    (v_to = g·t_f/2 from the flight time) when the drop height is unknown (metrics-and-reliability.md §1.1)."""
    acc = (total[contact : takeoff + 1] - bw) * G_M_S2 / bw
    cum = cumulative_trapezoid(acc, dx=1 / fs, initial=0.0)
    return takeoff_velocity_m_s - (cum[-1] - cum)


def analyse_jump(
    force_n: ArrayLike,
    fs_hz: float,
    jump_type: str = "cmj",
    *,
    body_weight_n: float | None = None,
    settings: ForcePlateSettings | None = None,
    plate_sides: Sequence[str] | None = None,
    drop_height_m: float | None = None,
    source: str | None = None,
) -> JumpResult:
    """Analyse a countermovement (``cmj``), squat (``sj``) or drop jump (``dj``).

    ``force_n``: vertical GRF, ``(n,)`` or ``(n, n_plates)`` (summed). With two plates and
    ``plate_sides=("left", "right")`` (in column order) left/right asymmetries are added.
    ``body_weight_n``: supply the weight (another trial, subjects.csv) when this trial has no quiet
    stance; otherwise the last quiet stance before the movement is weighed (see :func:`weigh`; raises
    AnalysisError without quiet stance), and the movement onset is searched backwards from the jump.
    Drop jumps start off the plate: contact time, flight time, flight-time jump height and RSI are
    always reported; the impulse jump height only with ``drop_height_m`` (touch-down velocity
    −sqrt(2 g h)); without it the contact velocity is integrated backwards from the flight-time take-off
    velocity (for phases and power). Drop-jump body weight is weighed after the final landing.

    Metrics are defined once in :mod:`analysis.forceplate.definitions`; RFD 0–w ms is emitted only for a
    squat jump that starts from a static hold (never for a CMJ, where it would measure the unweighting).
    A :class:`ForcePlateWarning` (and a flag) reports impulse and flight-time jump heights that disagree by
    more than ``settings.jump_height_disagreement_max_m``.
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    jump_type = jump_type.lower()
    if jump_type not in ("cmj", "sj", "dj"):
        raise AnalysisError(f"{_where(source)}jump_type must be 'cmj', 'sj' or 'dj', got {jump_type!r}")
    total, per_plate = _as_total_force(force_n)
    flights = flight_periods(total, fs, s)
    # a leading unloaded run is the drop, not a flight
    leading = flights[flights[:, 0] == 0] if flights.size else flights
    inner = flights[(flights[:, 0] > 0) & (flights[:, 1] < total.size)] if flights.size else flights
    if jump_type == "dj" and leading.size == 0:
        raise AnalysisError(
            f"{_where(source)}drop jump expected to start off the plate (force < "
            f"{s.takeoff_threshold_n:g} N); it starts loaded -- is this a CMJ/SJ?"
        )
    if inner.size == 0:
        raise AnalysisError(
            f"{_where(source)}no flight phase (force < {s.takeoff_threshold_n:g} N for >= "
            f"{s.min_flight_s:g} s between two contacts): not a jump, or the record is cut"
        )
    takeoff, landing = int(inner[0, 0]), int(inner[0, 1])
    if jump_type == "dj":
        region = (int(inner[-1, 1]), total.size)
        bw, noise_sd, weigh_win, bw_method, flags = _jump_weighing(total, fs, s, region, inner, body_weight_n, source)
        crossing = -1
    else:
        bw, noise_sd, weigh_win, bw_method, flags, start, crossing = _weigh_and_find_onset(
            total, fs, s, takeoff, inner, body_weight_n, source
        )
    mass = bw / G_M_S2
    tag_thr = f"takeoff_threshold_n={s.takeoff_threshold_n:g},landing_threshold_n={s.landing_threshold_n:g}"
    tag_bw = f"bw={bw_method}"
    m: dict[str, Metric] = {}
    events: dict[str, int] = {"takeoff": takeoff, "landing": landing}
    phases: dict[str, tuple[int, int]] = {}

    flight_time = (landing - takeoff) / fs
    jh_flight = G_M_S2 * flight_time**2 / 8
    m["body_weight_n"] = Metric(bw, "N", tag_bw)
    m["flight_time_s"] = Metric(flight_time, "s", f"flight_time;{tag_thr}")
    m["jump_height_flight_m"] = Metric(jh_flight, "m", f"flight_time:g*tf^2/8;{tag_thr}")

    if jump_type == "dj":
        contact = int(leading[0, 1])
        events["contact"] = contact
        contact_time = (takeoff - contact) / fs
        m["contact_time_s"] = Metric(contact_time, "s", f"contact_to_takeoff;{tag_thr}")
        m["rsi_m_per_s"] = Metric(jh_flight / contact_time, "m/s", f"jump_height_flight/contact_time;{tag_thr}")
        m["flight_contact_ratio"] = Metric(flight_time / contact_time, "1", f"flight_time/contact_time;{tag_thr}")
        start = contact
        v0 = -np.sqrt(2 * G_M_S2 * drop_height_m) if drop_height_m is not None else 0.0
    else:
        events["onset"] = start
        v0 = 0.0
    acc, vel, disp = com_kinematics(total, fs, bw, start, v0)
    if jump_type == "dj" and drop_height_m is None:
        vel[start : takeoff + 1] = _velocity_back_from_takeoff(total, fs, bw, start, takeoff, G_M_S2 * flight_time / 2)
        tag_int = f"impulse_momentum:trapezoid_back_from_takeoff(v_to=g*tf/2);{tag_bw};contact;{tag_thr}"
    else:
        tag_int = (
            f"impulse_momentum:trapezoid_from_{'contact' if jump_type == 'dj' else 'onset'};{tag_bw};"
            f"{s.onset_label() if jump_type != 'dj' else 'contact'};{tag_thr}"
        )
    vel_to = float(vel[takeoff])
    if jump_type != "dj" or drop_height_m is not None:
        m["takeoff_velocity_m_s"] = Metric(vel_to, "m/s", tag_int)
        m["jump_height_impulse_m"] = Metric(vel_to**2 / (2 * G_M_S2) if vel_to > 0 else 0.0, "m", tag_int)
        m["takeoff_momentum_kg_m_s"] = Metric(mass * vel_to, "kg*m/s", tag_int)

    # McMahon et al. 2018 phases
    if jump_type == "dj":
        rising = np.flatnonzero(vel[start:takeoff] >= 0)
        ecc_end = start + int(rising[0]) if rising.size else takeoff
        phases["braking"] = (start, ecc_end)
        phases["propulsion"] = (ecc_end, takeoff)
        events["zero_velocity"] = ecc_end
    else:
        phases["weighing"] = (int(weigh_win[0]), int(min(weigh_win[1], start)))
        pre = vel[start:takeoff]
        i_min = int(np.argmin(pre))
        if pre[i_min] < -s.countermovement_min_velocity_m_s:
            pk = start + i_min
            after = np.flatnonzero(vel[pk:takeoff] >= 0)
            zero = pk + int(after[0]) if after.size else takeoff
            phases["unweighting"] = (start, pk)
            phases["braking"] = (pk, zero)
            phases["propulsion"] = (zero, takeoff)
            events["peak_negative_velocity"] = pk
            events["zero_velocity"] = zero
            if jump_type == "sj":
                flags.append("countermovement_in_squat_jump")
        else:
            phases["unweighting"] = (start, start)
            phases["braking"] = (start, start)
            phases["propulsion"] = (start, takeoff)
    phases["flight"] = (takeoff, landing)
    # landing: touch-down until the CoM stops (v back to 0)
    v_td = vel_to - G_M_S2 * flight_time if "takeoff_velocity_m_s" in m else -G_M_S2 * flight_time / 2
    _, v_land, _ = com_kinematics(total[landing:], fs, bw, 0, v_td)
    stop_rel = np.flatnonzero(v_land >= 0)
    land_end = landing + (int(stop_rel[0]) if stop_rel.size else v_land.size)
    if not stop_rel.size:
        flags.append("landing_not_completed_in_record")
    phases["landing"] = (landing, land_end)
    events["landing_end"] = land_end

    net = total - bw
    for name in ("unweighting", "braking", "propulsion", "landing"):
        if name not in phases:
            continue
        a, b = phases[name]
        dur = (b - a) / fs
        m[f"{name}_duration_s"] = Metric(dur, "s", f"mcmahon2018;{tag_int}")
        imp = float(np.trapezoid(net[a : b + 1], dx=1 / fs)) if b > a else 0.0
        m[f"{name}_net_impulse_n_s"] = Metric(imp, "N*s", f"trapezoid(F-BW);{tag_int}")
        if b > a:
            m[f"{name}_mean_force_n"] = Metric(float(total[a:b].mean()), "N", f"mcmahon2018;{tag_int}")
    m.update(phase_rfd_metrics(total, fs, phases, bw, tag_int))
    m.update(propulsive_power_metrics(total, vel, phases["propulsion"], bw, tag_int))
    if jump_type != "dj":
        ttt = (takeoff - start) / fs
        m["time_to_takeoff_s"] = Metric(ttt, "s", f"onset_to_takeoff;{s.onset_label()};{tag_thr}")
        if "jump_height_impulse_m" in m and ttt > 0:
            m["rsi_modified_m_per_s"] = Metric(
                m["jump_height_impulse_m"].value / ttt, "m/s", f"jump_height_impulse/time_to_takeoff;{tag_int}"
            )
        m["countermovement_depth_m"] = Metric(float(disp[start:takeoff].min()), "m", f"double_integration;{tag_int}")
    if jump_type == "sj" and "countermovement_in_squat_jump" not in flags:
        # a static start: RFD windows from the force-rise onset (Maffiuletti 2016); never for a countermovement
        if s.rfd_onset == "baseline_crossing":
            sign = np.sign(total[crossing] - bw)
            before = np.flatnonzero(sign * (total[:crossing] - bw) <= 0)
            rfd_start = int(before[-1]) if before.size else crossing
            rfd_label = f"rfd_onset=last_bw_crossing_before_{s.onset_label().split('=', 1)[1].rsplit('-', 1)[0]}"
        else:
            rfd_start, rfd_label = start, s.onset_label()
        events["rfd_onset"] = rfd_start
        m.update(static_start_rfd_metrics(total, fs, rfd_start, takeoff, s.rfd_windows_ms, f"{rfd_label};{tag_bw}"))
    prfd, _ = peak_rfd(total, fs, start, takeoff, s.peak_rfd_window_ms)
    m["peak_rfd_n_per_s"] = Metric(prfd, "N/s", f"max_secant_{s.peak_rfd_window_ms:g}ms_start_to_takeoff;{tag_thr}")

    def peak(name: str, a: int, b: int, label: str) -> None:
        if b > a:
            val = float(total[a:b].max())
            m[f"{name}_n"] = Metric(val, "N", f"max_{label};{tag_int}")
            m[f"{name}_bw"] = Metric(val / bw, "BW", f"max_{label}/bw;{tag_int}")

    peak("peak_force", start, takeoff, "start_to_takeoff")
    peak("peak_propulsive_force", *phases["propulsion"], "propulsion")
    peak("peak_braking_force", *phases["braking"], "braking")
    la, lb = phases["landing"]
    if lb <= la + 1:  # too short to see a peak: look at the first 0.5 s of contact
        lb = min(total.size, la + int(0.5 * fs))
    peak("peak_landing_force", la, lb, "landing")
    if lb > la + 1:
        ipk = la + int(np.argmax(total[la:lb]))
        if ipk > la:
            lr = (total[ipk] - total[la]) * fs / (ipk - la)
            m["landing_loading_rate_n_per_s"] = Metric(float(lr), "N/s", f"touchdown_to_peak_landing_force;{tag_thr}")
            m["landing_loading_rate_bw_per_s"] = Metric(
                float(lr / bw), "BW/s", f"touchdown_to_peak_landing_force/bw;{tag_thr}"
            )

    if per_plate is not None and plate_sides is not None:
        _add_asymmetry(m, per_plate, plate_sides, phases, bw, fs, source)
    check_jump_heights(m, flags, s.jump_height_disagreement_max_m, source)

    return JumpResult(jump_type, fs, bw, bw_method, events, phases, m, vel, disp, flags)


def _add_asymmetry(
    m: dict[str, Metric],
    per_plate: np.ndarray,
    plate_sides: Sequence[str],
    phases: Mapping[str, tuple[int, int]],
    bw: float,
    fs: float,
    source: str | None,
) -> None:
    """Adds left/right asymmetry of net impulse and peak force per phase to ``m`` (two plates)."""
    sides = [str(x).lower() for x in plate_sides]
    if per_plate.shape[1] != 2 or sorted(sides) != ["left", "right"]:
        raise AnalysisError(
            f"{_where(source)}asymmetry needs two plates with plate_sides=('left','right') "
            f"in column order; got {per_plate.shape[1]} plates and {plate_sides}"
        )
    left = per_plate[:, sides.index("left")]
    right = per_plate[:, sides.index("right")]
    half = bw / 2
    method = "100*(L-R)/max(L,R);each_plate_vs_bw/2"
    for name in ("braking", "propulsion"):
        a, b = phases.get(name, (0, 0))
        if b > a:
            il = np.trapezoid(left[a : b + 1] - half, dx=1 / fs)
            ir = np.trapezoid(right[a : b + 1] - half, dx=1 / fs)
            m[f"asymmetry_{name}_net_impulse_pct"] = Metric(float(asymmetry_pct(il, ir)), "%", method)
            m[f"asymmetry_peak_{name}_force_pct"] = Metric(
                float(asymmetry_pct(left[a:b].max(), right[a:b].max())), "%", "100*(L-R)/max(L,R)"
            )
    a, b = phases["landing"]
    if b > a:
        m["asymmetry_peak_landing_force_pct"] = Metric(
            float(asymmetry_pct(left[a:b].max(), right[a:b].max())), "%", "100*(L-R)/max(L,R)"
        )
