"""Effect estimates on the analysis scale with t-based 95 % and 90 % intervals (docs/design/statistics.md §4)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.errors import AnalysisError


# --------------------------------------------------------------------------- estimates
@dataclass(frozen=True)
class Estimate:
    """One effect on the analysis scale with t-based intervals."""

    name: str
    estimate: float
    se: float
    df: float
    ci95: tuple[float, float]
    ci90: tuple[float, float]
    p_value: float
    method: str
    scale: str = "log"  # "log" (report 100*(exp-1) %) or "additive"

    def natural(self) -> dict:
        """Estimate and intervals in natural units (% change for log-scale effects)."""
        f = pct_change if self.scale == "log" else (lambda v: v)
        return {
            "estimate": float(f(self.estimate)),
            "ci95_low": float(f(self.ci95[0])),
            "ci95_high": float(f(self.ci95[1])),
            "ci90_low": float(f(self.ci90[0])),
            "ci90_high": float(f(self.ci90[1])),
        }


def pct_change(log_effect):
    """Log-scale effect -> % change, 100*(exp(b) - 1) (docs/design/statistics.md §1)."""
    return 100.0 * (np.exp(log_effect) - 1.0)


def t_estimate(name: str, estimate: float, se: float, df: float, method: str, scale: str = "log") -> Estimate:
    """t-reference intervals (df = n_subjects - 1 for mixed models; docs/design/statistics.md §4)."""
    estimate, se = float(estimate), float(se)
    if not (np.isfinite(se) and se > 0 and df > 0):
        nan = (math.nan, math.nan)
        return Estimate(name, estimate, se, float(df), nan, nan, math.nan, method, scale)
    q95 = float(stats.t.ppf(0.975, df))
    q90 = float(stats.t.ppf(0.95, df))
    p = 2.0 * stats.t.sf(abs(estimate / se), df)
    return Estimate(
        name,
        estimate,
        se,
        float(df),
        (estimate - q95 * se, estimate + q95 * se),
        (estimate - q90 * se, estimate + q90 * se),
        float(p),
        method,
        scale,
    )


def one_sample_t(values, name: str = "mean", method: str = "two-stage one-sample t", scale: str = "log") -> Estimate:
    """Mean of per-subject summaries with a t interval (the exact, fast two-stage estimator, §4)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        raise AnalysisError(f"{name}: {v.size} subject summaries; need at least 2 subjects with data")
    return t_estimate(name, v.mean(), v.std(ddof=1) / math.sqrt(v.size), v.size - 1, method, scale)


def two_group_t(
    treated, control, name: str = "difference", method: str = "two-group pooled t", scale: str = "log"
) -> Estimate:
    """Difference of group means with the pooled-variance t interval (df = n1 + n2 - 2)."""
    a = np.asarray(treated, dtype=float)
    b = np.asarray(control, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        raise AnalysisError(f"{name}: {a.size} treated and {b.size} control subjects; need at least 2 per group")
    df = a.size + b.size - 2
    sp2 = ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / df
    se = math.sqrt(sp2 * (1 / a.size + 1 / b.size))
    return t_estimate(name, a.mean() - b.mean(), se, df, method, scale)
