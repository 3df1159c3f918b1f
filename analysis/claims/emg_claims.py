"""EMG claims: C1 (3-5 lb of ankle load raises glute max and gastrocnemius activation by 12-18 %) and
C5 (soleus / medial gastrocnemius favour sustained low load, vastus lateralis brief high load).
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from analysis.claims.results import ClaimResult, PartResult, _holm_note
from analysis.claims.tables import ClaimNotTestable, ClaimTables, _positive, _require, two_stage_only
from analysis.claims.tolerances import ASSUMED_TRUE, COMPOUND_EXERCISES
from analysis.claims.verdicts import verdict_directional, verdict_range
from analysis.models import (
    cluster_robust_ols,
    fit_mixedlm_robust,
    fit_muscle_protocol,
    one_sample_t,
    pct_change,
    two_stage_slopes,
)
from analysis.power import PartDesign

#: EMG phase rows C1/C5 use, in order of preference: the movement window (rest excluded), else the
#: eccentric + concentric windows (with C(phase), the spec model of docs/design/statistics.md §2), else the whole record.
EMG_AMPLITUDE_PHASES = (("movement",), ("concentric", "eccentric"), ("whole",))


def emg_amplitude_rows(emg: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """EMG rows over the movement, and a note saying which phase rows were used.

    The ``whole`` phase averages the envelope over rest and electrode noise too, which do not scale with
    load and so dilute a multiplicative load effect; it is used only when a trial has no phase events.
    The choice is made per trial, so studies mixing trials with and without events still use every trial.
    """
    if "phase" not in emg.columns:
        return emg, "EMG rows without a 'phase' column used as they are"
    rank_of = {name: r for r, names in enumerate(EMG_AMPLITUDE_PHASES) for name in names}
    rank = emg["phase"].astype(str).map(rank_of)
    trial = emg["trial_id"] if "trial_id" in emg.columns else pd.Series(0, index=emg.index)
    best = rank.groupby(trial).transform("min")
    chosen = emg[rank.notna() & (rank == best)]
    counts = (
        rank[chosen.index]
        .map(lambda r: "+".join(EMG_AMPLITUDE_PHASES[int(r)]))
        .groupby(trial[chosen.index])
        .first()
        .value_counts()
    )
    note = "EMG amplitude phase rows (per trial: movement > eccentric+concentric > whole): " + ", ".join(
        f"{k} ({v} trials)" for k, v in counts.items()
    )
    if "whole" in counts.index:
        note += "; 'whole' = whole record incl. rest, which dilutes load effects (write <phase>_start/_end events)"
    return chosen, note


def analyse_c1(tables: ClaimTables, opts: dict, rng: np.random.Generator) -> ClaimResult:
    cid = "C1"
    emg = _require(
        cid,
        tables.emg,
        "EMG features",
        ["subject_id", "muscle", "exercise", "phase", "load_lb", "load_phase", "mean_pct_mvc"],
    )
    lo_pct, hi_pct = opts["tolerances"]["C1_range_pct"]
    low, high = math.log1p(lo_pct / 100), math.log1p(hi_pct / 100)
    # Dose range of the log-linear fit [assumption]: up to 12 lb, 3x the claimed 4 lb. The estimand is the
    # effect at 4 lb under a log-linear dose model, log E[EMG | L] = a + b L/4, so b is E[EMG|4 lb]/E[EMG|0]
    # on the log scale. A window of <= 6 lb leaves one non-zero level on a 2 %BW grid (3.3 lb at 75 kg):
    # the slope is then a single contrast with ~2x the SE, too imprecise for a 6-point range claim.
    # Curvature over the window is reported (quadratic term, and the effect at 4 lb under the quadratic).
    max_lb = opts.get("c1_max_load_lb", 12.0)
    amplitude, phase_note = emg_amplitude_rows(emg)
    parts, notes, diags, n_sub, n_obs = [], [phase_note], {}, set(), 0
    for muscle in ("gluteus_maximus", "gastrocnemius_medialis"):
        d = amplitude[
            (amplitude["muscle"] == muscle)
            & amplitude["exercise"].isin(COMPOUND_EXERCISES)
            & amplitude["load_phase"].isin(["none", "full_range"])
            & (amplitude["load_lb"] <= max_lb)
        ].copy()
        if d.empty or d["load_lb"].nunique() < 2 or (d["load_lb"] == 0).sum() == 0:
            parts.append(
                PartResult(
                    muscle,
                    None,
                    "not testable",
                    None,
                    "% change at 4 lb",
                    missing=f"{muscle} EMG in compound exercises at 0 lb and a load ≤ {max_lb:g} lb",
                )
            )
            continue
        d = _positive(cid, d, "mean_pct_mvc", muscle)
        d["log_emg"] = np.log(d["mean_pct_mvc"])
        d["load_lb4"] = d["load_lb"] / 4.0  # coefficient = effect at 4 lb (docs/design/statistics.md §1)
        terms = [f"C({c})" for c in ("phase", "exercise") if d[c].nunique() > 1]
        formula = " + ".join(["log_emg ~ load_lb4", *terms])
        slopes = two_stage_slopes(d, "log_emg", "load_lb4", "subject_id", ["phase", "exercise"])
        if two_stage_only(opts):  # calibration loops: the two-stage estimator alone (= MixedLM when balanced, §4)
            est = one_sample_t(slopes, name=f"{muscle}: E[EMG|4 lb]/E[EMG|0]")
            fit, sens = None, []
        else:
            fit = fit_mixedlm_robust(formula, d, "subject_id", "~load_lb4", method_lists=opts["method_lists"])
            est = fit.estimate("load_lb4", name=f"{muscle}: E[EMG|4 lb]/E[EMG|0]")
            sens = [one_sample_t(slopes, name=muscle), cluster_robust_ols(formula, d, "subject_id", "load_lb4")]
        nonzero_levels = int((d.loc[d["load_lb"] > 0, "load_lb"] / 4).round(1).nunique())
        if nonzero_levels >= 2 and fit is not None:  # curvature: log_emg ~ x + x^2; effect at 4 lb = b1 + b2 (x = 1)
            d["load_lb4_sq"] = d["load_lb4"] ** 2
            qfit = fit_mixedlm_robust(
                formula.replace("load_lb4", "load_lb4 + load_lb4_sq", 1),
                d,
                "subject_id",
                "~load_lb4",
                method_lists=opts["method_lists"],
            )
            quad = qfit.estimate("load_lb4_sq", name=f"{muscle}: curvature (x^2, x = lb/4)")
            at4 = qfit.estimate({"load_lb4": 1.0, "load_lb4_sq": 1.0}, name=f"{muscle}: effect at 4 lb, quadratic dose")
            sens.append(at4)
            notes.append(
                f"{muscle}: curvature x² coefficient {quad.estimate:.4f} (95 % CI {quad.ci95[0]:.4f} to "
                f"{quad.ci95[1]:.4f}, p = {quad.p_value:.3g}); effect at 4 lb under the quadratic "
                f"{pct_change(at4.estimate):.1f} % [{pct_change(at4.ci95[0]):.1f}, {pct_change(at4.ci95[1]):.1f}]"
            )
            diags[f"{muscle}_quadratic"] = qfit.diagnostics()
        verdict = verdict_range(est, low, high)
        design = PartDesign(
            muscle,
            "one_sample",
            float(slopes.std(ddof=1)),
            math.log1p((lo_pct + hi_pct) / 200),
            partial(verdict_range, low=low, high=high),
        )
        parts.append(
            PartResult(
                muscle,
                est,
                *verdict,
                "% change at 4 lb",
                design=design,
                sensitivity=sens,
                assumed_true=design.true_effect,
            )
        )
        if fit is not None:
            diags[muscle] = fit.diagnostics()
            if fit.fallback_reason:
                notes.append(f"{muscle}: MixedLM {fit.fallback_reason}")
        n_sub |= set(d["subject_id"])
        n_obs += len(d)
    notes.append(
        f"estimand: effect at 4 lb under a log-linear dose model, log EMG = a + b·(lb/4), fitted over "
        f"0–{max_lb:g} lb (c1_max_load_lb; 3× the claimed dose keeps ≥ 2 non-zero load levels on a 2 %BW "
        f"grid, where ≤ 6 lb leaves one and doubles the SE); curvature is checked with a quadratic term "
        f"(sensitivity: effect at 4 lb under the quadratic)"
    )
    _holm_note(parts, notes)
    return ClaimResult(
        parts,
        len(n_sub),
        n_obs,
        "per muscle MixedLM log_emg ~ load_lb4 + C(phase) + C(exercise), random load slope, REML",
        diags,
        notes,
    )


#: C5 protocol definitions [assumption, documented in the claim's notes]: "sustained low load" = loaded at
#: 0 < load ≤ 4 %BW for ≥ 10 s under load in the set (low-load endurance work); "brief high load" = loaded at
#: ≥ 8 %BW for ≤ 5 s (a few explosive reps). Loads follow the suite's 2 %BW grid (docs/design/statistics.md §2, C3 note).
C5_PROTOCOLS = {
    "sustained_low": {"max_pct_bw": 4.0, "min_time_under_load_s": 10.0},
    "brief_high": {"min_pct_bw": 8.0, "max_time_under_load_s": 5.0},
}


def c5_protocol(emg: pd.DataFrame, protocols: dict | None = None) -> pd.Series:
    """Protocol of each EMG row from its load (%BW), ``load_phase`` and ``duration_s`` (time under load: the
    movement windows of the set), per :data:`C5_PROTOCOLS`; other rows get NaN (not used)."""
    spec = protocols or C5_PROTOCOLS
    sus, brief = spec["sustained_low"], spec["brief_high"]
    pct, loaded, tul = emg["load_pct_bw"], emg["load_phase"] != "none", emg["duration_s"]
    out = pd.Series(np.nan, index=emg.index, dtype=object)
    out[loaded & (pct > 0) & (pct <= sus["max_pct_bw"]) & (tul >= sus["min_time_under_load_s"])] = "sustained_low"
    out[loaded & (pct >= brief["min_pct_bw"]) & (tul <= brief["max_time_under_load_s"])] = "brief_high"
    return out


def analyse_c5(tables: ClaimTables, opts: dict, rng: np.random.Generator) -> ClaimResult:
    cid, tol = "C5", opts["tolerances"]
    response = opts.get("c5_response", "mean_pct_mvc")  # [assumption] acute EMG amplitude as the "response" proxy
    emg = _require(
        cid,
        tables.emg,
        "EMG features",
        ["subject_id", "muscle", "exercise", "trial_id", "phase", "load_pct_bw", "load_phase", "duration_s", response],
    )
    wanted = {"soleus": +1, "gastrocnemius_medialis": +1, "vastus_lateralis": -1}
    amplitude, phase_note = emg_amplitude_rows(emg[emg["muscle"].isin(wanted)])
    # time under load of a set = the duration of its movement windows (movement, else eccentric + concentric)
    amplitude = amplitude.assign(phase_s=amplitude["duration_s"])
    amplitude["duration_s"] = amplitude.groupby(["trial_id", "muscle"])["phase_s"].transform("sum")
    d = amplitude.assign(protocol=lambda x: c5_protocol(x)).dropna(subset=["protocol"])
    # same exercise under both protocols, per subject: the contrast is then the protocol, not the exercise
    both = d.groupby(["subject_id", "exercise"])["protocol"].transform("nunique") == 2
    d = d[both]
    present = {m for m in wanted if set(d.loc[d["muscle"] == m, "protocol"]) == {"sustained_low", "brief_high"}}
    if not present:
        raise ClaimNotTestable(
            cid,
            "EMG sets of soleus / medial gastrocnemius / vastus lateralis in one exercise under "
            "both a sustained low-load protocol (≤ 4 %BW, ≥ 10 s under load) and a brief "
            "high-load protocol (≥ 8 %BW, ≤ 5 s under load)",
        )
    d = _positive(cid, d[d["muscle"].isin(present)].copy(), response, "C5 trials")
    # one response per set and muscle: the time-weighted mean over its phase rows (movement: a single row)
    d["weighted"] = d[response] * d["phase_s"]
    keys = ["subject_id", "exercise", "trial_id", "muscle", "protocol"]
    sets = d.groupby(keys, as_index=False)[["weighted", "phase_s"]].sum()
    sets["resp"] = sets["weighted"] / sets["phase_s"]
    sets["log_resp"] = np.log(sets["resp"])
    sesoi = math.log1p(tol["C5_sesoi_pct"] / 100)
    cell = sets.groupby(["subject_id", "muscle", "protocol"])["log_resp"].mean().unstack("protocol")
    per_subject = (cell["sustained_low"] - cell["brief_high"]).dropna()
    fit = None
    if two_stage_only(opts):  # calibration loops: per-subject differences, one-sample t (§4)
        deltas = {m: one_sample_t(per_subject.xs(m, level="muscle"), name=f"delta_{m}") for m in present}
    else:
        deltas, fit = fit_muscle_protocol(
            sets, "log_resp", "muscle", "protocol", "sustained_low", "subject_id", method_lists=opts["method_lists"]
        )
    parts = []
    for m, sign in wanted.items():
        name = f"{m}: sustained-low vs brief-high ({'>' if sign > 0 else '<'} 0)"
        if m not in present:
            parts.append(
                PartResult(
                    name,
                    None,
                    "not testable",
                    None,
                    "% difference in response",
                    missing=f"{m} EMG under both protocols",
                )
            )
            continue
        est = deltas[m]
        ps = per_subject.xs(m, level="muscle")
        design = PartDesign(
            m,
            "one_sample",
            float(ps.std(ddof=1)),
            sign * ASSUMED_TRUE["C5_log"],
            partial(verdict_directional, sesoi=sesoi, sign=sign),
        )
        parts.append(
            PartResult(
                name,
                est,
                *verdict_directional(est, sesoi, sign),
                "% difference in response",
                design=design,
                sensitivity=[one_sample_t(ps, name=m)],
                assumed_true=design.true_effect,
            )
        )
    sus, brief = C5_PROTOCOLS["sustained_low"], C5_PROTOCOLS["brief_high"]
    notes = [
        f"response = {response} over the movement of each set (an acute EMG proxy for a chronic 'response', "
        f"docs/design/statistics.md §2 C5; derived by the suite from the raw EMG); protocols from the trial's load and time "
        f"under load (duration_s of its movement windows): sustained_low = loaded at ≤ {sus['max_pct_bw']:g} %BW "
        f"for ≥ {sus['min_time_under_load_s']:g} s, brief_high = loaded at ≥ {brief['min_pct_bw']:g} %BW for "
        f"≤ {brief['max_time_under_load_s']:g} s [assumption]; only subject × exercise cells with both protocols "
        f"are compared ({', '.join(sorted(set(sets['exercise'])))})",
        phase_note,
    ]
    if fit is not None and fit.fallback_reason:
        notes.append(f"MixedLM {fit.fallback_reason}")
    _holm_note(parts, notes)
    return ClaimResult(
        parts,
        sets["subject_id"].nunique(),
        len(sets),
        "MixedLM log resp ~ muscle x protocol, subject intercept + subject x muscle VC"
        if fit is not None
        else "two-stage: per-subject sustained-minus-brief log difference, one-sample t",
        fit.diagnostics() if fit is not None else {},
        notes,
    )
