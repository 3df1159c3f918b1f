"""Muscle activation (%MVC) against ankle load: per-subject means and the population load effect per
muscle x exercise x phase (notebook 02, claims C1, C4, C5; figures in :mod:`analysis.plots.emg_load`).

Why per subject: the load effect is a *within-subject* change; between-subject differences in %MVC are
large, so the model gives each subject its own intercept and its own load slope (a random slope); the
population effect is the average slope, with its interval. EMG is modelled on the log scale, so a slope is a
% change per unit of load (docs/design/statistics.md §1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.load_axes import LOAD_AXES, check_load_axis
from analysis.models.mixed import DEFAULT_METHOD_LISTS, fit_mixedlm_robust

__all__ = ["LOAD_AXES", "LOAD_EFFECT_KEYS", "check_load_axis", "subject_load_means", "fit_load_effects"]

#: One fit per combination of these columns of the EMG feature table.
LOAD_EFFECT_KEYS = ["muscle", "exercise", "phase"]


def _select(
    emg: pd.DataFrame, muscles: Sequence[str] | None, exercises: Sequence[str] | None, load_phases: Sequence[str] | None
) -> pd.DataFrame:
    need = ["subject_id", "muscle", "exercise", "phase", "load_phase", "mean_pct_mvc", *LOAD_AXES]
    missing = [c for c in need if c not in emg.columns]
    if missing:
        raise AnalysisError(f"EMG feature table lacks column(s) {missing}; rebuild the features (anklelab features)")
    d = emg
    if muscles:
        d = d[d["muscle"].isin(muscles)]
    if exercises:
        d = d[d["exercise"].isin(exercises)]
    if load_phases:
        d = d[d["load_phase"].isin(load_phases)]
    return d[np.isfinite(d["mean_pct_mvc"]) & (d["mean_pct_mvc"] > 0)]


def subject_load_means(
    emg: pd.DataFrame,
    muscles: Sequence[str] | None = None,
    exercises: Sequence[str] | None = None,
    x: str = "load_lb",
    load_phases: Sequence[str] | None = ("none", "full_range"),
) -> pd.DataFrame:
    """Mean %MVC per subject x muscle x exercise x phase x load (repetitions averaged)."""
    check_load_axis(x)
    d = _select(emg, muscles, exercises, load_phases)
    keys = ["subject_id", *LOAD_EFFECT_KEYS, x]
    return d.groupby(keys, as_index=False, observed=True).agg(
        mean_pct_mvc=("mean_pct_mvc", "mean"), n_trials=("mean_pct_mvc", "size")
    )


def fit_load_effects(
    emg: pd.DataFrame,
    muscles: Sequence[str] | None = None,
    exercises: Sequence[str] | None = None,
    x: str = "load_lb",
    load_phases: Sequence[str] | None = ("none", "full_range"),
    method_lists: Sequence[Sequence[str]] = DEFAULT_METHOD_LISTS[:1],
) -> pd.DataFrame:
    """Per muscle x exercise x phase: MixedLM ``log %MVC ~ load`` with a random load slope per subject
    (:func:`analysis.models.fit_mixedlm_robust`, REML, t(n_subjects − 1) intervals).

    Columns: keys, ``x``, ``per`` (units of load the effect refers to), ``effect_pct`` and its 95/90 % CI
    (% change in EMG per ``per`` units), ``intercept_log`` (log %MVC at no load), ``n_subjects``,
    ``n_observations``, ``method``, ``structure``, ``note`` (fallback or why no fit).
    Only unloaded and full-range-loaded trials by default: other phases change *where* the load acts.
    ``method_lists`` defaults to the first optimiser list only (these are descriptive figures; the claim
    verdicts in analysis.claims try every list).
    """
    _label, per = check_load_axis(x)
    d = _select(emg, muscles, exercises, load_phases)
    rows = []
    for key, g in d.groupby(LOAD_EFFECT_KEYS, observed=True, sort=True):
        row = dict(
            zip(LOAD_EFFECT_KEYS, key),
            x=x,
            per=per,
            n_subjects=int(g["subject_id"].nunique()),
            n_observations=int(len(g)),
        )
        g = g.assign(log_emg=np.log(g["mean_pct_mvc"]), load_scaled=g[x] / per)
        if row["n_subjects"] < 3 or g[x].nunique() < 2:
            rows.append(
                row
                | {
                    "note": f"not fitted: needs ≥ 3 subjects and ≥ 2 load levels "
                    f"(has {row['n_subjects']} subjects, {g[x].nunique()} levels)"
                }
            )
            continue
        try:
            fit = fit_mixedlm_robust(
                "log_emg ~ load_scaled", g, "subject_id", "~load_scaled", method_lists=method_lists
            )
        except AnalysisError as exc:
            rows.append(row | {"note": f"not fitted: {exc}"})
            continue
        est = fit.estimate("load_scaled", name=f"{key[0]} {key[1]} per {per:g} {x}")
        nat = est.natural()
        result: Any = fit.result  # a statsmodels MixedLMResults (MixedFit types it as object)
        rows.append(
            row
            | {
                "effect_pct": nat["estimate"],
                "ci95_low": nat["ci95_low"],
                "ci95_high": nat["ci95_high"],
                "ci90_low": nat["ci90_low"],
                "ci90_high": nat["ci90_high"],
                "p_value": est.p_value,
                "intercept_log": float(result.fe_params["Intercept"]),
                "method": est.method,
                "structure": fit.structure,
                "note": fit.fallback_reason or "",
            }
        )
    cols = [
        *LOAD_EFFECT_KEYS,
        "x",
        "per",
        "effect_pct",
        "ci95_low",
        "ci95_high",
        "ci90_low",
        "ci90_high",
        "p_value",
        "intercept_log",
        "n_subjects",
        "n_observations",
        "method",
        "structure",
        "note",
    ]
    return pd.DataFrame(rows).reindex(columns=cols)
