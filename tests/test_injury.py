"""Injury epidemiology (analysis/injury/): injurytools vignette numbers, exact Poisson CI, models; C8
(analysis.claims.estimate_c8, built on analysis.injury)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import injury
from analysis.claims import estimate_c8
from analysis.errors import AnalysisError

pyreadr = pytest.importorskip("pyreadr")


# ------------------------------------------------------------------------- injurytools Liverpool data


def _liverpool_folder():
    from analysis.paths import VENDORED_REAL_DIR

    return VENDORED_REAL_DIR / "injurytools_football"


@pytest.fixture(scope="module")
def liverpool():
    from analysis.io import read_injury_tables

    tables = read_injury_tables(_liverpool_folder())
    return injury.from_injurytools(tables["exposures"], tables["injuries"])


def test_adapter_accepts_plain_pyreadr_tables(liverpool):
    folder = _liverpool_folder()
    raw_exp = pyreadr.read_r(str(folder / "raw_df_exposures.rda"))["raw_df_exposures"]
    raw_inj = pyreadr.read_r(str(folder / "raw_df_injuries.rda"))["raw_df_injuries"]  # dates as datetime.date
    exposures, injuries = injury.from_injurytools(raw_exp, raw_inj)
    pd.testing.assert_frame_equal(exposures, liverpool[0])
    pd.testing.assert_frame_equal(injuries, liverpool[1])
    assert list(exposures.columns[:7]) == [
        "athlete_id",
        "team",
        "season",
        "date_start",
        "date_end",
        "exposure_time",
        "exposure_unit",
    ]
    row = exposures.iloc[0]
    assert (row["athlete_id"], row["season"], row["exposure_time"]) == ("adam-lallana", "2017/2018", 236.0)
    assert (row["date_start"], row["date_end"]) == (pd.Timestamp("2017-07-01"), pd.Timestamp("2018-06-30"))
    assert injuries["notes"].iloc[0] == "Hamstring Injury" and injuries["days_lost"].iloc[0] == 117


def test_liverpool_totals_and_overall_rates(liverpool):
    exposures, injuries = liverpool
    inc = injury.incidence_rate(exposures, injuries, summary_unit="matches_minutes")
    bur = injury.burden_rate(exposures, injuries, summary_unit="matches_minutes", n_boot=0)
    assert inc.n_injuries == 82 and inc.days_lost == 2049 and inc.exposure == 74690
    assert inc.exposure_unit == "minutes" and inc.scale == 9000
    # vignette "Estimate epidemiological measures": 9.88 [7.74, 12.02], 246.9 [236.2, 257.6]
    assert round(inc.estimate, 2) == 9.88
    assert tuple(round(v, 2) for v in inc.ci_wald) == (7.74, 12.02)
    assert round(bur.estimate, 1) == 246.9
    assert tuple(round(v, 1) for v in bur.ci_wald) == (236.2, 257.6)
    # exact CI is asymmetric and wider than Wald on the upper side
    assert inc.ci_exact[0] > inc.ci_wald[0] and inc.ci_exact[1] > inc.ci_wald[1]
    # per 1000 h: same data, 82 / (74690/60) * 1000
    per_1000h = injury.incidence_rate(exposures, injuries, summary_unit="minutes")
    assert per_1000h.estimate == pytest.approx(82 / 74690 * 60_000)
    assert per_1000h.unit == "injuries per 1000 h"


def test_liverpool_cluster_bootstrap_is_much_wider_for_burden(liverpool):
    exposures, injuries = liverpool
    bur = injury.burden_rate(exposures, injuries, summary_unit="matches_minutes", n_boot=2000, seed=1)
    low, high = bur.ci_bootstrap
    wald_width = bur.ci_wald[1] - bur.ci_wald[0]
    # docs/design/statistics.md §6: player-cluster bootstrap ~[142, 403], about 12x the Wald width
    assert 120 < low < 165 and 360 < high < 450
    assert (high - low) > 10 * wald_width
    again = injury.burden_rate(exposures, injuries, summary_unit="matches_minutes", n_boot=2000, seed=1)
    assert again.ci_bootstrap == bur.ci_bootstrap  # explicit seed -> reproducible


def test_liverpool_by_injury_type(liverpool):
    exposures, injuries = liverpool
    table = injury.rate_table(exposures, injuries, "injury_type", summary_unit="matches_minutes")
    table = table.set_index("injury_type")
    expected = {  # injuries / days lost / incidence / burden (vignette)
        "Muscle": (25, 735, 3.01, 88.57),
        "Ligament": (9, 596, 1.08, 71.82),
        "Unknown": (21, 332, 2.53, 40.01),
        "Concussion": (16, 213, 1.93, 25.67),
        "Bone": (11, 173, 1.33, 20.85),
    }
    assert set(table.index) == set(expected)
    for kind, (n, days, inc, bur) in expected.items():
        row = table.loc[kind]
        assert (row["n_injuries"], row["days_lost"]) == (n, days)
        assert round(row["incidence"], 2) == inc and round(row["burden"], 2) == bur
        assert row["exposure"] == 74690  # injury-side split: total exposure in every row
    assert table["pct_injuries"].sum() == pytest.approx(100.0)


def test_liverpool_season_prevalence(liverpool):
    exposures, injuries = liverpool
    prev = injury.season_prevalence(exposures, injuries).set_index("season")
    assert (prev.loc["2017/2018", "n_injured"], prev.loc["2017/2018", "n_athletes"]) == (16, 23)
    assert (prev.loc["2018/2019", "n_injured"], prev.loc["2018/2019", "n_athletes"]) == (17, 19)
    assert round(prev.loc["2017/2018", "pct_injured"], 1) == 69.6
    assert round(prev.loc["2018/2019", "pct_injured"], 1) == 89.5
    with_ongoing = injury.season_prevalence(exposures, injuries, include_ongoing=True).set_index("season")
    assert (with_ongoing["n_injured"] >= prev["n_injured"]).all()


def test_liverpool_poisson_burden_model_2017(liverpool):
    exposures, injuries = liverpool
    table = injury.athlete_table(exposures, injuries, by=("athlete_id", "season"), summary_unit="minutes")
    table = table[(table["season"] == "2017/2018") & (table["position"] != "Goalkeeper")]
    assert len(table) == 21
    fit = injury.fit_rate_model(table, "days_lost ~ position", family="poisson")
    coef = fit.table["coef"]
    assert coef["Intercept"] == pytest.approx(-3.81936, abs=5e-6)
    assert coef["position[T.Defender]"] == pytest.approx(-0.03227, abs=5e-6)
    assert coef["position[T.Midfield]"] == pytest.approx(1.01561, abs=5e-6)
    assert round(fit.aic, 2) == 2417.26
    assert round(fit.null_deviance, 1) == 2622.1 and round(fit.deviance, 1) == 2327.1
    assert round(fit.pearson_dispersion) == 232
    assert np.exp(coef["Intercept"]) * 9000 == pytest.approx(197.48, abs=0.01)
    # the automatic choice sees the overdispersion and moves to NB2 with alpha estimated
    auto = injury.fit_rate_model(table, "days_lost ~ position")
    assert auto.model == "nb2" and auto.alpha_nb2 > 1 and "232" in auto.reason


def test_liverpool_rate_ratio_between_seasons(liverpool):
    exposures, injuries = liverpool
    rr = injury.rate_ratio(exposures, injuries, by="season", group="2018/2019", reference="2017/2018")
    assert (rr.count, rr.count_reference) == (56, 26)
    # docs/design/statistics.md §7 (derived, Wald): 2.156 [1.354, 3.433]
    assert round(rr.estimate, 3) == 2.156
    assert tuple(round(v, 3) for v in rr.ci_wald) == (1.354, 3.433)
    assert rr.ci_score[0] > 1 and rr.p_value < 0.01


def test_liverpool_survival_tables(liverpool):
    exposures, injuries = liverpool
    table = injury.athlete_table(exposures, injuries, summary_unit="minutes")
    assert len(table) == 28 and table["n_injuries"].sum() == 82
    assert (table["time_first"] <= table["exposure"] + 1e-9).all()
    injured = table["status_first"] == 1
    assert injured.sum() == table["n_injuries"].gt(0).sum()
    cox = injury.fit_cox_first_injury(table, "C(position)")
    assert list(cox.index) == ["C(position)[T.Defender]", "C(position)[T.Goalkeeper]", "C(position)[T.Midfield]"]
    assert cox.attrs["events"] == int(injured.sum())
    km = injury.kaplan_meier(table)
    low, high = km["median_ci"]
    assert low <= km["median"] <= high
    assert km["curve"]["survival"].is_monotonic_decreasing


# --------------------------------------------------------------------------- small exact cases


def _table(rows_exp, rows_inj):
    exp = pd.DataFrame(
        rows_exp,
        columns=["athlete_id", "team", "season", "date_start", "date_end", "exposure_time", "exposure_unit", "group"],
    )
    inj = pd.DataFrame(
        rows_inj,
        columns=[
            "athlete_id",
            "date_injured",
            "date_recovered",
            "days_lost",
            "body_region",
            "tissue_type",
            "injury_type",
            "notes",
        ],
    )
    return exp, inj


def test_three_injuries_in_2000_hours_wald_vs_exact():
    exp, inj = _table(
        [
            ("a", "t", "s", "2024-01-01", "2024-06-30", 1000.0, "hours", "x"),
            ("b", "t", "s", "2024-01-01", "2024-06-30", 1000.0, "hours", "x"),
        ],
        [
            ("a", "2024-02-01", "2024-02-11", None, "knee", "muscle", "strain", ""),
            ("a", "2024-03-01", "2024-03-05", None, "knee", "muscle", "strain", ""),
            ("b", "2024-04-01", "2024-04-02", 1, "ankle", "ligament", "sprain", ""),
        ],
    )
    inc = injury.incidence_rate(exp, inj)
    assert inc.estimate == pytest.approx(1.5)
    assert tuple(round(v, 2) for v in inc.ci_wald) == (-0.20, 3.20)  # docs/design/statistics.md §6
    assert tuple(round(v, 2) for v in inc.ci_exact) == (0.31, 4.38)
    bur = injury.burden_rate(exp, inj, n_boot=0)
    assert bur.days_lost == 15  # 10 + 4 from the dates, 1 given
    assert bur.estimate == pytest.approx(7.5)


def test_zero_exposure_athlete_dropped_with_warning():
    exp, inj = _table(
        [
            ("a", "t", "s", "2024-01-01", "2024-06-30", 600.0, "minutes", "x"),
            ("z", "t", "s", "2024-01-01", "2024-06-30", 0.0, "minutes", "x"),
        ],
        [
            ("a", "2024-02-01", None, 3, "knee", None, None, None),
            ("z", "2024-02-01", None, 5, "knee", None, None, None),
        ],
    )
    with pytest.warns(injury.ZeroExposureWarning, match="1 athlete"):
        inc = injury.incidence_rate(exp, inj)
    assert (inc.n_injuries, inc.n_athletes, inc.exposure) == (1, 1, 10.0)
    assert inc.estimate == pytest.approx(100.0)  # 1 injury in 10 h


def test_bad_input_names_the_problem():
    exp, inj = _table([("a", "t", "s", "2024-01-01", "2024-06-30", 10.0, "seconds", "x")], [])
    with pytest.raises(AnalysisError, match=r"row 1: exposure_unit 'seconds'"):
        injury.incidence_rate(exp, inj)
    exp, inj = _table(
        [("a", "t", "s", "2024-01-01", "2024-06-30", 10.0, "hours", "x")],
        [("ghost", "2024-02-01", None, 1, "knee", None, None, None)],
    )
    with pytest.raises(AnalysisError, match="ghost"):
        injury.incidence_rate(exp, inj)
    with pytest.raises(AnalysisError, match="exposure_time"):
        injury.incidence_rate(exp.drop(columns="exposure_time"), inj)


@settings(max_examples=25, deadline=None)
@given(
    hours=st.lists(st.floats(0.5, 500.0), min_size=1, max_size=6),
    counts=st.lists(st.integers(0, 4), min_size=6, max_size=6),
)
def test_rate_does_not_depend_on_exposure_unit(hours, counts):
    ids = [f"p{i}" for i in range(len(hours))]
    rows = [(i, "t", "s", "2024-01-01", "2024-06-30", h, "hours", "x") for i, h in zip(ids, hours)]
    rows_min = [(i, "t", "s", "2024-01-01", "2024-06-30", 60.0 * h, "minutes", "x") for i, h in zip(ids, hours)]
    inj_rows = [(i, "2024-03-01", None, 2, "knee", None, None, None) for i, c in zip(ids, counts) for _ in range(c)]
    exp_h, inj = _table(rows, inj_rows)
    exp_m, _ = _table(rows_min, inj_rows)
    a = injury.incidence_rate(exp_h, inj)
    b = injury.incidence_rate(exp_m, inj)
    assert a.estimate == pytest.approx(b.estimate)
    assert a.ci_exact == pytest.approx(b.ci_exact)
    assert a.estimate == pytest.approx(1000 * sum(counts[: len(hours)]) / sum(hours))
    assert a.ci_exact[0] <= a.estimate <= a.ci_exact[1]


# ------------------------------------------------------------------------------------- power (§8.4)


def test_power_matches_design_table():
    # 1.2 knee injuries/1000 h, 260 h per athlete, IRR 1.19: 1,530 (Poisson), 1,790 (NB 0.5), 2,049 (NB 1.0)
    assert injury.athletes_needed_per_arm(1.2e-3, 260, dispersion=0.0) == 1530
    assert injury.athletes_needed_per_arm(1.2e-3, 260, dispersion=0.5) == 1790
    assert injury.athletes_needed_per_arm(1.2e-3, 260, dispersion=1.0) == 2049
    window_n = injury.athletes_needed_per_arm(1.2e-3, 260, dispersion=0.5, window=(1.10, 1.30))
    assert window_n > 4 * 1790  # conclusive about a 20-point window costs far more than "!= 1"
    mde = injury.minimum_detectable_irr(1.2e-3, 260, 1790, 1790, dispersion=0.5)
    assert mde == pytest.approx(1.19, abs=0.002)
    assert injury.minimum_detectable_irr(1.2e-3, 260, 60, 60, dispersion=0.5) > 2


def test_one_team_score_interval_from_design():
    exp, inj = _table(
        [
            ("e", "t", "s", "2024-01-01", "2024-06-30", 7800.0, "hours", "early"),
            ("l", "t", "s", "2024-01-01", "2024-06-30", 7800.0, "hours", "late"),
        ],
        [("e", "2024-02-01", None, 1, "knee", None, None, None)] * 11
        + [("l", "2024-02-01", None, 1, "knee", None, None, None)] * 9,
    )
    rr = injury.rate_ratio(exp, inj, by="group", group="early", reference="late")
    assert round(rr.estimate, 2) == 1.22
    assert tuple(round(v, 2) for v in rr.ci_score) == (0.52, 2.87)
    # score test with equal exposures: z = (11 - 9) / sqrt(20) (the design's "p = 0.66" rounds 0.655 upwards;
    # statsmodels' "sqrt" method gives 0.660)
    from scipy import stats

    assert rr.p_value == pytest.approx(2 * stats.norm.sf(2 / np.sqrt(20)), rel=1e-9)


# ------------------------------------------------------------------------------------------- C8


def simulate_cohort(
    rng, *, n_teams=1, per_arm_per_team=100, irr=2.0, rate_per_h=4e-3, hours=260.0, frailty_var=0.3, before_after=False
):
    """Athletes in teams x arms; knee cases ~ Poisson(rate * hours * irr^early * gamma frailty) + ankle noise."""
    exp_rows, inj_rows = [], []
    for team in range(n_teams):
        for arm in ("early", "late"):
            start = pd.Timestamp("2024-01-01") if not (before_after and arm == "early") else pd.Timestamp("2025-01-01")
            for k in range(per_arm_per_team):
                athlete = f"t{team}-{arm}-{k}"
                h = hours * rng.uniform(0.7, 1.3)
                frailty = rng.gamma(1 / frailty_var, frailty_var) if frailty_var > 0 else 1.0
                mu = rate_per_h * h * (irr if arm == "early" else 1.0) * frailty
                exp_rows.append(
                    (athlete, f"team{team}", str(start.year), start, start + pd.Timedelta(days=180), h, "hours", arm)
                )
                for _ in range(rng.poisson(mu)):
                    day = start + pd.Timedelta(days=int(rng.integers(0, 181)))
                    inj_rows.append((athlete, day, day + pd.Timedelta(days=14), None, "knee", "muscle", "strain", ""))
                for _ in range(rng.poisson(rate_per_h * h)):  # not knee: must not count
                    day = start + pd.Timedelta(days=int(rng.integers(0, 181)))
                    inj_rows.append((athlete, day, day + pd.Timedelta(days=7), None, "ankle", "ligament", "sprain", ""))
    return _table(exp_rows, inj_rows)


C8_KEYS = {
    "estimate",
    "ci95_low",
    "ci95_high",
    "ci90_low",
    "ci90_high",
    "unit",
    "n_subjects",
    "n_observations",
    "model",
    "notes",
    "design_identifies_effect",
    "mde",
    "n_needed",
}


def test_c8_recovers_known_irr_in_most_seeds():
    covered, estimates = 0, []
    for seed in range(20):
        exp, inj = simulate_cohort(np.random.default_rng(seed), n_teams=2, per_arm_per_team=60, irr=2.0)
        out = estimate_c8(exp, inj)
        assert C8_KEYS <= set(out)
        assert out["ci95_low"] <= out["ci90_low"] <= out["estimate"] <= out["ci90_high"] <= out["ci95_high"]
        covered += out["ci95_low"] <= 2.0 <= out["ci95_high"]
        estimates.append(out["estimate"])
    assert covered >= 17  # nominal 95 %: 17+/20 has probability ~0.98
    assert np.exp(np.mean(np.log(estimates))) == pytest.approx(2.0, rel=0.1)


def test_c8_counts_only_knee_cases_in_window_and_flags_single_team():
    exp, inj = simulate_cohort(np.random.default_rng(3), n_teams=1, per_arm_per_team=40, irr=1.5)
    out = estimate_c8(exp, inj)
    knee = inj[inj["body_region"] == "knee"]
    assert out["n_observations"] == len(knee)
    assert out["n_subjects"] == 80 and out["unit"] == "rate ratio"
    assert out["design_identifies_effect"] is False and "single team" in out["notes"]
    assert out["model"].startswith(("poisson", "nb2"))
    # injuries after the six-month window do not count
    late = knee.iloc[:5].assign(date_injured=pd.Timestamp("2024-09-15"), date_recovered=pd.NaT)
    out_late = estimate_c8(exp, pd.concat([inj, late], ignore_index=True))
    assert out_late["n_observations"] == len(knee)
    # same data in minutes: same answer
    minutes = exp.assign(exposure_time=exp["exposure_time"] * 60, exposure_unit="minutes")
    assert estimate_c8(minutes, inj)["estimate"] == pytest.approx(out["estimate"])


def test_c8_before_after_and_multi_team_designs():
    exp, inj = simulate_cohort(np.random.default_rng(5), n_teams=2, per_arm_per_team=30, before_after=True)
    out = estimate_c8(exp, inj)
    assert out["design_identifies_effect"] is False and "before/after" in out["notes"]
    exp, inj = simulate_cohort(np.random.default_rng(5), n_teams=4, per_arm_per_team=30)
    out = estimate_c8(exp, inj)
    assert out["design_identifies_effect"] is True
    # issue 16: athlete-level Poisson with team strata and an athlete-level sandwich (a 4-team GEE covered 89 %)
    assert out["model"].startswith("poisson_robust") and "team strata (4)" in out["model"]
    assert out["n_teams"] == 4


def test_c8_power_fields_follow_exposure():
    exp, inj = simulate_cohort(
        np.random.default_rng(7), n_teams=2, per_arm_per_team=60, irr=1.19, rate_per_h=1.2e-3, frailty_var=0.0
    )
    out = estimate_c8(exp, inj)
    assert out["mde"] > 1.19  # 60 per arm cannot detect the claimed effect
    assert out["n_needed"] > 500  # design table: ~1,500 per arm
    assert out["n_needed_window"] > out["n_needed"]


def test_c8_missing_inputs_raise_analysis_error():
    exp, inj = simulate_cohort(np.random.default_rng(0), per_arm_per_team=10)
    with pytest.raises(AnalysisError, match="'late'"):
        estimate_c8(exp[exp["group"] == "early"], inj)
    with pytest.raises(AnalysisError, match="'group' column"):
        estimate_c8(exp.drop(columns="group"), inj)
    with pytest.raises(AnalysisError, match="injuries.csv"):
        estimate_c8(exp, None)
    with pytest.raises(AnalysisError, match="exposures.csv"):
        estimate_c8(exp.iloc[0:0], inj)
    with pytest.raises(AnalysisError, match="body_region"):
        estimate_c8(exp, inj.drop(columns="body_region"))
    with pytest.raises(AnalysisError, match="no knee injuries"):
        estimate_c8(exp, inj[inj["body_region"] != "knee"])


def test_exposure_side_table_splits_both_and_outside_injuries_warn():
    exp, inj = _table(
        [
            ("a", "t", "2024", "2024-01-01", "2024-06-30", 100.0, "hours", "early"),
            ("a", "t", "2025", "2025-01-01", "2025-06-30", 300.0, "hours", "early"),
            ("b", "t", "2024", "2024-01-01", "2024-06-30", 200.0, "hours", "late"),
        ],
        [
            ("a", "2024-02-01", None, 2, "knee", None, None, None),
            ("a", "2025-02-01", None, 4, "knee", None, None, None),
            ("b", "2024-03-01", None, 8, "knee", None, None, None),
            ("b", "2024-12-01", None, 16, "knee", None, None, None),
        ],
    )  # between periods
    inj["season"] = "typed by hand"  # an injury column named like an exposure column must not win
    with pytest.warns(UserWarning, match="1 injury"):
        located = injury.attach_exposure_period(exp, inj)
    assert list(located["season"].astype(object).fillna("none")) == ["2024", "2025", "2024", "none"]
    assert (located["season_injury"] == "typed by hand").all()
    with pytest.warns(UserWarning, match="outside"):
        table = injury.rate_table(exp, inj, "season").set_index("season")
    assert table.loc["2024", "exposure"] == 300 and table.loc["2024", "n_injuries"] == 2
    assert table.loc["2024", "days_lost"] == 10 and table.loc["2025", "incidence"] == pytest.approx(1000 / 300)
    with pytest.warns(UserWarning, match="outside"):
        by_group = injury.rate_table(exp, inj, "group").set_index("group")
    assert by_group.loc["early", "exposure"] == 400 and by_group.loc["early", "n_injuries"] == 2


def test_injury_package_does_not_depend_on_claims():
    """Layering: analysis.claims builds on analysis.injury (C8), never the reverse (no import cycle)."""
    import subprocess
    import sys

    code = "import sys, analysis.injury; print(any(m.startswith('analysis.claims') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
