"""Force-plate figures and presentation tables: force-time curves with the McMahon et al. (2018) phases
shaded, and metrics by load and load phase from the tidy force table (docs/architecture.md)."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

__all__ = ["PHASE_COLOURS", "C6_C7_METRICS", "force_time_figure", "metric_summary_table", "metrics_by_load_figure",
           "weighing_table"]

#: One colour per McMahon et al. 2018 (Strength Cond J 40(4):96) CMJ phase.
PHASE_COLOURS = {"weighing": "#d9d9d9", "unweighting": "#9ecae1", "braking": "#fdae6b", "propulsion": "#a1d99b",
                 "flight": "#f2f0f7", "landing": "#fcbba1",
                 # squat-like movements (analysis.forceplate.analyse_squat) and C6's mid-range window
                 "eccentric": "#9ecae1", "concentric": "#a1d99b", "mid_range": "#31a354"}
#: Metrics this report tables and plots (name -> axis label); mid_range_mean_force_bw is C6's "GRF transfer".
C6_C7_METRICS = {
    "jump_height_flight_m": "jump height, flight time (m)",
    "jump_height_impulse_m": "jump height, impulse-momentum (m)",
    "peak_force_n": "peak force (N)",
    "peak_force_bw": "peak force (x BW)",
    "rfd_0_100ms_n_per_s": "RFD 0-100 ms (N/s)",
    "mid_range_mean_force_bw": "mid-range mean force (x BW) = C6 'GRF transfer'",
    "mid_range_knee_joint_force_proxy_bw": "knee joint-force proxy, mid-range (x BW)",
    "peak_knee_joint_force_proxy_bw": "knee joint-force proxy, peak (x BW)",
}


def force_time_figure(force_n: np.ndarray, fs_hz: float, phases: dict[str, tuple[int, int]],
                      events: dict[str, int] | None = None, *, body_weight_n: float | None = None,
                      title: str = "") -> Figure:
    """Vertical force (N, plates summed) against time with each phase (start, stop sample) shaded,
    events as dotted lines and body weight as a dashed line (right axis in multiples of BW)."""
    force = np.asarray(force_n, float)
    total = force.sum(axis=1) if force.ndim == 2 else force
    t = np.arange(total.size) / float(fs_hz)
    fig, ax = plt.subplots(figsize=(10, 4.2))
    for name, (a, b) in phases.items():
        if b > a:
            ax.axvspan(a / fs_hz, b / fs_hz, color=PHASE_COLOURS.get(name, "#eeeeee"), alpha=0.8, lw=0)
    ax.plot(t, total, color="k", lw=1.0)
    for name, i in (events or {}).items():
        ax.axvline(i / fs_hz, color="0.4", ls=":", lw=0.8)
        ax.text(i / fs_hz, ax.get_ylim()[1], name, rotation=90, va="top", ha="right", fontsize=7, color="0.3")
    if body_weight_n:
        ax.axhline(body_weight_n, color="tab:red", ls="--", lw=0.8)
        right = ax.secondary_yaxis("right", functions=(lambda f: f / body_weight_n, lambda b: b * body_weight_n))
        right.set_ylabel("force (x body weight)")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("vertical ground-reaction force (N)")
    handles = [Patch(color=PHASE_COLOURS.get(p, "#eeeeee"), label=p) for p, (a, b) in phases.items() if b > a]
    ax.legend(handles=handles, loc="upper right", fontsize=8, ncol=3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def _metric_rows(force: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    if force is None or force.empty:
        return pd.DataFrame(columns=["metric", "value", "load_phase", "load_kg"])
    return force[force["metric"].isin(list(metrics))]


def metric_summary_table(force: pd.DataFrame, metrics: Sequence[str] = tuple(C6_C7_METRICS)) -> pd.DataFrame:
    """Mean, SD and n of each metric by exercise, load phase and load (kg and lb, %BW mean)."""
    d = _metric_rows(force, metrics)
    cols = ["metric", "exercise", "load_phase", "load_kg", "load_lb", "mean", "sd", "n", "mean_load_pct_bw", "unit"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    g = d.groupby(["metric", "exercise", "load_phase", "load_kg"], dropna=False)
    out = g.agg(load_lb=("load_lb", "first"), mean=("value", "mean"), sd=("value", "std"), n=("value", "size"),
                mean_load_pct_bw=("load_pct_bw", "mean"), unit=("unit", "first")).reset_index()
    order = {m: i for i, m in enumerate(metrics)}
    out = out.sort_values(["metric", "exercise", "load_kg", "load_phase"], key=lambda s: s.map(order)
                          if s.name == "metric" else s)
    return out[cols].reset_index(drop=True)


def metrics_by_load_figure(force: pd.DataFrame, metrics: Sequence[str] = tuple(C6_C7_METRICS)) -> Figure:
    """One panel per metric: trial values (dots) and means (lines) against load per ankle (kg), one colour per
    load phase. Metrics without rows are left out."""
    d = _metric_rows(force, metrics)
    present = [m for m in metrics if m in set(d["metric"])]
    n = max(1, len(present))
    ncols = min(3, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    phases = sorted(d["load_phase"].dropna().unique()) if not d.empty else []
    colours = dict(zip(phases, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    for ax, metric in zip(axes.flat, present):
        dm = d[d["metric"] == metric]
        for phase, dp in dm.groupby("load_phase"):
            ax.scatter(dp["load_kg"], dp["value"], s=10, alpha=0.35, color=colours[phase])
            means = dp.groupby("load_kg")["value"].mean()
            ax.plot(means.index, means.to_numpy(), marker="o", color=colours[phase], label=phase)
        ax.set_title(C6_C7_METRICS.get(metric, metric), fontsize=9)
        ax.set_xlabel("load per ankle (kg)")
        top = ax.secondary_xaxis("top", functions=(lambda kg: kg / 0.45359237, lambda lb: lb * 0.45359237))
        top.set_xlabel("(lb)", fontsize=8)
    for ax in list(axes.flat)[len(present):]:
        ax.set_axis_off()
    if not present:
        axes.flat[0].text(0.5, 0.5, "no force-plate metrics", ha="center", va="center")
    elif phases:
        axes.flat[0].legend(title="load phase", fontsize=8)
    fig.tight_layout()
    return fig


def weighing_table(force: pd.DataFrame) -> pd.DataFrame:
    """How each trial's body weight was obtained: weighed on quiet stance or ``bw=supplied`` (refused)."""
    if force is None or force.empty:
        return pd.DataFrame(columns=["subject_id", "trial_id", "exercise", "body_weight_n", "method", "supplied"])
    d = force[force["metric"] == "body_weight_n"]
    out = d[["subject_id", "trial_id", "exercise", "value", "method"]].rename(columns={"value": "body_weight_n"})
    out["supplied"] = out["method"].astype(str).str.contains("bw=supplied")
    return out.sort_values(["supplied", "subject_id", "trial_id"], ascending=[False, True, True]).reset_index(drop=True)
