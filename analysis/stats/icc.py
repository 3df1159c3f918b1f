"""Intraclass correlation coefficients (all six Shrout & Fleiss forms) with F-based confidence intervals.

Definitions: Shrout & Fleiss 1979 (Psychol Bull 86(2):420-428), names and CIs McGraw & Wong 1996
(Psychol Methods 1(1):30-46), reporting Koo & Li 2016 (J Chiropr Med 15(2):155-163);
docs/design/metrics-and-reliability.md §5.2-§5.3. Input: a complete subjects x trials (or raters) matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from analysis.errors import AnalysisError

# Shrout-Fleiss name -> (McGraw-Wong name, model, type) (McGraw & Wong 1996 Table 4; Koo & Li 2016 Table 1)
ICC_FORMS: dict[str, tuple[str, str, str]] = {
    "ICC(1,1)": ("ICC(1)", "one-way random", "single measurement"),
    "ICC(2,1)": ("ICC(A,1)", "two-way random, absolute agreement", "single measurement"),
    "ICC(3,1)": ("ICC(C,1)", "two-way mixed, consistency", "single measurement"),
    "ICC(1,k)": ("ICC(k)", "one-way random", "mean of k measurements"),
    "ICC(2,k)": ("ICC(A,k)", "two-way random, absolute agreement", "mean of k measurements"),
    "ICC(3,k)": ("ICC(C,k)", "two-way mixed, consistency", "mean of k measurements"),
}


@dataclass(frozen=True)
class AnovaMeanSquares:
    """Two-way subjects x trials ANOVA without replication (Shrout & Fleiss 1979 Table 1).

    ``msr`` between subjects (df n-1), ``msc`` between trials (df k-1), ``mse`` residual (df (n-1)(k-1)),
    ``msw`` within subjects = one-way residual (df n(k-1)).
    """

    n_subjects: int
    n_trials: int
    msr: float
    msc: float
    mse: float
    msw: float

    @property
    def df_residual(self) -> int:
        return (self.n_subjects - 1) * (self.n_trials - 1)


def score_matrix(scores: ArrayLike) -> np.ndarray:
    """Validate a subjects x trials matrix: 2-D, float, at least 2 x 2, no missing cells."""
    x = np.asarray(scores, dtype=float)
    if x.ndim != 2:
        raise AnalysisError(f"reliability needs a subjects x trials matrix, got an array with {x.ndim} dimension(s)")
    n, k = x.shape
    if n < 2 or k < 2:
        raise AnalysisError(
            f"reliability needs at least 2 subjects and 2 trials per subject, got {n} subject(s) x {k} trial(s)"
        )
    if not np.all(np.isfinite(x)):
        raise AnalysisError("the subjects x trials matrix has missing or non-finite scores: drop incomplete subjects")
    return x


def anova_mean_squares(scores: ArrayLike) -> AnovaMeanSquares:
    """Mean squares of the two-way subjects x trials ANOVA (Shrout & Fleiss 1979 Table 1), vectorised."""
    x = score_matrix(scores)
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * np.sum((x.mean(axis=1) - grand) ** 2)
    ss_cols = n * np.sum((x.mean(axis=0) - grand) ** 2)
    ss_total = np.sum((x - grand) ** 2)
    ss_error = max(ss_total - ss_rows - ss_cols, 0.0)
    return AnovaMeanSquares(
        n_subjects=n,
        n_trials=k,
        msr=float(ss_rows / (n - 1)),
        msc=float(ss_cols / (k - 1)),
        mse=float(ss_error / ((n - 1) * (k - 1))),
        msw=float((ss_cols + ss_error) / (n * (k - 1))),
    )


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den != 0 else float("nan")


def _one_way_or_consistency(ms: AnovaMeanSquares, within: float, df2: int, alpha: float, single: bool) -> tuple:
    """ICC(1,.) / ICC(3,.) point and CI (McGraw & Wong 1996 Table 7, cases 1 and 3)."""
    n, k = ms.n_subjects, ms.n_trials
    df1 = n - 1
    f0 = _ratio(ms.msr, within)
    f_lower = f0 / stats.f.ppf(1 - alpha / 2, df1, df2)
    f_upper = f0 * stats.f.ppf(1 - alpha / 2, df2, df1)
    if single:
        point = _ratio(ms.msr - within, ms.msr + (k - 1) * within)
        low, high = (f_lower - 1) / (f_lower + k - 1), (f_upper - 1) / (f_upper + k - 1)
    else:
        point = _ratio(ms.msr - within, ms.msr)
        low, high = 1 - 1 / f_lower, 1 - 1 / f_upper
    return point, low, high, f0, df1, df2


def _absolute_agreement(ms: AnovaMeanSquares, alpha: float, single: bool) -> tuple:
    """ICC(2,.) point and CI with Satterthwaite df (McGraw & Wong 1996 Table 7, case 2A; Spearman-Brown for k)."""
    n, k = ms.n_subjects, ms.n_trials
    df1, df2 = n - 1, ms.df_residual
    rho = _ratio(ms.msr - ms.mse, ms.msr + (k - 1) * ms.mse + k * (ms.msc - ms.mse) / n)
    fj = _ratio(ms.msc, ms.mse)
    a = n * (1 + (k - 1) * rho) - k * rho
    v = df2 * (k * rho * fj + a) ** 2 / ((n - 1) * k**2 * rho**2 * fj**2 + a**2)
    f_star = stats.f.ppf(1 - alpha / 2, n - 1, v)
    f_star2 = stats.f.ppf(1 - alpha / 2, v, n - 1)
    spread = k * ms.msc + (k * n - k - n) * ms.mse
    low = n * (ms.msr - f_star * ms.mse) / (f_star * spread + n * ms.msr)
    high = n * (f_star2 * ms.msr - ms.mse) / (spread + n * f_star2 * ms.msr)
    if single:
        point = rho
    else:
        point = _ratio(ms.msr - ms.mse, ms.msr + (ms.msc - ms.mse) / n)
        low, high = k * low / (1 + (k - 1) * low), k * high / (1 + (k - 1) * high)
    return point, low, high, _ratio(ms.msr, ms.mse), df1, df2


def icc(scores: ArrayLike, alpha: float = 0.05) -> pd.DataFrame:
    """All six intraclass correlations of a complete subjects x trials matrix, with (1 - alpha) F-based CIs.

    Rows, in Shrout & Fleiss 1979 order: ICC(1,1), ICC(2,1), ICC(3,1), ICC(1,k), ICC(2,k), ICC(3,k), with
    columns ``form`` (Shrout-Fleiss name), ``mcgraw_wong`` (McGraw & Wong 1996 name), ``model``, ``type``,
    ``icc``, ``ci_low``, ``ci_high``, ``ci_level``, ``f``, ``df1``, ``df2``, ``p`` (F test of ICC = 0),
    ``n_subjects``, ``n_trials``. CIs follow McGraw & Wong 1996 Table 7 (Satterthwaite df for ICC(2,.)),
    as pingouin and R psych::ICC do. Koo & Li 2016: for test-retest of one trial use ICC(2,1); use a "k"
    form only when the score used in practice is the mean of k trials; judge reliability on the CI.
    """
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must be between 0 and 1, got {alpha}")
    ms = anova_mean_squares(scores)
    n, k = ms.n_subjects, ms.n_trials
    results = {
        "ICC(1,1)": _one_way_or_consistency(ms, ms.msw, n * (k - 1), alpha, single=True),
        "ICC(2,1)": _absolute_agreement(ms, alpha, single=True),
        "ICC(3,1)": _one_way_or_consistency(ms, ms.mse, ms.df_residual, alpha, single=True),
        "ICC(1,k)": _one_way_or_consistency(ms, ms.msw, n * (k - 1), alpha, single=False),
        "ICC(2,k)": _absolute_agreement(ms, alpha, single=False),
        "ICC(3,k)": _one_way_or_consistency(ms, ms.mse, ms.df_residual, alpha, single=False),
    }
    rows = []
    for form, (point, low, high, f0, df1, df2) in results.items():
        mcgraw_wong, model, kind = ICC_FORMS[form]
        rows.append(
            {
                "form": form,
                "mcgraw_wong": mcgraw_wong,
                "model": model,
                "type": kind,
                "icc": float(point),
                "ci_low": float(low),
                "ci_high": float(high),
                "ci_level": 1 - alpha,
                "f": float(f0),
                "df1": int(df1),
                "df2": int(df2),
                "p": float(stats.f.sf(f0, df1, df2)) if np.isfinite(f0) else float("nan"),
                "n_subjects": n,
                "n_trials": k,
            }
        )
    return pd.DataFrame(rows)
