"""Effect sizes reproduce Lakens 2013's worked example (movie-violence ratings, Front Psychol 4:863, Table 1)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis.errors import AnalysisError
from analysis.stats import (
    cohens_dav,
    cohens_ds,
    cohens_dz,
    effect_size_table,
    hedges_correction,
    hedges_g,
    percent_change,
)

# Lakens 2013 Table 1: violence ratings of Movie 1 and Movie 2 by the same 10 people (means 8.7 and 7.7)
MOVIE_1 = np.array([9, 7, 8, 9, 8, 9, 9, 10, 9, 9], dtype=float)
MOVIE_2 = np.array([9, 6, 7, 8, 7, 9, 8, 8, 8, 7], dtype=float)


def test_independent_groups_match_lakens():
    # Lakens 2013: t(18) = 2.52, Cohen's d_s = 1.13, Hedges' g_s = 1.08
    d = cohens_ds(MOVIE_1, MOVIE_2)
    g = hedges_g(MOVIE_1, MOVIE_2)
    assert round(d.statistic, 2) == 2.52 and d.df == 18
    assert round(d.estimate, 2) == 1.13
    assert round(g.estimate, 2) == 1.08
    assert g.name == "Hedges' g_s" and "Hedges' J" in g.ci_method


def test_paired_design_matches_lakens():
    # Lakens 2013: t(9) = 4.74, Cohen's d_z = 1.50, Cohen's d_av = 1.13
    dz = cohens_dz(MOVIE_1, MOVIE_2)
    dav = cohens_dav(MOVIE_1, MOVIE_2)
    assert round(dz.statistic, 2) == 4.74 and dz.df == 9
    assert round(dz.estimate, 2) == 1.50
    assert round(dav.estimate, 2) == 1.13
    assert "Algina & Keselman" in dav.ci_method


def test_hedges_correction_matches_the_approximation_lakens_gives():
    # Lakens 2013 eq. 4: J ~ 1 - 3 / (4 (n1 + n2) - 9); the exact Gamma form agrees to < 0.001 at df = 18
    assert hedges_correction(18) == pytest.approx(1 - 3 / (4 * 20 - 9), abs=1e-3)


def test_noncentral_t_cis_solve_their_defining_equations():
    for effect, scale in ((cohens_dz(MOVIE_1, MOVIE_2), np.sqrt(10)), (cohens_ds(MOVIE_1, MOVIE_2), np.sqrt(5))):
        lam_low, lam_high = effect.ci_low * scale, effect.ci_high * scale
        assert stats.nct.sf(effect.statistic, effect.df, lam_low) == pytest.approx(0.025, abs=1e-8)
        assert stats.nct.cdf(effect.statistic, effect.df, lam_high) == pytest.approx(0.025, abs=1e-8)
        assert effect.ci_low < effect.estimate < effect.ci_high


def test_large_sample_ci_approaches_the_normal_approximation():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0.5, 1, 400), rng.normal(0.0, 1, 400)
    d = cohens_ds(a, b)
    se = np.sqrt(800 / (400 * 400) + d.estimate**2 / (2 * 800))  # Hedges & Olkin 1985 large-sample SE
    assert d.ci_low == pytest.approx(d.estimate - 1.96 * se, abs=0.01)
    assert d.ci_high == pytest.approx(d.estimate + 1.96 * se, abs=0.01)


def test_percent_change_is_back_transformed_from_the_log_ratio():
    pc = percent_change(MOVIE_2, MOVIE_1)
    log_ratio = np.log(MOVIE_1 / MOVIE_2)
    ci = stats.ttest_1samp(log_ratio, 0.0).confidence_interval(0.95)
    assert pc.estimate == pytest.approx(100 * np.expm1(log_ratio.mean()))
    assert (pc.ci_low, pc.ci_high) == pytest.approx((100 * np.expm1(ci.low), 100 * np.expm1(ci.high)))
    assert pc.estimate - pc.ci_low < pc.ci_high - pc.estimate  # asymmetric on the percent scale
    independent = percent_change(MOVIE_2, MOVIE_1, paired=False)
    welch_free = stats.ttest_ind(np.log(MOVIE_1), np.log(MOVIE_2)).confidence_interval(0.95)
    assert independent.ci_low == pytest.approx(100 * np.expm1(welch_free.low))
    with pytest.raises(AnalysisError, match="positive"):
        percent_change(MOVIE_2 - 8, MOVIE_1)


def test_table_and_errors():
    table = effect_size_table([cohens_dz(MOVIE_1, MOVIE_2), hedges_g(MOVIE_1, MOVIE_2)])
    assert list(table["name"]) == ["Cohen's d_z", "Hedges' g_s"]
    assert {"estimate", "ci_low", "ci_high", "ci_method"} <= set(table.columns)
    with pytest.raises(AnalysisError, match="equal-length"):
        cohens_dz(MOVIE_1, MOVIE_2[:5])
