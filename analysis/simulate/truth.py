"""truth.json: the true value and definition of every claim's estimand, and the whole truth document (generative
parameters, the C1 design note, the C6 solution, notes)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis.simulate.constants import C1_COMPOUND_EXERCISES, C1_FIT_MAX_LOAD_LB, LOADS_PCT_BW, MUSCLES
from analysis.simulate.design import _c1_design_note


def c3_hinge_at_claim(kin: dict[str, Any], loads_pct_bw, mass: dict[str, Any], psi_claim: float = 10.0) -> float:
    """True value of C3's estimand as the pipeline computes it: the hinge coefficient at ``psi_claim`` of a per-subject
    OLS fppa ~ load + (load − psi_claim)+ over the design's loads, on the noise-free FPPA curve with each subject's own
    breakpoint psi(m), averaged over the body-mass distribution (normal quantiles, clipped as the simulator does)."""
    from scipy import stats

    loads = np.asarray(loads_pct_bw, float)
    q = (np.arange(400) + 0.5) / 400
    masses = np.clip(mass["mean"] + mass["sd"] * stats.norm.ppf(q), *mass["clip"])
    X = np.column_stack([np.ones_like(loads), loads, np.clip(loads - psi_claim, 0.0, None)])
    psi = kin["psi0_pct_bw"] + kin["psi1_pct_bw_per_kg"] * (masses - 75.0)
    curves = kin["fppa_slope_deg_per_pct_bw"] * loads[None, :] + kin["hinge_slope_deg_per_pct_bw"] * np.clip(
        loads[None, :] - psi[:, None], 0.0, None
    )
    coef = np.linalg.lstsq(X, curves.T, rcond=None)[0]
    return float(np.mean(coef[2]))


def _jensen_set_mean(log_sd: float, reps: int) -> float:
    """E[log mean of ``reps`` iid exp(N(0, log_sd))] to second order: s2/2 - (exp(s2) - 1)/(2 reps)."""
    s2 = log_sd**2
    return s2 / 2 - math.expm1(s2) / (2 * reps)


def _claim_truth(p: dict[str, Any], c6_example: dict[str, float]) -> dict[str, Any]:
    """True value and definition of every claim's estimand (docs/design/statistics.md §2)."""
    e, kin, tr, inj, c5 = p["emg"], p["kinematics"], p["training"], p["injury"], p["c5"]
    c1 = {
        m: 100 * (math.exp(float(np.mean([e["slope_per_4lb"][m][ex] for ex in C1_COMPOUND_EXERCISES]))) - 1)
        for m in MUSCLES
    }
    return {
        "C1": {
            "estimand": "per muscle, % change of EMG amplitude at 4 lb per ankle vs 0, within subject, pooled over "
            f"compound exercises {list(C1_COMPOUND_EXERCISES)}: 100 (exp(beta) - 1), beta the mean log slope per 4 lb "
            "(median subject; random slopes are symmetric on the log scale)",
            "value_pct": c1,
            "claim_window_pct": [12, 18],
            "muscles_claimed": ["gluteus_maximus", "gastrocnemius_medialis"],
            "per_exercise_log_slope_per_4lb": e["slope_per_4lb"],
        },
        "C2": {
            "estimand": "training effect (trained 5-8 %BW vs control) on post/pre ratio of unloaded peak knee-extension "
            "velocity (step-up), and on the change of peak pelvic obliquity (hip hiking, deg)",
            "velocity_ratio": math.exp(
                tr["knee_ext_velocity_log_change"]["trained"] - tr["knee_ext_velocity_log_change"]["control"]
            ),
            "hip_hike_difference_deg": tr["hip_hike_change_deg"]["trained"] - tr["hip_hike_change_deg"]["control"],
            "acute_velocity_log_per_pct_bw": kin["knee_ext_velocity_log_per_pct_bw"],
        },
        "C3": {
            "estimand": "change of the knee-FPPA slope above 10 %BW: hinge coefficient at psi = 10 %BW of a per-subject "
            "fit fppa ~ load + (load - 10)+ over the design's loads (each subject's own breakpoint psi(m) in the data)",
            "hinge_at_10_pct_bw_deg_per_pct_bw": c3_hinge_at_claim(
                kin, p.get("design", {}).get("loads_pct_bw", LOADS_PCT_BW), p["subjects"]["body_mass_kg"]
            ),
            "psi_pct_bw_at_75kg": kin["psi0_pct_bw"],
            "hinge_slope_deg_per_pct_bw": kin["hinge_slope_deg_per_pct_bw"],
            "linear_slope_deg_per_pct_bw": kin["fppa_slope_deg_per_pct_bw"],
            "claimed_psi_pct_bw": 10.0,
        },
        "C4": {
            "estimand": "EUR = CMJ/SJ height: post/pre ratio, eccentric_only vs control; JPS abs error change (deg), mid_range vs control",
            "eur_ratio_eccentric_vs_control": math.exp(
                (tr["cmj_log_change"]["eccentric_only"] - tr["sj_log_change"]["eccentric_only"])
                - (tr["cmj_log_change"]["control"] - tr["sj_log_change"]["control"])
            ),
            "jps_difference_deg_mid_range_vs_control": tr["jps_change_deg"]["mid_range"]
            - tr["jps_change_deg"]["control"],
        },
        "C5": {
            "estimand": "Δ_m = log E[movement-phase mean %MVC | sustained_low set] - log E[... | brief_high set], same "
            f"exercise ({c5['exercise']}); sustained_low = {c5['protocols']['sustained_low']['load_pct_bw']:g} %BW, "
            f"{c5['protocols']['sustained_low']['reps']} slow reps; brief_high = "
            f"{c5['protocols']['brief_high']['load_pct_bw']:g} %BW, {c5['protocols']['brief_high']['reps']} fast reps; "
            "claim: Δ_sol > 0, Δ_MG > 0, Δ_VL < 0 (acute EMG proxy, docs/design/statistics.md §2 C5)",
            "delta_log": dict(c5["delta"]),
            # what the pipeline estimates: log of the set means (sustained: r_s reps, brief: r_b reps), whose
            # expectation differs from delta by Jensen's term E[log mean_r exp(e)] ~ s2/2 - (exp(s2) - 1)/(2r),
            # e ~ N(0, rep_log_sd) (~ +0.0005 here; issue 16 found +0.006 in the estimates, which this does not
            # explain: see docs/design/statistics.md "C5 truth")
            "delta_log_estimand": {
                m: v
                + _jensen_set_mean(c5["rep_log_sd"], c5["protocols"]["sustained_low"]["reps"])
                - _jensen_set_mean(c5["rep_log_sd"], c5["protocols"]["brief_high"]["reps"])
                for m, v in c5["delta"].items()
            },
        },
        "C6": {
            "estimand": "ratio mid/full of the concentric mid-range (25-75 % ROM) mean vGRF and of the knee joint-force proxy, squats at "
            f"{p['c6']['load_lb']} lb per ankle",
            "rho_grf": c6_example["grf_ratio"],
            "rho_jrf": c6_example["jrf_ratio"],
            "claim": "rho_grf ~ 1.27 (tolerance [1.20, 1.35]), rho_jrf <= 1.05",
        },
        "C7": {
            "estimand": "training effect (trained vs control) on post/pre ratio of SJ RFD 0-100 ms",
            "rfd_ratio": math.exp(tr["rfd_log_change"]["trained"] - tr["rfd_log_change"]["control"]),
        },
        "C8": {
            "estimand": "IRR of knee strain injuries per 1000 h, early vs late introduction of ankle weights, same 26-week window "
            "(marginal over gamma frailty and team effects, both mean-1 multiplicative and independent of group)",
            "irr_early_vs_late": inj["irr"]["early"] / inj["irr"]["late"],
            "knee_rate_per_1000h_late": inj["knee_rate_per_1000h"] * inj["irr"]["late"],
        },
        "C9": {
            "estimand": "psi(m) = psi0 + psi1 (m - 75 kg), the valgus threshold in %BW as a function of body mass",
            "psi0_pct_bw": kin["psi0_pct_bw"],
            "psi1_pct_bw_per_kg": kin["psi1_pct_bw_per_kg"],
            "psi_at_90_7kg": kin["psi0_pct_bw"] + kin["psi1_pct_bw_per_kg"] * 15.7,
            "psi_at_68kg": kin["psi0_pct_bw"] + kin["psi1_pct_bw_per_kg"] * (68 - 75),
        },
    }


def truth_document(
    scenario: str, seed: int, size: str, params: dict[str, Any], spec: dict[str, Any], c6_example: dict[str, Any]
) -> dict[str, Any]:
    """Everything truth.json holds: ``params`` (with the design), the claims' estimands, the C1 design note at the
    design ``spec`` and the C6 solution ``c6_example`` at 75 kg."""
    return {
        "synthetic": True,
        "generator": "analysis.simulate",
        "scenario": scenario,
        "seed": int(seed),
        "size": size,
        "rng": "numpy.random.Generator(PCG64(seed))",
        "parameters": params,
        "claims": _claim_truth(params, c6_example),
        "c1_design": _c1_design_note(spec["n_acute"], params, spec),
        "c6_solution_at_75kg": c6_example,
        "per_trial_truth": "truth_trials.csv",
        "notes": [
            "EMG: a two-phase (eccentric, concentric x1.4) envelope per repetition for every exercise; compound "
            f"exercises are sets of {spec['set_reps']} reps (independent rep noise, trial_log_sd) at loads <= "
            f"{C1_FIT_MAX_LOAD_LB:g} lb per ankle (the C1 fit window) and single reps above; CMJ and walking at "
            f"{list(spec['sparse_loads_pct_bw'])} %BW; muscle-specific timing within a gait cycle is not modelled.",
            "C5 is an acute EMG proxy: movement-phase %MVC of lunge sets under a sustained low-load and a brief "
            "high-load protocol (raw EMG files; the suite derives the response).",
            "C6 mid-range loading in the claims scenario is a 'push' concentric phase (accelerate, then brake at 0.8 g near "
            "the top) with a hip-first rise: the knee passes its mid-range exactly while the CoM accelerates most. With a "
            "knee that follows the CoM no smooth squat reaches +27 % (max ~ +11 %): the claim needs this contrived "
            "movement under impulse-momentum. The knee flexes less so the joint-force proxy is not increased.",
            "Injured athletes keep their exposure (no removal from risk while injured).",
        ],
    }
