"""Muscle activation (%MVC) against ankle load: per-subject lines, the fitted population effect, and
%MVC envelopes over the (time-normalised) movement by load (notebook 02: claims C1, C4, C5).

Figures and display tables only: the per-subject means and the mixed-model fits they draw come from
:mod:`analysis.models.load_effects` (why per subject and why on the log scale: see there); the envelopes are
rows of the feature extraction's curves table (``FeatureTables.curves``, CURVES.md), never re-read from raw
files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.errors import AnalysisError
from analysis.load_axes import LOAD_AXES, check_load_axis
from analysis.plots.format import format_count
from analysis.plots.layout import legend_outside
from analysis.plots.tables import humanise

__all__ = [
    "LOAD_AXES",
    "activation_load_figure",
    "phase_effects_figure",
    "load_effects_table",
    "fit_notes_html",
    "select_envelope_trials",
    "envelope_curves",
    "envelope_figure",
]

_check_axis = check_load_axis


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
_CURVE_NEED = ["trial_id", "load_phase", "load_pct_bw", "load_lb", "curve", "channel", "unit", "basis", "pct", "value"]
_X_LABELS = {
    "cycle": "movement cycle (%)",
    "onset_to_takeoff": "movement onset to take-off (%)",
    "trial": "time (% of trial)",
}


def select_envelope_trials(curves: pd.DataFrame, exercise: str, per_load: int = 2) -> list[str]:
    """A few trials per (load phase x load level) of one exercise, chosen deterministically (sorted ids).

    ``curves`` is the curves table (or any per-trial table with ``trial_id, exercise, load_phase,
    load_pct_bw``); only trials with an EMG envelope curve are chosen from the curves table."""
    d = curves[curves["exercise"] == exercise]
    if "curve" in d.columns:
        d = d[d["curve"] == "emg_envelope"]
    d = d.drop_duplicates("trial_id")
    d = d.assign(level=d["load_pct_bw"].round(0)).sort_values("trial_id")
    return d.groupby(["load_phase", "level"], observed=True).head(per_load)["trial_id"].tolist()


def envelope_curves(
    curves: pd.DataFrame,
    trial_ids: Sequence[str] | None = None,
    muscles: Sequence[str] | None = None,
    basis: str = "cycle",
) -> pd.DataFrame:
    """The EMG envelope rows of the curves table (mean cycle envelope per trial and muscle, 0-100 %) for
    ``trial_ids`` and ``muscles`` (all when None), in the order of ``muscles``."""
    missing = [c for c in _CURVE_NEED if c not in curves.columns]
    if missing:
        raise AnalysisError(f"curves table lacks column(s) {missing}; rebuild the features (anklelab features)")
    d = curves[(curves["curve"] == "emg_envelope") & (curves["basis"] == basis)]
    if trial_ids is not None:
        d = d[d["trial_id"].isin(list(trial_ids))]
    if muscles is not None:
        order = {m: k for k, m in enumerate(muscles)}
        d = d[d["channel"].isin(list(muscles))]
        d = d.sort_values("channel", key=lambda s: s.map(order), kind="stable")
    return d.reset_index(drop=True)


def envelope_figure(env: pd.DataFrame, x_label: str | None = None) -> Figure:
    """Rows = muscles, columns = loaded phase (full range, mid range, ...); one line per load level (mean
    over the trials shown), light (lightest) to dark (heaviest), labelled in %BW and lb; the unloaded
    trials are the dashed black reference in every panel. ``env``: EMG envelope rows of the curves table
    (:func:`envelope_curves`); a muscle with curves in %MVC and in mV is drawn in %MVC only."""
    if env.empty:
        raise AnalysisError("no envelopes to plot (no EMG envelope curves for the selected trials)")
    muscles = list(dict.fromkeys(env["channel"]))
    unit_of = {
        m: ("%MVC" if (g["unit"] == "%MVC").any() else str(g["unit"].iloc[0])) for m, g in env.groupby("channel")
    }
    e = env[env["unit"] == env["channel"].map(unit_of)]
    phases = sorted(e["load_phase"].unique())
    loaded = [p for p in phases if p != "none"]
    phases = loaded or phases  # the unloaded curve is drawn in every loaded panel as the reference
    e = e.assign(level=e["load_pct_bw"].round(0))
    levels = sorted(e["level"].unique())
    cmap = plt.get_cmap("viridis_r")
    colour = {lv: cmap(0.15 + 0.85 * i / max(len(levels) - 1, 1)) for i, lv in enumerate(levels)}
    if x_label is None:
        bases = sorted(e["basis"].unique()) if "basis" in e.columns else []
        x_label = _X_LABELS.get(bases[0], "% of curve") if len(bases) == 1 else "% of curve"
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
            cell = e[(e["channel"] == muscle) & (e["load_phase"] == phase)]
            if phase != "none":
                ref = e[(e["channel"] == muscle) & (e["load_phase"] == "none")]
                if len(ref):
                    mean = ref.groupby("pct")["value"].mean()
                    ax.plot(
                        mean.index,
                        mean.to_numpy(),
                        color="black",
                        ls="--",
                        lw=1.2,
                        label=f"no load, {format_count(ref['trial_id'].nunique(), 'trial')}",
                    )
            for lv, g in cell.groupby("level"):
                mean = g.groupby("pct")["value"].mean()
                lb = g.drop_duplicates("trial_id")["load_lb"].mean()
                ax.plot(
                    mean.index,
                    mean.to_numpy(),
                    color=colour[lv],
                    lw=1.6,
                    label=f"{lv:g} %BW (≈{lb:.1f} lb), {format_count(g['trial_id'].nunique(), 'trial')}",
                )
            ax.set_title(f"{muscle}, load phase: {phase}", fontsize=9)
            if j == 0:
                ax.set_ylabel(f"EMG envelope ({unit_of[muscle]})")
            if i == len(muscles) - 1:
                ax.set_xlabel(x_label)
            if len(cell) and j == len(phases) - 1:  # one legend per row, right of the grid: colours are shared
                legend_outside(ax, fontsize=7)
    fig.tight_layout()
    return fig
