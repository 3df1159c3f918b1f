"""Walking and running on one plate: stance detection, peak vertical force and loading rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis.forceplate._inputs import _as_total_force, _check_fs, _runs
from analysis.forceplate.events import contact_mask
from analysis.forceplate.settings import ForcePlateSettings
from analysis.metric_rows import Metric, MetricsMixin

__all__ = ["GaitResult", "analyse_gait"]


@dataclass
class GaitResult(MetricsMixin):
    """Stances found on one plate (``stances``: one row per stance) and their mean metrics."""

    fs_hz: float
    stances: pd.DataFrame
    metrics: dict[str, Metric]


def analyse_gait(
    force_n: ArrayLike, fs_hz: float, *, body_weight_n: float | None = None, settings: ForcePlateSettings | None = None
) -> GaitResult:
    """Stance detection (force ≥ ``stance_threshold_n`` for ≥ ``min_stance_s``), peak vGRF and loading rate.

    Loading rate: mean slope between 20 % and 80 % of the impact (first) peak, the first local maximum
    in the first half of stance (project choice following the common 20–80 % definition, e.g.
    Ueda et al. 2016 [from memory]). Stances cut by the record's edges are dropped.
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    on = contact_mask(total, fs, s.stance_threshold_n, s.min_stance_s)
    starts, stops = _runs(on)
    keep = (starts > 0) & (stops < total.size)
    starts, stops = starts[keep], stops[keep]
    rows = []
    for a, b in zip(starts, stops):  # per stance (a handful), not per sample
        f = total[a:b]
        half = max(2, f.size // 2)
        ipk = int(np.argmax(f[:half]))
        fpk = f[ipk]
        i20 = int(np.argmax(f[: ipk + 1] >= 0.2 * fpk))
        i80 = int(np.argmax(f[: ipk + 1] >= 0.8 * fpk))
        lr = (f[i80] - f[i20]) * fs / (i80 - i20) if i80 > i20 else np.nan
        rows.append(
            {
                "start_index": int(a),
                "stop_index": int(b),
                "stance_time_s": (b - a) / fs,
                "peak_force_n": float(f.max()),
                "impact_peak_n": float(fpk),
                "loading_rate_n_per_s": float(lr),
                "impulse_n_s": float(np.trapezoid(f, dx=1 / fs)),
            }
        )
    stances = pd.DataFrame(
        rows,
        columns=[
            "start_index",
            "stop_index",
            "stance_time_s",
            "peak_force_n",
            "impact_peak_n",
            "loading_rate_n_per_s",
            "impulse_n_s",
        ],
    )
    tag = f"stance_threshold_n={s.stance_threshold_n:g},min_stance_s={s.min_stance_s:g}"
    m = {"n_stances": Metric(float(len(stances)), "count", tag)}
    if len(stances):
        m["stance_time_s"] = Metric(float(stances.stance_time_s.mean()), "s", f"mean_over_stances;{tag}")
        m["peak_force_n"] = Metric(float(stances.peak_force_n.mean()), "N", f"mean_over_stances;{tag}")
        m["loading_rate_n_per_s"] = Metric(
            float(stances.loading_rate_n_per_s.mean()), "N/s", f"20-80pct_impact_peak;mean_over_stances;{tag}"
        )
        if body_weight_n:
            m["peak_force_bw"] = Metric(
                float(stances.peak_force_n.mean() / body_weight_n), "BW", f"mean_over_stances/bw_supplied;{tag}"
            )
            m["loading_rate_bw_per_s"] = Metric(
                float(stances.loading_rate_n_per_s.mean() / body_weight_n),
                "BW/s",
                f"20-80pct_impact_peak/bw_supplied;{tag}",
            )
    return GaitResult(fs, stances, m)
