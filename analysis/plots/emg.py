"""EMG figures and presentation tables: raw / filtered / envelope views, quality flags, MVC references.

Signals are shown in mV (the suite stores V); tables are the tidy EMG feature table of
docs/architecture.md and the ``mvc`` table of ``analysis.features.FeatureTables``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots.layout import legend_outside

__all__ = [
    "MV_PER_V",
    "emg_channels_figure",
    "quality_flag_table",
    "flag_counts_figure",
    "mvc_reference_table",
    "mvc_reference_figure",
]

MV_PER_V = 1000.0


def emg_channels_figure(
    time_s: np.ndarray,
    raw_v: np.ndarray,
    filtered_v: np.ndarray | None,
    envelope_v: np.ndarray,
    channel_names: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    flags: dict[str, list[str]] | None = None,
    title: str = "",
) -> Figure:
    """One row per channel: raw (grey) and band-passed (blue) EMG in mV on the left, the linear envelope
    (red) on the right. ``labels`` (e.g. muscle names) title the rows; ``flags`` adds each channel's flags."""
    raw = np.atleast_2d(np.asarray(raw_v, float).T).T * MV_PER_V
    env = np.atleast_2d(np.asarray(envelope_v, float).T).T * MV_PER_V
    filt = None if filtered_v is None else np.atleast_2d(np.asarray(filtered_v, float).T).T * MV_PER_V
    n_channels = raw.shape[1]
    labels = list(labels) if labels is not None else list(channel_names)
    fig, axes = plt.subplots(
        n_channels,
        2,
        figsize=(11, 1.9 * n_channels + 0.8),
        sharex=True,
        squeeze=False,
        gridspec_kw={"width_ratios": [3, 2]},
    )
    for c in range(n_channels):
        ax_sig, ax_env = axes[c]
        ax_sig.plot(time_s, raw[:, c], color="0.6", lw=0.5, label="raw (DC removed)" if c == 0 else None)
        if filt is not None:
            ax_sig.plot(time_s, filt[:, c], color="tab:blue", lw=0.5, label="band-passed" if c == 0 else None)
        ax_env.plot(time_s, env[:, c], color="tab:red", lw=1.2)
        note = ", ".join((flags or {}).get(channel_names[c], []))
        ax_sig.set_title(
            f"{labels[c]} ({channel_names[c]})" + (f" - flags: {note}" if note else ""), fontsize=9, loc="left"
        )
        ax_sig.set_ylabel("EMG (mV)")
        ax_env.set_ylabel("envelope (mV)")
    axes[-1, 0].set_xlabel("time (s)")
    axes[-1, 1].set_xlabel("time (s)")
    handles, names = axes[0, 0].get_legend_handles_labels()
    if title:
        fig.suptitle(title)
    # the legend in a strip of its own above the panels, never over a signal
    fig.legend(handles, names, loc="upper right", ncol=max(1, len(names)), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 1.0 - 0.35 / fig.get_figheight()))
    return fig


def _split_flags(cell) -> list[str]:
    return [f for f in str(cell).split(";") if f.strip()] if isinstance(cell, str) else []


def quality_flag_table(emg_features: pd.DataFrame) -> pd.DataFrame:
    """Trial x muscle rows with their flags (whole-record phase), flagged rows first."""
    if emg_features is None or emg_features.empty:
        return pd.DataFrame(columns=["subject_id", "trial_id", "exercise", "muscle", "quality_flags", "n_flags"])
    d = emg_features
    if "phase" in d.columns and (d["phase"] == "whole").any():
        d = d[d["phase"] == "whole"]
    out = d[["subject_id", "trial_id", "exercise", "muscle", "quality_flags"]].copy()
    out["quality_flags"] = out["quality_flags"].fillna("")
    out["n_flags"] = out["quality_flags"].map(lambda s: len(_split_flags(s)))
    return out.sort_values(
        ["n_flags", "subject_id", "trial_id", "muscle"], ascending=[False, True, True, True]
    ).reset_index(drop=True)


def flag_counts_figure(emg_features: pd.DataFrame) -> Figure:
    """Number of trial x muscle records carrying each quality flag, per muscle (whole-record phase)."""
    table = quality_flag_table(emg_features)
    long = table.assign(flag=table["quality_flags"].map(_split_flags)).explode("flag").dropna(subset=["flag"])
    fig, ax = plt.subplots(figsize=(8, 3.8))
    if long.empty:
        ax.text(0.5, 0.5, "no quality flags raised", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    counts = long.groupby(["muscle", "flag"]).size().unstack("flag", fill_value=0)
    counts.plot.barh(stacked=True, ax=ax, width=0.7)
    ax.set_xlabel(f"trial records flagged (of {len(table)} trial x muscle records)")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2-record ticks
    ax.set_ylabel("")
    legend_outside(ax, title="flag", fontsize=8)
    fig.tight_layout()
    return fig


def mvc_reference_table(mvc: pd.DataFrame) -> pd.DataFrame:
    """Subject x session x muscle MVC references in mV (from V), with the MVC trials they come from."""
    if mvc is None or mvc.empty:
        return pd.DataFrame(columns=["subject_id", "session", "muscle", "mvc_reference_mv"])
    out = mvc.copy()
    out["mvc_reference_mv"] = out["mvc_reference"].astype(float) * MV_PER_V
    keep = [
        c
        for c in (
            "subject_id",
            "session",
            "muscle",
            "mvc_reference_mv",
            "n_mvc_trials",
            "mvc_trial_ids",
            "window_ms",
            "method",
        )
        if c in out.columns
    ]
    return out[keep].sort_values(["subject_id", "session", "muscle"]).reset_index(drop=True)


def mvc_reference_figure(mvc: pd.DataFrame) -> Figure:
    """MVC reference (mV) per muscle, one dot per subject x session: the spread shows why %MVC is needed
    before muscles or people are compared."""
    table = mvc_reference_table(mvc)
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(3, table["muscle"].nunique()) + 1.2))
    if table.empty:
        ax.text(0.5, 0.5, "no MVC trials in this study", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    muscles = sorted(table["muscle"].unique())
    y = table["muscle"].map({m: i for i, m in enumerate(muscles)}).to_numpy(float)
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(y))  # fixed seed: same figure every run
    ax.scatter(table["mvc_reference_mv"], y + jitter, s=18, alpha=0.7)
    ax.set_yticks(range(len(muscles)), muscles)
    ax.set_xlabel("MVC reference (mV, peak 500 ms moving average of the envelope)")
    fig.tight_layout()
    return fig
