"""Kinematics: knee flexion, knee FPPA (valgus; C3, C9) and pelvic obliquity (hip hiking; C2) of squats and
step-ups, written as generic 200 Hz CSV with their per-trial truth."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis.simulate.builder import StudyBuilder
from analysis.simulate.constants import KIN_FS_HZ
from analysis.simulate.profiles import _concentric_duration, knee_profile
from analysis.simulate.writers import write_generic_csv


def kinematics_trial(
    b: StudyBuilder,
    sid: str,
    session: str,
    tid: str,
    ex: str,
    value: float,
    u_written: str,
    phase: str,
    load_kg: float,
    mass: float,
    fppa_subj: float,
    po_subj: float,
    velocity_factor: float,
    hip_hike_shift: float,
    note: str = "",
    knee_max: float | None = None,
    durations: tuple[float, Any] | None = None,
    rest_s: float | None = None,
    knee_window: tuple[float, float] | None = None,
    after_s: float | None = None,
) -> np.ndarray:
    """A kinematics CSV of one repetition (rest, eccentric, concentric, rest) and its truth rows; returns the
    noise-free knee flexion (deg)."""
    kin, e, rng = b.p["kinematics"], b.p["emg"], b.rng
    pct = 100 * load_kg / mass
    psi = kin["psi0_pct_bw"] + kin["psi1_pct_bw_per_kg"] * (mass - 75.0)
    fppa_peak = (
        fppa_subj
        + kin["fppa_slope_deg_per_pct_bw"] * pct
        + kin["hinge_slope_deg_per_pct_bw"] * max(pct - psi, 0.0)
        + rng.normal(0, kin["fppa_deg"]["residual_sd"])
    )
    ecc_s, con = durations or e["durations_s"][ex]
    if not isinstance(con, tuple):
        con = con / (velocity_factor * math.exp(kin["knee_ext_velocity_log_per_pct_bw"] * pct))
    knee_max = knee_max or kin["knee_flexion_max_deg"][ex]
    rest = e["rest_s"] if rest_s is None else rest_s
    after = rest if after_s is None else after_s
    ns = int(round((rest + ecc_s + _concentric_duration(con) + after) * KIN_FS_HZ))
    t = np.arange(ns) / KIN_FS_HZ
    q = knee_profile(t - rest, ecc_s, con, knee_window)
    knee = knee_max * q
    vel = np.gradient(knee, 1 / KIN_FS_HZ)
    # exact peak extension velocity on a fine grid (quintic: 1.875 ROM / T)
    tf = np.linspace(ecc_s, ecc_s + _concentric_duration(con), 4001)
    qf = knee_profile(tf, ecc_s, con, knee_window)
    peak_ext_vel = float(np.max(-np.diff(qf) / np.diff(tf)) * knee_max)
    po_peak = po_subj + hip_hike_shift + rng.normal(0, kin["pelvic_obliquity_deg"]["residual_sd"])
    noise = lambda: rng.normal(0, kin["noise_deg"], ns)  # noqa: E731
    f = f"raw/{sid}/{tid}.csv"
    write_generic_csv(
        b.root / f,
        KIN_FS_HZ,
        {
            "knee_flexion [deg]": knee + noise(),
            "knee_flexion_velocity [deg/s]": vel,
            "knee_fppa [deg]": fppa_peak * q + noise(),
            "pelvic_obliquity [deg]": po_peak * q + noise(),
        },
    )
    b.truth(tid, "peak_knee_fppa_deg", fppa_peak, "deg", definition="FPPA at maximal knee flexion (noise-free)")
    b.truth(
        tid,
        "peak_knee_extension_velocity_deg_s",
        peak_ext_vel,
        "deg/s",
        definition="max of -d(knee flexion)/dt in the concentric phase (noise-free)",
    )
    b.truth(tid, "peak_pelvic_obliquity_deg", po_peak, "deg", definition="peak pelvic obliquity (hip hiking)")
    b.truth(tid, "knee_valgus_threshold_pct_bw", psi, "%BW", definition="ψ(m) = ψ0 + ψ1 (m - 75 kg)")
    b.trial(
        subject_id=sid,
        session=session,
        trial_id=tid,
        exercise=ex,
        load_per_ankle=value,
        load_unit=u_written,
        load_phase=phase,
        kind="kinematics",
        file=f,
        notes=note,
    )
    return knee
