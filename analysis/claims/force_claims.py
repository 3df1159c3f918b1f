"""Force-plate claims: C6 (mid-range 4-6 lb loading transfers 27 % more ground-reaction force than
full-range without raising joint reaction force) and C7 (training speeds force development, RFD 0-100 ms).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from analysis.claims.results import ClaimResult, PartResult
from analysis.claims.tables import ClaimNotTestable, ClaimTables, _positive, _require, two_stage_only
from analysis.claims.tolerances import ASSUMED_TRUE
from analysis.claims.training import _training_part
from analysis.claims.verdicts import verdict_noninferiority, verdict_range
from analysis.models import fit_condition_contrast, one_sample_t
from analysis.power import PartDesign


def _long_metric_any(cid: str, tables: ClaimTables, metric: str) -> pd.DataFrame:
    for t in (tables.force, tables.kinematics):
        if t is not None and "metric" in t.columns and (t["metric"] == metric).any():
            return t[t["metric"] == metric]
    raise ClaimNotTestable(cid, f"'{metric}' rows in the force or kinematics table (none found)")


def analyse_c6(tables: ClaimTables, opts: dict, rng: np.random.Generator) -> ClaimResult:
    cid, tol = "C6", opts["tolerances"]
    lo_pct, hi_pct = tol["C6_grf_range_pct"]
    low, high = math.log1p(lo_pct / 100), math.log1p(hi_pct / 100)
    margin = math.log1p(tol["C6_jrf_margin_pct"] / 100)
    parts, notes, diags, n_sub, n_obs = [], [], {}, set(), 0
    specs = [
        (
            "mid_range_mean_force_bw",
            "GRF transfer (mid-range mean force), mid vs full",
            partial(verdict_range, low=low, high=high),
            math.log1p(tol["C6_grf_point_pct"] / 100),
        ),
        (
            "mid_range_knee_joint_force_proxy_bw",
            "knee joint force (mid-range proxy), mid vs full (not increased)",
            partial(verdict_noninferiority, margin=margin),
            0.0,
        ),
    ]
    for metric, name, rule, true in specs:
        try:
            d = _long_metric_any(cid, tables, metric)
            d = _require(cid, d, "force", ["load_phase", "load_lb"])
            if "exercise" in d.columns:
                d = d[d["exercise"].isin(opts.get("c6_exercises", ("squat",)))]
            d = d[d["load_phase"].isin(["mid_range", "full_range"]) & d["load_lb"].between(4, 6)]
            if set(d["load_phase"]) != {"mid_range", "full_range"}:
                raise ClaimNotTestable(cid, f"'{metric}' under mid-range and full-range loading at 4–6 lb")
            d = _positive(cid, d.copy(), "value", metric)
            d["log_y"] = np.log(d["value"])
            covs = ["load_lb"] if d["load_lb"].nunique() > 1 else []
            if two_stage_only(opts):  # calibration loops: per-subject mean difference, one-sample t (§4)
                means = d.groupby(["subject_id", "load_phase"])["log_y"].mean().unstack()
                ts = one_sample_t((means["mid_range"] - means["full_range"]).dropna(), name=name)
                est, fit = ts, None
            else:
                est, fit, ts = fit_condition_contrast(
                    d,
                    "log_y",
                    "load_phase",
                    "mid_range",
                    "full_range",
                    "subject_id",
                    covariates=covs,
                    method_lists=opts["method_lists"],
                )
        except ClaimNotTestable as exc:
            parts.append(PartResult(name, None, "not testable", None, "% mid vs full", missing=exc.missing))
            continue
        design = PartDesign(metric, "one_sample", ts.se * math.sqrt(ts.df + 1), true, rule)
        parts.append(
            PartResult(
                name,
                est,
                *rule(est),
                "% mid-range vs full-range",
                design=design,
                sensitivity=[ts],
                point=true if metric.startswith("mid") else None,
                assumed_true=true,
            )
        )
        if fit is not None:
            diags[metric] = fit.diagnostics()
            if fit.fallback_reason:
                notes.append(f"{metric}: MixedLM {fit.fallback_reason}")
        n_sub |= set(d["subject_id"])
        n_obs += len(d)
    notes.append(
        f"'GRF transfer' pre-declared as mid_range_mean_force_bw: mean vGRF over the concentric samples at "
        f"25–75 % of the knee-flexion range (forceplate.analyse_squat; the CoM-displacement window is a "
        f"fallback when a trial has no knee angle, and the method column says which); squats at 4–6 lb per "
        f"ankle; point 27 % judged with tolerance [{lo_pct:g}, {hi_pct:g}] %; joint force = mid-range "
        f"quasi-static knee joint-force proxy, non-inferiority margin {tol['C6_jrf_margin_pct']:g} %"
    )
    for metric in ("mid_range_mean_force_bw",):
        t = tables.force
        if t is not None and "method" in t.columns:
            bases = t.loc[t["metric"] == metric, "method"].astype(str).str.extract(r"pct_of_(\w+?);")[0].dropna()
            if bases.nunique() > 1 or (len(bases) and bases.iloc[0] != "knee_flexion_angle"):
                notes.append(
                    f"window basis in the data: {sorted(bases.unique())} (the estimand needs knee_flexion_angle)"
                )
    return ClaimResult(
        parts, len(n_sub), n_obs, "MixedLM log y ~ mid-vs-full (+ load_lb), random intercept", diags, notes
    )


def analyse_c7(tables: ClaimTables, opts: dict, rng: np.random.Generator) -> ClaimResult:
    cid, tol = "C7", opts["tolerances"]
    part, wide = _training_part(
        cid,
        tables,
        opts,
        tables.force,
        "force",
        "rfd_0_100ms_n_per_s",
        log=True,
        sesoi=math.log1p(tol["C7_rfd_sesoi_pct"] / 100),
        sign=+1,
        true_effect=ASSUMED_TRUE["C7_rfd_log"],
        unit="% difference in post-training RFD 0–100 ms",
        name="RFD 0–100 ms (squat jump)",
        exercise=opts.get("c7_exercise", "sj"),
    )
    notes = [
        "rate coding (motor-unit discharge rate) needs HD-sEMG decomposition or intramuscular EMG and is not in "
        "the tidy tables: only the claimed consequence, faster force development, is tested",
        "RFD 0–100 ms of the squat jump (pre-declared): it rises from a static hold, whereas a CMJ's first "
        "100 ms after onset are the unweighting dip (negative 'RFD'); window from the force-rise onset "
        "(forceplate rfd_onset, Maffiuletti et al. 2016); per subject x session the geometric mean of trials",
    ]
    return ClaimResult([part], len(wide), 2 * len(wide), "ANCOVA log RFD post ~ log pre + group, HC2", {}, notes)
