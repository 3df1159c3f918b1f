"""Typical error, CV %, SEM, MDC95, SWC and the per-metric reliability table (Hopkins 2000; Weir 2005)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.errors import AnalysisError
from analysis.stats import (
    cv_percent,
    icc,
    minimal_detectable_change_95,
    reliability_table,
    smallest_worthwhile_change,
    standard_error_of_measurement,
    typical_error,
)

RNG = np.random.default_rng(17)
TRUE_SCORES = RNG.normal(40.0, 6.0, size=12)  # e.g. jump height (cm) of 12 subjects


def two_trials() -> np.ndarray:
    return np.column_stack([TRUE_SCORES + RNG.normal(0, 1.5, 12), TRUE_SCORES + 0.8 + RNG.normal(0, 1.5, 12)])


def test_typical_error_of_two_trials_is_sd_of_differences_over_root_two():
    x = two_trials()
    te = typical_error(x)
    assert te.value == pytest.approx(np.std(x[:, 1] - x[:, 0], ddof=1) / np.sqrt(2), rel=1e-12)
    assert te.df == 11
    # chi-square CI of a variance with df = (n - 1)(k - 1)
    assert te.ci_low == pytest.approx(te.value * np.sqrt(11 / stats.chi2.ppf(0.975, 11)))
    assert te.ci_low < te.value < te.ci_high


def test_typical_error_general_form_is_root_residual_mean_square_and_ignores_a_shift():
    x = np.column_stack([two_trials(), TRUE_SCORES + RNG.normal(0, 1.5, 12)])
    te = typical_error(x).value
    shifted = x + np.array([0.0, 5.0, -3.0])  # systematic change between trials is not error (Hopkins 2000)
    assert typical_error(shifted).value == pytest.approx(te)
    resid = x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + x.mean()
    assert te == pytest.approx(np.sqrt((resid**2).sum() / (11 * 2)))
    assert standard_error_of_measurement(x) == pytest.approx(te)


def test_cv_mdc_and_swc_follow_their_definitions():
    x = two_trials()
    cv = cv_percent(x)
    assert cv.value == pytest.approx(100 * np.expm1(typical_error(np.log(x)).value))
    assert minimal_detectable_change_95(2.0) == pytest.approx(1.96 * np.sqrt(2) * 2.0)
    assert smallest_worthwhile_change(x[:, 0]) == pytest.approx(0.2 * np.std(x[:, 0], ddof=1))
    with pytest.raises(AnalysisError, match="positive"):
        cv_percent(x - 100)


def long_table() -> pd.DataFrame:
    x = two_trials()
    rows = [
        {"subject_id": f"S{s:02d}", "trial": t + 1, "metric": "jump_height_cm", "value": x[s, t]}
        for s in range(12)
        for t in range(2)
    ]
    rows += [{"subject_id": f"S{s:02d}", "trial": 1, "metric": "peak_force_n", "value": 2000.0 + s} for s in range(12)]
    return pd.DataFrame(rows)


def test_reliability_table_gives_one_row_per_metric_and_a_reason_when_it_cannot():
    df = long_table()
    table = reliability_table(df, subject="subject_id", trial="trial", value="value", by=["metric"]).set_index("metric")
    jump = table.loc["jump_height_cm"]
    x = df[df.metric == "jump_height_cm"].pivot(index="subject_id", columns="trial", values="value").to_numpy()
    assert (jump.n_subjects, jump.n_trials, jump.reason) == (12, 2, "")
    assert jump.icc_2_1 == pytest.approx(icc(x).set_index("form").loc["ICC(2,1)", "icc"])
    assert jump.typical_error == pytest.approx(typical_error(x).value)
    assert jump.mdc95 == pytest.approx(1.96 * np.sqrt(2) * jump["sem"])
    assert jump.swc == pytest.approx(0.2 * np.std(x[:, 0], ddof=1))
    assert jump.mean_change == pytest.approx(x[:, 1].mean() - x[:, 0].mean())
    force = table.loc["peak_force_n"]
    assert "fewer than 2 trials per subject" in force.reason
    assert np.isnan(force.icc_2_1)


def test_incomplete_subjects_are_dropped_and_counted():
    df = long_table()
    df = df[~((df.subject_id == "S03") & (df.trial == 2))]
    row = reliability_table(df, by=["metric"]).set_index("metric").loc["jump_height_cm"]
    assert (row.n_subjects, row.n_subjects_dropped) == (11, 1)
    assert "dropped" in row.reason


def test_table_errors_name_the_columns():
    with pytest.raises(AnalysisError, match="not in the table"):
        reliability_table(long_table(), subject="athlete")
    with pytest.raises(AnalysisError, match="add the column that tells them apart"):
        reliability_table(long_table())  # two metrics share subject x trial without by=["metric"]
