"""Table-level simulator: a study drawn straight at the level of the tidy claim tables (no signals, ~10 ms).

It draws from the same generative model as the signal simulator (:mod:`analysis.simulate.cohorts`): the parameters
come from :func:`analysis.simulate.scenarios.scenario_parameters` and the sizes from ``SIZES_SPEC``; where the
signal path adds measurement (envelope averaging, impulse-momentum) the table path adds that noise as one term.
Used by the calibration benchmark (``anklelab bench calibration``), which needs thousands of studies.

Simplifications, each small against the effects judged (tests/test_calibration.py checks table- and signal-level
estimates agree in mean): loads are exact (no rounding of the written kg/lb value); the C6 mid/full ratios are the
75 kg solution for every subject (the mass dependence is < 0.5 %); jump heights and RFD carry their trial CV only;
exposure is one row per athlete for the whole 26 weeks (a sum of weekly Poisson counts is Poisson).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd

from analysis.claims.tables import ClaimTables
from analysis.simulate.constants import C1_COMPOUND_EXERCISES, C1_FIT_MAX_LOAD_LB, LB_KG, SEASON_START
from analysis.simulate.design import ENVELOPE_MEAN_LOG_SD
from analysis.simulate.scenarios import SIZES_SPEC, scenario_parameters

__all__ = ["simulate_claim_tables", "study_parameters"]

#: the muscles the claims read (C1: glute max, MG; C5: soleus, MG, VL)
_CLAIM_MUSCLES = ("gluteus_maximus", "gastrocnemius_medialis", "soleus", "vastus_lateralis")


@functools.lru_cache(maxsize=8)
def _c6_ratios(scenario: str) -> tuple[float, float]:
    """Mid/full GRF and joint-force ratios of the scenario, solved once at 75 kg (as truth.json)."""
    from analysis.simulate.forceplate import c6_mid_range_ratios

    sol = c6_mid_range_ratios(75.0, scenario_parameters(scenario)["c6"])
    return float(sol["grf_ratio"]), float(sol["jrf_ratio"])


def study_parameters(scenario: str, size: str = "demo") -> dict[str, Any]:
    """The scenario's parameters with the design of ``size`` (as ``simulate_study`` writes to truth.json)."""
    p = scenario_parameters(scenario)
    p["design"] = dict(SIZES_SPEC[size])
    return p


def _masses(rng: np.random.Generator, p: dict[str, Any], n: int) -> np.ndarray:
    sp = p["subjects"]["body_mass_kg"]
    return np.clip(rng.normal(sp["mean"], sp["sd"], n), *sp["clip"])


def _keys(subject_ids, mass, group, session, load_pct_bw, exercise, load_phase, trial_id) -> dict[str, Any]:
    load_kg = np.asarray(load_pct_bw, float) * np.asarray(mass, float) / 100
    return {
        "subject_id": subject_ids,
        "session": session,
        "trial_id": trial_id,
        "exercise": exercise,
        "load_phase": load_phase,
        "load_kg": load_kg,
        "load_lb": load_kg / LB_KG,
        "load_pct_bw": np.asarray(load_pct_bw, float),
        "body_mass_kg": mass,
        "group": group,
    }


def _acute(rng: np.random.Generator, p: dict[str, Any], n: int, scenario: str):
    """Acute cohort: C1 EMG over the load grid, C5 protocol sets, knee FPPA (C3/C9), C6 squats."""
    e, kin, c5, design = p["emg"], p["kinematics"], p["c5"], p["design"]
    sid = np.array([f"A{i + 1:02d}" for i in range(n)])
    mass = _masses(rng, p, n)
    nm = len(_CLAIM_MUSCLES)
    u_subj = rng.normal(0, e["subject_log_sd"], n)
    u_sm = rng.normal(0, e["subject_muscle_log_sd"], (n, nm))
    slope_sd_x = e["slope_sd_per_pct_bw"] / (75 / 100 / LB_KG / 4)  # as cohorts.acute_cohort
    u_slope = rng.normal(0, slope_sd_x, (n, nm))
    base = np.log([e["baseline_pct_mvc"][m] for m in _CLAIM_MUSCLES])
    rep_sd = math.hypot(e["trial_log_sd"], ENVELOPE_MEAN_LOG_SD)  # rep noise + envelope-mean noise (design.py)
    # -- C1: compound exercises x loads, one movement row per file and muscle (mean over its reps)
    loads = np.asarray(design["loads_pct_bw"], float)
    si, xi, li, mi = np.meshgrid(
        np.arange(n), np.arange(len(C1_COMPOUND_EXERCISES)), np.arange(len(loads)), np.arange(nm), indexing="ij"
    )
    si, xi, li, mi = si.ravel(), xi.ravel(), li.ravel(), mi.ravel()
    pct = loads[li]
    load_lb = pct * mass[si] / 100 / LB_KG
    x = load_lb / 4
    reps = np.where(load_lb <= C1_FIT_MAX_LOAD_LB + 1e-9, int(design["set_reps"]), 1)
    ex = np.array(C1_COMPOUND_EXERCISES)[xi]
    slope = np.array([[e["slope_per_4lb"][m][exn] for exn in C1_COMPOUND_EXERCISES] for m in _CLAIM_MUSCLES])
    mu = (
        base[mi]
        + np.array([e["exercise_log_effect"][k] for k in C1_COMPOUND_EXERCISES])[xi]
        + u_subj[si]
        + u_sm[si, mi]
        + (slope[mi, xi] + u_slope[si, mi]) * x
    )
    max_reps = int(reps.max())
    noise = rng.normal(0, rep_sd, (len(mu), max_reps))
    used = np.arange(max_reps)[None, :] < reps[:, None]
    amp = (np.exp(mu[:, None] + noise) * used).sum(axis=1) / reps
    dur = np.array([sum(e["durations_s"][k]) for k in C1_COMPOUND_EXERCISES])[xi] * reps
    c1 = pd.DataFrame(
        _keys(
            sid[si],
            mass[si],
            "acute",
            "acute",
            pct,
            ex,
            np.where(pct > 0, "full_range", "none"),
            np.char.add(np.char.add(sid[si], "-"), np.char.add(ex, np.char.add("-L", (pct.astype(int)).astype(str)))),
        )
    )
    c1["muscle"], c1["phase"], c1["mean_pct_mvc"], c1["duration_s"] = np.array(_CLAIM_MUSCLES)[mi], "movement", amp, dur
    # -- C5: one set per protocol of the lunge, per rep shift ±Δ/2 (emg.c5_sets)
    c5_u = rng.normal(0, c5["subject_muscle_log_sd"], (n, nm))
    frames = []
    for proto, spec in c5["protocols"].items():
        sign = 0.5 if proto == "sustained_low" else -0.5
        shift = np.array([sign * c5["delta"].get(m, 0.0) for m in _CLAIM_MUSCLES])
        r = int(spec["reps"])
        mu5 = base[None, :] + c5["exercise_log_effect"] + (u_subj[:, None] + u_sm + c5_u) + shift[None, :]
        reps5 = rng.normal(0, c5["rep_log_sd"], (n, nm, r))
        env5 = rng.normal(0, ENVELOPE_MEAN_LOG_SD, (n, nm, r))
        amp5 = np.exp(mu5[:, :, None] + reps5 + env5).mean(axis=2)
        s5_grid, m5_grid = np.meshgrid(np.arange(n), np.arange(nm), indexing="ij")
        s5, m5 = s5_grid.ravel(), m5_grid.ravel()
        f = pd.DataFrame(
            _keys(
                sid[s5],
                mass[s5],
                "acute",
                "acute",
                np.full(len(s5), spec["load_pct_bw"]),
                c5["exercise"],
                "full_range",
                np.char.add(sid[s5], f"-c5-{proto}"),
            )
        )
        f["muscle"], f["phase"], f["mean_pct_mvc"] = np.array(_CLAIM_MUSCLES)[m5], "movement", amp5.ravel()
        f["duration_s"] = r * (spec["eccentric_s"] + spec["concentric_s"])
        frames.append(f)
    emg = pd.concat([c1, *frames], ignore_index=True)
    # -- C3/C9: knee FPPA at peak flexion, squat and step-up at every load (kinematics.kinematics_trial)
    fppa0 = rng.normal(kin["fppa_deg"]["mean"], kin["fppa_deg"]["sd"], n)
    sk, xk, lk = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(2), np.arange(len(loads)), indexing="ij"))
    pk = loads[lk]
    psi = kin["psi0_pct_bw"] + kin["psi1_pct_bw_per_kg"] * (mass[sk] - 75.0)
    fppa = (
        fppa0[sk]
        + kin["fppa_slope_deg_per_pct_bw"] * pk
        + kin["hinge_slope_deg_per_pct_bw"] * np.clip(pk - psi, 0.0, None)
        + rng.normal(0, kin["fppa_deg"]["residual_sd"], len(sk))
    )
    exk = np.array(["squat", "step_up"])[xk]
    kinem = pd.DataFrame(
        _keys(
            sid[sk],
            mass[sk],
            "acute",
            "acute",
            pk,
            exk,
            np.where(pk > 0, "full_range", "none"),
            np.char.add(np.char.add(sid[sk], "-kin-"), np.char.add(exk, (pk.astype(int)).astype(str))),
        )
    )
    kinem["metric"], kinem["value"], kinem["unit"] = "knee_fppa_at_peak_flexion_deg", fppa, "deg"
    # -- C6: squats at load_lb, mid vs full range (forceplate.c6_squats; depth noise 3 % -> ~1 % in mean force)
    grf_ratio, jrf_ratio = _c6_ratios(p["scenario"])
    c6 = p["c6"]
    reps6 = int(design["c6_reps"])
    s6, ph6, r6 = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(2), np.arange(reps6), indexing="ij"))
    phase6 = np.array(["mid_range", "full_range"])[ph6]
    load_pct6 = 100 * c6["load_lb"] * LB_KG / mass[s6]
    force_frames = []
    for metric, ratio in (("mid_range_mean_force_bw", grf_ratio), ("mid_range_knee_joint_force_proxy_bw", jrf_ratio)):
        v = np.where(ph6 == 0, ratio, 1.0) * np.exp(rng.normal(0, 0.01, len(s6)))  # [assumption] ~1 % trial noise
        f = pd.DataFrame(
            _keys(
                sid[s6],
                mass[s6],
                "acute",
                "acute",
                load_pct6,
                "squat",
                phase6,
                np.char.add(np.char.add(sid[s6], "-c6-"), np.char.add(phase6, r6.astype(str))),
            )
        )
        f["metric"], f["value"], f["unit"] = metric, v, "BW"
        force_frames.append(f)
    subjects = pd.DataFrame({"subject_id": sid, "body_mass_kg": mass, "group": "acute"})
    return subjects, emg, kinem, force_frames


def _training(rng: np.random.Generator, p: dict[str, Any], n_per_arm: int):
    """Training cohort (cohorts.training_cohort): pre/post CMJ, SJ (height, RFD), step-up velocity and hip hike, JPS."""
    tr, cmj, sj, kin = p["training"], p["cmj"], p["sj"], p["kinematics"]
    arms = np.array(tr["arms"])
    n = n_per_arm * len(arms)
    group = np.repeat(arms, n_per_arm)
    rng.shuffle(group)
    sid = np.array([f"T{i + 1:02d}" for i in range(n)])
    mass = _masses(rng, p, n)
    trained = group != "control"
    h0 = cmj["jump_height_m"]["median"] * np.exp(rng.normal(0, cmj["jump_height_m"]["log_sd"], n))
    eur0 = sj["eur"]["median"] * np.exp(rng.normal(0, sj["eur"]["log_sd"], n))
    rfd0 = sj["rfd_0_100_n_per_s"]["median"] * np.exp(rng.normal(0, sj["rfd_0_100_n_per_s"]["log_sd"], n))
    vel0 = np.exp(rng.normal(0, tr["subject_velocity_log_sd"], n))
    po0 = rng.normal(kin["pelvic_obliquity_deg"]["mean"], kin["pelvic_obliquity_deg"]["sd"], n)
    jps0 = rng.normal(tr["jps_abs_error_deg"]["mean"], tr["jps_abs_error_deg"]["sd"], n)
    tkey = np.where(trained, "trained", "control")
    force, kinem, measures = [], [], []
    for session in ("pre", "post"):
        post = session == "post"
        d_cmj = np.array([tr["cmj_log_change"][g] for g in group]) if post else np.zeros(n)
        d_sj = np.array([tr["sj_log_change"][g] for g in group]) if post else np.zeros(n)
        d_rfd = np.array([tr["rfd_log_change"][k] for k in tkey]) if post else np.zeros(n)
        d_vel = np.array([tr["knee_ext_velocity_log_change"][k] for k in tkey]) if post else np.zeros(n)
        d_hh = np.array([tr["hip_hike_change_deg"][k] for k in tkey]) if post else np.zeros(n)
        d_jps = np.array([tr["jps_change_deg"][g] for g in group]) if post else np.zeros(n)
        for kind, h_base in (("cmj", h0 * np.exp(d_cmj)), ("sj", h0 / eur0 * np.exp(d_sj))):
            for rep in (1, 2):
                keys = _keys(sid, mass, group, session, 0.0, kind, "none", np.char.add(sid, f"-{session}-{kind}{rep}"))
                h = h_base * np.exp(rng.normal(0, cmj["trial_log_sd_height"], n))
                force.append(pd.DataFrame({**keys, "metric": "jump_height_impulse_m", "value": h, "unit": "m"}))
                if kind == "sj":
                    rfd = rfd0 * np.exp(d_rfd + rng.normal(0, sj["trial_log_sd_rfd"], n))
                    force.append(pd.DataFrame({**keys, "metric": "rfd_0_100ms_n_per_s", "value": rfd, "unit": "N/s"}))
        vf = vel0 * np.exp(d_vel + rng.normal(0, tr["velocity_trial_log_sd"], n))
        keys = _keys(sid, mass, group, session, 0.0, "step_up", "none", np.char.add(sid, f"-{session}-step_up"))
        vel = tr["peak_knee_ext_velocity_deg_s"] * vf
        kinem.append(
            pd.DataFrame({**keys, "metric": "peak_knee_extension_velocity_deg_s", "value": vel, "unit": "deg/s"})
        )
        po = po0 + d_hh + rng.normal(0, kin["pelvic_obliquity_deg"]["residual_sd"], n)
        kinem.append(pd.DataFrame({**keys, "metric": "peak_pelvic_obliquity_deg", "value": po, "unit": "deg"}))
        jps = np.maximum(0.2, jps0 + d_jps + rng.normal(0, tr["jps_abs_error_deg"]["residual_sd"], n))
        measures.append(
            pd.DataFrame(
                {
                    "subject_id": sid,
                    "session": session,
                    "measure": "jps_abs_error_deg",
                    "value": jps,
                    "unit": "deg",
                    "condition": group,
                }
            )
        )
    subjects = pd.DataFrame({"subject_id": sid, "body_mass_kg": mass, "group": group})
    return subjects, force, kinem, pd.concat(measures, ignore_index=True)


def _injury(rng: np.random.Generator, inj: dict[str, Any], n_teams: int, per_team: int):
    """Injury cohort (simulate.injury.injury_cohort) with one exposure row per athlete over the 26 weeks."""
    weeks = inj["weeks"]
    n = n_teams * per_team
    team = np.repeat(np.arange(n_teams), per_team)
    groups = np.array(inj["groups"])
    group = np.concatenate([rng.permutation(np.resize(groups, per_team)) for _ in range(n_teams)])
    team_eff = np.exp(rng.normal(0, inj["team_log_sd"], n_teams))
    a = inj["frailty_variance"]
    frailty = rng.gamma(1 / a, a, n) if a > 0 else np.ones(n)
    hours = np.clip(
        rng.normal(inj["weekly_hours"]["mean"], inj["weekly_hours"]["sd"], (n, weeks)), *inj["weekly_hours"]["clip"]
    )
    irr = np.array([inj["irr"][g] for g in group])
    knee_rate = inj["knee_rate_per_1000h"] / 1000 * frailty * team_eff[team] * irr
    knee_n = rng.poisson(knee_rate[:, None] * hours)
    start = pd.Timestamp(SEASON_START)
    ids = np.array([f"P{k + 1:03d}" for k in range(n)])
    exposures = pd.DataFrame(
        {
            "athlete_id": ids,
            "team": np.char.add("team_", (team + 1).astype(str)),
            "date_start": start,
            "date_end": start + pd.Timedelta(days=7 * weeks - 1),
            "exposure_time": hours.sum(axis=1),
            "exposure_unit": "hours",
            "group": group,
        }
    )
    ks, wks = np.nonzero(knee_n)
    counts = knee_n[ks, wks]
    ks, wks = np.repeat(ks, counts), np.repeat(wks, counts)
    day = start + pd.to_timedelta(7 * wks + rng.integers(0, 7, len(ks)), unit="D")
    injuries = pd.DataFrame(
        {"athlete_id": ids[ks], "date_injured": day, "body_region": "knee", "injury_type": "strain", "days_lost": 14}
    )
    return exposures, injuries


def simulate_claim_tables(scenario: str = "claims", seed: int = 0, size: str = "demo") -> ClaimTables:
    """One simulated study as the tidy tables the claims read (``ClaimTables``), from the scenario's parameters."""
    p = study_parameters(scenario, size)
    spec = p["design"]
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    s_acute, emg, kin_acute, force_acute = _acute(rng, p, int(spec["n_acute"]), scenario)
    s_train, force_train, kin_train, measures = _training(rng, p, int(spec["n_training_per_arm"]))
    exposures, injuries = _injury(rng, p["injury"], int(spec["n_teams"]), int(spec["athletes_per_team"]))
    return ClaimTables(
        emg=emg,
        force=pd.concat([*force_acute, *force_train], ignore_index=True),
        kinematics=pd.concat([kin_acute, *kin_train], ignore_index=True),
        measures=measures,
        subjects=pd.concat([s_acute, s_train], ignore_index=True),
        exposures=exposures,
        injuries=injuries,
        synthetic=True,
    )
