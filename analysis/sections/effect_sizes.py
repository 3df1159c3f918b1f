"""Effect sizes with 95 % CIs beside the comparisons reports 02 and 03 show: loaded vs unloaded per muscle or
metric (and mid-range vs full-range loading for claim C6), from the tidy per-trial feature tables.

Load comparisons are paired (every subject under both conditions), so their effect sizes are the paired ones,
named as in Lakens 2013: Cohen's d_z (mean difference / SD of the differences), Cohen's d_av (mean difference /
mean of the two SDs, comparable with a between-subject d) and the percent change from the mean log ratio
(Hopkins et al. 2009), each with its 95 % CI (:mod:`analysis.stats.effect_sizes`). The training comparison of
claim C7 (trained groups vs control, pre to post) is between independent groups: Hedges' g of the per-subject
log change, and the percent difference in change. A comparison that cannot be made (fewer than 3 pairs or
subjects, non-positive values for a log-scale effect) keeps its row with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.plots.format import format_estimate_interval
from analysis.sections.section import Section

__all__ = [
    "MIN_PAIRS",
    "paired_effects",
    "training_effects",
    "effects_display_table",
    "training_display_table",
    "emg_load_effects",
    "force_load_effects",
]

# pairs needed for an effect size with a CI (a SD of differences from 1 df, n = 2, gives no usable interval;
# 3 is also the SPM minimum, analysis.stats.spm.MIN_SUBJECTS)
MIN_PAIRS = 3
_EFFECT_COLUMNS = ["pct_change", "d_z", "d_av"]


def _effects(before: np.ndarray, after: np.ndarray, alpha: float) -> dict[str, Any]:
    """d_z, d_av and % change (after vs before) with CIs; a quantity that cannot be computed is NaN + reason."""
    from analysis.stats.effect_sizes import cohens_dav, cohens_dz, percent_change

    row: dict[str, Any] = {}
    reasons = []
    for key, compute in (
        ("d_z", lambda: cohens_dz(after, before, alpha)),
        ("d_av", lambda: cohens_dav(after, before, alpha)),
        ("pct_change", lambda: percent_change(before, after, paired=True, alpha=alpha)),
    ):
        try:
            effect = compute()
            row[key], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = effect.estimate, effect.ci_low, effect.ci_high
        except (AnalysisError, ValueError, ZeroDivisionError) as exc:  # brentq's ValueError: SD of differences 0
            row[key] = row[f"{key}_ci_low"] = row[f"{key}_ci_high"] = np.nan
            reasons.append(f"{key}: {exc}")
    row["reason"] = "; ".join(reasons)
    return row


def paired_effects(
    rows: pd.DataFrame,
    *,
    value: str,
    by: Sequence[str],
    condition: str = "load_phase",
    reference: str = "none",
    treatment: str = "full_range",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Effect of ``treatment`` vs ``reference`` on ``value`` per ``by`` group, from subject means.

    Trials are averaged within subject x condition (only sessions that contain the treatment enter, so a pair
    never joins two sessions' designs); subjects with both conditions are the pairs. Columns: the ``by`` keys,
    ``n_pairs``, ``reference_mean``, ``treatment_mean``, ``pct_change``, ``d_z``, ``d_av`` each with
    ``_ci_low``/``_ci_high`` (level 1 - alpha), and ``reason`` ("" when complete).
    """
    missing = [c for c in ["subject_id", "session", condition, value, *by] if c not in rows.columns]
    if missing:
        raise AnalysisError(f"paired_effects: column(s) {missing} not in the table; pass value=, by= naming yours")
    out = []
    d = rows[rows[condition].isin([reference, treatment])]
    d = d[np.isfinite(d[value].to_numpy(dtype=float))]
    for key, group in d.groupby(list(by), sort=True):
        key_tuple = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(by, key_tuple))
        sessions = set(group.loc[group[condition] == treatment, "session"])
        group = group[group["session"].isin(sessions)]
        means = group.groupby(["subject_id", condition])[value].mean().unstack(condition)
        pairs = means.dropna() if {reference, treatment} <= set(means.columns) else means.iloc[0:0]
        row.update(n_pairs=len(pairs))
        if len(pairs) < MIN_PAIRS:
            row["reason"] = f"{len(pairs)} subject(s) with both {reference} and {treatment} (need {MIN_PAIRS})"
            out.append(row)
            continue
        before, after = pairs[reference].to_numpy(dtype=float), pairs[treatment].to_numpy(dtype=float)
        row.update(reference_mean=float(before.mean()), treatment_mean=float(after.mean()))
        row.update(_effects(before, after, alpha))
        out.append(row)
    columns = [*by, "n_pairs", "reference_mean", "treatment_mean"]
    columns += [f"{e}{s}" for e in _EFFECT_COLUMNS for s in ("", "_ci_low", "_ci_high")] + ["reason"]
    table = pd.DataFrame(out, columns=columns)
    table["reason"] = table["reason"].fillna("")
    return table


def training_effects(
    rows: pd.DataFrame,
    *,
    metric: str = "rfd_0_100ms_n_per_s",
    exercise: str = "sj",
    control: str = "control",
    pre: str = "pre",
    post: str = "post",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Claim C7's comparison as effect sizes: every other group (trained with ankle weights) vs ``control``.

    Per subject the geometric mean of the unloaded trials per session (as the claim), change = ln(post / pre).
    One row per comparison (all trained groups pooled, then each group): Hedges' g of the change (independent
    groups, noncentral-t CI scaled by J), the percent difference in change (trained vs control, pooled-variance
    t interval of the mean log ratios) and each side's mean % change pre to post; ``reason`` when not computable.
    """
    from analysis.stats.effect_sizes import hedges_g, percent_change

    columns = ["comparison", "n_trained", "n_control", "hedges_g", "hedges_g_ci_low", "hedges_g_ci_high"]
    columns += ["pct_difference", "pct_difference_ci_low", "pct_difference_ci_high"]
    columns += ["trained_pct_change", "control_pct_change", "reason"]
    needed = {"subject_id", "group", "session", "exercise", "metric", "value"}
    if rows is None or rows.empty or not needed <= set(rows.columns):
        return pd.DataFrame(columns=columns)
    d = rows[(rows["metric"] == metric) & (rows["exercise"] == exercise) & rows["session"].isin([pre, post])]
    if "load_kg" in d.columns and (d["load_kg"] == 0).any():
        d = d[d["load_kg"] == 0]  # tested unloaded, as claim C7
    d = d[d["value"] > 0]  # the claim's geometric means need positive values
    if d.empty or control not in set(d["group"]):
        return pd.DataFrame(columns=columns)
    logs = d.assign(log_value=np.log(d["value"]))
    per_session = logs.groupby(["group", "subject_id", "session"])["log_value"].mean().unstack("session")
    if not {pre, post} <= set(per_session.columns):
        return pd.DataFrame(columns=columns)
    change = (per_session[post] - per_session[pre]).dropna().reset_index(name="log_change")
    control_change = change.loc[change["group"] == control, "log_change"].to_numpy(dtype=float)
    trained_groups = sorted(set(change["group"]) - {control})
    comparisons = [("all trained groups", trained_groups)] + [(g, [g]) for g in trained_groups]
    out = []
    for name, groups in comparisons if len(trained_groups) > 1 else comparisons[1:]:
        trained = change.loc[change["group"].isin(groups), "log_change"].to_numpy(dtype=float)
        row: dict[str, Any] = {"comparison": f"{name} vs {control}", "n_trained": trained.size}
        row["n_control"] = control_change.size
        if min(trained.size, control_change.size) < MIN_PAIRS:
            row["reason"] = f"{trained.size} trained and {control_change.size} control subject(s) (need {MIN_PAIRS})"
            out.append(row)
            continue
        g = hedges_g(trained, control_change, alpha)
        diff = percent_change(np.exp(control_change), np.exp(trained), paired=False, alpha=alpha)
        row.update(hedges_g=g.estimate, hedges_g_ci_low=g.ci_low, hedges_g_ci_high=g.ci_high)
        row.update(pct_difference=diff.estimate, pct_difference_ci_low=diff.ci_low, pct_difference_ci_high=diff.ci_high)
        row.update(
            trained_pct_change=float(100 * np.expm1(trained.mean())),
            control_pct_change=float(100 * np.expm1(control_change.mean())),
            reason="",
        )
        out.append(row)
    table = pd.DataFrame(out, columns=columns)
    table["reason"] = table["reason"].fillna("")
    return table


def training_display_table(effects: pd.DataFrame) -> pd.DataFrame:
    """The training comparison as a reader scans it: groups, n, Hedges' g and % difference with 95 % CIs."""
    rows = []
    for r in effects.to_dict("records"):
        rows.append(
            {
                "comparison": str(r["comparison"]).replace("_", " "),
                "n trained": int(r["n_trained"]),
                "n control": int(r["n_control"]),
                "trained: mean % change pre→post": r["trained_pct_change"],
                "control: mean % change pre→post": r["control_pct_change"],
                "% difference in change [95 % CI]": format_estimate_interval(
                    r["pct_difference"], r["pct_difference_ci_low"], r["pct_difference_ci_high"], 1
                ),
                "Hedges' g_s of log change [95 % CI]": format_estimate_interval(
                    r["hedges_g"], r["hedges_g_ci_low"], r["hedges_g_ci_high"], 2
                ),
                "note": r["reason"],
            }
        )
    return pd.DataFrame(rows)


def effects_display_table(
    effects: pd.DataFrame, *, by_labels: dict[str, str], reference: str, treatment: str, unit: str = ""
) -> pd.DataFrame:
    """The effect table as a reader scans it: keys, n pairs, both means, and each effect "estimate [95 % CI]"."""
    unit_text = f" ({unit})" if unit else ""
    rows = []
    for r in effects.to_dict("records"):
        row: dict[str, Any] = {label: str(r[key]).replace("_", " ") for key, label in by_labels.items()}
        row["n pairs"] = int(r["n_pairs"])
        row[f"{reference}{unit_text}"] = r.get("reference_mean", np.nan)
        row[f"{treatment}{unit_text}"] = r.get("treatment_mean", np.nan)
        row["% change [95 % CI]"] = format_estimate_interval(
            r["pct_change"], r["pct_change_ci_low"], r["pct_change_ci_high"], 1
        )
        row["Cohen's d_z [95 % CI]"] = format_estimate_interval(r["d_z"], r["d_z_ci_low"], r["d_z_ci_high"], 2)
        row["Cohen's d_av [95 % CI]"] = format_estimate_interval(r["d_av"], r["d_av_ci_low"], r["d_av_ci_high"], 2)
        row["note"] = r["reason"]
        rows.append(row)
    return pd.DataFrame(rows)


_EXPLAINED = (
    "<p>Paired effect sizes (Lakens 2013), from subject means: <b>% change</b> = 100 × (exp(mean log ratio) − 1) "
    "with its back-transformed t interval (Hopkins et al. 2009); <b>Cohen's d_z</b> = mean difference / SD of the "
    "differences (the paired test's standardised effect); <b>Cohen's d_av</b> = mean difference / mean of the two "
    "conditions' SDs (comparable with a between-subject d). Intervals are 95 % (noncentral t for d_z; Algina "
    "& Keselman's approximation for d_av).</p>"
)


def emg_load_effects(emg: pd.DataFrame | None, *, exercises: Sequence[str], out_dir: Path | None = None) -> Section:
    """Report 02: loaded (full range) vs unloaded mean %MVC over the movement, per exercise x muscle (the rows
    claim C1 uses, :func:`analysis.claims.emg_claims.emg_amplitude_rows`); CSV ``emg_effect_sizes.csv``."""
    from analysis.claims.emg_claims import emg_amplitude_rows
    from analysis.io import save_table

    section = Section()
    if emg is None or emg.empty or "mean_pct_mvc" not in emg.columns:
        return section.note("No EMG features with %MVC in this study: no loaded vs unloaded effect sizes.")
    rows, _ = emg_amplitude_rows(emg[emg["exercise"].isin(list(exercises))])
    # one value per trial and muscle (eccentric + concentric rows of a trial without a movement window averaged)
    per_trial = rows.groupby(["subject_id", "session", "trial_id", "exercise", "load_phase", "muscle"], as_index=False)[
        "mean_pct_mvc"
    ].mean()
    effects = paired_effects(per_trial, value="mean_pct_mvc", by=["exercise", "muscle"])
    section.tables["effects"] = effects
    effects = effects[effects["n_pairs"] > 0]  # exercises never loaded (or never unloaded) compare nothing
    if effects.empty:
        return section.note("No exercise has EMG under both unloaded and full-range loaded conditions.")
    section.html(_EXPLAINED)
    shown = effects_display_table(
        effects,
        by_labels={"exercise": "exercise", "muscle": "muscle"},
        reference="unloaded",
        treatment="loaded",
        unit="%MVC",
    )
    section.table(shown, wrap_em=24, max_rows=60)
    if out_dir is not None:
        save_table(effects, Path(out_dir) / "emg_effect_sizes.csv")
    return section


def force_load_effects(force: pd.DataFrame | None, *, metrics: Sequence[str], out_dir: Path | None = None) -> Section:
    """Report 03: loaded (full range) vs unloaded per exercise x metric, and mid-range vs full-range loading at
    4–6 lb (claim C6's comparison) for the squat; CSV ``force_effect_sizes.csv``."""
    from analysis.io import save_table

    section = Section()
    if force is None or force.empty:
        return section.note("No force-plate metrics in this study: no effect sizes.")
    d = force[force["metric"].isin(list(metrics))]
    load = paired_effects(d, value="value", by=["exercise", "metric"]).assign(comparison="loaded vs unloaded")
    c6_rows = d[(d["exercise"] == "squat") & d["load_lb"].between(4, 6)]
    c6 = paired_effects(
        c6_rows, value="value", by=["exercise", "metric"], reference="full_range", treatment="mid_range"
    ).assign(comparison="mid-range vs full-range (4–6 lb)")
    effects = pd.concat([t for t in (load, c6) if len(t)], ignore_index=True) if len(load) + len(c6) else load
    training = training_effects(force)
    section.tables["effects"] = effects
    section.tables["training"] = training
    shown_effects = effects[effects["n_pairs"] > 0] if len(effects) else effects
    if shown_effects.empty and training.empty:
        return section.note("No force-plate metric was measured under both conditions of a comparison.")
    section.html(_EXPLAINED)
    for comparison, reference, treatment in (
        ("loaded vs unloaded", "unloaded", "loaded"),
        ("mid-range vs full-range (4–6 lb)", "full range", "mid range"),
    ):
        part = shown_effects[shown_effects["comparison"] == comparison]
        if part.empty:
            continue
        section.html(f"<p><b>{comparison}</b></p>")
        shown = effects_display_table(
            part, by_labels={"exercise": "exercise", "metric": "metric"}, reference=reference, treatment=treatment
        )
        section.table(shown, wrap_em=24, max_rows=60)
    if len(training):
        section.html(
            "<p><b>trained vs control, pre to post (claim C7: RFD 0–100 ms of the squat jump)</b>: independent "
            "groups, so Hedges' g_s (bias-corrected standardised difference of the per-subject log change; "
            "noncentral-t interval scaled by Hedges' J) and the % difference in change between the groups.</p>"
        )
        section.table(training_display_table(training), wrap_em=24)
    if out_dir is not None:
        save_table(effects, Path(out_dir) / "force_effect_sizes.csv")
        if len(training):
            save_table(training, Path(out_dir) / "force_training_effect_sizes.csv")
    return section
