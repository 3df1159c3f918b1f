"""Plot modules for notebooks 04 (kinematics, C2/C3/C9) and 05 (injury, C8): exact values of the small
computations they display, published numbers (docs/design/statistics.md §8.4, §9; injurytools vignette), and figures that
render with units on their axes."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis import injury  # noqa: E402
from analysis.errors import AnalysisError  # noqa: E402
from analysis.models import breakpoint_bootstrap, profile_hinge, rate_ratios  # noqa: E402
from analysis.plots import injury as injplots  # noqa: E402
from analysis.plots import kinematics as kinplots  # noqa: E402
from tests.tablesim import simulate_tables  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------------------------------- physics §9
def test_leg_inertia_matches_statistics_md_reference_body():
    # docs/design/statistics.md §9: extended-leg MOI about the hip (75 kg, 1.75 m) ≈ 2.66 kg·m²
    assert kinplots.leg_inertia_about_hip_kg_m2(75.0, 1.75) == pytest.approx(2.66, abs=0.01)


def test_ankle_load_physics_reproduces_the_published_table():
    t = kinplots.ankle_load_physics([2, 3, 5, 8, 10, 12])
    # docs/design/statistics.md §9 table (printed to whole %, two decimals for the mass ratio)
    assert t["load_kg"].tolist() == pytest.approx([1.5, 2.25, 3.75, 6.0, 7.5, 9.0])
    assert t["load_lb"].round(1).tolist() == [3.3, 5.0, 8.3, 13.2, 16.5, 19.8]
    assert t["moi_increase_pct"].tolist() == pytest.approx([42, 62, 104, 167, 208, 250], abs=1.0)
    assert t["shank_foot_mass_ratio"].round(2).tolist() == [1.33, 1.49, 1.82, 2.31, 2.64, 2.97]


def test_ankle_load_physics_is_exact_for_a_point_mass_and_size_free_in_percent():
    base = kinplots.leg_inertia_about_hip_kg_m2(80.0, 1.80)
    ankle_m = (0.245 + 0.246) * 1.80
    t = kinplots.ankle_load_physics([0, 5], body_mass_kg=80.0, height_m=1.80)
    assert t["leg_moi_kg_m2"].iloc[0] == pytest.approx(base, rel=1e-12)
    assert t["leg_moi_kg_m2"].iloc[1] == pytest.approx(base + 4.0 * ankle_m**2, rel=1e-12)
    other = kinplots.ankle_load_physics([5], body_mass_kg=55.0, height_m=1.60)
    assert other["moi_increase_pct"].iloc[0] == pytest.approx(t["moi_increase_pct"].iloc[1], rel=1e-12)
    with pytest.raises(AnalysisError):
        kinplots.leg_inertia_about_hip_kg_m2(0.0, 1.7)


# ------------------------------------------------------------------------------------------- hinge helpers
def test_hinge_fit_line_recovers_exact_hinge_with_subject_offsets():
    load = np.tile(np.arange(0.0, 17.0, 2.0), 3)
    subject = np.repeat(["a", "b", "c"], 9)
    offset = np.repeat([1.0, 5.0, -2.0], 9)
    y = offset + 0.05 * load + 0.4 * np.clip(load - 10.0, 0, None)
    line = kinplots.hinge_fit_line(pd.DataFrame({"value": y, "load_pct_bw": load, "subject_id": subject}), 10.0)
    assert line["slope"] == pytest.approx(0.05, abs=1e-10)
    assert line["hinge"] == pytest.approx(0.4, abs=1e-10)
    assert line["intercept"] == pytest.approx(offset.mean(), abs=1e-10)


def _fppa(truth="claims", n=24, seed=3):
    tables = simulate_tables(truth, n_subjects=n, seed=seed)
    return tables, kinplots.metric_rows(tables.kinematics, "peak_knee_fppa_deg")


def test_psi_by_mass_group_tertiles_cover_all_subjects():
    _, fppa = _fppa()
    groups = breakpoint_bootstrap.psi_by_mass_group(fppa, n_groups=3, n_boot=20, seed=1)
    assert len(groups) == 3 and groups["n_subjects"].sum() == 24
    assert groups["mass_mean_kg"].is_monotonic_increasing
    assert (groups["bootstrap_low"] <= groups["bootstrap_high"]).all()
    assert groups["mass_mean_lb"].to_numpy() == pytest.approx(groups["mass_mean_kg"].to_numpy() * 2.2046226218)
    with pytest.raises(AnalysisError):
        breakpoint_bootstrap.psi_by_mass_group(fppa[fppa["subject_id"].isin(["s000", "s001"])], n_groups=3)


def test_metric_rows_handles_missing_table_and_metric():
    assert kinplots.metric_rows(None, "peak_knee_fppa_deg").empty
    tables, _ = _fppa(n=6)
    assert kinplots.metric_rows(tables.kinematics, "no_such_metric").empty


# ------------------------------------------------------------------------------------------- kinematics figures
def test_kinematics_figures_render_with_units():
    tables, fppa = _fppa()
    prof = profile_hinge(fppa, "value", "load_pct_bw", "subject_id", n_boot=20, rng=np.random.default_rng(0))
    fig = kinplots.plot_fppa_dose_response(fppa, psi_hat=prof.estimate, psi_ci=prof.bootstrap_ci95)
    assert "%" in fig.axes[0].get_xlabel() and "°" in fig.axes[0].get_ylabel()
    assert "°" not in kinplots.plot_psi_profile(prof).axes[0].get_ylabel()
    groups = breakpoint_bootstrap.psi_by_mass_group(fppa, n_boot=10)
    assert len(kinplots.plot_fppa_by_mass_group(fppa, groups).axes) == 3
    fig = kinplots.plot_psi_vs_mass(groups, psi0=10.0, psi1=0.05, psi1_ci=(0.0, 0.1))
    assert "kg" in fig.axes[0].get_xlabel()
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(label.startswith("ψ₁ 95 % CI +0.000 to +0.100") for label in labels)
    open_end = kinplots.plot_psi_vs_mass(groups, psi0=10.0, psi1=0.05, psi1_ci=(-np.inf, 0.1))
    labels = open_end.axes[0].get_legend_handles_labels()[1]  # no band, and the legend says why
    assert "ψ₁ 95 % CI −∞ to +0.100: the data cannot bound ψ₁ (no band)" in labels
    fig = kinplots.plot_pre_post_by_group(
        tables.kinematics, "peak_knee_extension_velocity_deg_s", ylabel="peak knee-extension velocity (°/s)"
    )
    assert [ax.get_title().split(" ")[0] for ax in fig.axes] == ["ankle_weights", "control"]
    fig = kinplots.plot_ankle_load_physics(kinplots.ankle_load_physics([0, 2, 5, 8, 10]))
    assert "%" in fig.axes[0].get_ylabel()
    with pytest.raises(AnalysisError):
        kinplots.plot_fppa_dose_response(fppa.iloc[:0])


def test_pre_post_plot_means_are_the_subject_means():
    rows = pd.DataFrame(
        {
            "subject_id": ["a", "a", "a", "b", "b", "b"],
            "session": ["pre", "post", "post"] * 2,
            "metric": "m",
            "value": [1.0, 3.0, 5.0, 2.0, 2.0, 2.0],
            "group": "g",
            "load_kg": 0.0,
        }
    )
    fig = kinplots.plot_pre_post_by_group(rows, "m", ylabel="m (°)")
    # subject a: pre 1, post mean 4 -> change 3; subject b: change 0 -> mean change +1.5
    assert "mean change +1.5" in fig.axes[0].get_title()


# ------------------------------------------------------------------------------------------- injury
def test_resolve_summary_unit():
    hours = pd.DataFrame({"exposure_unit": ["hours", "minutes"]})
    minutes = pd.DataFrame({"exposure_unit": ["minutes", "Minutes "]})
    assert injplots.resolve_summary_unit(hours) == "hours"
    assert injplots.resolve_summary_unit(minutes) == "matches_minutes"
    assert injplots.resolve_summary_unit(minutes, "minutes") == "minutes"
    with pytest.raises(AnalysisError):
        injplots.resolve_summary_unit(pd.DataFrame({"x": [1]}))


def test_single_team_power_table_matches_statistics_md_8_4():
    # 1.2 knee injuries/1000 h, 260 h per athlete, NB alpha 0.5: closed-form power 0.08 / 0.18 / 0.55 / 0.84
    t = rate_ratios.single_team_power_table(1.2 / 1000, 260.0, [60, 250, 1000, 2000], dispersion=0.5, seed=0)
    assert t["power_at_claim"].round(2).tolist() == [0.08, 0.18, 0.55, 0.84]
    assert t["expected_cases_per_arm"].tolist() == pytest.approx([18.72, 78.0, 312.0, 624.0])
    # type M: significant estimates at 60/arm average IRR ≈ 2.15 (simulated in §8.4) vs true 1.19
    assert 1.9 < t["typical_significant_irr"].iloc[0] < 2.5
    assert t["type_m_log"].is_monotonic_decreasing and t["mde_irr_80"].is_monotonic_decreasing


def _two_group_tables(n_early, h_early, n_late, h_late):
    exposures = pd.DataFrame(
        {
            "athlete_id": ["e", "l"],
            "team": "t",
            "season": "s",
            "date_start": "2025-01-01",
            "date_end": "2025-06-30",
            "exposure_time": [h_early, h_late],
            "exposure_unit": "hours",
            "group": ["early", "late"],
        }
    )
    injuries = pd.DataFrame(
        {
            "athlete_id": ["e"] * n_early + ["l"] * n_late,
            "date_injured": "2025-03-01",
            "days_lost": 10,
            "body_region": "knee",
        }
    )
    return exposures, injuries


def test_group_rate_ratios_single_team_example_and_skipped_pairs():
    # docs/design/statistics.md §8.4: one team, 11 vs 9 injuries over 7,800 h each -> IRR 1.22, score CI [0.52, 2.87], p 0.66
    exposures, injuries = _two_group_tables(11, 7800.0, 9, 7800.0)
    r = rate_ratios.group_rate_ratios(exposures, injuries)
    assert r["comparison"].tolist() == ["early vs late"]
    assert r["irr"].iloc[0] == pytest.approx(11 / 9)
    assert (round(r["ci_low"].iloc[0], 2), round(r["ci_high"].iloc[0], 2)) == (0.52, 2.87)
    # score test with equal exposure: z = (11 - 20/2) / sqrt(20/4) -> p = 0.6547 (the "0.66" of §8.4, rounded up)
    from scipy import stats

    assert r["p_value"].iloc[0] == pytest.approx(2 * stats.norm.sf(1 / math.sqrt(5)), abs=1e-9)
    assert r.attrs["skipped"] == ["early vs never", "late vs never"]
    fig = injplots.plot_rate_ratios(r)
    assert "log" in fig.axes[0].get_xlabel()
    with pytest.raises(AnalysisError):
        rate_ratios.group_rate_ratios(exposures.drop(columns="group"), injuries)


@pytest.fixture(scope="module")
def liverpool():
    from analysis.io import read_injury_tables
    from analysis.paths import VENDORED_REAL_DIR

    raw = read_injury_tables(VENDORED_REAL_DIR / "injurytools_football")
    return injury.from_injurytools(raw["exposures"], raw["injuries"])


def test_injury_figures_on_liverpool_tables(liverpool):
    exposures, injuries = liverpool
    unit = injplots.resolve_summary_unit(exposures)
    assert unit == "matches_minutes"
    by_type = injury.rate_table(exposures, injuries, "injury_type", summary_unit=unit)
    fig = injplots.plot_rate_forest(by_type, "injury_type")
    assert fig.axes[0].get_xlabel() == "injuries per 100 player-matches (90 min)"
    assert len(fig.axes[0].get_yticklabels()) == 5
    prev = injury.season_prevalence(exposures, injuries)
    texts = [t.get_text() for t in injplots.plot_season_prevalence(prev).axes[0].texts]
    assert texts == ["16/23 (69.6 %)", "17/19 (89.5 %)"]  # injurytools vignette
    at = injury.athlete_table(exposures, injuries, summary_unit="minutes")
    km = injury.kaplan_meier(at)
    fig = injplots.plot_kaplan_meier(
        {"all": km["curve"]}, exposure_label="exposure (minutes)", follow_up={"all": float(at["time_first"].max())}
    )
    line = fig.axes[0].get_lines()[0]
    assert line.get_xdata()[-1] == pytest.approx(at["time_first"].max())
    assert line.get_ydata()[0] == 1.0
    ratio = injury.rate_ratio(
        exposures, injuries, by="season", group="2018/2019", reference="2017/2018", summary_unit=unit
    )
    frame = rate_ratios.rate_ratio_frame([ratio])
    # docs/design/statistics.md §7 (derived, Wald): IRR 2018/19 vs 2017/18 = 2.156 [1.354, 3.433]
    assert (
        round(frame["irr"].iloc[0], 3),
        round(frame["wald_low"].iloc[0], 3),
        round(frame["wald_high"].iloc[0], 3),
    ) == (2.156, 1.354, 3.433)
    injplots.plot_rate_ratios(frame, window=None, point=None)


def test_power_figure_and_bad_inputs():
    t = rate_ratios.single_team_power_table(1.2 / 1000, 260.0, [30, 60, 250], seed=1)
    fig = injplots.plot_power_by_team_size(t, observed_n_per_arm=30)
    assert fig.axes[0].get_ylim() == (0.0, 1.0)
    with pytest.raises(AnalysisError):
        rate_ratios.single_team_power_table(0.0, 260.0, [10])
    with pytest.raises(AnalysisError):
        injplots.plot_rate_forest(pd.DataFrame(), "injury_type")
    with pytest.raises(AnalysisError):
        injplots.plot_rate_forest(pd.DataFrame({"x": [1]}), "x", measure="prevalence")


# ------------------------------------------------------------------------------ injury tables for reading
def test_overall_rates_display_liverpool_units_in_names_and_injurytools_precision(liverpool):
    from analysis.plots.tables import html_table

    exposures, injuries = liverpool
    unit = injplots.resolve_summary_unit(exposures)
    label = injury.SUMMARY_UNITS[unit][2]
    inc = injury.incidence_rate(exposures, injuries, summary_unit=unit)
    bur = injury.burden_rate(exposures, injuries, summary_unit=unit)
    shown = injplots.overall_rates_display([inc, bur], label)
    row = shown.set_index("measure")
    rate = "rate per 100 player-matches (90 min)"
    # injurytools vignette: incidence 9.88 [7.74, 12.02], burden 246.9 [236.2, 257.6] per 100 player-matches
    assert row.loc["incidence (injuries)", rate] == "9.88"
    assert row.loc["incidence (injuries)", "95 % CI Wald (injurytools)"] == "7.74 to 12.02"
    assert row.loc["burden (days lost)", rate] == "246.9"
    assert row.loc["burden (days lost)", "95 % CI Wald (injurytools)"] == "236.2 to 257.6"
    assert "exposure (min)" in shown.columns and shown["athletes (n)"].tolist() == [28, 28]
    text = html_table(shown)
    assert "<th" in text and ">0<" not in text  # no index column


def test_rate_and_model_tables_name_units_and_terms(liverpool):
    exposures, injuries = liverpool
    t = injury.rate_table(exposures, injuries, "injury_type", summary_unit="matches_minutes")
    shown = injplots.rate_table_display(t, "injury_type", "per 100 player-matches (90 min)")
    assert list(shown.columns[:2]) == ["injury type", "injuries (n)"]
    assert "incidence per 100 player-matches (90 min)" in shown.columns
    assert shown.attrs["decimals"]["incidence per 100 player-matches (90 min)"] == 2
    assert shown["injuries (n)"].sum() == len(injuries)
    table = pd.DataFrame(
        {
            "coef": [-7.0, 0.758],
            "se": [0.3, 0.345],
            "irr": [0.001, 2.134],
            "irr_low": [0.0, 1.086],
            "irr_high": [0.002, 4.197],
            "p_value": [0.0, 0.028],
        },
        index=["Intercept", "C(group, Treatment('late'))[T.early]"],
    )
    terms = injplots.model_terms_display(table, "irr")
    assert terms.to_dict("records") == [
        {
            "term": "early vs late",
            "rate ratio (IRR)": 2.13,
            "95 % CI": "1.09 to 4.20",
            "log ratio (coef)": 0.758,
            "SE": 0.345,
            "p": 0.028,
        }
    ]


def test_km_medians_and_power_display_say_not_reached_and_percent():
    curve = pd.DataFrame({"time": [10.0], "survival": [0.9], "se": [0.1], "n_at_risk": [10], "n_events": [1]})
    shown = injplots.km_medians_display(
        {"early": {"curve": curve, "median": math.nan, "median_ci": (266.9, math.inf)}}, "hours"
    )
    assert shown.iloc[0]["median exposure to first injury (h)"] == "not reached (< 50 % injured)"
    assert shown.iloc[0]["95 % CI (h)"] == "267 to ∞"
    power = rate_ratios.single_team_power_table(1.2 / 1000, 260.0, [60, 2000], dispersion=0.5, seed=0)
    shown = injplots.single_team_power_display(power, cases="knee injuries")
    assert shown["power to detect IRR 1.19 (%)"].tolist() == [round(100 * p, 1) for p in power["power_at_claim"]]
    assert "expected knee injuries per arm" in shown.columns
