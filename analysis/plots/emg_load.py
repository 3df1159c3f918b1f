"""Muscle activation (%MVC) against ankle load: per-subject lines, the fitted population effect, and
%MVC envelopes over the (time-normalised) movement by load (notebook 02: claims C1, C4, C5).

Why per subject: the load effect is a *within-subject* change; between-subject differences in %MVC are
large, so every subject is drawn as its own line and the model gives each one its own intercept and its
own load slope (a random slope); the population line is the average slope, with its interval.
EMG is modelled on the log scale, so a slope is a % change per unit of load (docs/design/statistics.md §1).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.errors import AnalysisError, AnkleLabError
from analysis.models import DEFAULT_METHOD_LISTS, fit_mixedlm_robust
from analysis.plots.tables import humanise

__all__ = [
    "LOAD_AXES",
    "subject_load_means",
    "fit_load_effects",
    "activation_load_figure",
    "phase_effects_figure",
    "load_effects_table",
    "fit_notes_html",
    "select_envelope_trials",
    "envelope_cycles",
    "envelope_figure",
]

#: Load axis column -> (axis label, effect reported per this many units). 4 lb is the middle of the
#: article's "3–5 pounds" (C1); 5 %BW sits inside its "5–8 % of bodyweight" (C2).
LOAD_AXES = {"load_lb": ("ankle load per ankle (lb)", 4.0), "load_pct_bw": ("ankle load per ankle (%BW)", 5.0)}
_KEYS = ["muscle", "exercise", "phase"]


def _check_axis(x: str) -> tuple[str, float]:
    if x not in LOAD_AXES:
        raise AnalysisError(f"load axis {x!r} is not supported; use one of {sorted(LOAD_AXES)}")
    return LOAD_AXES[x]


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
    _check_axis(x)
    d = _select(emg, muscles, exercises, load_phases)
    keys = ["subject_id", *_KEYS, x]
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
    label, per = _check_axis(x)
    d = _select(emg, muscles, exercises, load_phases)
    rows = []
    for key, g in d.groupby(_KEYS, observed=True, sort=True):
        row = dict(zip(_KEYS, key), x=x, per=per, n_subjects=int(g["subject_id"].nunique()), n_observations=int(len(g)))
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
        rows.append(
            row
            | {
                "effect_pct": nat["estimate"],
                "ci95_low": nat["ci95_low"],
                "ci95_high": nat["ci95_high"],
                "ci90_low": nat["ci90_low"],
                "ci90_high": nat["ci90_high"],
                "p_value": est.p_value,
                "intercept_log": float(fit.result.fe_params["Intercept"]),
                "method": est.method,
                "structure": fit.structure,
                "note": fit.fallback_reason or "",
            }
        )
    cols = [
        *_KEYS,
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


def activation_load_figure(
    means: pd.DataFrame, fits: pd.DataFrame | None, muscle: str | Sequence[str], x: str = "load_lb"
) -> Figure:
    """One panel per exercise (columns) and muscle x phase (rows): each subject's mean %MVC against load
    (grey lines), and the fitted population curve exp(b0 + b1·load) with the 95 % CI of the load effect
    (band). ``muscle`` is one muscle or a list (one row per muscle and phase present in ``means``)."""
    label, per = _check_axis(x)
    muscles = [muscle] if isinstance(muscle, str) else list(muscle)
    m_all = means[means["muscle"].isin(muscles)]
    if m_all.empty:
        raise AnalysisError(f"no EMG rows for muscle(s) {muscles}; muscles present: {sorted(means['muscle'].unique())}")
    exercises = sorted(m_all["exercise"].unique())
    rows = [
        (mu, ph)
        for mu in muscles
        if (m_all["muscle"] == mu).any()
        for ph in sorted(m_all.loc[m_all["muscle"] == mu, "phase"].unique())
    ]
    fig, axes = plt.subplots(
        len(rows),
        len(exercises),
        figsize=(3.2 * len(exercises) + 0.6, 3.0 * len(rows) + 0.6),
        squeeze=False,
        sharey="row" if len(muscles) > 1 else True,
    )
    for i, (muscle, phase) in enumerate(rows):
        m = m_all[m_all["muscle"] == muscle]
        for j, exercise in enumerate(exercises):
            ax = axes[i, j]
            cell = m[(m["exercise"] == exercise) & (m["phase"] == phase)]
            for _, s in cell.groupby("subject_id"):
                s = s.sort_values(x)
                ax.plot(s[x], s["mean_pct_mvc"], "-o", color="0.6", lw=0.8, ms=2.5, alpha=0.8)
            title = f"{humanise(muscle)}: {humanise(exercise)}, {phase}" if len(muscles) > 1 else f"{exercise}, {phase}"
            f = None
            if fits is not None and len(fits):
                hit = fits[
                    (fits["muscle"] == muscle)
                    & (fits["exercise"] == exercise)
                    & (fits["phase"] == phase)
                    & (fits["x"] == x)
                ]
                f = hit.iloc[0] if len(hit) else None
            if f is not None and np.isfinite(f.get("effect_pct", math.nan)):
                grid = np.linspace(0, cell[x].max() if len(cell) else per, 50)
                b0 = f["intercept_log"]

                def curve(pct, b0=b0, grid=grid):
                    return np.exp(b0 + np.log1p(pct / 100) * grid / per)

                ax.fill_between(grid, curve(f["ci95_low"]), curve(f["ci95_high"]), color="C0", alpha=0.2, lw=0)
                ax.plot(grid, curve(f["effect_pct"]), color="C0", lw=2.2)
                title += f"\n{f['effect_pct']:+.1f} % per {per:g} {label.split('(')[-1].rstrip(')')} [{f['ci95_low']:+.1f}, {f['ci95_high']:+.1f}]"
            elif f is not None:
                title += "\n(no population fit)"
            ax.set_title(title, fontsize=9)
            if i == len(rows) - 1:
                ax.set_xlabel(label)
            if j == 0:
                ax.set_ylabel(
                    f"{muscle}\nmean EMG (%MVC)"
                    if len(muscles) == 1
                    else f"{humanise(muscle)}, {phase}\nmean EMG (%MVC)"
                )
    who = muscles[0] if len(muscles) == 1 else ", ".join(humanise(mu) for mu in muscles)
    fig.suptitle(f"{who}: subjects (grey) and population fit (blue, 95 % CI band of the load effect)", fontsize=10)
    fig.tight_layout()
    return fig


def phase_effects_figure(
    fits: pd.DataFrame,
    muscles: Sequence[str],
    x: str = "load_lb",
    phases: Sequence[str] = ("movement", "eccentric", "concentric"),
) -> Figure:
    """The load effect (% change in %MVC per 4 lb or 5 %BW, with its 95 % CI) by phase: one panel per
    muscle, one row per exercise, one marker per phase, so the eccentric/concentric split is read at a glance
    next to the whole-movement effect."""
    label, per = _check_axis(x)
    f = fits[
        (fits["x"] == x)
        & fits["muscle"].isin(muscles)
        & fits["phase"].isin(phases)
        & np.isfinite(fits["effect_pct"].astype(float))
    ]
    if f.empty:
        raise AnalysisError(f"no fitted load effects for muscles {list(muscles)} and phases {list(phases)} on {x}")
    shown = [m for m in muscles if (f["muscle"] == m).any()]
    present = [p for p in phases if (f["phase"] == p).any()]
    exercises = sorted(f["exercise"].unique())
    unit = label.split("(")[-1].rstrip(")")
    fig, axes = plt.subplots(
        1,
        len(shown),
        figsize=(4.6 * len(shown) + 0.6, 0.3 * len(exercises) * len(present) + 1.6),
        squeeze=False,
        sharey=True,
    )
    step = 0.8 / max(len(present), 1)
    for ax, muscle in zip(axes[0], shown):
        for k, phase in enumerate(present):
            sub = f[(f["muscle"] == muscle) & (f["phase"] == phase)].set_index("exercise").reindex(exercises)
            y = np.arange(len(exercises)) - 0.4 + step / 2 + k * step  # axis inverted: first phase on top
            ok = sub["effect_pct"].notna().to_numpy()
            ax.errorbar(
                sub["effect_pct"].to_numpy(float)[ok],
                y[ok],
                xerr=[
                    (sub["effect_pct"] - sub["ci95_low"]).to_numpy(float)[ok],
                    (sub["ci95_high"] - sub["effect_pct"]).to_numpy(float)[ok],
                ],
                fmt="o",
                ms=4,
                capsize=2,
                color=f"C{k}",
                label=phase,
            )
        ax.axvline(0, color="0.3", lw=1)
        ax.set_yticks(np.arange(len(exercises)), [humanise(e) for e in exercises])
        ax.set_xlabel(f"change in mean EMG (% per {per:g} {unit})")
        ax.set_title(humanise(muscle), fontsize=10)
    axes[0, 0].invert_yaxis()
    axes[0, -1].legend(fontsize=8, loc="best", title="phase", title_fontsize=8)
    fig.suptitle("Load effect by movement phase (mixed model per exercise and phase, 95 % CI)", fontsize=10)
    fig.tight_layout()
    return fig


_STRUCTURE_WORDS = {
    "full": "random intercept + load slope",
    "uncorrelated": "uncorrelated intercept + slope (fallback)",
    "intercept": "random intercept only (fallback)",
}


def load_effects_table(fits: pd.DataFrame) -> pd.DataFrame:
    """:func:`fit_load_effects` rows (any load axes) for reading: one row per muscle x exercise x phase, the
    effect per 4 lb and per 5 %BW in % with 95 % CIs as text, subjects and trials, and the model used
    (random-effects structure; "fallback" when the full structure did not converge, "not fitted" with why)."""
    cols: dict[tuple, dict] = {}
    for _, r in fits.iterrows():
        key = (r["muscle"], r["exercise"], r["phase"])
        row = cols.setdefault(
            key, {"muscle": humanise(r["muscle"]), "exercise": humanise(r["exercise"]), "phase": r["phase"]}
        )
        label, per = LOAD_AXES[r["x"]]
        unit = label.split("(")[-1].rstrip(")")
        fitted = np.isfinite(float(r.get("effect_pct", math.nan)))
        row[f"effect per {per:g} {unit} (%)"] = round(float(r["effect_pct"]), 1) if fitted else math.nan
        row[f"95 % CI per {per:g} {unit} (%)"] = f"[{r['ci95_low']:+.1f}, {r['ci95_high']:+.1f}]" if fitted else ""
        row["subjects (n)"] = int(r["n_subjects"])
        row["trials (n)"] = max(int(r["n_observations"]), row.get("trials (n)", 0))
        if fitted:
            model = _STRUCTURE_WORDS.get(str(r["structure"]), str(r["structure"]))
        else:
            model = str(r["note"]) if isinstance(r["note"], str) else "not fitted"
        row.setdefault("model", model)
    out = pd.DataFrame(list(cols.values()))
    per_load = [c for c in out.columns if c.startswith(("effect per", "95 % CI per"))]
    out = out[["muscle", "exercise", "phase", *per_load, "subjects (n)", "trials (n)", "model"]]
    effect_cols = [c for c in out.columns if c.startswith("effect per")]
    out.attrs["decimals"] = {c: 1 for c in effect_cols}
    return out


def fit_notes_html(fits: pd.DataFrame) -> str:
    """The fallback reasons of fits that did not use the full random-effects structure, in a collapsed list
    (empty string when every fit converged with it)."""
    import html

    notes = fits[fits["note"].fillna("").astype(str).str.len() > 0]
    if notes.empty:
        return ""
    items = "".join(
        f"<li>{html.escape(humanise(r['muscle']))}, {html.escape(humanise(r['exercise']))}, "
        f"{html.escape(str(r['phase']))} ({html.escape(str(r['x']))}): {html.escape(str(r['note']))}</li>"
        for _, r in notes.iterrows()
    )
    return (
        f"<details><summary>{len(notes)} fit(s) with a simpler model or none; click for why</summary>"
        f"<ul>{items}</ul></details>"
    )


# --------------------------------------------------------------------------- envelopes over the movement
def select_envelope_trials(emg: pd.DataFrame, exercise: str, per_load: int = 2) -> list[str]:
    """A few trials per (load phase x load level) of one exercise, chosen deterministically (sorted ids)."""
    d = emg[emg["exercise"] == exercise].drop_duplicates("trial_id")
    d = d.assign(level=d["load_pct_bw"].round(0)).sort_values("trial_id")
    return d.groupby(["load_phase", "level"], observed=True).head(per_load)["trial_id"].tolist()


def envelope_cycles(
    study, emg: pd.DataFrame, trial_ids: Sequence[str], muscles: Sequence[str], n_points: int = 101
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """%MVC envelopes of ``trial_ids`` resampled to 0–100 % of the trial (``analysis.emg.time_normalise``).

    Each trial is re-read and processed with the EMG settings recorded in its feature rows, and scaled by
    the MVC reference those rows used, so the curves match the tabled %MVC. Returns (tidy envelopes:
    trial keys, ``muscle, pct_time, pct_mvc``; failures: ``trial_id, error``).
    """
    from analysis.emg import EMGSettings, process, time_normalise

    channel_of = {muscle: ch for ch, muscle in study.channel_map.items()}
    frames, failures = [], []
    for tid in trial_ids:
        rows = emg[(emg["trial_id"] == tid) & emg["muscle"].isin(muscles)]
        try:
            if rows.empty:
                raise AnalysisError(f"trial {tid}: no EMG feature rows for {list(muscles)}")
            emg_settings = json.loads(rows["settings"].iloc[0]).get("emg", {})
            settings = dataclasses.replace(EMGSettings.from_dict(emg_settings), onset_method=None)
            result = process(study.trial_recording(tid), settings, keep_filtered=False)
            keep = [m for m in muscles if m in channel_of and channel_of[m] in result.channel_names]
            cols = [result.channel(channel_of[m]) for m in keep]
            refs_mv = (
                rows.drop_duplicates("muscle").set_index("muscle")["mvc_reference_mv"].reindex(keep).to_numpy(float)
            )
            pct = result.envelope[:, cols] * 1000.0 / refs_mv * 100.0  # V -> mV, then % of the MVC reference
            curves = time_normalise(pct, n_points)  # (n_points, n_muscles)
        except (AnkleLabError, OSError, ValueError, KeyError) as exc:
            failures.append({"trial_id": tid, "error": str(exc)})
            continue
        info = rows.iloc[0]
        grid = np.linspace(0, 100, n_points)
        for k, muscle in enumerate(keep):
            frames.append(
                pd.DataFrame(
                    {
                        "trial_id": tid,
                        "subject_id": info["subject_id"],
                        "exercise": info["exercise"],
                        "load_phase": info["load_phase"],
                        "load_lb": info["load_lb"],
                        "load_pct_bw": info["load_pct_bw"],
                        "muscle": muscle,
                        "pct_time": grid,
                        "pct_mvc": curves[:, k],
                    }
                )
            )
    env = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            columns=[
                "trial_id",
                "subject_id",
                "exercise",
                "load_phase",
                "load_lb",
                "load_pct_bw",
                "muscle",
                "pct_time",
                "pct_mvc",
            ]
        )
    )
    return env, pd.DataFrame(failures, columns=["trial_id", "error"])


def envelope_figure(env: pd.DataFrame, x_label: str = "time (% of trial)") -> Figure:
    """Rows = muscles, columns = loaded phase (full range, mid range, ...); one line per load level (mean
    over the trials shown), light (lightest) to dark (heaviest), labelled in %BW and lb; the unloaded
    trials are the dashed black reference in every panel."""
    if env.empty:
        raise AnalysisError("no envelopes to plot (every selected trial failed or none was selected)")
    muscles = list(dict.fromkeys(env["muscle"]))
    phases = sorted(env["load_phase"].unique())
    loaded = [p for p in phases if p != "none"]
    phases = loaded or phases  # the unloaded curve is drawn in every loaded panel as the reference
    e = env.assign(level=env["load_pct_bw"].round(0))
    levels = sorted(e["level"].unique())
    cmap = plt.get_cmap("viridis_r")
    colour = {lv: cmap(0.15 + 0.85 * i / max(len(levels) - 1, 1)) for i, lv in enumerate(levels)}
    fig, axes = plt.subplots(
        len(muscles),
        len(phases),
        figsize=(3.6 * len(phases) + 0.8, 2.6 * len(muscles) + 0.6),
        squeeze=False,
        sharex=True,
        sharey="row",
    )
    for i, muscle in enumerate(muscles):
        for j, phase in enumerate(phases):
            ax = axes[i, j]
            cell = e[(e["muscle"] == muscle) & (e["load_phase"] == phase)]
            if phase != "none":
                ref = e[(e["muscle"] == muscle) & (e["load_phase"] == "none")]
                if len(ref):
                    mean = ref.groupby("pct_time")["pct_mvc"].mean()
                    ax.plot(
                        mean.index,
                        mean.to_numpy(),
                        color="black",
                        ls="--",
                        lw=1.2,
                        label=f"no load, {ref['trial_id'].nunique()} trials",
                    )
            for lv, g in cell.groupby("level"):
                mean = g.groupby("pct_time")["pct_mvc"].mean()
                lb = g.drop_duplicates("trial_id")["load_lb"].mean()
                ax.plot(
                    mean.index,
                    mean.to_numpy(),
                    color=colour[lv],
                    lw=1.6,
                    label=f"{lv:g} %BW (≈{lb:.1f} lb), {g['trial_id'].nunique()} trials",
                )
            ax.set_title(f"{muscle}, load phase: {phase}", fontsize=9)
            if j == 0:
                ax.set_ylabel("EMG envelope (%MVC)")
            if i == len(muscles) - 1:
                ax.set_xlabel(x_label)
            if len(cell):
                ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig
