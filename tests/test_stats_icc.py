"""ICC forms and their CIs reproduce Shrout & Fleiss 1979's worked example (6 targets x 4 judges)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import AnalysisError
from analysis.stats import anova_mean_squares, icc

# Shrout & Fleiss 1979, Psychol Bull 86(2):420-428, worked example: ratings of 6 targets (rows) by 4 judges (columns)
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float
)
# the six ICCs they report for the example (Tables 2-4 of the paper; two decimals as published)
PUBLISHED_ICC = {
    "ICC(1,1)": 0.17,
    "ICC(2,1)": 0.29,
    "ICC(3,1)": 0.71,
    "ICC(1,k)": 0.44,
    "ICC(2,k)": 0.62,
    "ICC(3,k)": 0.91,
}
# 95 % CIs that pingouin 0.7.0 `intraclass_corr` prints for the same data (it rounds them to 2 decimals);
# pingouin implements McGraw & Wong 1996 Table 7 like R psych::ICC. Obtained by running pingouin outside the
# project environment (it is not a project dependency).
PINGOUIN_CI95 = {
    "ICC(1,1)": (-0.13, 0.72),
    "ICC(2,1)": (0.02, 0.76),
    "ICC(3,1)": (0.34, 0.95),
    "ICC(1,k)": (-0.88, 0.91),
    "ICC(2,k)": (0.07, 0.93),
    "ICC(3,k)": (0.68, 0.99),
}


def test_anova_mean_squares_match_shrout_fleiss_example():
    ms = anova_mean_squares(SHROUT_FLEISS)
    # published: BMS 11.24, WMS 6.26, JMS 32.49, EMS 1.02
    assert (round(ms.msr, 2), round(ms.msw, 2), round(ms.msc, 2), round(ms.mse, 2)) == (11.24, 6.26, 32.49, 1.02)


def test_six_icc_forms_match_shrout_fleiss():
    table = icc(SHROUT_FLEISS).set_index("form")
    for form, published in PUBLISHED_ICC.items():
        assert round(table.loc[form, "icc"], 2) == published, form


def test_icc_cis_match_pingouin():
    table = icc(SHROUT_FLEISS).set_index("form")
    for form, (low, high) in PINGOUIN_CI95.items():
        assert round(table.loc[form, "ci_low"], 2) == low, form
        assert round(table.loc[form, "ci_high"], 2) == high, form
        assert table.loc[form, "ci_level"] == pytest.approx(0.95)


def test_mcgraw_wong_names_and_f_tests():
    table = icc(SHROUT_FLEISS).set_index("form")
    assert table.loc["ICC(2,1)", "mcgraw_wong"] == "ICC(A,1)"
    assert table.loc["ICC(3,k)", "mcgraw_wong"] == "ICC(C,k)"
    assert table.loc["ICC(1,1)", "model"] == "one-way random"
    # F = BMS/WMS for the one-way forms, BMS/EMS for the two-way forms (pingouin: 1.79 and 11.03)
    assert table.loc["ICC(1,1)", "f"] == pytest.approx(1.7946784922, abs=1e-8)
    assert table.loc["ICC(3,1)", "f"] == pytest.approx(11.0272479564, abs=1e-8)
    assert (table.loc["ICC(1,1)", "df2"], table.loc["ICC(2,1)", "df2"]) == (18, 15)


def test_a_90_percent_ci_is_inside_the_95_percent_ci():
    ci95 = icc(SHROUT_FLEISS, alpha=0.05)
    ci90 = icc(SHROUT_FLEISS, alpha=0.10)
    assert (ci90["ci_low"] > ci95["ci_low"]).all() and (ci90["ci_high"] < ci95["ci_high"]).all()
    assert np.allclose(ci90["icc"], ci95["icc"])


def test_perfect_agreement_gives_one_and_bad_input_is_a_clear_error():
    x = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]) + np.array([[0.0, 1e-9], [0.0, 0.0], [0.0, 0.0]])
    assert icc(x)["icc"].to_numpy() == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(AnalysisError, match="at least 2 subjects and 2 trials"):
        icc(np.ones((5, 1)))
    with pytest.raises(AnalysisError, match="missing"):
        icc(np.array([[1.0, np.nan], [2.0, 3.0]]))
