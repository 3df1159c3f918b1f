"""Kinematics figures for claims C2, C3 and C9 (notebook 04), plus the small computations they display.

Figures take the tidy kinematics table (docs/architecture.md: keys + ``metric, value, unit, method``) and the
hinge profiles of :mod:`analysis.models`; each returns a matplotlib Figure with units on the axes.

The physics plausibility check of docs/design/statistics.md §9 is computed here (:func:`ankle_load_physics`) from Winter's
segment parameters rather than typed in, so the numbers follow the body size the reader chooses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.errors import AnalysisError
from analysis.plots.layout import legend_outside
from analysis.units import LB_PER_KG

__all__ = [
    "LB_PER_KG",
    "WINTER_SEGMENTS",
    "ARTICLE_PSI_POINTS",
    "leg_inertia_about_hip_kg_m2",
    "ankle_load_physics",
    "metric_rows",
    "hinge_fit_line",
    "plot_fppa_dose_response",
    "plot_psi_profile",
    "plot_fppa_by_mass_group",
    "plot_psi_vs_mass",
    "plot_pre_post_by_group",
    "plot_ankle_load_physics",
]


#: Winter, D. A. (2009) Biomechanics and Motor Control of Human Movement, 4th ed., Table 4.1:
#: segment -> (mass / body mass, length / height, COM from proximal end / length, radius of gyration about
#: COM / length). Segment lengths: thigh = hip–knee, shank = knee–ankle, foot = heel–toe.
WINTER_SEGMENTS: dict[str, tuple[float, float, float, float]] = {
    "thigh": (0.100, 0.245, 0.433, 0.323),
    "shank": (0.0465, 0.246, 0.433, 0.302),
    "foot": (0.0145, 0.152, 0.50, 0.475),
}
#: Ankle height / body height (Winter 2009, Fig. 4.1); the foot COM sits half of it below the ankle joint.
WINTER_ANKLE_HEIGHT = 0.039
#: The article's C9 numbers: 150 lb (68.0 kg) caps at 8–9 %BW (midpoint 8.5), 200 lb (90.7 kg) tolerates 10 %BW.
ARTICLE_PSI_POINTS: tuple[tuple[float, float], ...] = ((150 / LB_PER_KG, 8.5), (200 / LB_PER_KG, 10.0))


# ------------------------------------------------------------------------------------------- physics (§9)


def _leg_geometry(height_m: float) -> tuple[dict[str, float], float]:
    """Distance of each segment COM from the hip (extended leg, vertical) and of the ankle joint, in m."""
    thigh_len = WINTER_SEGMENTS["thigh"][1] * height_m
    shank_len = WINTER_SEGMENTS["shank"][1] * height_m
    ankle = thigh_len + shank_len
    com = {
        "thigh": WINTER_SEGMENTS["thigh"][2] * thigh_len,
        "shank": thigh_len + WINTER_SEGMENTS["shank"][2] * shank_len,
        "foot": ankle + 0.5 * WINTER_ANKLE_HEIGHT * height_m,
    }
    return com, ankle


def leg_inertia_about_hip_kg_m2(body_mass_kg: float, height_m: float) -> float:
    """Moment of inertia of the extended leg (thigh + shank + foot) about the hip: Σ m (k² + d²), Winter 2009."""
    if body_mass_kg <= 0 or height_m <= 0:
        raise AnalysisError("body mass and height must be positive")
    com, _ = _leg_geometry(height_m)
    total = 0.0
    for name, (mass_frac, len_frac, _, gyr_frac) in WINTER_SEGMENTS.items():
        m = mass_frac * body_mass_kg
        k = gyr_frac * len_frac * height_m
        total += m * (k**2 + com[name] ** 2)
    return total


def ankle_load_physics(
    load_pct_bw: Sequence[float], *, body_mass_kg: float = 75.0, height_m: float = 1.75
) -> pd.DataFrame:
    """What a per-ankle load does to the swinging leg (docs/design/statistics.md §9): load in kg and lb, leg moment of inertia
    about the hip with the load as a point mass at the ankle joint, its % increase, and the shank + foot mass ratio.

    The % increases do not depend on body size (every term scales with mass × height²), only on Winter's
    proportions; the absolute kg and kg·m² do.
    """
    loads = np.asarray(load_pct_bw, dtype=float)
    base = leg_inertia_about_hip_kg_m2(body_mass_kg, height_m)
    _, ankle_m = _leg_geometry(height_m)
    load_kg = loads / 100.0 * body_mass_kg
    shank_foot_kg = (WINTER_SEGMENTS["shank"][0] + WINTER_SEGMENTS["foot"][0]) * body_mass_kg
    moi = base + load_kg * ankle_m**2
    out = pd.DataFrame(
        {
            "load_pct_bw": loads,
            "load_kg": load_kg,
            "load_lb": load_kg * LB_PER_KG,
            "leg_moi_kg_m2": moi,
            "moi_increase_pct": 100.0 * (moi / base - 1.0),
            "shank_foot_mass_ratio": (shank_foot_kg + load_kg) / shank_foot_kg,
        }
    )
    out.attrs["method"] = (
        f"Winter (2009) segment parameters, extended leg about the hip, load as a point mass at "
        f"the ankle ({ankle_m:.3f} m from the hip); body {body_mass_kg:g} kg, {height_m:g} m; "
        f"unloaded leg MOI {base:.2f} kg·m²"
    )
    out.attrs["unloaded_moi_kg_m2"] = base
    return out


# ------------------------------------------------------------------------------------------ table helpers


def metric_rows(kinematics: pd.DataFrame | None, metric: str) -> pd.DataFrame:
    """Rows of one metric with a finite value (empty frame when the table or the metric is absent)."""
    if kinematics is None or "metric" not in kinematics.columns:
        return pd.DataFrame(columns=["subject_id", "metric", "value"])
    rows = kinematics[kinematics["metric"] == metric]
    return rows[np.isfinite(pd.to_numeric(rows["value"], errors="coerce"))].copy()


def hinge_fit_line(
    data: pd.DataFrame, psi: float, *, y: str = "value", load: str = "load_pct_bw", groups: str = "subject_id"
) -> dict:
    """Slope below psi and slope change above it, by OLS with subject intercepts (within-subject centring), and
    the intercept that puts the line through the grand mean: the curve drawn over the data."""
    d = data[[y, load, groups]].dropna()
    if d[groups].nunique() < 1 or len(d) < 3:
        raise AnalysisError("hinge line needs at least 3 observations")
    h = np.clip(d[load].to_numpy(float) - psi, 0.0, None)
    X = np.column_stack([d[load].to_numpy(float), h])
    Y = d[y].to_numpy(float)
    codes = pd.factorize(d[groups])[0]
    counts = np.bincount(codes).astype(float)

    def centre(v):
        sums = np.zeros((counts.size,) + v.shape[1:])
        np.add.at(sums, codes, v)
        return v - (sums / counts.reshape((-1,) + (1,) * (v.ndim - 1)))[codes]

    coef, *_ = np.linalg.lstsq(centre(X), centre(Y), rcond=None)
    intercept = float(Y.mean() - X.mean(axis=0) @ coef)
    return {
        "intercept": intercept,
        "slope": float(coef[0]),
        "hinge": float(coef[1]),
        "psi": float(psi),
        "method": "OLS with subject intercepts (within-subject centring), line through the grand mean",
    }


# --------------------------------------------------------------------------------------------- figures


def _band(ax, lo, hi, **kw):
    if np.isfinite(lo) and np.isfinite(hi):
        ax.axvspan(lo, hi, **kw)


def plot_fppa_dose_response(
    fppa: pd.DataFrame,
    *,
    psi_hat: float | None = None,
    psi_ci: tuple[float, float] | None = None,
    psi_claim: float = 10.0,
    ci_label: str = "bootstrap 95 % CI",
) -> Figure:
    """Knee FPPA (valgus, °) vs per-ankle load (%BW): subjects (faint), load-level means ± 95 % CI, the fitted
    hinge line at psi_hat with its interval shaded, and the claimed 10 %BW threshold."""
    if fppa is None or fppa.empty:
        raise AnalysisError("no knee FPPA rows to plot")
    fig, ax = plt.subplots(figsize=(8, 4.6))
    subj = fppa.groupby(["subject_id", "load_pct_bw"])["value"].mean().reset_index()
    for _, s in subj.groupby("subject_id"):
        ax.plot(s["load_pct_bw"], s["value"], color="0.75", lw=0.7, zorder=1)
    level = fppa.assign(level=fppa["load_pct_bw"].round(0)).groupby("level")["value"]
    mean, sem = level.mean(), level.sem()
    ax.errorbar(
        mean.index,
        mean,
        yerr=1.96 * sem.fillna(0),
        fmt="o",
        color="#08306b",
        capsize=3,
        zorder=3,
        label="mean ± 95 % CI per load level",
    )
    if psi_ci is not None:
        _band(ax, *psi_ci, color="#fdd0a2", alpha=0.6, label=f"ψ {ci_label} {psi_ci[0]:.1f} to {psi_ci[1]:.1f} %BW")
    if psi_hat is not None and np.isfinite(psi_hat):
        line = hinge_fit_line(fppa, psi_hat)
        grid = np.linspace(fppa["load_pct_bw"].min(), fppa["load_pct_bw"].max(), 200)
        fit = line["intercept"] + line["slope"] * grid + line["hinge"] * np.clip(grid - psi_hat, 0, None)
        ax.plot(
            grid,
            fit,
            color="#d94801",
            lw=2,
            zorder=4,
            label=f"hinge fit: ψ̂ = {psi_hat:g} %BW, slope change {line['hinge']:+.2f} °/%BW",
        )
    ax.axvline(psi_claim, color="0.2", ls="--", lw=1, label=f"claimed threshold {psi_claim:g} %BW")
    ax.set_xlabel("ankle load per ankle (% body weight)")
    ax.set_ylabel("peak knee FPPA (° valgus)")
    ax.set_title("Knee valgus vs ankle load (C3)")
    legend_outside(ax)
    fig.tight_layout()
    return fig


def plot_psi_profile(profile, *, psi_claim: float = 10.0, xlabel: str = "breakpoint ψ (%BW)") -> Figure:
    """Profile log-likelihood of the breakpoint (an :class:`analysis.models.HingeProfile`) relative to its
    maximum, with the χ²₁ 95 % cut-off (the profile interval) and the bootstrap interval shaded."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    rel = np.asarray(profile.loglik, float) - np.nanmax(profile.loglik)
    ax.plot(profile.grid, rel, color="#08519c", label="profile log-likelihood")
    ax.axhline(-3.841459 / 2, color="0.4", ls=":", lw=1, label="95 % LR cut-off (χ²₁/2 = 1.92)")
    if profile.n_boot:
        _band(
            ax,
            *profile.bootstrap_ci95,
            color="#fdd0a2",
            alpha=0.6,
            label=f"bootstrap 95 % CI ({profile.n_boot} subject resamples)",
        )
    ax.axvline(profile.estimate, color="#d94801", lw=1.5, label=f"estimate {profile.estimate:g}")
    if psi_claim is not None:
        ax.axvline(psi_claim, color="0.2", ls="--", lw=1, label=f"claim {psi_claim:g}")
    ax.set_ylim(max(np.nanmin(rel[np.isfinite(rel)]), -12), 0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("log-likelihood − max")
    ax.set_title(f"Profile of {profile.parameter}")
    legend_outside(ax)
    fig.tight_layout()
    return fig


def plot_fppa_by_mass_group(fppa: pd.DataFrame, groups: pd.DataFrame, *, psi_claim: float = 10.0) -> Figure:
    """FPPA vs load per body-mass group (a :func:`psi_by_mass_group` table), each with its own hinge fit and ψ."""
    per_subject = fppa.groupby("subject_id")["body_mass_kg"].first()
    n = len(groups)
    labels = pd.qcut(per_subject.rank(method="first"), n, labels=False)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.8), sharey=True, squeeze=False)
    for g, ax in enumerate(axes[0]):
        row = groups.iloc[g]
        d = fppa[fppa["subject_id"].isin(labels.index[labels == g])]
        lvl = d.groupby(d["load_pct_bw"].round(0))["value"]
        ax.errorbar(lvl.mean().index, lvl.mean(), yerr=1.96 * lvl.sem().fillna(0), fmt="o", color="#08306b", capsize=2)
        line = hinge_fit_line(d, row["psi_pct_bw"])
        grid = np.linspace(d["load_pct_bw"].min(), d["load_pct_bw"].max(), 100)
        ax.plot(
            grid,
            line["intercept"] + line["slope"] * grid + line["hinge"] * np.clip(grid - row["psi_pct_bw"], 0, None),
            color="#d94801",
        )
        _band(ax, row["bootstrap_low"], row["bootstrap_high"], color="#fdd0a2", alpha=0.6)
        ax.axvline(psi_claim, color="0.2", ls="--", lw=1)
        ax.set_title(
            f"{row['mass_group']} ({row['mass_mean_lb']:.0f} lb), ψ̂ = {row['psi_pct_bw']:g}", fontsize="medium"
        )
        ax.set_xlabel("load per ankle (%BW)")
    axes[0][0].set_ylabel("peak knee FPPA (° valgus)")
    fig.suptitle("Valgus breakpoint by body-mass group (C9); shaded: bootstrap 95 % CI of ψ")
    fig.tight_layout()
    return fig


def plot_psi_vs_mass(
    groups: pd.DataFrame | None = None,
    *,
    psi0: float | None = None,
    psi1: float | None = None,
    psi1_ci: tuple[float, float] | None = None,
    centre_kg: float = 75.0,
    article_points: Sequence[tuple[float, float]] = ARTICLE_PSI_POINTS,
    mass_range_kg: tuple[float, float] = (50.0, 110.0),
) -> Figure:
    """ψ(m): the article's two points (150 lb → 8.5, 200 lb → 10 %BW) and the line through them, the fitted
    ψ(m) = ψ₀ + ψ₁(m − 75 kg) with the ψ₁ interval as a fan, and per-mass-group estimates with their CIs."""
    fig, ax = plt.subplots(figsize=(8, 4.4))
    m = np.linspace(*mass_range_kg, 100)
    (m1, p1), (m2, p2) = article_points[0], article_points[-1]
    claim_slope = (p2 - p1) / (m2 - m1)
    ax.plot(m, p1 + claim_slope * (m - m1), color="#d94801", ls="--", label=f"article: ψ₁ = {claim_slope:.3f} %BW/kg")
    ax.plot([m1, m2], [p1, p2], "s", color="#d94801", ms=8, label="article: 150 lb → 8.5, 200 lb → 10 %BW")
    if psi0 is not None and psi1 is not None and np.isfinite(psi0) and np.isfinite(psi1):
        ax.plot(
            m,
            psi0 + psi1 * (m - centre_kg),
            color="#08519c",
            lw=2,
            label=f"fitted: ψ₀ = {psi0:g} at {centre_kg:g} kg, ψ₁ = {psi1:+.3f} %BW/kg",
        )
        if psi1_ci is not None and all(np.isfinite(psi1_ci)):
            lo = psi0 + np.minimum(psi1_ci[0] * (m - centre_kg), psi1_ci[1] * (m - centre_kg))
            hi = psi0 + np.maximum(psi1_ci[0] * (m - centre_kg), psi1_ci[1] * (m - centre_kg))
            ax.fill_between(
                m,
                lo,
                hi,
                color="#9ecae1",
                alpha=0.4,
                label=f"ψ₁ 95 % CI {psi1_ci[0]:+.3f} to {psi1_ci[1]:+.3f} (ψ₀ fixed)",
            )
        elif psi1_ci is not None:  # an open end: no band to draw, but the reader is told why
            bound = lambda v: ("−∞" if v < 0 else "+∞") if np.isinf(v) else f"{v:+.3f}"  # noqa: E731
            ax.plot(
                [],
                [],
                " ",
                label=f"ψ₁ 95 % CI {bound(psi1_ci[0])} to {bound(psi1_ci[1])}: the data cannot bound ψ₁ (no band)",
            )
    if groups is not None and len(groups):
        yerr = np.vstack(
            [groups["psi_pct_bw"] - groups["bootstrap_low"], groups["bootstrap_high"] - groups["psi_pct_bw"]]
        ).clip(min=0)
        ax.errorbar(
            groups["mass_mean_kg"],
            groups["psi_pct_bw"],
            yerr=yerr,
            fmt="o",
            color="#08306b",
            capsize=3,
            label="per mass group: ψ̂ ± bootstrap 95 % CI",
        )
    ax.set_xlabel("body mass (kg)")
    ax.set_ylabel("valgus breakpoint ψ (%BW per ankle)")
    sec = ax.secondary_xaxis(
        "top", functions=(lambda kg: np.asarray(kg) * LB_PER_KG, lambda lb: np.asarray(lb) / LB_PER_KG)
    )
    sec.set_xlabel("body mass (lb)")
    ax.set_title("Does the tolerable load rise with body mass? (C9)")
    legend_outside(ax)
    fig.tight_layout()
    return fig


def plot_pre_post_by_group(
    kinematics: pd.DataFrame,
    metric: str,
    *,
    ylabel: str,
    sessions=("pre", "post"),
    group_column: str = "group",
    unloaded_only: bool = True,
) -> Figure:
    """Per-subject pre → post lines and group means ± 95 % CI, one panel per training group (C2)."""
    d = metric_rows(kinematics, metric)
    d = d[d["session"].isin(sessions)]
    if unloaded_only and "load_kg" in d.columns and (d["load_kg"] == 0).any():
        d = d[d["load_kg"] == 0]
    if d.empty or group_column not in d.columns:
        raise AnalysisError(f"no {metric} rows in sessions {list(sessions)} with a {group_column!r} column")
    per = d.groupby([group_column, "subject_id", "session"])["value"].mean().unstack("session")
    per = per.dropna(subset=list(sessions))
    groups = sorted(per.index.get_level_values(0).unique())
    fig, axes = plt.subplots(1, len(groups), figsize=(3.6 * len(groups) + 0.8, 3.8), sharey=True, squeeze=False)
    x = np.arange(len(sessions))
    for ax, g in zip(axes[0], groups):
        sub = per.loc[g]
        for _, r in sub.iterrows():
            ax.plot(x, r[list(sessions)], color="0.7", lw=0.8, marker=".")
        mean, sem = sub[list(sessions)].mean(), sub[list(sessions)].sem()
        ax.errorbar(x, mean, yerr=1.96 * sem.fillna(0), color="#08306b", lw=2.5, marker="o", capsize=4)
        change = (sub[sessions[1]] - sub[sessions[0]]).mean()
        ax.set_title(f"{g} (n={len(sub)})\nmean change {change:+.1f}", fontsize="medium")
        ax.set_xticks(x, sessions)
        ax.set_xlim(-0.3, len(sessions) - 0.7)
    axes[0][0].set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def plot_ankle_load_physics(physics: pd.DataFrame, *, article_range_pct_bw: tuple[float, float] = (5.0, 8.0)) -> Figure:
    """Leg moment of inertia increase and shank + foot mass ratio vs per-ankle load (an :func:`ankle_load_physics`
    table), with the C2 dose range shaded; a top axis shows the load in lb for the table's body mass."""
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ax.axvspan(*article_range_pct_bw, color="#fdd0a2", alpha=0.6, label="C2 dose 5–8 %BW")
    ax.plot(
        physics["load_pct_bw"],
        physics["moi_increase_pct"],
        "o-",
        color="#08519c",
        label="leg moment of inertia about the hip",
    )
    ax.plot(
        physics["load_pct_bw"],
        100 * (physics["shank_foot_mass_ratio"] - 1),
        "s--",
        color="#a50f15",
        label="shank + foot mass",
    )
    ax.set_xlabel("load per ankle (% body weight)")
    ax.set_ylabel("increase over the unloaded leg (%)")
    per_pct_lb = (
        float((physics["load_lb"] / physics["load_pct_bw"]).replace([np.inf], np.nan).dropna().iloc[0])
        if (physics["load_pct_bw"] > 0).any()
        else math.nan
    )
    if np.isfinite(per_pct_lb):
        sec = ax.secondary_xaxis(
            "top", functions=(lambda p: np.asarray(p) * per_pct_lb, lambda lb: np.asarray(lb) / per_pct_lb)
        )
        sec.set_xlabel("load per ankle (lb) for this body mass")
    ax.set_title("What an ankle weight does to the swinging leg (docs/design/statistics.md §9)")
    legend_outside(ax)
    fig.tight_layout()
    return fig


#: Old public names whose computation moved out of plots/ (issue 13: plots only draw), kept importable from
#: here for existing callers; resolved lazily, so importing this module still loads no model code.
_MOVED = {
    "psi_by_mass_group": "analysis.models.breakpoint_bootstrap",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
