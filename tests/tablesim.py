"""Test-only generator of tidy feature tables (docs/architecture.md contracts) with a known truth.

``truth="claims"``: every claim true at its stated size; ``truth="null"``: no load/condition/training
effects. Individual effects can be overridden via ``effects``. Parameters follow docs/design/statistics.md §11.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.claims import ClaimTables
from analysis.units import LB_PER_KG

CLAIM_EFFECTS = {
    "c1_log_per_4lb": math.log(1.15),  # +15 % at 4 lb, both muscles
    "c1_slope_sd": 0.01,
    "c2_velocity_log": math.log(1.08),
    "c2_hip_deg": -2.5,
    "c3_hinge": 0.5,
    "c9_psi1": 0.066,
    "c4_eur_log": math.log(1.08),
    "c4_jps_deg": 2.0,
    "c5_delta": {"soleus": 0.2, "gastrocnemius_medialis": 0.2, "vastus_lateralis": -0.2},
    "c6_grf_log": math.log(1.27),
    "c6_jrf_log": 0.0,
    "c7_rfd_log": math.log(1.15),
}
NULL_EFFECTS = {
    "c1_log_per_4lb": 0.0,
    "c1_slope_sd": 0.01,
    "c2_velocity_log": 0.0,
    "c2_hip_deg": 0.0,
    "c3_hinge": 0.0,
    "c9_psi1": 0.0,
    "c4_eur_log": 0.0,
    "c4_jps_deg": 0.0,
    "c5_delta": {"soleus": 0.0, "gastrocnemius_medialis": 0.0, "vastus_lateralis": 0.0},
    "c6_grf_log": 0.0,
    "c6_jrf_log": 0.0,
    "c7_rfd_log": 0.0,
}


def _grid(**axes) -> pd.DataFrame:
    names = list(axes)
    mesh = np.meshgrid(*[np.asarray(v, dtype=object) for v in axes.values()], indexing="ij")
    return pd.DataFrame({n: m.ravel() for n, m in zip(names, mesh)})


def simulate_subjects(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_id": [f"s{i:03d}" for i in range(n)],
            "body_mass_kg": np.clip(rng.normal(75, 12, n), 50, 115),
            "group": np.where(np.arange(n) % 2 == 0, "ankle_weights", "control"),
        }
    )


def _add_loads(d: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    d = d.merge(subjects[["subject_id", "body_mass_kg", "group"]], on="subject_id")
    if "load_lb" in d and "load_pct_bw" not in d:
        d["load_lb"] = d["load_lb"].astype(float)
        d["load_kg"] = d["load_lb"] / LB_PER_KG
        d["load_pct_bw"] = 100 * d["load_kg"] / d["body_mass_kg"]
    elif "load_pct_bw" in d:
        d["load_pct_bw"] = d["load_pct_bw"].astype(float)
        d["load_kg"] = d["load_pct_bw"] * d["body_mass_kg"] / 100
        d["load_lb"] = d["load_kg"] * LB_PER_KG
    return d


def simulate_emg(subjects, eff, rng, *, trial_sd=0.12, n_reps=2):
    """C1 rows (0/3/5 lb full range, compound exercises) + C5 lunge sets (sustained 3 %BW / brief 10 %BW)."""
    muscles = ["gluteus_maximus", "gastrocnemius_medialis", "soleus", "vastus_lateralis"]
    base = {"gluteus_maximus": 20, "gastrocnemius_medialis": 15, "soleus": 18, "vastus_lateralis": 45}
    sid = subjects["subject_id"].to_numpy()
    n = len(sid)
    u = dict(zip(sid, rng.normal(0, 0.4, n)))
    u_sm = {(s, m): rng.normal(0, 0.15) for s in sid for m in muscles}
    slope = {(s, m): eff["c1_log_per_4lb"] + rng.normal(0, eff["c1_slope_sd"]) for s in sid for m in muscles}
    a = _grid(
        subject_id=sid,
        muscle=muscles,
        exercise=["squat", "split_squat", "step_up"],
        phase=["concentric", "eccentric"],
        load_lb=[0.0, 3.0, 5.0],
        rep=range(n_reps),
    )
    a["load_phase"] = np.where(a["load_lb"] > 0, "full_range", "none")
    # C5: lunge sets, sustained low load (3 %BW, 12 s under load) vs brief high load (10 %BW, 2.4 s), ±Δ_m/2
    b = _grid(
        subject_id=sid,
        muscle=muscles,
        exercise=["lunge"],
        phase=["concentric", "eccentric"],
        load_pct_bw=[3.0, 10.0],
        rep=range(n_reps),
    )
    b["load_phase"] = "full_range"
    a, b = _add_loads(a, subjects), _add_loads(b, subjects)
    a["duration_s"] = 0.8  # one repetition's phase
    sustained = b["load_pct_bw"] < 5
    b["duration_s"] = np.where(sustained, 12.0, 2.4)  # each row stands for a set: 12 s vs 2.4 s under load
    keys = list(zip(a["subject_id"], a["muscle"]))
    mu_a = (
        np.log([base[m] for m in a["muscle"]])
        + a["subject_id"].map(u).to_numpy(float)
        + np.array([u_sm[k] for k in keys])
        + np.array([slope[k] for k in keys]) * a["load_lb"] / 4
        + np.where(a["phase"] == "eccentric", -0.3, 0.0)
    )
    a["mean_pct_mvc"] = np.exp(mu_a + rng.normal(0, trial_sd, len(a)))
    kb = list(zip(b["subject_id"], b["muscle"]))
    half = np.array([eff["c5_delta"].get(m, 0.0) for m in b["muscle"]]) / 2
    mu_b = (
        np.log([base[m] for m in b["muscle"]])
        + b["subject_id"].map(u).to_numpy(float)
        + np.array([u_sm[k] for k in kb])
        + np.where(b["phase"] == "eccentric", -0.3, 0.0)
        + np.where(sustained, half, -half)
    )
    b["mean_pct_mvc"] = np.exp(mu_b + rng.normal(0, trial_sd, len(b)))
    d = pd.concat([a, b], ignore_index=True)
    d["session"] = "acute"
    d["trial_id"] = [f"t{i}" for i in range(len(d))]
    return d.drop(columns="rep")


def simulate_kinematics(subjects, eff, rng):
    sid = subjects["subject_id"].to_numpy()
    n = len(sid)
    # C3 / C9: FPPA vs %BW with a mass-dependent hinge
    k = _grid(subject_id=sid, load_pct_bw=np.arange(0.0, 17.0, 2.0), rep=range(2))
    k = _add_loads(k, subjects)
    a = dict(zip(sid, rng.normal(8, 5, n)))
    psi = 10 + eff["c9_psi1"] * (k["body_mass_kg"] - 75)
    k["value"] = (
        k["subject_id"].map(a).to_numpy(float)
        + 0.05 * k["load_pct_bw"]
        + eff["c3_hinge"] * np.clip(k["load_pct_bw"] - psi, 0, None)
        + rng.normal(0, 2.0, len(k))
    )
    k["metric"], k["unit"], k["session"], k["exercise"], k["load_phase"] = (
        "peak_knee_fppa_deg",
        "deg",
        "acute",
        "step_up",
        "full_range",
    )
    # C2: pre/post, unloaded
    treated = (subjects.set_index("subject_id")["group"] != "control").astype(float)
    v0 = dict(zip(sid, rng.normal(math.log(400), 0.15, n)))
    h0 = dict(zip(sid, rng.normal(6, 2, n)))
    rows = []
    for metric, log in (("peak_knee_extension_velocity_deg_s", True), ("peak_pelvic_obliquity_deg", False)):
        t = _grid(subject_id=sid, session=["pre", "post"], rep=range(3))
        tr = t["subject_id"].map(treated).to_numpy(float) * (t["session"] == "post")
        if log:
            v = (
                t["subject_id"].map(v0).to_numpy(float)
                + tr * eff["c2_velocity_log"]
                + np.repeat(rng.normal(0, 0.05, n * 2), 3)
                + rng.normal(0, 0.05, len(t))
            )
            t["value"], t["unit"] = np.exp(v), "deg/s"
        else:
            t["value"] = (
                t["subject_id"].map(h0).to_numpy(float)
                + tr * eff["c2_hip_deg"]
                + np.repeat(rng.normal(0, 0.8, n * 2), 3)
                + rng.normal(0, 0.8, len(t))
            )
            t["unit"] = "deg"
        t["metric"], t["load_pct_bw"], t["exercise"], t["load_phase"] = metric, 0.0, "gait", "none"
        rows.append(_add_loads(t, subjects))
    out = pd.concat([k, *rows], ignore_index=True).drop(columns="rep")
    out["method"] = "simulated"
    out["trial_id"] = [f"k{i}" for i in range(len(out))]
    return out


def simulate_force(subjects, eff, rng):
    sid = subjects["subject_id"].to_numpy()
    n = len(sid)
    parts = []
    # C4: CMJ/SJ under none / eccentric_only
    j = _grid(subject_id=sid, load_phase=["none", "eccentric_only"], exercise=["cmj", "sj"], rep=range(3))
    sj = dict(zip(sid, rng.normal(math.log(0.33), 0.15, n)))
    eur_u = dict(zip(sid, rng.normal(0, 0.03, n)))
    log_h = (
        j["subject_id"].map(sj).to_numpy(float)
        + (j["exercise"] == "cmj")
        * (
            math.log(1.1)
            + j["subject_id"].map(eur_u).to_numpy(float)
            + (j["load_phase"] == "eccentric_only") * eff["c4_eur_log"]
        )
        + rng.normal(0, 0.058, len(j))
    )
    j["value"], j["metric"], j["unit"], j["load_lb"], j["session"] = (
        np.exp(log_h),
        "jump_height_impulse_m",
        "m",
        0.0,
        "crossover",
    )
    parts.append(_add_loads(j, subjects))
    # C6: mid_range vs full_range at 4 and 6 lb
    for metric, effect in (
        ("mid_range_mean_force_bw", eff["c6_grf_log"]),
        ("mid_range_knee_joint_force_proxy_bw", eff["c6_jrf_log"]),
    ):
        c = _grid(subject_id=sid, load_phase=["mid_range", "full_range"], load_lb=[4.0, 6.0], rep=range(3))
        base = dict(zip(sid, rng.normal(math.log(1.5), 0.1, n)))
        su = dict(zip(sid, rng.normal(0, 0.04, n)))
        mid = c["load_phase"] == "mid_range"
        c["value"] = np.exp(
            c["subject_id"].map(base).to_numpy(float)
            + mid * (effect + c["subject_id"].map(su).to_numpy(float))
            + rng.normal(0, 0.05, len(c))
        )
        c["metric"], c["unit"], c["exercise"], c["session"] = metric, "BW", "squat", "acute"
        parts.append(_add_loads(c, subjects))
    # C7: RFD pre/post by group
    treated = (subjects.set_index("subject_id")["group"] != "control").astype(float)
    r = _grid(subject_id=sid, session=["pre", "post"], rep=range(3))
    r0 = dict(zip(sid, rng.normal(math.log(8000), 0.35, n)))
    tr = r["subject_id"].map(treated).to_numpy(float) * (r["session"] == "post")
    r["value"] = np.exp(
        r["subject_id"].map(r0).to_numpy(float)
        + tr * eff["c7_rfd_log"]
        + np.repeat(rng.normal(0, 0.08, n * 2), 3)
        + rng.normal(0, 0.129, len(r))
    )
    r["metric"], r["unit"], r["exercise"], r["load_lb"], r["load_phase"] = (
        "rfd_0_100ms_n_per_s",
        "N/s",
        "sj",
        0.0,
        "none",
    )  # C7: squat-jump RFD
    parts.append(_add_loads(r, subjects))
    out = pd.concat(parts, ignore_index=True).drop(columns="rep")
    out["method"] = "simulated"
    out["trial_id"] = [f"f{i}" for i in range(len(out))]
    return out


def simulate_measures(subjects, eff, rng):
    sid = subjects["subject_id"].to_numpy()
    m = _grid(subject_id=sid, load_phase=["none", "mid_range"], rep=range(2))
    base = dict(zip(sid, rng.normal(4.0, 1.0, len(sid))))
    m["value"] = (
        m["subject_id"].map(base).to_numpy(float)
        + (m["load_phase"] == "mid_range") * eff["c4_jps_deg"]
        + rng.normal(0, 0.8, len(m))
    )
    m["session"] = np.where(m["load_phase"] == "none", "jps_none", "jps_mid")
    m["measure"], m["unit"] = "jps_abs_error_deg", "deg"
    return m.drop(columns="rep")


def simulate_tables(
    truth: str = "claims", n_subjects: int = 24, seed: int = 0, effects: dict | None = None, **kwargs
) -> ClaimTables:
    eff = dict(CLAIM_EFFECTS if truth == "claims" else NULL_EFFECTS)
    eff.update(effects or {})
    rng = np.random.default_rng(seed)
    subjects = simulate_subjects(n_subjects, rng)
    return ClaimTables(
        emg=simulate_emg(subjects, eff, rng, **kwargs),
        force=simulate_force(subjects, eff, rng),
        kinematics=simulate_kinematics(subjects, eff, rng),
        measures=simulate_measures(subjects, eff, rng),
        subjects=subjects,
        synthetic=True,
    )
