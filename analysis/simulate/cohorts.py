"""The acute and training cohorts: which subjects, which trials each subject gets, and in which order.

The order of the calls is the order of the draws from the study's one random generator, so it fixes the files
a seed gives: keep it when editing (tests/test_simulate.py checks determinism; the demo study's hashes change
with any reordering).
"""

from __future__ import annotations

import math

import numpy as np

from analysis.simulate.builder import StudyBuilder
from analysis.simulate.constants import C1_COMPOUND_EXERCISES, C1_FIT_MAX_LOAD_LB, EXERCISES_EMG, LB_KG, MUSCLES
from analysis.simulate.emg import SubjectEMG, c5_sets, exercise_set_trial, mvc_trials
from analysis.simulate.forceplate import c6_squats, cmj_plates_trial, fz_text_jump_trial
from analysis.simulate.kinematics import kinematics_trial


# -- acute cohort (C1, C3, C5, C6, C9) ----------------------------------------------------------------
def acute_cohort(b: StudyBuilder, n: int) -> None:
    """Subjects A01..: MVCs, EMG sets of every exercise over the load grid (with squat/step-up kinematics and CMJ
    force plates), C6 squats and C5 protocol sets."""
    rng, p = b.rng, b.p
    e, kin, cmj = p["emg"], p["kinematics"], p["cmj"]
    subjects = b.new_subjects("A", n, lambda i: "acute")
    n_m = len(MUSCLES)
    labels = [f"EMG {i + 1}" for i in range(n_m)]
    # subject-level random effects, drawn in blocks
    u_subj = rng.normal(0, e["subject_log_sd"], n)
    u_sm = rng.normal(0, e["subject_muscle_log_sd"], (n, n_m))
    mvc_amp = e["mvc_arv_v"]["median"] * np.exp(rng.normal(0, e["mvc_arv_v"]["log_sd"], (n, n_m)))
    slope_sd_x = e["slope_sd_per_pct_bw"] / (75 / 100 / LB_KG / 4)
    u_slope = rng.normal(0, slope_sd_x, (n, n_m))
    fppa0 = rng.normal(kin["fppa_deg"]["mean"], kin["fppa_deg"]["sd"], n)
    po0 = rng.normal(kin["pelvic_obliquity_deg"]["mean"], kin["pelvic_obliquity_deg"]["sd"], n)
    h0 = cmj["jump_height_m"]["median"] * np.exp(rng.normal(0, cmj["jump_height_m"]["log_sd"], n))
    pf0 = rng.normal(cmj["peak_force_bw"]["mean"], cmj["peak_force_bw"]["sd"], n)
    c5 = p["c5"]
    c5_u = rng.normal(0, c5["subject_muscle_log_sd"], (n, n_m))  # per muscle, protocol-independent
    for si, subj in enumerate(subjects):
        sid, mass = subj["subject_id"], subj["body_mass_kg"]
        unit = "lb" if si % 2 == 0 else "kg"
        c3d_units = "mm" if si % 2 == 0 else "m"
        session = "acute"
        mvc_plateau = mvc_trials(b, sid, session, mvc_amp[si], labels)
        subject = SubjectEMG(labels, u_subj[si], u_sm[si], u_slope[si], mvc_amp[si], mvc_plateau)
        # dynamic trials: compound exercises on the full grid, as sets of `set_reps` reps inside the C1 window;
        # CMJ (EMG + plates) and walking on the sparse grid, one rep
        design = b.p["design"]
        for ex in EXERCISES_EMG:
            compound = ex in C1_COMPOUND_EXERCISES
            for pct in design["loads_pct_bw"] if compound else design["sparse_loads_pct_bw"]:
                value, u_written, load_kg = b.load_cell(pct * mass / 100, unit)
                load_lb = load_kg / LB_KG
                x = load_lb / 4
                reps = int(design["set_reps"]) if compound and load_lb <= C1_FIT_MAX_LOAD_LB + 1e-9 else 1
                phase = "none" if load_kg == 0 else "full_range"
                tid = f"{sid}-{session}-{ex}-L{pct:02d}"
                exercise_set_trial(b, subject, sid, session, tid, ex, reps, x, value, u_written, phase)
                if ex in ("squat", "step_up"):
                    kinematics_trial(
                        b,
                        sid,
                        session,
                        f"{tid}-kin",
                        ex,
                        value,
                        u_written,
                        phase,
                        load_kg,
                        mass,
                        fppa0[si],
                        po0[si],
                        1.0,
                        0.0,
                        note=f"same repetition as {tid}-emg" if reps == 1 else f"first repetition of the set {tid}-emg",
                    )
                if ex == "cmj":
                    cmj_plates_trial(
                        b, sid, session, tid, mass, load_kg, value, u_written, phase, h0[si], pf0[si], c3d_units
                    )
        c6_squats(b, sid, session, mass, unit, c3d_units, fppa0[si], po0[si])
        # C5: EMG sets of one exercise under a sustained low-load and a brief high-load protocol
        c5_sets(b, sid, session, mass, unit, labels, u_subj[si] + u_sm[si] + c5_u[si], mvc_amp[si], mvc_plateau)


# -- training cohort (C2, C4, C7) -------------------------------------------------------------------
def training_cohort(b: StudyBuilder, n_per_arm: int) -> None:
    """Subjects T01.. randomised to the training arms: pre/post CMJ and SJ (Fz text), step-up kinematics, JPS."""
    rng, p = b.rng, b.p
    tr, cmj, sj, kin = p["training"], p["cmj"], p["sj"], p["kinematics"]
    arms = tr["arms"]
    n = n_per_arm * len(arms)
    allocation = np.repeat(arms, n_per_arm)
    rng.shuffle(allocation)
    subjects = b.new_subjects("T", n, lambda i: str(allocation[i]))
    h0 = cmj["jump_height_m"]["median"] * np.exp(rng.normal(0, cmj["jump_height_m"]["log_sd"], n))
    eur0 = sj["eur"]["median"] * np.exp(rng.normal(0, sj["eur"]["log_sd"], n))
    rfd0 = sj["rfd_0_100_n_per_s"]["median"] * np.exp(rng.normal(0, sj["rfd_0_100_n_per_s"]["log_sd"], n))
    pf_cmj = rng.normal(cmj["peak_force_bw"]["mean"], cmj["peak_force_bw"]["sd"], n)
    pf_sj = rng.normal(sj["peak_force_bw"]["mean"], sj["peak_force_bw"]["sd"], n)
    vel0 = np.exp(rng.normal(0, tr["subject_velocity_log_sd"], n))
    po0 = rng.normal(kin["pelvic_obliquity_deg"]["mean"], kin["pelvic_obliquity_deg"]["sd"], n)
    jps0 = rng.normal(tr["jps_abs_error_deg"]["mean"], tr["jps_abs_error_deg"]["sd"], n)
    load_low_pct_bw, load_high_pct_bw = tr["training_load_pct_bw"]
    load_pct = rng.uniform(load_low_pct_bw, load_high_pct_bw, n)
    for si, subj in enumerate(subjects):
        sid, mass, arm = subj["subject_id"], subj["body_mass_kg"], subj["group"]
        trained = arm != "control"
        b.measures.append(
            {
                "subject_id": sid,
                "session": "pre",
                "measure": "training_load_pct_bw",
                "value": round(float(load_pct[si]) if trained else 0.0, 2),
                "unit": "%BW",
                "condition": arm,
                "notes": "per-ankle load used in the 8-week training block",
            }
        )
        for session in ("pre", "post"):
            post = session == "post"
            d_cmj = tr["cmj_log_change"][arm] if post else 0.0
            d_sj = tr["sj_log_change"][arm] if post else 0.0
            d_rfd = tr["rfd_log_change"]["trained" if trained else "control"] if post else 0.0
            d_vel = tr["knee_ext_velocity_log_change"]["trained" if trained else "control"] if post else 0.0
            d_hh = tr["hip_hike_change_deg"]["trained" if trained else "control"] if post else 0.0
            d_jps = tr["jps_change_deg"][arm] if post else 0.0
            for kind, h_base, pf, countermovement in (
                ("cmj", h0[si] * math.exp(d_cmj), pf_cmj[si], True),
                ("sj", h0[si] / eur0[si] * math.exp(d_sj), pf_sj[si], False),
            ):
                for rep in (1, 2):
                    fz_text_jump_trial(b, sid, session, kind, rep, mass, h_base, pf, rfd0[si], d_rfd, countermovement)
            vf = vel0[si] * math.exp(d_vel + rng.normal(0, tr["velocity_trial_log_sd"]))
            kinematics_trial(
                b,
                sid,
                session,
                f"{sid}-{session}-step_up-kin",
                "step_up",
                0.0,
                "",
                "none",
                0.0,
                mass,
                0.0,
                po0[si],
                vf,
                d_hh,
                note="unloaded step-up test",
            )
            jps = max(0.2, jps0[si] + d_jps + rng.normal(0, tr["jps_abs_error_deg"]["residual_sd"]))
            b.measures.append(
                {
                    "subject_id": sid,
                    "session": session,
                    "measure": "jps_abs_error_deg",
                    "value": round(jps, 3),
                    "unit": "deg",
                    "condition": arm,
                    "notes": "knee joint-position sense, absolute angular error",
                }
            )
