"""SPM figures in the style of spm1d's examples: mean ± SD curves per condition above the SPM statistic curve
with its critical threshold and the supra-threshold clusters shaded and labelled with their p values.

Draws only: every number comes from :class:`analysis.stats.spm.SpmResult` (no statistics here, no spm1d import).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis.stats.spm import SpmResult

__all__ = ["spm_figure", "spm_grid_figure", "draw_mean_sd", "draw_statistic"]

# p labels of neighbouring clusters closer than this (% of movement) would overprint each other: the later is left out
MIN_LABEL_GAP_PCT = 12.0
_BASIS_AXIS = {"cycle": "% of cycle", "onset_to_takeoff": "% of movement (onset to take-off)", "trial": "% of trial"}


def _x_label(result: SpmResult) -> str:
    return _BASIS_AXIS.get(str(result.selection.get("basis")), "% of movement")


def _words(name: object) -> str:
    """``gluteus_maximus`` -> ``gluteus maximus``; the force channel ``fz`` -> ``vertical force``."""
    return "vertical force" if name == "fz" else str(name).replace("_", " ")


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def draw_mean_sd(ax: Axes, result: SpmResult) -> None:
    """Mean ± 1 SD of the subject-mean curves of every condition (spm1d.plot.plot_mean_sd style)."""
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, max(len(result.groups), 1)))
    for colour, (label, curves) in zip(colours, result.groups.items()):
        mean = curves.mean(axis=0)
        sd = curves.std(axis=0, ddof=1) if len(curves) > 1 else np.zeros_like(mean)
        ax.plot(result.pct, mean, color=colour, lw=1.8, label=f"{label} (n = {len(curves)})")
        ax.fill_between(result.pct, mean - sd, mean + sd, color=colour, alpha=0.2, lw=0)
    sel = result.selection
    ax.set_ylabel(f"{_words(sel.get('channel'))} ({sel.get('unit')})")
    # many load levels: two legend columns keep the legend off most of the curves
    ax.legend(fontsize=7 if len(result.groups) > 3 else 8, frameon=False, ncol=2 if len(result.groups) > 3 else 1)


def draw_statistic(ax: Axes, result: SpmResult) -> None:
    """The SPM{t} or SPM{F} curve, the critical threshold(s) and the shaded supra-threshold clusters."""
    z, pct, u = result.z, result.pct, result.threshold
    ax.plot(pct, z, color="k", lw=1.5)
    ax.axhline(0, color="k", lw=0.6, ls=":")
    thresholds = [u, -u] if result.two_tailed else [u]
    for level in thresholds:
        ax.axhline(level, color="r", lw=1, ls="--")
    # below the line, so the cluster p values above it never overlap the threshold label
    ax.text(pct[0], u, f" {result.statistic}* = {u:.2f}", color="r", fontsize=8, va="top")
    last_label = {1: -np.inf, -1: -np.inf}  # centroid of the last p label drawn above (+1) / below (-1)
    for c in result.clusters.itertuples():
        inside = (pct >= c.start_pct) & (pct <= c.end_pct)
        sign = 1 if c.sign >= 0 else -1
        level = u if sign > 0 else -u
        above = z >= level if sign > 0 else z <= level
        ax.fill_between(pct, level, z, where=inside & above, color="0.6", alpha=0.8, lw=0, interpolate=True)
        if c.centroid_pct - last_label[sign] >= MIN_LABEL_GAP_PCT:  # every p is in the cluster table
            ax.text(c.centroid_pct, level, _p_text(c.p), ha="center", va="bottom" if sign > 0 else "top", fontsize=8)
            last_label[sign] = c.centroid_pct
    kind = "SnPM" if result.nonparametric else "SPM"
    ax.set_ylabel(f"{kind}{{{result.statistic}}}")
    ax.set_xlabel(_x_label(result))


def spm_figure(result: SpmResult, title: str | None = None) -> Figure:
    """Two panels sharing the x axis: mean ± SD curves per condition, then the SPM statistic with threshold."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 5.5), sharex=True, height_ratios=[1.2, 1])
    draw_mean_sd(top, result)
    draw_statistic(bottom, result)
    sel = result.selection
    tails = "two-tailed" if result.two_tailed else "one-tailed"
    fig.suptitle(
        title or f"{sel.get('exercise')}: {sel.get('channel')} — {result.test}, α = {result.alpha:g} ({tails})",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def spm_grid_figure(results: Sequence[SpmResult], columns: int = 3, title: str | None = None) -> Figure:
    """One column per result (e.g. per muscle): mean ± SD curves above the SPM statistic; ``title`` above all."""
    n = max(len(results), 1)
    columns = min(columns, n)
    rows = int(np.ceil(n / columns))
    fig, axes = plt.subplots(2 * rows, columns, figsize=(4.2 * columns, 4.6 * rows), squeeze=False)
    for i in range(rows * columns):
        top, bottom = axes[2 * (i // columns), i % columns], axes[2 * (i // columns) + 1, i % columns]
        if i >= len(results):
            top.axis("off")
            bottom.axis("off")
            continue
        draw_mean_sd(top, results[i])
        draw_statistic(bottom, results[i])
        sel = results[i].selection
        panel = f"{_words(sel.get('exercise'))} · {_words(sel.get('channel'))}: {results[i].test}"
        top.set_title(textwrap.fill(panel, 48), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
