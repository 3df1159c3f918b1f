"""What a study size gives claim C1: the design's loads inside the C1 fit window and the expected precision and
P(supported) of the claims analysis (truth.json ``c1_design``; docs/demo-design.md)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from analysis.simulate.constants import C1_COMPOUND_EXERCISES, C1_FIT_MAX_LOAD_LB, LB_KG
from analysis.simulate.scenarios import SIZES_SPEC

#: relative SD of the movement-window mean of one rep's rectified band-limited EMG (1.6 s at ~100 Hz
#: bandwidth: sqrt(1 - 2/pi)/sqrt(2/pi) / sqrt(2 x 100 Hz x 1.6 s) ~ 0.04); measured 0.03-0.04 in
#: tests/test_end_to_end_emg.py
ENVELOPE_MEAN_LOG_SD = 0.04


def c1_window_loads_pct_bw(design: dict[str, Any], body_mass_kg: float = 75.0) -> list[float]:
    """The design's compound-exercise loads (%BW) inside the C1 fit window (<= C1_FIT_MAX_LOAD_LB) at a body mass."""
    return [pct for pct in design["loads_pct_bw"] if pct * body_mass_kg / 100 / LB_KG <= C1_FIT_MAX_LOAD_LB + 1e-9]


def _c1_design_note(
    n: int, params: dict[str, Any], design: dict[str, Any] | None = None, body_mass_kg: float = 75.0
) -> dict[str, Any]:
    """Expected C1 precision and P(supported) of a design, for the claims analysis (truth.json; docs/demo-design.md).

    Per subject and muscle, at ``body_mass_kg``: OLS slope of log movement-phase %MVC on x = load_lb/4 with
    exercise as a factor, over the C1 compound exercises and the loads <= C1_FIT_MAX_LOAD_LB (claims.analyse_c1).
    A file of r reps averages r rep windows, so its residual log SD is hypot(trial_log_sd, ENVELOPE_MEAN_LOG_SD)
    / sqrt(r). SD of a subject's slope: sqrt(slope_sd^2 + resid^2 / Sxx), slope_sd = 0.005/%BW in x units.
    Verdict (claims.verdict_range): the 90 % t(n-1) CI of the mean slope inside [log 1.12, log 1.18]; its
    probability is integrated exactly over the sample SD (chi-square quantile grid), so it is the two-stage
    estimator's; the MixedLM of claims is as precise on this balanced design. The two claimed muscles have
    independent slope and trial noise, so P(both) = P(one)^2.
    """
    from scipy import stats

    design = design or SIZES_SPEC["demo"]
    e = params["emg"]
    reps = int(design.get("set_reps", 1))
    resid = math.hypot(e["trial_log_sd"], ENVELOPE_MEAN_LOG_SD) / math.sqrt(reps)
    x = np.array(c1_window_loads_pct_bw(design, body_mass_kg)) * body_mass_kg / 100 / LB_KG / 4
    sxx = len(C1_COMPOUND_EXERCISES) * float(np.sum((x - x.mean()) ** 2))
    slope_sd = e["slope_sd_per_pct_bw"] / (75 / 100 / LB_KG / 4)
    sd_subject_slope = math.sqrt(slope_sd**2 + resid**2 / sxx) if sxx > 0 else math.inf
    se = sd_subject_slope / math.sqrt(n)
    t90 = float(stats.t.ppf(0.95, n - 1))
    low, high = math.log(1.12), math.log(1.18)
    margin = min(math.log(1.15) - low, high - math.log(1.15))
    slopes = {
        m: float(np.mean([e["slope_per_4lb"][m][ex] for ex in C1_COMPOUND_EXERCISES]))
        for m in ("gluteus_maximus", "gastrocnemius_medialis")
    }
    # sample SD s = sigma sqrt(chi2_{n-1}/(n-1)) on a quantile grid; given s, supported iff the mean lies in
    # [low + t s/sqrt(n), high - t s/sqrt(n)]
    q = (np.arange(4000) + 0.5) / 4000
    s_grid = sd_subject_slope * np.sqrt(stats.chi2.ppf(q, n - 1) / (n - 1))
    p_sup = {}
    for m, beta in slopes.items():
        lo_ok, hi_ok = low + t90 * s_grid / math.sqrt(n), high - t90 * s_grid / math.sqrt(n)
        p = stats.norm.cdf((hi_ok - beta) / se) - stats.norm.cdf((lo_ok - beta) / se)
        p_sup[m] = float(np.mean(np.clip(p, 0.0, None)))
    return {
        "estimator": "two-stage: per-subject OLS slope of log movement %MVC on load_lb/4 (exercise as factor), one-sample t",
        "n_subjects": n,
        "body_mass_kg": body_mass_kg,
        "reps_per_file_in_window": reps,
        "loads_in_window_pct_bw": c1_window_loads_pct_bw(design, body_mass_kg),
        "residual_log_sd_per_file": resid,
        "sxx_per_subject": sxx,
        "sd_of_subject_slopes": sd_subject_slope,
        "se_mean_slope": se,
        "ci90_half_width": t90 * se,
        "margin_to_claim_window": margin,
        "z_margin": (margin - t90 * se) / se,
        "p_supported": p_sup,
        "p_supported_both": float(np.prod(list(p_sup.values()))),
        "conclusion": "P(supported) per muscle: P(90 % CI of the mean slope inside [log 1.12, log 1.18]) at the "
        "scenario's slopes; 0 for slopes outside the window",
    }
