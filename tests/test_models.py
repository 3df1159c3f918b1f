"""Unit tests of analysis.models and analysis.power: exact expectations on small inputs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analysis.models as models
from analysis.errors import AnalysisError
from analysis.models import (
    fit_ancova,
    fit_mixedlm_robust,
    one_sample_t,
    pct_change,
    profile_hinge,
    profile_hinge_mass,
    t_estimate,
    two_group_t,
    two_stage_slopes,
)
from analysis.power import PartDesign, design_analysis, mde, n_needed


def test_t_estimate_exact():
    e = t_estimate("x", 1.0, 0.5, 10, "m")
    q = stats.t.ppf(0.975, 10)
    assert e.ci95 == pytest.approx((1 - q * 0.5, 1 + q * 0.5))
    assert e.ci90 == pytest.approx((1 - stats.t.ppf(0.95, 10) * 0.5, 1 + stats.t.ppf(0.95, 10) * 0.5))
    assert e.p_value == pytest.approx(2 * stats.t.sf(2.0, 10))
    assert pct_change(math.log(1.15)) == pytest.approx(15.0)
    assert e.natural()["estimate"] == pytest.approx(100 * (math.e - 1))


def test_one_and_two_sample_t_exact():
    e = one_sample_t([1.0, 2.0, 3.0])
    assert (e.estimate, e.se, e.df) == (2.0, pytest.approx(1 / math.sqrt(3)), 2.0)
    d = two_group_t([1.0, 3.0], [0.0, 0.0, 3.0])
    assert d.estimate == pytest.approx(1.0) and d.df == 3
    assert d.se == pytest.approx(math.sqrt(((2.0) + 6.0) / 3 * (1 / 2 + 1 / 3)))
    with pytest.raises(AnalysisError, match="at least 2"):
        one_sample_t([1.0])


def test_two_stage_slopes_within_strata_exact():
    # subject a: y = 2x; subject b: y = 3x + 1 in stratum p and 3x + 10 in stratum q (offset absorbed)
    d = pd.DataFrame(
        {"s": ["a"] * 3 + ["b"] * 6, "st": ["p"] * 3 + ["p"] * 3 + ["q"] * 3, "x": [0, 1, 2, 0, 1, 2, 0, 1, 2.0]}
    )
    d["y"] = np.where(d.s == "a", 2 * d.x, 3 * d.x + np.where(d.st == "p", 1, 10))
    slopes = two_stage_slopes(d, "y", "x", "s", ["st"])
    assert slopes.to_dict() == {"a": pytest.approx(2.0), "b": pytest.approx(3.0)}


def _emg(n=12, slope_sd=0.02, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n):
        u, b = rng.normal(0, 0.4), math.log(1.15) + rng.normal(0, slope_sd)
        for lb in (0.0, 3.0, 5.0):
            for _rep in range(4):
                rows.append((f"s{s}", lb / 4, math.log(20) + u + b * lb / 4 + rng.normal(0, 0.12)))
    return pd.DataFrame(rows, columns=["subject_id", "load_lb4", "y"])


def test_mixedlm_robust_matches_two_stage_on_balanced_data():
    d = _emg()
    fit = fit_mixedlm_robust("y ~ load_lb4", d, "subject_id", "~load_lb4")
    est = fit.estimate("load_lb4")
    ts = one_sample_t(two_stage_slopes(d, "y", "load_lb4", "subject_id"))
    assert est.estimate == pytest.approx(ts.estimate, abs=1e-6)  # balanced: identical (docs/design/statistics.md §4)
    assert est.df == 11
    diag = fit.diagnostics()
    assert diag["structure"] == "full" and diag["converged"] and diag["n_attempts"] == 4
    assert isinstance(diag["warnings"], list)
    with pytest.raises(AnalysisError, match="no term"):
        fit.estimate("load_lb")


def test_mixedlm_fallback_is_reported(monkeypatch):
    real = models._fit_once

    def failing_full(formula, data, groups, re_formula, vc_formula, reml, methods):
        if re_formula == "~load_lb4":
            raise np.linalg.LinAlgError("Singular matrix (injected)")
        return real(formula, data, groups, re_formula, vc_formula, reml, methods)

    monkeypatch.setattr(models.mixed, "_fit_once", failing_full)
    fit = fit_mixedlm_robust("y ~ load_lb4", _emg(), "subject_id", "~load_lb4", method_lists=[("lbfgs",)])
    assert fit.structure == "uncorrelated"
    assert fit.vc_formula == {"slope_load_lb4": "0 + load_lb4"}
    assert "fell back to uncorrelated" in fit.fallback_reason
    assert any("injected" in a.get("error", "") for a in fit.attempts)


def test_mixedlm_missing_group_column_is_named():
    with pytest.raises(AnalysisError, match="'athlete'"):
        fit_mixedlm_robust("y ~ load_lb4", _emg(), "athlete")


def _hinge_data(n=24, psi1=0.0, hinge=0.5, noise=0.3, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n):
        m = 55 + 40 * s / (n - 1)
        psi = 10 + psi1 * (m - 75)
        a = rng.normal(8, 5)
        for L in np.arange(0, 17, 1.0):
            rows.append((s, m, L, a + 0.05 * L + hinge * max(L - psi, 0) + rng.normal(0, noise)))
    return pd.DataFrame(rows, columns=["subject_id", "mass", "L", "y"])


def test_profile_hinge_recovers_breakpoint():
    p = profile_hinge(_hinge_data(), "y", "L", "subject_id", n_boot=100, rng=np.random.default_rng(1))
    assert p.estimate == pytest.approx(10.0, abs=0.5)
    assert p.profile_ci95[0] <= 10 <= p.profile_ci95[1]
    assert p.bootstrap_ci95[0] <= 10 <= p.bootstrap_ci95[1]
    assert p.bootstrap_ci95[1] - p.bootstrap_ci95[0] < 2.0


def test_profile_hinge_mass_recovers_slope():
    prof, psi0 = profile_hinge_mass(
        _hinge_data(psi1=0.066), "y", "L", "subject_id", "mass", n_boot=50, rng=np.random.default_rng(2)
    )
    assert prof.estimate == pytest.approx(0.066, abs=0.02)
    assert psi0 == pytest.approx(10.0, abs=0.5)
    assert prof.bootstrap_ci95[0] > 0


def test_ancova_recovers_log_effect():
    rng = np.random.default_rng(3)
    n = 200
    pre = np.exp(rng.normal(6, 0.2, n))
    treated = (np.arange(n) % 2).astype(float)
    post = pre * np.exp(0.1 * treated + rng.normal(0, 0.02, n))
    est, _ = fit_ancova(pd.DataFrame({"pre": pre, "post": post, "t": treated}), "post", "pre", "t", log=True, name="x")
    assert est.ci95[0] < 0.1 < est.ci95[1]
    assert est.ci95[1] - est.ci95[0] < 0.02


def test_mde_matches_noncentral_t_approximation():
    sd, n = 0.1, 20
    approx = (stats.t.ppf(0.975, n - 1) + stats.t.ppf(0.8, n - 1)) * sd / math.sqrt(n)
    assert mde(sd, n) == pytest.approx(approx, rel=0.02)
    assert mde(sd, 40, "two_group") == pytest.approx(mde(sd, 20) * math.sqrt(2), rel=0.05)


def test_design_analysis_closed_form_and_limits():
    lam = 1.0
    da = design_analysis(1.0, 1.0, rng=np.random.default_rng(0))
    z = stats.norm.ppf(0.975)
    power = stats.norm.sf(z - lam) + stats.norm.cdf(-z - lam)
    assert da["power"] == pytest.approx(power)
    assert da["type_s"] == pytest.approx(stats.norm.cdf(-z - lam) / power)
    assert da["type_m"] > 2  # low power exaggerates (Gelman & Carlin 2014)
    big = design_analysis(10.0, 1.0, rng=np.random.default_rng(0))
    assert big["type_s"] < 1e-10 and big["type_m"] == pytest.approx(1.0, abs=0.01)


def test_n_needed_finds_grid_point_meeting_both_targets():
    from analysis.claims import verdict_directional

    part = PartDesign("x", "one_sample", 0.1, 0.1, lambda e: verdict_directional(e, 0.02, +1))
    from analysis.claims import combine_iut

    n, curve = n_needed([part], combine_iut, reps=100, rng=np.random.default_rng(0))
    assert n is not None
    last = curve.iloc[-1]
    assert last["n"] == n and last["p_supported_if_true"] >= 0.8 and last["p_contradicted_if_null"] >= 0.8
    assert (curve.iloc[:-1][["p_supported_if_true", "p_contradicted_if_null"]].min(axis=1) < 0.8).all()
    noisy = PartDesign("x", "one_sample", 1.0, 0.1, lambda e: verdict_directional(e, 0.02, +1))
    n2, _ = n_needed([noisy], combine_iut, reps=50, n_grid=(8, 16), rng=np.random.default_rng(0))
    assert n2 is None


def test_profile_hinge_mass_interval_has_no_grid_artefacts_and_widens_its_range():
    """Issue 16: the psi1 grid holds exact multiples of its step (0, not 2.2e-16), the range widens past ±0.25 when
    the LR region reaches it, and the interval covers the truth."""
    prof, _ = profile_hinge_mass(_hinge_data(psi1=0.066), "y", "L", "subject_id", "mass")
    nonzero = np.abs(prof.grid[prof.grid != 0.0])
    assert 0.0 in set(prof.grid.tolist()) and nonzero.min() >= 0.005 - 1e-12
    assert prof.profile_ci95[0] <= 0.066 <= prof.profile_ci95[1]
    steep, _ = profile_hinge_mass(_hinge_data(psi1=0.3), "y", "L", "subject_id", "mass")
    assert steep.grid[-1] > 0.25 and steep.profile_ci95[0] <= 0.3 <= steep.profile_ci95[1]


def test_profile_hinge_mass_says_when_the_data_cannot_bound_psi1():
    prof, _ = profile_hinge_mass(_hinge_data(psi1=0.0, hinge=0.0), "y", "L", "subject_id", "mass")
    assert prof.at_grid_edge and "cannot bound" in prof.method
    assert not np.all(np.isfinite(prof.profile_ci95))


def test_order_statistic_quantiles_take_the_b_plus_one_rule():
    from analysis.models.hinge import _order_statistic_quantiles

    q = _order_statistic_quantiles(np.arange(1.0, 200.0)[::-1], (0.90, 0.95, 0.975))  # B = 199, shuffled order
    assert q == {0.90: 180.0, 0.95: 190.0, 0.975: 195.0}


def test_bootstrap_lr_equals_refitting_each_draw():
    """Issue 16: the bootstrap LR* formed from precomputed cross-products equals refitting the hinge profile on each
    simulated data set (y* = restricted fit + sigma * e)."""
    from analysis.models import hinge as H

    d = _hinge_data(n=10, psi1=0.066, noise=0.5, seed=4)
    L, mc, yv = d["L"].to_numpy(float), d["mass"].to_numpy(float) - 75.0, d["y"].to_numpy(float)
    codes, uniques = pd.factorize(d["subject_id"])
    n_sub = len(uniques)
    counts = np.bincount(codes).astype(float)
    ind = np.zeros((n_sub, len(codes)))
    ind[codes, np.arange(len(codes))] = 1.0
    P0, P1 = np.meshgrid(H._grid(0, 16, 0.5), H._grid(-0.2, 0.2, 0.01), indexing="ij")
    h = np.clip(L[:, None] - (P0.ravel()[None, :] + P1.ravel()[None, :] * mc[:, None]), 0.0, None)
    _, llf, *_ = H._profile_from_hinges(yv, L, h, d["subject_id"].to_numpy())
    yc, xc = H._centred(yv, ind, counts, codes), H._centred(L, ind, counts, codes)
    e = np.random.default_rng(0).standard_normal((len(yv), 4))
    boot = H._ParametricBootstrapLR(yv, L, h, codes, P1.ravel(), llf, e)
    llf = np.where(np.isfinite(llf), llf, -np.inf)
    for p in (0.07, -0.15):
        restricted = np.flatnonzero(P1.ravel() == p)
        g = restricted[np.argmax(llf[restricted])]
        X = np.column_stack([xc, H._centred(h[:, g], ind, counts, codes)])
        fit = X @ np.linalg.lstsq(X, yc, rcond=None)[0]
        sigma = np.sqrt(((yc - fit) ** 2).sum() / (len(yv) - n_sub - 3))
        expected = []
        for b in range(e.shape[1]):
            _, l2, *_ = H._profile_from_hinges(fit + sigma * e[:, b], L, h, d["subject_id"].to_numpy())
            l2 = np.where(np.isfinite(l2), l2, -np.inf)
            expected.append(2 * (l2.max() - l2[restricted].max()))
        # the (G, B) pass runs in float32 (hinge.py): LR* agrees to ~1e-5 on statistics whose cut-offs are ~5
        np.testing.assert_allclose(boot.lr_star(p), expected, rtol=1e-4, atol=2e-5)


def test_profile_hinge_mass_confidence_set_holds_the_estimate_and_its_hull_is_the_interval():
    prof, _ = profile_hinge_mass(_hinge_data(psi1=0.066), "y", "L", "subject_id", "mass", rng=np.random.default_rng(3))
    for level, segs in prof.confidence_sets.items():
        assert segs[0][0] == prof.intervals[level][0] and segs[-1][1] == prof.intervals[level][1]
        assert any(lo <= prof.estimate <= hi for lo, hi in segs)
        assert all(a[1] < b[0] for a, b in zip(segs, segs[1:]))  # disjoint, ordered
    lo90, hi90 = prof.intervals[0.90]
    lo975, hi975 = prof.intervals[0.975]
    assert lo975 <= lo90 and hi90 <= hi975  # nested: the cut-offs at one value share one bootstrap sample
    assert "parametric bootstrap" in prof.method
    with pytest.raises(ValueError, match="lr_reference"):
        profile_hinge_mass(_hinge_data(), "y", "L", "subject_id", "mass", lr_reference="chi2_3")


def test_verdict_region_contradicts_only_when_every_segment_of_the_set_misses():
    from analysis.claims.verdicts import verdict_mass_slope
    from analysis.models import Estimate

    est = Estimate("psi1", 0.2, math.nan, math.inf, (-0.3, 0.3), (-0.25, 0.25), math.nan, "x", "additive")
    straddles = [(-0.3, -0.1), (0.15, 0.3)]  # hull [-0.3, 0.3] holds [0.044, 0.088]; the set does not
    assert verdict_mass_slope(est, 0.066, 0.022, ci_contradict=(-0.3, 0.3), contradict_set=straddles)[0] == (
        "contradicted"
    )
    touches = [(-0.3, -0.1), (0.08, 0.3)]
    assert verdict_mass_slope(est, 0.066, 0.022, ci_contradict=(-0.3, 0.3), contradict_set=touches)[0] == (
        "inconclusive"
    )
    with pytest.raises(ValueError, match="contradict_set is empty"):
        verdict_mass_slope(est, 0.066, 0.022, ci_contradict=(-0.3, 0.3), contradict_set=[])


def test_profile_hinge_mass_names_missing_values_instead_of_a_numpy_error():
    d = _hinge_data()
    d.loc[5, "mass"] = np.nan
    with pytest.raises(AnalysisError, match=r"mass: 1 missing or non-numeric value\(s\) \(rows 5\)"):
        profile_hinge_mass(d, "y", "L", "subject_id", "mass")


def test_c9_is_not_testable_when_a_subject_has_no_body_mass():
    from analysis.claims import evaluate_claims
    from analysis.simulate.tables import simulate_claim_tables

    tables = simulate_claim_tables("claims", 0)
    subjects = tables.subjects.copy()
    subjects.loc[subjects.index[0], "body_mass_kg"] = np.nan
    kin = tables.kinematics.drop(columns="body_mass_kg")
    tables = type(tables)(**{**tables.__dict__, "subjects": subjects, "kinematics": kin})
    out = evaluate_claims(tables, only=["C3", "C9"], power=False, n_boot=0, estimator="two_stage")
    out = out.set_index("claim_id")
    assert out.loc["C9", "verdict"] == "not testable"
    assert f"missing for {subjects['subject_id'].iloc[0]}" in out.loc["C9", "notes"]
    assert out.loc["C3", "verdict"] in {"supported", "contradicted", "inconclusive"}  # one claim's gap spares the rest


def test_mass_groups_need_a_positive_number_of_groups():
    from analysis.models import psi_by_mass_group

    d = _hinge_data().rename(columns={"mass": "body_mass_kg", "y": "value", "L": "load_pct_bw"})
    with pytest.raises(AnalysisError, match="n_groups .* must be a whole number >= 1, got 0"):
        psi_by_mass_group(d, n_groups=0)
