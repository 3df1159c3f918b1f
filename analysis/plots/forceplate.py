"""Force-plate figures and presentation tables: force-time curves with the McMahon et al. (2018) phases
shaded, and metrics by load and load phase from the tidy force table (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.patches import Patch

__all__ = [
    "PHASE_COLOURS",
    "C6_C7_METRICS",
    "JUMP_KINETICS_METRICS",
    "REPORT_METRICS",
    "metric_definitions_table",
    "METRIC_DECIMALS",
    "force_time_figure",
    "nominal_loads",
    "metric_summary_table",
    "metric_summary_wide",
    "metrics_by_load_figure",
    "weighing_table",
    "weighing_summary",
    "example_metrics_table",
]

#: One colour per McMahon et al. 2018 (Strength Cond J 40(4):96) CMJ phase.
PHASE_COLOURS = {
    "weighing": "#d9d9d9",
    "unweighting": "#9ecae1",
    "braking": "#fdae6b",
    "propulsion": "#a1d99b",
    "flight": "#f2f0f7",
    "landing": "#fcbba1",
    # squat-like movements (analysis.forceplate.analyse_squat) and C6's mid-range window
    "eccentric": "#9ecae1",
    "concentric": "#a1d99b",
    "mid_range": "#31a354",
}
#: Metrics this report tables and plots (name -> axis label); mid_range_mean_force_bw is C6's "GRF transfer".
C6_C7_METRICS = {
    "jump_height_flight_m": "jump height, flight time (m)",
    "jump_height_impulse_m": "jump height, impulse-momentum (m)",
    "peak_force_n": "peak force (N)",
    "peak_force_bw": "peak force (x BW)",
    "rfd_0_100ms_n_per_s": "RFD 0-100 ms from force-rise onset, squat jump only (N/s)",
    "mid_range_mean_force_bw": "mid-range mean force (x BW) = C6 'GRF transfer'",
    "mid_range_knee_joint_force_proxy_bw": "knee joint-force proxy, mid-range (x BW)",
    "peak_knee_joint_force_proxy_bw": "knee joint-force proxy, peak (x BW)",
}
#: Jump kinetics every force-plate report shows (issue 15): propulsive power, take-off velocity, RSI-mod and
#: time to take-off, and RFD anchored to the McMahon et al. 2018 phases (defined in analysis.forceplate.definitions)
JUMP_KINETICS_METRICS = {
    "peak_propulsive_power_w_per_kg": "peak propulsive power (W/kg)",
    "mean_propulsive_power_w_per_kg": "mean propulsive power (W/kg)",
    "peak_propulsive_power_w": "peak propulsive power (W)",
    "takeoff_velocity_m_s": "take-off velocity, impulse-momentum (m/s)",
    "rsi_modified_m_per_s": "RSI-modified: jump height / time to take-off (m/s)",
    "time_to_takeoff_s": "time to take-off (s)",
    "braking_rfd_n_per_s": "braking RFD: braking start to peak braking force (N/s)",
    "propulsive_rfd_n_per_s": "propulsive RFD: propulsion start to peak propulsive force (N/s)",
}
#: Every metric label this module knows (tables and figure titles use it; unknown metrics keep their names).
REPORT_METRICS = {**C6_C7_METRICS, **JUMP_KINETICS_METRICS}
#: Decimals worth printing per unit: jump heights to the millimetre, forces to the newton, ratios of body
#: weight to 1/100 BW (below the ~1 % trial-to-trial variability of CMJ force, McMahon et al. 2018).
METRIC_DECIMALS = {"m": 3, "s": 3, "N": 0, "N/s": 0, "BW": 2, "W": 0, "W/kg": 1, "m/s": 2, "%": 1, "ratio": 2}


def force_time_figure(
    force_n: np.ndarray,
    fs_hz: float,
    phases: dict[str, tuple[int, int]],
    events: dict[str, int] | None = None,
    *,
    body_weight_n: float | None = None,
    title: str = "",
) -> Figure:
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
        bw_n = body_weight_n
        ax.axhline(bw_n, color="tab:red", ls="--", lw=0.8)
        right = ax.secondary_yaxis("right", functions=(lambda f: np.divide(f, bw_n), lambda b: np.multiply(b, bw_n)))
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


def nominal_loads(force: pd.DataFrame) -> pd.DataFrame:
    """The design's nominal load of every row, as a reader would name it.

    Loads prescribed in %BW (e.g. 2, 4, ... 12 %BW) differ in kg between subjects, and loads prescribed in
    lb (e.g. 5 lb) differ in %BW; grouping by the exact kg would give one trial per row. Per exercise and
    load phase the scale on which the loads take the fewest distinct values is taken as the design's
    (%BW rounded to 1 %BW, or lb rounded to 0.5 lb; ties go to %BW). Adds ``load_scale``, ``load_nominal``
    (number on that scale) and ``load_level`` (text such as "6 %BW" or "5 lb")."""
    d = force.copy()
    pct = d["load_pct_bw"].astype(float).round(0) if "load_pct_bw" in d else pd.Series(np.nan, index=d.index)
    lb = (d["load_lb"].astype(float) * 2).round(0) / 2
    d["load_scale"], d["load_nominal"] = "%BW", pct
    for _, idx in d.groupby(["exercise", "load_phase"], dropna=False).groups.items():
        n_pct, n_lb = pct.loc[idx].nunique(), lb.loc[idx].nunique()
        if pct.loc[idx].isna().all() or (n_lb < n_pct):
            d.loc[idx, "load_scale"], d.loc[idx, "load_nominal"] = "lb", lb.loc[idx]
    d["load_level"] = [
        ("unloaded" if v == 0 else f"{v:g} {scale}") if pd.notna(v) else "unknown"
        for v, scale in zip(d["load_nominal"], d["load_scale"])
    ]
    return d


def _range(values: pd.Series, decimals: int) -> str:
    lo, hi = float(values.min()), float(values.max())
    if not np.isfinite(lo):
        return "–"
    return (
        f"{lo:.{decimals}f}" if round(lo, decimals) == round(hi, decimals) else f"{lo:.{decimals}f}–{hi:.{decimals}f}"
    )


def metric_summary_table(force: pd.DataFrame, metrics: Sequence[str] = tuple(C6_C7_METRICS)) -> pd.DataFrame:
    """Mean, SD and n (trials and subjects) of each metric by exercise, load phase and nominal load
    (:func:`nominal_loads`), with the kg, lb and %BW ranges the nominal level covers."""
    d = _metric_rows(force, metrics)
    cols = [
        "metric",
        "exercise",
        "load_phase",
        "load_level",
        "load_scale",
        "load_nominal",
        "load_kg_range",
        "load_lb_range",
        "load_pct_bw_range",
        "mean",
        "sd",
        "n_trials",
        "n_subjects",
        "unit",
    ]
    if d.empty:
        return pd.DataFrame(columns=cols)
    d = nominal_loads(d)
    g = d.groupby(["metric", "exercise", "load_phase", "load_scale", "load_nominal", "load_level"], dropna=False)
    out = g.agg(
        mean=("value", "mean"),
        sd=("value", "std"),
        n_trials=("value", "size"),
        n_subjects=("subject_id", "nunique"),
        unit=("unit", "first"),
        load_kg_range=("load_kg", lambda v: _range(v, 2)),
        load_lb_range=("load_lb", lambda v: _range(v, 1)),
        load_pct_bw_range=("load_pct_bw", lambda v: _range(v, 1)),
    ).reset_index()
    order = {m: i for i, m in enumerate(metrics)}
    out = out.sort_values(
        ["metric", "exercise", "load_phase", "load_nominal"], key=lambda s: s.map(order) if s.name == "metric" else s
    )
    return out[cols].reset_index(drop=True)


def metric_summary_wide(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as a reader scans it: one row per exercise × load phase × nominal load, one column per
    metric (label with unit) holding "mean ± SD" at the precision of :data:`METRIC_DECIMALS`."""
    if summary.empty:
        return pd.DataFrame()
    s = summary.copy()
    dec = s["unit"].map(METRIC_DECIMALS).fillna(2).astype(int)
    s["cell"] = [
        f"{m:.{k}f}" + ("" if not np.isfinite(sd) else f" ± {sd:.{k}f}")
        for m, sd, k in zip(s["mean"], s["sd"].astype(float), dec)
    ]
    s["label"] = s["metric"].map(lambda m: REPORT_METRICS.get(m, m))
    keys = ["exercise", "load_phase", "load_nominal", "load_level", "load_kg_range", "load_lb_range"]
    n = s.groupby(keys, dropna=False)[["n_subjects", "n_trials"]].max()
    wide = s.pivot_table(index=keys, columns="label", values="cell", aggfunc="first", dropna=False)
    wide = wide[[REPORT_METRICS.get(m, m) for m in dict.fromkeys(s["metric"]) if REPORT_METRICS.get(m, m) in wide]]
    wide = n.join(wide).reset_index().sort_values(["exercise", "load_phase", "load_nominal"])
    wide = wide.drop(columns="load_nominal").fillna("")
    wide["load_phase"] = wide["load_phase"].map(humanise_phase)
    return wide.rename(
        columns={
            "load_phase": "load phase",
            "load_level": "nominal load per ankle",
            "load_kg_range": "kg per ankle",
            "load_lb_range": "lb per ankle",
            "n_subjects": "subjects",
            "n_trials": "trials",
        }
    ).reset_index(drop=True)


def metrics_by_load_figure(
    force: pd.DataFrame,
    metrics: Sequence[str] = tuple(C6_C7_METRICS),
    exercises: Sequence[str] | None = None,
    title: str = "",
) -> Figure:
    """One panel per metric: trial values (dots) and mean ± SD (line with bars) against the nominal load
    per ankle (:func:`nominal_loads`; %BW for %BW designs, lb for fixed loads), one colour per load phase.
    Metrics without rows are left out; ``exercises`` keeps only those exercises (draw jumps and squats
    apart: their loads are prescribed on different scales)."""
    d = _metric_rows(force, metrics)
    if exercises is not None and not d.empty:
        d = d[d["exercise"].isin(list(exercises))]
    present = [m for m in metrics if m in set(d["metric"])]
    n = max(1, len(present))
    ncols = min(3, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.4 * ncols, 3.4 * nrows), squeeze=False)
    phases = sorted(d["load_phase"].dropna().unique()) if not d.empty else []
    colours = dict(zip(phases, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    d = nominal_loads(d) if not d.empty else d
    for ax, metric in zip(axes.flat, present):
        dm = d[d["metric"] == metric]
        scales = sorted(dm["load_scale"].unique())
        levels = sorted(dm["load_nominal"].dropna().unique())
        categorical = len(levels) <= 2  # one or two levels: side by side, not a line over a 0.01 kg span
        step = (np.diff(levels).min() if len(levels) > 1 else 1.0) * 0.12
        for k, (phase, dp) in enumerate(dm.groupby("load_phase")):
            shift = (k - (len(phases) - 1) / 2) * (0.25 if categorical else step)
            x_of = {v: (i if categorical else v) + shift for i, v in enumerate(levels)}
            x = dp["load_nominal"].map(x_of)
            ax.scatter(x, dp["value"], s=9, alpha=0.3, color=colours[phase])
            stats = dp.groupby("load_nominal")["value"].agg(["mean", "std"])
            ax.errorbar(
                stats.index.map(x_of),
                stats["mean"],
                yerr=stats["std"].fillna(0),
                marker="o",
                ms=4,
                capsize=2,
                color=colours[phase],
                label=humanise_phase(phase),
                ls="none" if categorical else "-",
            )
        if categorical:
            ax.set_xticks(range(len(levels)))
            ax.set_xticklabels([("unloaded" if v == 0 else f"{v:g}") for v in levels])
            ax.set_xlim(-0.6, len(levels) - 0.4)
        ax.set_title(REPORT_METRICS.get(metric, metric), fontsize=9)
        ax.set_xlabel("nominal load per ankle (" + " / ".join(scales) + ")", fontsize=9)
    for ax in list(axes.flat)[len(present) :]:
        ax.set_axis_off()
    if not present:
        axes.flat[0].text(0.5, 0.5, "no force-plate metrics", ha="center", va="center")
    elif phases:
        seen: dict[str, Artist] = {}
        for ax in axes.flat:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                seen.setdefault(lab, h)
        labels = [humanise_phase(p) for p in phases if humanise_phase(p) in seen]
        handles = [seen[lab] for lab in labels]
        fig.legend(
            handles,
            labels,
            title="load phase",
            loc="lower center",
            ncol=len(phases),
            fontsize=8,
            bbox_to_anchor=(0.5, 0.0),
        )
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.08 if phases else 0, 1, 1))
    return fig


def humanise_phase(phase: str) -> str:
    """``full_range`` -> ``full range``; ``none`` -> ``unloaded``."""
    return "unloaded" if phase == "none" else str(phase).replace("_", " ")


def weighing_table(force: pd.DataFrame) -> pd.DataFrame:
    """How each trial's body weight was obtained: weighed on quiet stance or ``bw=supplied`` (refused)."""
    if force is None or force.empty:
        return pd.DataFrame(columns=["subject_id", "trial_id", "exercise", "body_weight_n", "method", "supplied"])
    d = force[force["metric"] == "body_weight_n"]
    out = d[["subject_id", "trial_id", "exercise", "value", "method"]].rename(columns={"value": "body_weight_n"})
    out["supplied"] = out["method"].astype(str).str.contains("bw=supplied")
    return out.sort_values(["supplied", "subject_id", "trial_id"], ascending=[False, True, True]).reset_index(drop=True)


def weighing_summary(weighing: pd.DataFrame, failures: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per way a body weight was obtained (weighed on quiet stance, supplied from subjects.csv,
    could not be analysed): trials, subjects, and the body-weight range in N and kg."""
    rows = []
    for label, part in (
        ("weighed on quiet stance", weighing[~weighing["supplied"]]),
        ("bw=supplied (body mass from subjects.csv)", weighing[weighing["supplied"]]),
    ):
        bw = part["body_weight_n"].astype(float)
        rows.append(
            {
                "how": label,
                "trials": len(part),
                "subjects": part["subject_id"].nunique(),
                "body weight (N)": _range(bw, 0) if len(part) else "–",
                "body weight (kg)": _range(bw / 9.80665, 1) if len(part) else "–",
            }
        )
    if failures is not None:
        rows.append(
            {
                "how": "could not be analysed (excluded)",
                "trials": len(failures),
                "subjects": failures["subject_id"].nunique() if len(failures) else 0,
                "body weight (N)": "–",
                "body weight (kg)": "–",
            }
        )
    return pd.DataFrame(rows)


def example_metrics_table(rows: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """The example trial's metrics for reading: label with unit, value at a sensible precision, and the
    method record (how it was computed) with its separators opened up so it wraps."""
    d = rows[rows["metric"].isin(list(metrics))]
    out = pd.DataFrame(
        {
            "metric": [str(m).replace("_", " ") for m in d["metric"]],
            "value": [
                f"{v:.{METRIC_DECIMALS.get(u, 3)}f}" if np.isfinite(v) else "–"
                for v, u in zip(d["value"].astype(float), d["unit"])
            ],
            "unit": d["unit"].to_numpy(),
            "how it was computed": [str(m).replace(";", "; ").replace(",", ", ") for m in d["method"]],
        }
    )
    return out.reset_index(drop=True)


def metric_definitions_table(force: pd.DataFrame | None, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """What each force-plate metric in a report means: one row per metric present in ``force`` (or listed in
    ``metrics``), in that order, with its unit, phase, method, definition and source, written once in
    :mod:`analysis.forceplate.definitions`. Metrics without a jump definition (squat, gait) are left out."""
    from analysis.forceplate import metric_definitions

    if metrics is None:
        metrics = list(dict.fromkeys(force["metric"])) if force is not None and not force.empty else []
    return metric_definitions(metrics).rename(columns={"method": "method (start of the method record)"})
