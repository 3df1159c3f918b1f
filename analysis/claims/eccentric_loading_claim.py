"""C4: eccentric-phase loading improves stretch-shortening cycle efficiency (EUR, CMJ/SJ) while
mid-range loading disrupts proprioception (knee joint-position-sense error); crossover or RCT, read from the tables.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from analysis.claims.results import ClaimResult, PartResult, _identity
from analysis.claims.tables import ClaimNotTestable, ClaimTables, _metric, _positive, _require
from analysis.claims.tolerances import ASSUMED_TRUE
from analysis.claims.training import _ancova_part, _group_labels
from analysis.claims.verdicts import verdict_directional
from analysis.models import fit_condition_contrast
from analysis.power import PartDesign


def _jps_conditions(cid: str, tables: ClaimTables) -> pd.DataFrame:
    m = _require(cid, tables.measures, "measures", ["subject_id", "session", "measure", "value"])
    m = m[m["measure"] == "jps_abs_error_deg"].copy()
    if m.empty:
        raise ClaimNotTestable(cid, "'jps_abs_error_deg' rows in the measures table (none found)")
    if "load_phase" not in m.columns:
        trials = _require(cid, tables.trials, "trials", ["subject_id", "session", "load_phase"])
        phases = trials.groupby(["subject_id", "session"])["load_phase"].agg(lambda s: sorted(set(s)))
        loaded = phases.map(lambda ps: [p for p in ps if p != "none"] or ["none"])
        unique = loaded[loaded.map(len) == 1].map(lambda ps: ps[0]).rename("load_phase")
        m = m.merge(unique.reset_index(), on=["subject_id", "session"], how="inner")
    return m


def _c4_design(cid: str, tables: ClaimTables, force: pd.DataFrame | None, arm: str) -> str:
    """ "crossover" when the trials carry the loading condition within subject (load_phase ``arm`` next to
    'none' for one subject), "rct" when subjects.group has ``arm`` and 'control' and sessions pre and post."""
    if force is not None and {"load_phase", "subject_id"} <= set(force.columns):
        phases = force.groupby("subject_id")["load_phase"].agg(lambda x: set(x))
        if phases.map(lambda ps: {arm, "none"} <= ps).any():
            return "crossover"
    subjects = tables.subjects
    if subjects is not None and "group" in subjects.columns and {arm, "control"} <= set(subjects["group"].astype(str)):
        return "rct"
    raise ClaimNotTestable(
        cid,
        f"either a crossover (trials with load_phase '{arm}' and 'none' in the same subject) "
        f"or an RCT (subjects.group '{arm}' and 'control', sessions pre and post)",
    )


def _eur_table(cid: str, tables: ClaimTables) -> pd.DataFrame:
    """EUR = mean CMJ height / mean SJ height (impulse-momentum) per subject x session x load_phase, long."""
    f = _metric(cid, tables.force, "force", "jump_height_impulse_m")
    f = _require(cid, f, "force", ["exercise", "session"])
    f = f[f["exercise"].isin(["cmj", "sj"])].copy()
    if "load_phase" not in f.columns:
        f["load_phase"] = "none"
    f = _positive(cid, f, "value", "jump heights")
    h = f.groupby(["subject_id", "session", "load_phase", "exercise"])["value"].mean().unstack("exercise")
    if not {"cmj", "sj"} <= set(h.columns):
        raise ClaimNotTestable(cid, "CMJ and SJ jump heights in the same session (EUR = CMJ/SJ)")
    return (h["cmj"] / h["sj"]).dropna().rename("value").reset_index()


def analyse_c4(tables: ClaimTables, opts: dict, rng: np.random.Generator) -> ClaimResult:
    """EUR (eccentric-only loading) and JPS error (mid-range loading), each in the design the tables hold:
    a within-subject crossover by ``load_phase`` (MixedLM contrast vs 'none', docs/design/statistics.md §2) or a pre/post
    RCT by ``subjects.group`` (ANCOVA post ~ pre + arm vs control, HC2, as C2/C7)."""
    cid, tol = "C4", opts["tolerances"]
    parts, notes, diags, n_sub, n_obs, designs = [], [], {}, set(), 0, []
    control = opts.get("control_group", "control")
    # EUR = CMJ / SJ jump height per subject x session (x loading condition)
    name, unit = "EUR (CMJ/SJ), eccentric-only", "% change in EUR"
    sesoi = math.log1p(tol["C4_eur_sesoi_pct"] / 100)
    try:
        eur = _eur_table(cid, tables)
        design = _c4_design(cid, tables, eur, "eccentric_only")
        designs.append(f"EUR: {design}")
        if design == "crossover":
            eur = eur[eur["load_phase"].isin(["eccentric_only", "none"])].assign(log_eur=lambda x: np.log(x["value"]))
            covs = ["C(session)"] if eur.groupby("subject_id")["session"].nunique().max() > 1 else []
            est, fit, ts = fit_condition_contrast(
                eur,
                "log_eur",
                "load_phase",
                "eccentric_only",
                "none",
                "subject_id",
                covariates=covs,
                method_lists=opts["method_lists"],
            )
            pdesign = PartDesign(
                "EUR",
                "one_sample",
                ts.se * math.sqrt(ts.df + 1),
                ASSUMED_TRUE["C4_eur_log"],
                partial(verdict_directional, sesoi=sesoi, sign=+1),
            )
            parts.append(
                PartResult(
                    f"{name} vs none (crossover)",
                    est,
                    *verdict_directional(est, sesoi, +1),
                    unit,
                    design=pdesign,
                    sensitivity=[ts],
                    assumed_true=pdesign.true_effect,
                )
            )
            diags["eur"] = fit.diagnostics()
            if fit.fallback_reason:
                notes.append(f"EUR: MixedLM {fit.fallback_reason}")
            n_obs += len(eur)
        else:
            labels = _group_labels(cid, tables, {**opts, "treated_groups": ["eccentric_only"]})
            part, eur = _ancova_part(
                cid,
                eur,
                labels,
                opts,
                log=True,
                sesoi=sesoi,
                sign=+1,
                true_effect=ASSUMED_TRUE["C4_eur_log"],
                unit=unit,
                name=f"{name} vs {control} (RCT)",
            )
            parts.append(part)
            n_obs += 2 * len(eur)
            eur = eur.reset_index()
        n_sub |= set(eur["subject_id"])
    except ClaimNotTestable as exc:
        parts.append(PartResult(name, None, "not testable", None, unit, missing=exc.missing))
    # Joint-position-sense absolute error, mid-range loading (additive, °)
    name, unit = "JPS abs. error, mid-range", "° JPS error"
    sesoi = tol["C4_jps_sesoi_deg"]
    try:
        m = _require(cid, tables.measures, "measures", ["subject_id", "session", "measure", "value"])
        m = m[m["measure"] == "jps_abs_error_deg"]
        if m.empty:
            raise ClaimNotTestable(cid, "'jps_abs_error_deg' rows in the measures table (none found)")
        design = (
            "rct"
            if "load_phase" not in m.columns
            and set(m["session"]) >= {"pre", "post"}
            and tables.subjects is not None
            and "group" in tables.subjects.columns
            and {"mid_range", control} <= set(tables.subjects["group"].astype(str))
            else "crossover"
        )
        designs.append(f"JPS: {design}")
        if design == "crossover":
            m = _jps_conditions(cid, tables)
            m = m[m["load_phase"].isin(["mid_range", "none"])]
            if set(m["load_phase"]) != {"mid_range", "none"}:
                raise ClaimNotTestable(cid, "JPS error under both 'mid_range' loading and 'none'")
            est, fit, ts = fit_condition_contrast(
                m,
                "value",
                "load_phase",
                "mid_range",
                "none",
                "subject_id",
                scale="additive",
                method_lists=opts["method_lists"],
            )
            pdesign = PartDesign(
                "JPS",
                "one_sample",
                ts.se * math.sqrt(ts.df + 1),
                ASSUMED_TRUE["C4_jps_deg"],
                partial(verdict_directional, sesoi=sesoi, sign=+1),
                scale="additive",
            )
            parts.append(
                PartResult(
                    f"{name} vs none (crossover)",
                    est,
                    *verdict_directional(est, sesoi, +1),
                    unit,
                    natural=_identity,
                    design=pdesign,
                    sensitivity=[ts],
                    assumed_true=pdesign.true_effect,
                )
            )
            diags["jps"] = fit.diagnostics()
            n_obs += len(m)
        else:
            labels = _group_labels(cid, tables, {**opts, "treated_groups": ["mid_range"]})
            part, m = _ancova_part(
                cid,
                m,
                labels,
                opts,
                log=False,
                sesoi=sesoi,
                sign=+1,
                true_effect=ASSUMED_TRUE["C4_jps_deg"],
                unit=unit,
                name=f"{name} vs {control} (RCT)",
            )
            parts.append(part)
            n_obs += 2 * len(m)
            m = m.reset_index()
        n_sub |= set(m["subject_id"])
    except ClaimNotTestable as exc:
        parts.append(PartResult(name, None, "not testable", None, unit, missing=exc.missing))
    notes.append(
        "design read from the tables: " + "; ".join(designs) + " (crossover = MixedLM contrast vs 'none' "
        "with random intercept; rct = ANCOVA post ~ pre + arm vs control, HC2, other arms left out)"
    )
    notes.append("EUR = mean CMJ / mean SJ impulse jump height per subject x session")
    notes.append("'increasing injury risk' is not measured: worse proprioception is the tested consequence")
    return ClaimResult(
        parts,
        len(n_sub),
        n_obs,
        "crossover: MixedLM log EUR ~ condition (+ period), JPS ° ~ condition; "
        "RCT: ANCOVA post ~ pre + arm vs control (log EUR; JPS in °), HC2",
        diags,
        notes,
    )
