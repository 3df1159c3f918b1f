"""Squats, lunges and step-ups (claim C6): peak force, impulse, mid-range mean force, knee joint-force proxy."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from analysis.errors import AnalysisError
from analysis.forceplate._inputs import _as_total_force, _check_fs, _where
from analysis.forceplate.bodyweight import find_quiet_stance, weigh
from analysis.forceplate.events import detect_onset
from analysis.forceplate.impulse import com_kinematics
from analysis.forceplate.settings import ForcePlateSettings
from analysis.metric_rows import Metric, MetricsMixin

__all__ = ["SquatResult", "knee_joint_force_proxy_bw", "analyse_squat"]


@dataclass
class SquatResult(MetricsMixin):
    """Peak force, impulse and mid-range mean force of a squat / lunge / step-up repetition."""

    fs_hz: float
    body_weight_n: float
    phases: dict[str, tuple[int, int]]
    mid_range: tuple[int, int]
    metrics: dict[str, Metric]
    flags: list[str] = field(default_factory=list)


def knee_joint_force_proxy_bw(
    vertical_force_n: ArrayLike,
    knee_flexion_deg: ArrayLike,
    body_weight_n: float,
    *,
    legs_supporting: int = 2,
    shank_length_m: float = 0.43,
    patellar_tendon_moment_arm_m: float = 0.045,
) -> np.ndarray:
    """Quasi-static tibiofemoral compressive-force **proxy** in BW (not inverse dynamics).

    Geometry (documented assumption): each supporting leg carries ``vertical_force_n / legs_supporting``;
    hip vertically above ankle and thigh = shank length, so the shank leans θ/2 from vertical at knee
    flexion θ and the GRF passes vertically through the ankle. The knee extensor moment is then
    M = F_leg · L_shank · sin(θ/2); the quadriceps force M / r_pt (patellar-tendon moment arm r_pt);
    the proxy is the axial GRF component plus the quadriceps force,
    (F_leg · cos(θ/2) + M / r_pt) / BW. Defaults: shank 0.43 m ≈ 0.246 × 1.75 m stature (Winter 2009,
    segment lengths); r_pt 4.5 cm (Nisell 1986 range 4–5 cm, [from memory]). Inertia, co-contraction,
    foot position and trunk lean are ignored: use it to compare conditions of the same movement only.
    """
    f = np.asarray(vertical_force_n, dtype=float)
    theta = np.deg2rad(np.asarray(knee_flexion_deg, dtype=float))
    if f.shape != theta.shape:
        raise AnalysisError(
            f"vertical force {f.shape} and knee angle {theta.shape} must have the same shape "
            "(resample the angle to the force rate first)"
        )
    f_leg = f / legs_supporting
    moment = f_leg * shank_length_m * np.sin(np.abs(theta) / 2)
    return (f_leg * np.cos(theta / 2) + moment / patellar_tendon_moment_arm_m) / body_weight_n


def analyse_squat(
    force_n: ArrayLike,
    fs_hz: float,
    *,
    body_weight_n: float | None = None,
    knee_flexion_deg: ArrayLike | None = None,
    settings: ForcePlateSettings | None = None,
    legs_supporting: int = 2,
    mid_range_pct: tuple[float, float] = (25.0, 75.0),
    source: str | None = None,
) -> SquatResult:
    """Squat, lunge or step-up repetition: peak vGRF, vertical impulse and the C6 mid-range force.

    **Mid-range mean force** (``mid_range_mean_force_bw``, claim C6 "ground-reaction force transfer",
    project definition since the article gives none): mean vertical GRF, in BW, over the samples of the
    **concentric phase** whose position lies between 25 % and 75 % of the phase's range of motion
    (``mid_range_pct``). Position is the knee flexion angle when ``knee_flexion_deg`` is given
    (concentric = from maximal flexion to the end of the movement; range = max − final flexion), else
    the CoM displacement from double integration of (F − BW)/m (concentric = from the lowest CoM to the
    next peak). Movement: onset (Owen 2014, as in jumps) to the end of the record.
    Also reports peak vGRF (N, BW), total vertical impulse ∫F dt and net impulse ∫(F − BW) dt over the
    movement, and with a knee angle ``knee_joint_force_proxy_bw`` (peak and mid-range mean; see
    :func:`knee_joint_force_proxy_bw`).
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    flags: list[str] = []
    if body_weight_n is None:
        quiet = weigh(total, fs, s, source=source)
        bw, noise, wstop, bw_method = quiet.mean_n, quiet.sd_n, quiet.stop_index, quiet.method
        search_start = wstop if wstop < total.size else 0
    else:
        bw, bw_method = float(body_weight_n), "supplied"
        quiet = find_quiet_stance(total, fs, s)
        noise = quiet.sd_n if quiet.is_quiet else 0.01 * bw
        search_start = quiet.stop_index if quiet.is_quiet and quiet.stop_index < total.size else 0
    try:
        onset = detect_onset(total, fs, bw, noise, s, search_start=search_start)
    except AnalysisError:
        onset = 0
        flags.append("no_onset:movement_from_record_start")
    stop = total.size
    tag = f"bw={bw_method};{s.onset_label()}"
    m: dict[str, Metric] = {"body_weight_n": Metric(bw, "N", f"bw={bw_method}")}
    seg = total[onset:stop]
    m["peak_force_n"] = Metric(float(seg.max()), "N", f"max_onset_to_end;{tag}")
    m["peak_force_bw"] = Metric(float(seg.max() / bw), "BW", f"max_onset_to_end/bw;{tag}")
    m["vertical_impulse_n_s"] = Metric(float(np.trapezoid(seg, dx=1 / fs)), "N*s", f"trapezoid(F);{tag}")
    m["net_vertical_impulse_n_s"] = Metric(float(np.trapezoid(seg - bw, dx=1 / fs)), "N*s", f"trapezoid(F-BW);{tag}")
    lo_pct, hi_pct = mid_range_pct
    if knee_flexion_deg is not None:
        knee = np.asarray(knee_flexion_deg, dtype=float)
        if knee.shape != total.shape:
            raise AnalysisError(
                f"{_where(source)}knee angle has {knee.shape} samples, force {total.shape}: "
                "resample the angle to the force sampling rate first"
            )
        pos = -knee  # extension is "up"
        basis = "knee_flexion_angle"
    else:
        _, _, disp = com_kinematics(total, fs, bw, onset)
        pos = disp
        basis = "com_displacement"
    bottom = onset + int(np.argmin(pos[onset:stop]))
    top = bottom + int(np.argmax(pos[bottom:stop]))
    phases = {"eccentric": (onset, bottom), "concentric": (bottom, top)}
    rom = pos[top] - pos[bottom]
    if top <= bottom + 1 or rom <= 0:
        raise AnalysisError(f"{_where(source)}no concentric phase found ({basis} never rises after its minimum)")
    frac = (pos[bottom : top + 1] - pos[bottom]) / rom * 100
    sel = np.flatnonzero((frac >= lo_pct) & (frac <= hi_pct))
    if sel.size == 0:
        raise AnalysisError(
            f"{_where(source)}no sample of the concentric phase lies in {lo_pct:g}-{hi_pct:g} % "
            f"of its range of motion ({basis}); the record is too coarse"
        )
    mid_idx = bottom + sel
    mid = (int(mid_idx[0]), int(mid_idx[-1]) + 1)
    mtag = f"mean_F/bw_concentric_{lo_pct:g}-{hi_pct:g}pct_of_{basis};{tag}"
    m["mid_range_mean_force_n"] = Metric(float(total[mid_idx].mean()), "N", mtag)
    m["mid_range_mean_force_bw"] = Metric(float(total[mid_idx].mean() / bw), "BW", mtag)
    m["concentric_duration_s"] = Metric((top - bottom) / fs, "s", f"{basis}_min_to_max;{tag}")
    m["eccentric_duration_s"] = Metric((bottom - onset) / fs, "s", f"onset_to_{basis}_min;{tag}")
    m["concentric_mean_force_bw"] = Metric(float(total[bottom:top].mean() / bw), "BW", f"{basis};{tag}")
    if knee_flexion_deg is not None:
        proxy = knee_joint_force_proxy_bw(total, knee, bw, legs_supporting=legs_supporting)
        ptag = f"quasi_static_proxy(legs={legs_supporting},shank=0.43m,r_pt=0.045m);not_inverse_dynamics;{tag}"
        m["peak_knee_joint_force_proxy_bw"] = Metric(float(proxy[onset:stop].max()), "BW", ptag)
        m["mid_range_knee_joint_force_proxy_bw"] = Metric(float(proxy[mid_idx].mean()), "BW", f"{mtag};{ptag}")
    return SquatResult(fs, bw, phases, mid, m, flags)
