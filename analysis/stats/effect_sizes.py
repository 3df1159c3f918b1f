"""Standardised effect sizes with 95 % CIs, named as in Lakens 2013, and percent change on the log scale.

Definitions: Lakens 2013 (Front Psychol 4:863, doi:10.3389/fpsyg.2013.00863) for d_s, Hedges' g, d_z, d_av;
noncentral-t CIs (Steiger & Fouladi 1997; Cumming & Finch 2001); the d_av CI is Algina & Keselman's 2003
approximation; percent change from the mean log ratio (Hopkins et al. 2009, Med Sci Sports Exerc 41(1):3-13).
docs/design/metrics-and-reliability.md §6.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

from analysis.errors import AnalysisError

NONCENTRAL_T = "noncentral t (Steiger & Fouladi 1997)"


@dataclass(frozen=True)
class EffectSize:
    """One effect size: which one (``name``), its estimate and CI, and how the CI was obtained."""

    name: str
    estimate: float
    ci_low: float
    ci_high: float
    ci_level: float
    ci_method: str
    n1: int
    n2: int
    statistic: float
    df: float

    def to_dict(self) -> dict:
        return asdict(self)


def effect_size_table(effects: list[EffectSize]) -> pd.DataFrame:
    """One row per effect size (columns = the EffectSize fields)."""
    return pd.DataFrame([e.to_dict() for e in effects])


def _finite(values: ArrayLike, what: str) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if x.size < 2:
        raise AnalysisError(f"{what} needs at least 2 finite values, got {x.size}")
    return x


def _paired(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if a.shape != b.shape:
        raise AnalysisError(f"paired effect sizes need equal-length samples, got {a.size} and {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 2:
        raise AnalysisError(f"paired effect sizes need at least 2 complete pairs, got {int(keep.sum())}")
    return a[keep], b[keep]


def hedges_correction(df: float) -> float:
    """Exact small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)) (Hedges & Olkin 1985)."""
    return float(np.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / np.sqrt(df / 2))


def noncentrality_ci(t_observed: float, df: float, alpha: float = 0.05) -> tuple[float, float]:
    """CI of the noncentrality parameter: lambda with P(T_{df,lambda} >= t) = alpha/2 (low) and <= t (high)."""

    def cdf(nc: float) -> float:
        value = float(stats.nct.cdf(t_observed, df, nc))
        # scipy 1.17's nct.cdf returns NaN at some points far in the upper tail (e.g. t = 19.6, df = 3,
        # nc = -12.5) where nct.sf is still finite: brentq then stopped on NaN for large paired t
        return value if np.isfinite(value) else 1.0 - float(stats.nct.sf(t_observed, df, nc))

    def cdf_minus(target: float):
        return lambda nc: cdf(nc) - target

    span = 10.0 + 2 * abs(t_observed)
    low = optimize.brentq(cdf_minus(1 - alpha / 2), t_observed - span, t_observed + span)
    high = optimize.brentq(cdf_minus(alpha / 2), t_observed - span, t_observed + span)
    return float(low), float(high)


def cohens_ds(group1: ArrayLike, group2: ArrayLike, alpha: float = 0.05) -> EffectSize:
    """Cohen's d_s = (M1 - M2) / pooled SD for independent groups (Lakens 2013 eq. 1), noncentral-t CI."""
    a, b = _finite(group1, "Cohen's d_s (group 1)"), _finite(group2, "Cohen's d_s (group 2)")
    n1, n2 = a.size, b.size
    df = n1 + n2 - 2
    pooled_sd = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / df)
    d = (a.mean() - b.mean()) / pooled_sd
    scale = np.sqrt(n1 * n2 / (n1 + n2))
    t = d * scale
    low, high = noncentrality_ci(t, df, alpha)
    return EffectSize(
        "Cohen's d_s", float(d), float(low / scale), float(high / scale), 1 - alpha, NONCENTRAL_T, n1, n2, float(t), df
    )


def hedges_g(group1: ArrayLike, group2: ArrayLike, alpha: float = 0.05) -> EffectSize:
    """Hedges' g_s = d_s x J(n1 + n2 - 2) for independent groups (Lakens 2013 eq. 4; exact J), CI = J x d_s CI."""
    d = cohens_ds(group1, group2, alpha)
    j = hedges_correction(d.df)
    return EffectSize(
        "Hedges' g_s",
        j * d.estimate,
        j * d.ci_low,
        j * d.ci_high,
        d.ci_level,
        f"{NONCENTRAL_T} on d_s, scaled by Hedges' J",
        d.n1,
        d.n2,
        d.statistic,
        d.df,
    )


def cohens_dz(condition1: ArrayLike, condition2: ArrayLike, alpha: float = 0.05) -> EffectSize:
    """Cohen's d_z = mean difference / SD of differences = t / sqrt(n) for paired data (Lakens 2013 eq. 6).

    Differences are condition1 - condition2. CI: noncentral t with df = n - 1, divided by sqrt(n).
    """
    a, b = _paired(condition1, condition2)
    diff = a - b
    n = diff.size
    dz = diff.mean() / diff.std(ddof=1)
    t = dz * np.sqrt(n)
    low, high = noncentrality_ci(t, n - 1, alpha)
    root_n = np.sqrt(n)
    return EffectSize(
        "Cohen's d_z",
        float(dz),
        float(low / root_n),
        float(high / root_n),
        1 - alpha,
        NONCENTRAL_T,
        n,
        n,
        float(t),
        n - 1,
    )


def cohens_dav(condition1: ArrayLike, condition2: ArrayLike, alpha: float = 0.05) -> EffectSize:
    """Cohen's d_av = mean difference / average of the two SDs, paired data (Lakens 2013 eq. 10).

    Comparable with d_s because it ignores the correlation between conditions. CI: the noncentral-t CI of the
    paired t rescaled by SD_diff / (sqrt(n) SD_av), Algina & Keselman's 2003 approximation (no exact pivot).
    """
    a, b = _paired(condition1, condition2)
    diff = a - b
    n = diff.size
    sd_av = (a.std(ddof=1) + b.std(ddof=1)) / 2
    d_av = diff.mean() / sd_av
    t = diff.mean() / (diff.std(ddof=1) / np.sqrt(n))
    low, high = noncentrality_ci(t, n - 1, alpha)
    scale = diff.std(ddof=1) / (np.sqrt(n) * sd_av)
    return EffectSize(
        "Cohen's d_av",
        float(d_av),
        float(low * scale),
        float(high * scale),
        1 - alpha,
        "noncentral t on the paired t, rescaled by SD_diff/SD_av (Algina & Keselman 2003 approximation)",
        n,
        n,
        float(t),
        n - 1,
    )


def percent_change(before: ArrayLike, after: ArrayLike, paired: bool = True, alpha: float = 0.05) -> EffectSize:
    """Percent change from ``before`` to ``after`` = 100 (exp(b) - 1), b = mean log ratio, asymmetric t CI.

    Paired: b = mean of ln(after / before) per subject; independent: b = mean ln(after) - mean ln(before)
    with a pooled-variance t interval. The CI is back-transformed from the log scale (Hopkins et al. 2009);
    values must be positive.
    """
    if paired:
        a, b = _paired(before, after)
    else:
        a, b = _finite(before, "percent change (before)"), _finite(after, "percent change (after)")
    if np.any(a <= 0) or np.any(b <= 0):
        raise AnalysisError("percent change on the log scale needs strictly positive values")
    if paired:
        log_ratio = np.log(b) - np.log(a)
        n1 = n2 = log_ratio.size
        df: float = n1 - 1
        est, se = log_ratio.mean(), log_ratio.std(ddof=1) / np.sqrt(n1)
        method = "t interval of the mean paired log ratio, back-transformed"
    else:
        la, lb = np.log(a), np.log(b)
        n1, n2 = la.size, lb.size
        df = n1 + n2 - 2
        pooled = ((n1 - 1) * la.var(ddof=1) + (n2 - 1) * lb.var(ddof=1)) / df
        est, se = lb.mean() - la.mean(), np.sqrt(pooled * (1 / n1 + 1 / n2))
        method = "pooled-variance t interval of the difference in mean logs, back-transformed"
    q = stats.t.ppf(1 - alpha / 2, df)
    return EffectSize(
        "percent change",
        float(100 * np.expm1(est)),
        float(100 * np.expm1(est - q * se)),
        float(100 * np.expm1(est + q * se)),
        1 - alpha,
        method,
        n1,
        n2,
        float(est / se) if se > 0 else float("nan"),
        df,
    )
