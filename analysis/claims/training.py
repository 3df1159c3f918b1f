"""Pre/post training designs shared by C2, C4 (RCT arm) and C7: trained vs control labels, per-subject
pre and post summaries, ANCOVA post ~ pre + group (HC2) with a change-score sensitivity analysis.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from analysis.claims.results import PartResult, _identity
from analysis.claims.tables import ClaimNotTestable, ClaimTables, _metric, _positive, _require
from analysis.claims.verdicts import verdict_directional
from analysis.models import fit_ancova, pct_change, two_group_t
from analysis.power import PartDesign


def _group_labels(claim_id: str, tables: ClaimTables, opts: dict) -> pd.Series:
    """subject_id -> 1 (trained with ankle weights) / 0 (control), from subjects.group."""
    subjects = _require(claim_id, tables.subjects, "subjects", ["subject_id", "group"])
    control = opts.get("control_group", "control")
    treated = opts.get("treated_groups")
    groups = subjects.set_index("subject_id")["group"].astype(str)
    if control not in set(groups):
        raise ClaimNotTestable(
            claim_id,
            f"a '{control}' group in subjects.group (found {sorted(set(groups))}): a training claim needs a control group",
        )
    if treated is None:
        treated = sorted(set(groups) - {control})
    keep = groups.isin([control, *treated])
    labels = (groups[keep] != control).astype(float)
    if labels.sum() < 2:
        raise ClaimNotTestable(claim_id, f"at least 2 subjects in the trained group(s) {treated}")
    return labels


def _pre_post(claim_id: str, df: pd.DataFrame, labels: pd.Series, *, log: bool, opts: dict) -> pd.DataFrame:
    """Per-subject pre and post summaries (geometric mean if ``log``), unloaded trials when available."""
    if "session" not in df.columns:
        raise ClaimNotTestable(claim_id, "a 'session' column with pre and post sessions")
    pre_s, post_s = opts.get("pre_session", "pre"), opts.get("post_session", "post")
    d = df[df["session"].isin([pre_s, post_s])]
    if "load_kg" in d.columns and (d["load_kg"] == 0).any():
        d = d[d["load_kg"] == 0]  # tested unloaded (docs/design/statistics.md §2, C2 chronic)
    if d.empty or set(d["session"]) != {pre_s, post_s}:
        raise ClaimNotTestable(claim_id, f"sessions '{pre_s}' and '{post_s}' are both needed")
    if log:
        d = _positive(claim_id, d.copy(), "value", "pre/post trials")
        v = d.assign(value=np.log(d["value"])).groupby(["subject_id", "session"])["value"].mean().map(np.exp)
    else:
        v = d.groupby(["subject_id", "session"])["value"].mean()
    wide = v.unstack("session").rename(columns={pre_s: "pre", post_s: "post"})
    wide["treated"] = labels.reindex(wide.index)
    return wide.dropna()


def _ancova_part(cid, df, labels, opts, *, log, sesoi, sign, true_effect, unit, name):
    """One pre/post RCT part: per-subject pre and post (``_pre_post``), ANCOVA post ~ pre + treated (HC2)."""
    wide = _pre_post(cid, df, labels, log=log, opts=opts)
    # HC2 (unbiased under homoscedasticity): HC3 covered 0.975 with C4's 6 + 6 subjects (docs/design/statistics.md §13.6)
    est, res = fit_ancova(wide, "post", "pre", "treated", log=log, name=name, cov_type="HC2")
    verdict = verdict_directional(est, sesoi, sign)
    resid_sd = float(math.sqrt(res.mse_resid))
    design = PartDesign(
        name,
        "two_group",
        resid_sd,
        true_effect,
        partial(verdict_directional, sesoi=sesoi, sign=sign),
        scale="log" if log else "additive",
    )
    sub = wide.copy()
    if log:
        sub[["pre", "post"]] = np.log(sub[["pre", "post"]])
    change = sub["post"] - sub["pre"]
    sens = [
        two_group_t(
            change[sub["treated"] == 1],
            change[sub["treated"] == 0],
            name=name,
            method="change-score two-group t",
            scale="log" if log else "additive",
        )
    ]
    part = PartResult(
        name,
        est,
        *verdict,
        unit,
        natural=pct_change if log else _identity,
        design=design,
        sensitivity=sens,
        assumed_true=true_effect,
        mde_kind="two_group",
    )
    return part, wide


def _training_part(
    cid, tables, opts, table, table_name, metric, *, log, sesoi, sign, true_effect, unit, name, exercise=None
):
    df = _metric(cid, table, table_name, metric)
    if exercise is not None:
        if "exercise" not in df.columns or not (df["exercise"] == exercise).any():
            raise ClaimNotTestable(cid, f"'{metric}' rows of {exercise} trials in the {table_name} table")
        df = df[df["exercise"] == exercise]
    labels = _group_labels(cid, tables, opts)
    return _ancova_part(
        cid, df, labels, opts, log=log, sesoi=sesoi, sign=sign, true_effect=true_effect, unit=unit, name=name
    )
