"""Absolute and relative reliability of repeated trials or sessions, and the per-metric reliability table.

Typical error and CV % (Hopkins 2000, Sports Med 30(1):1-15), SEM (Weir 2005, J Strength Cond Res 19(1):231-240),
MDC95 = 1.96 x sqrt(2) x SEM, smallest worthwhile change = 0.2 x between-subject SD (Hopkins 2004), ICC in
:mod:`analysis.stats.icc`; docs/design/metrics-and-reliability.md §5. ``reliability_table`` runs them all on a
user's tidy long table (one row per subject x trial x metric).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from analysis.errors import AnalysisError
from analysis.stats.icc import anova_mean_squares, icc, score_matrix

# z for a two-sided 95 % interval, and sqrt(2) for two measurements (MDC95; Weir 2005)
MDC95_FACTOR = 1.96 * np.sqrt(2.0)
# smallest worthwhile change = Cohen's small effect (0.2) x between-subject SD (Hopkins 2004, Sportscience 8:1-7)
SWC_FRACTION = 0.2
# ICC columns of reliability_table: Shrout & Fleiss 1979 forms -> column prefix
_ICC_COLUMNS = {
    "ICC(1,1)": "icc_1_1",
    "ICC(2,1)": "icc_2_1",
    "ICC(3,1)": "icc_3_1",
    "ICC(1,k)": "icc_1_k",
    "ICC(2,k)": "icc_2_k",
    "ICC(3,k)": "icc_3_k",
}


@dataclass(frozen=True)
class TypicalError:
    """Typical error with its chi-square CI and degrees of freedom (Hopkins 2000)."""

    value: float
    ci_low: float
    ci_high: float
    df: int


def typical_error(scores: ArrayLike, alpha: float = 0.05) -> TypicalError:
    """Typical error = sqrt(residual mean square) of the subjects x trials ANOVA (Hopkins 2000).

    For two trials this equals SD(trial2 - trial1) / sqrt(2); for k > 2 it is the general form that removes the
    systematic change of the mean between trials. CI from the chi-square distribution of the residual variance,
    df = (n - 1)(k - 1).
    """
    ms = anova_mean_squares(scores)
    df = ms.df_residual
    te = float(np.sqrt(ms.mse))
    low = te * np.sqrt(df / stats.chi2.ppf(1 - alpha / 2, df))
    high = te * np.sqrt(df / stats.chi2.ppf(alpha / 2, df))
    return TypicalError(te, float(low), float(high), df)


def cv_percent(scores: ArrayLike, alpha: float = 0.05) -> TypicalError:
    """Typical error as a coefficient of variation: 100 x (exp(TE of ln y) - 1), with its CI (Hopkins 2000).

    Needs strictly positive scores; raises :class:`AnalysisError` otherwise.
    """
    x = score_matrix(scores)
    if np.any(x <= 0):
        raise AnalysisError("CV % needs strictly positive scores (it is computed on ln y)")
    te_ln = typical_error(np.log(x), alpha)
    return TypicalError(
        float(100 * np.expm1(te_ln.value)),
        float(100 * np.expm1(te_ln.ci_low)),
        float(100 * np.expm1(te_ln.ci_high)),
        te_ln.df,
    )


def standard_error_of_measurement(scores: ArrayLike) -> float:
    """SEM = sqrt(residual mean square) (Weir 2005's preferred form; equals the typical error)."""
    return float(np.sqrt(anova_mean_squares(scores).mse))


def minimal_detectable_change_95(sem: float) -> float:
    """MDC95 = 1.96 x sqrt(2) x SEM: the smallest change between two measurements beyond 95 % error (Weir 2005)."""
    return float(MDC95_FACTOR * sem)


def smallest_worthwhile_change(baseline: ArrayLike) -> float:
    """SWC = 0.2 x between-subject SD of one baseline trial (Hopkins 2004; Cohen's small effect)."""
    values = np.asarray(baseline, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return float("nan")
    return float(SWC_FRACTION * np.std(values, ddof=1))


def _wide(group: pd.DataFrame, subject: str, trial: str, value: str) -> tuple[pd.DataFrame, int]:
    """Subjects x trials matrix of one metric; drops subjects missing any trial and returns how many."""
    wide = group.pivot(index=subject, columns=trial, values=value)
    complete = wide.dropna(how="any")
    return complete, len(wide) - len(complete)


def _skipped(reason: str, n_subjects: int, n_trials: int) -> dict:
    return {"n_subjects": n_subjects, "n_trials": n_trials, "reason": reason}


def _metric_row(group: pd.DataFrame, subject: str, trial: str, value: str, alpha: float) -> dict:
    """Every reliability statistic of one metric, or a row with ``reason`` when it cannot be computed."""
    group = group[np.isfinite(group[value].to_numpy(dtype=float))]
    n_trials_max = int(group.groupby(subject)[trial].nunique().max()) if len(group) else 0
    if n_trials_max < 2:
        return _skipped(
            f"fewer than 2 trials per subject (at most {n_trials_max}): reliability needs repeated trials or "
            f"sessions of the same metric in column {trial!r}",
            int(group[subject].nunique()),
            n_trials_max,
        )
    wide, n_dropped = _wide(group, subject, trial, value)
    n, k = wide.shape
    dropped_note = f"; {n_dropped} subject(s) without every trial dropped" if n_dropped else ""
    if n < 2:
        return _skipped(
            f"fewer than 2 subjects with all {k} trials ({n}){dropped_note}: the ICC/typical error need a complete "
            "subjects x trials table",
            n,
            k,
        )
    x = wide.to_numpy(dtype=float)
    row: dict = {"n_subjects": n, "n_trials": k, "n_subjects_dropped": n_dropped}
    row["mean"] = float(x.mean())
    row["mean_change"] = float(x[:, -1].mean() - x[:, 0].mean())
    for r in icc(x, alpha).itertuples():
        prefix = _ICC_COLUMNS[str(r.form)]
        row[prefix], row[f"{prefix}_ci_low"], row[f"{prefix}_ci_high"] = r.icc, r.ci_low, r.ci_high
    te = typical_error(x, alpha)
    row.update(typical_error=te.value, typical_error_ci_low=te.ci_low, typical_error_ci_high=te.ci_high)
    if np.all(x > 0):
        cv = cv_percent(x, alpha)
        row.update(cv_pct=cv.value, cv_pct_ci_low=cv.ci_low, cv_pct_ci_high=cv.ci_high)
    else:
        row.update(cv_pct=np.nan, cv_pct_ci_low=np.nan, cv_pct_ci_high=np.nan)
        dropped_note += "; CV % not computed: scores are not all positive"
    row["sem"] = standard_error_of_measurement(x)
    row["mdc95"] = minimal_detectable_change_95(row["sem"])
    row["between_subject_sd"] = float(np.std(x[:, 0], ddof=1))
    row["swc"] = smallest_worthwhile_change(x[:, 0])
    row["reason"] = dropped_note.removeprefix("; ")
    return row


def reliability_table(
    df: pd.DataFrame,
    subject: str = "subject_id",
    trial: str = "trial",
    value: str = "value",
    by: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Reliability of every metric in a tidy long table: one row per ``by`` group (e.g. metric, exercise).

    ``df`` has one row per subject x trial (or session) x metric; ``trial`` labels the repeated measurement
    (sorted order = chronological order: the first is the baseline for the SWC, mean_change is last - first).
    Subjects missing a trial are dropped (the ANOVA forms need a complete table, McGraw & Wong 1996) and
    counted in ``n_subjects_dropped``. Columns: the ``by`` keys, ``n_subjects``, ``n_trials``, ``mean``,
    ``mean_change``, all six ICC forms ``icc_1_1`` ... ``icc_3_k`` with ``_ci_low``/``_ci_high``
    (Shrout & Fleiss 1979 names; CI level 1 - alpha), ``typical_error`` (+ CI), ``cv_pct`` (+ CI),
    ``sem``, ``mdc95``, ``between_subject_sd`` (SD of the first trial), ``swc`` and ``reason``. A metric
    with fewer than 2 trials per subject or 2 complete subjects gets a row whose ``reason`` says why,
    with the statistics left empty; ``reason`` is "" for a complete row.
    """
    by_columns = list(by or [])
    missing = [c for c in [subject, trial, value, *by_columns] if c not in df.columns]
    if missing:
        raise AnalysisError(
            f"reliability_table: column(s) {missing} not in the table (columns: {list(df.columns)}); "
            "pass subject=, trial=, value= and by= naming your columns"
        )
    keys = [*by_columns, subject, trial]
    duplicated = df.duplicated(subset=keys, keep=False)
    if duplicated.any():
        first = df.loc[duplicated, keys].iloc[0].to_dict()
        raise AnalysisError(
            f"reliability_table: {int(duplicated.sum())} rows share the same {keys} (first: {first}); add the "
            "column that tells them apart to by= (e.g. metric, exercise) or average them first"
        )
    groups = df.groupby(by_columns, sort=True, dropna=False) if by_columns else [((), df)]
    rows = []
    for key, group in groups:
        key_tuple = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by_columns, key_tuple))
        row.update(_metric_row(group.sort_values(trial), subject, trial, value, alpha))
        rows.append(row)
    out = pd.DataFrame(rows)
    out["reason"] = out["reason"].fillna("")
    return out
