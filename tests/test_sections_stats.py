"""Report sections of issue 17: where in the movement (SPM on the curves table), effect sizes and reliability.

Each section finds a planted effect where it was planted, agrees with the analysis.stats functions it wraps,
and on a study that lacks what it needs (no curves, no unloaded condition, one trial per condition, the real
recordings, no spm1d) says why it is skipped instead of failing.
"""

from __future__ import annotations

import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.sections import curves as curve_sections
from analysis.sections import effect_sizes as effect_sections
from analysis.sections import reliability as reliability_sections
from analysis.stats import cohens_dav, cohens_dz, percent_change, reliability_table

matplotlib.use("Agg")
try:  # spm1d is an optional GPL extra: only the SPM tests need it (the rest must run without it)
    import spm1d  # noqa: F401

    HAS_SPM1D = True
except ImportError:
    HAS_SPM1D = False
needs_spm1d = pytest.mark.skipif(not HAS_SPM1D, reason="spm1d (optional GPL extra: pip install anklelab[spm]) absent")

PCT = np.arange(101)
# nominal %BW levels of the simulated design (docs: 0, 4, 8, 12 %BW per ankle)
LEVELS_PCT_BW = (0.0, 4.0, 8.0, 12.0)


def planted_curves(n_subjects: int = 8, *, levels=LEVELS_PCT_BW, effect_per_pct_bw: float = 1.5, seed: int = 0):
    """An EMG curves table (CURVES contract) whose envelope rises with load only between 40 and 60 % of the
    cycle (a Gaussian bump centred on 50 %), plus a vertical-force curve without any load effect."""
    rng = np.random.default_rng(seed)
    bump = np.exp(-0.5 * ((PCT - 50) / 4.0) ** 2)
    rows = []
    for s in range(n_subjects):
        body_mass_kg = 60 + 3 * s
        base = 20 + 5 * rng.standard_normal() + 3 * np.sin(PCT / 101 * 2 * np.pi)
        for level in levels:
            load_kg = level / 100 * body_mass_kg
            keys = {
                "subject_id": f"S{s:02d}",
                "session": "acute",
                "trial_id": f"S{s:02d}-L{level:02.0f}",
                "exercise": "squat",
                "load_phase": "none" if level == 0 else "full_range",
                "load_kg": load_kg,
                "load_lb": load_kg / 0.45359237,
                "load_pct_bw": level,
                "body_mass_kg": body_mass_kg,
                "group": "acute",
            }
            noise = np.convolve(rng.standard_normal(101 + 20), np.ones(21) / 21, mode="valid")
            envelope = base + effect_per_pct_bw * level * bump + 1.0 * noise
            force = 1.0 + 0.3 * np.sin(PCT / 101 * np.pi) + 0.02 * noise
            for curve, channel, unit, basis, values in (
                ("emg_envelope", "gluteus_maximus", "%MVC", "cycle", envelope),
                ("vertical_force", "fz", "BW", "trial", force),
            ):
                rows.append(
                    pd.DataFrame(
                        {
                            **keys,
                            "curve": curve,
                            "channel": channel,
                            "unit": unit,
                            "basis": basis,
                            "n_cycles": 1,
                            "pct": PCT,
                            "value": values,
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def curves() -> pd.DataFrame:
    return planted_curves()


@needs_spm1d
def test_paired_regression_and_anova_find_the_planted_bump_and_nothing_else(curves):
    tests = curve_sections.curve_tests(curves, curve="emg_envelope")
    assert set(tests.results) == {"paired", "regression", "anova_rm"}
    clusters = tests.clusters
    for design in ("paired", "regression", "anova_rm"):
        found = clusters[(clusters["design"] == design) & clusters["start_pct"].notna()]
        assert len(found) >= 1, design
        assert (found["start_pct"] >= 35).all() and (found["end_pct"] <= 65).all(), found
        assert (found["p"] < 0.05).all()
    paired = clusters[clusters["design"] == "paired"].dropna(subset=["start_pct"])
    assert (paired["sign"] == 1).all()  # loaded > unloaded
    assert tests.unit == "%MVC"
    shown = curve_sections.cluster_display_table(clusters)
    assert shown["direction"].isin(["loaded > unloaded", "rises with load", "differs between levels"]).all()
    text = curve_sections.where_text(clusters, "paired", "gluteus_maximus")
    assert text.startswith("gluteus maximus — squat: ") and "loaded > unloaded" in text


@needs_spm1d
def test_figure_legends_name_load_levels_not_internal_columns(curves):
    tests = curve_sections.curve_tests(curves, curve="emg_envelope", designs=("regression", "anova_rm"))
    for result in [*tests.results["regression"], *tests.results["anova_rm"]]:
        assert list(result.groups) == ["unloaded", "4 %BW", "8 %BW", "12 %BW"]


@needs_spm1d
def test_emg_section_shows_table_figures_and_writes_the_csv(curves, tmp_path):
    section = curve_sections.emg_where_in_movement(
        curves, exercises=["squat"], figure_muscles=["gluteus_maximus"], out_dir=tmp_path
    )
    figures = [p for p in section.parts if not isinstance(p, str)]
    assert len(figures) == 3  # one per design
    saved = pd.read_csv(tmp_path / "spm_emg_clusters.csv")
    assert {"design", "channel", "threshold", "start_pct", "end_pct", "p", "alpha"} <= set(saved.columns)
    assert section["skipped"].empty
    note = curve_sections.c1_where(section["tests"], muscles=["gluteus_maximus"], exercises=["squat"])
    assert "C1, where in the movement" in note.text() and "loaded &gt; unloaded" in note.text()


@needs_spm1d
def test_nonparametric_option_runs_permutations(curves):
    options = curve_sections.SpmOptions(nonparametric=True, iterations=200)
    tests = curve_sections.curve_tests(curves, curve="emg_envelope", designs=("paired",), options=options)
    result = tests.results["paired"][0]
    assert result.nonparametric and result.iterations == 200
    shown = curve_sections.cluster_display_table(tests.clusters)
    assert shown["test"].str.startswith("paired SnPM{t}").all()


@needs_spm1d
def test_too_few_permutations_for_alpha_is_a_reason_not_an_error():
    four = planted_curves(n_subjects=4)  # 2**4 = 16 sign flips: the smallest permutation p is 1/16 > 0.05
    options = curve_sections.SpmOptions(nonparametric=True, iterations=200)
    tests = curve_sections.curve_tests(four, curve="emg_envelope", designs=("paired",), options=options)
    assert "must be greater than or equal to (1/nPermTotal)" in tests.skipped["reason"].iloc[0]


@needs_spm1d
def test_force_without_an_unloaded_condition_says_why_each_design_is_skipped(curves):
    loaded_only = curves[curves["load_phase"] != "none"]
    section = curve_sections.force_where_in_movement(loaded_only[loaded_only["load_pct_bw"] == 4.0])
    reasons = section["skipped"].set_index("design")["reason"]
    assert "no unloaded vertical_force curves" in reasons["paired"]
    assert "one load level only" in reasons["regression"]
    assert "RM ANOVA is run where there are ≥ 3" in reasons["anova_rm"]
    assert "No SPM could be run" in section.text()


@needs_spm1d
def test_two_load_levels_skip_the_anova_but_run_the_paired_test():
    two = planted_curves(levels=(0.0, 8.0))
    tests = curve_sections.curve_tests(two, curve="emg_envelope")
    assert set(tests.results) == {"paired", "regression"}
    assert tests.skipped["design"].tolist() == ["anova_rm"]


@needs_spm1d
def test_too_few_subjects_is_a_reason_not_an_error():
    section = curve_sections.emg_where_in_movement(planted_curves(n_subjects=2), exercises=["squat"], figure_muscles=[])
    assert section["clusters"].empty
    assert section["skipped"]["reason"].str.contains("at least 3 subjects").all()


@pytest.mark.parametrize("table", [pd.DataFrame(), planted_curves().iloc[0:0]], ids=["no columns", "no rows"])
def test_a_study_without_curves_skips_every_section(table):
    emg = curve_sections.emg_where_in_movement(table, exercises=["squat"], figure_muscles=["gluteus_maximus"])
    assert "no emg_envelope curves" in emg["skipped"]["reason"].iloc[0]
    force = curve_sections.force_where_in_movement(table)
    assert force["clusters"].empty and len(force["skipped"]) == 1
    assert "no squat vertical-force curves" in curve_sections.c6_where_in_movement(table).text()
    assert "no envelope of a C5 protocol trial" in curve_sections.c5_where_in_movement(table, None).text()
    assert "C1, where in the movement" in curve_sections.c1_where(emg["tests"], muscles=["x"], exercises=[]).text()


def test_without_spm1d_the_sections_say_how_to_install_it(curves, monkeypatch):
    monkeypatch.setitem(sys.modules, "spm1d", None)  # `import spm1d` raises ImportError
    section = curve_sections.emg_where_in_movement(curves, exercises=["squat"], figure_muscles=[])
    assert "pip install anklelab[spm]" in " ".join(section["skipped"]["reason"])


@needs_spm1d
def test_c6_compares_mid_range_with_full_range_at_4_to_6_lb(curves):
    squat = curves[(curves["curve"] == "vertical_force") & (curves["load_pct_bw"] == 0)].copy()
    full = squat.assign(load_phase="full_range", load_lb=5.0, trial_id=squat["trial_id"] + "-full")
    mid = squat.assign(load_phase="mid_range", load_lb=5.0, trial_id=squat["trial_id"] + "-mid")
    bump = np.exp(-0.5 * ((mid["pct"].to_numpy() - 70) / 5.0) ** 2)
    noise = np.random.default_rng(3).normal(0, 0.01, len(mid))
    mid["value"] = mid["value"] + 0.2 * bump + noise
    section = curve_sections.c6_where_in_movement(pd.concat([full, mid]))
    found = section["clusters"].dropna(subset=["start_pct"])
    assert len(found) >= 1 and (found["start_pct"] >= 55).all() and (found["end_pct"] <= 85).all()
    assert (found["sign"] == 1).all() and "mid-range &gt; full-range" in section.text()


@needs_spm1d
def test_curves_spm1d_cannot_test_are_a_reason_not_an_error(curves):
    squat = curves[(curves["curve"] == "vertical_force") & (curves["load_pct_bw"] == 0)]
    full = squat.assign(load_phase="full_range", load_lb=5.0, trial_id=squat["trial_id"] + "-full")
    mid = full.assign(load_phase="mid_range", trial_id=squat["trial_id"] + "-mid")  # identical: zero variance
    section = curve_sections.c6_where_in_movement(pd.concat([full, mid]))
    assert "spm1d cannot test these curves (Zero variance" in section["skipped"]["reason"].iloc[0]


@needs_spm1d
def test_c5_uses_the_claims_protocol_definitions(curves):
    envelope = curves[(curves["curve"] == "emg_envelope") & curves["load_pct_bw"].isin([4.0, 12.0])]
    emg_rows = envelope.drop_duplicates("trial_id")[["subject_id", "trial_id", "exercise", "load_phase"]]
    emg_rows = emg_rows.merge(envelope.drop_duplicates("trial_id")[["trial_id", "load_pct_bw"]], on="trial_id")
    emg_rows = emg_rows.assign(
        muscle="gluteus_maximus",
        phase="movement",
        duration_s=np.where(emg_rows["load_pct_bw"] == 4.0, 20.0, 3.0),  # sustained low / brief high
        mean_pct_mvc=30.0,
    )
    protocols = curve_sections.c5_trial_protocols(emg_rows)
    assert set(protocols) == {"sustained_low", "brief_high"}
    section = curve_sections.c5_where_in_movement(curves, emg_rows, muscles=["gluteus_maximus"])
    found = section["clusters"].dropna(subset=["start_pct"])
    assert len(found) >= 1 and (found["sign"] == 1).all()  # 12 %BW (brief high) > 4 %BW (sustained low)


# ---- effect sizes ---------------------------------------------------------------------------------------


def per_trial_rows(n_subjects: int = 8, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        base = 20 + 4 * rng.standard_normal()
        for phase, factor in (("none", 1.0), ("full_range", 1.25)):
            for r in range(2):  # two trials per condition, averaged within subject by the section
                rows.append(
                    {
                        "subject_id": f"S{s}",
                        "session": "acute",
                        "trial_id": f"S{s}-{phase}-r{r + 1}",
                        "exercise": "squat",
                        "load_phase": phase,
                        "load_lb": 0.0 if phase == "none" else 5.0,
                        "load_pct_bw": 0.0 if phase == "none" else 4.0,
                        "metric": "peak_force_bw",
                        "value": base * factor * np.exp(0.05 * rng.standard_normal()),
                    }
                )
    return pd.DataFrame(rows)


def test_paired_effects_equal_the_stats_functions_on_subject_means():
    rows = per_trial_rows()
    table = effect_sections.paired_effects(rows, value="value", by=["exercise", "metric"])
    means = rows.groupby(["subject_id", "load_phase"])["value"].mean().unstack()
    before, after = means["none"].to_numpy(), means["full_range"].to_numpy()
    row = table.iloc[0]
    assert row["n_pairs"] == 8 and row["reason"] == ""
    dz, dav, pct = cohens_dz(after, before), cohens_dav(after, before), percent_change(before, after)
    assert (row["d_z"], row["d_z_ci_low"], row["d_z_ci_high"]) == pytest.approx((dz.estimate, dz.ci_low, dz.ci_high))
    assert (row["d_av"], row["d_av_ci_low"]) == pytest.approx((dav.estimate, dav.ci_low))
    assert (row["pct_change"], row["pct_change_ci_high"]) == pytest.approx((pct.estimate, pct.ci_high))
    assert 15 < row["pct_change"] < 35


def test_effect_sizes_say_why_with_too_few_pairs_or_no_condition():
    rows = per_trial_rows(n_subjects=2)
    table = effect_sections.paired_effects(rows, value="value", by=["exercise", "metric"])
    assert table["reason"].iloc[0].startswith("2 subject(s) with both none and full_range")
    only_loaded = per_trial_rows()
    only_loaded = only_loaded[only_loaded["load_phase"] == "full_range"]
    section = effect_sections.force_load_effects(only_loaded, metrics=["peak_force_bw"])
    assert "No force-plate metric was measured under both conditions" in section.text()
    assert "No force-plate metrics" in effect_sections.force_load_effects(None, metrics=["x"]).text()
    assert "No EMG features" in effect_sections.emg_load_effects(None, exercises=["squat"]).text()


def test_large_paired_effects_keep_finite_intervals():
    # t ~ 20 with 4 pairs: scipy's nct.cdf returned NaN inside the CI search (fixed in stats.effect_sizes)
    before = np.array([1.0, 1.1, 0.9, 1.05])
    after = before * 1.28 + np.array([0.001, -0.002, 0.0015, 0.0])
    effect = cohens_dz(after, before)
    assert np.isfinite([effect.ci_low, effect.ci_high]).all() and effect.ci_low < effect.estimate < effect.ci_high


def training_rows(n_per_group: int = 6, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for group, gain in (("control", 1.0), ("full_range", 1.2), ("mid_range", 1.3)):
        for s in range(n_per_group):
            base = 8000 * np.exp(0.2 * rng.standard_normal())
            for session, factor in (("pre", 1.0), ("post", gain)):
                for r in range(2):
                    rows.append(
                        {
                            "subject_id": f"{group}-{s}",
                            "group": group,
                            "session": session,
                            "trial_id": f"{group}-{s}-{session}-r{r}",
                            "exercise": "sj",
                            "load_phase": "none",
                            "load_kg": 0.0,
                            "load_lb": 0.0,
                            "load_pct_bw": 0.0,
                            "metric": "rfd_0_100ms_n_per_s",
                            "value": base * factor * np.exp(0.05 * rng.standard_normal()),
                        }
                    )
    return pd.DataFrame(rows)


def test_training_effects_are_hedges_g_of_the_log_change():
    from analysis.stats import hedges_g

    rows = training_rows()
    table = effect_sections.training_effects(rows).set_index("comparison")
    assert list(table.index) == ["all trained groups vs control", "full_range vs control", "mid_range vs control"]
    per = rows.assign(log=np.log(rows["value"])).groupby(["group", "subject_id", "session"])["log"].mean()
    change = (per.xs("post", level="session") - per.xs("pre", level="session")).groupby("group")
    g = hedges_g(change.get_group("mid_range").to_numpy(), change.get_group("control").to_numpy())
    row = table.loc["mid_range vs control"]
    assert (row["hedges_g"], row["hedges_g_ci_low"], row["hedges_g_ci_high"]) == pytest.approx(
        (g.estimate, g.ci_low, g.ci_high)
    )
    assert 15 < row["pct_difference"] < 45 and row["pct_difference_ci_low"] < row["pct_difference"]
    assert effect_sections.training_effects(rows[rows["group"] != "control"]).empty  # no control: no comparison


def test_force_effects_section_shows_loaded_and_c6_comparisons(tmp_path):
    rows = per_trial_rows()
    c6 = rows.assign(load_phase=rows["load_phase"].map({"none": "full_range", "full_range": "mid_range"}), load_lb=5.0)
    both = pd.concat([rows.assign(group="acute"), c6.assign(group="acute"), training_rows()])
    section = effect_sections.force_load_effects(both, metrics=["peak_force_bw"], out_dir=tmp_path)
    assert "loaded vs unloaded" in section.text() and "mid-range vs full-range (4–6 lb)" in section.text()
    assert "trained vs control, pre to post" in section.text() and "Hedges' g_s" in section.text()
    assert (tmp_path / "force_training_effect_sizes.csv").exists()
    saved = pd.read_csv(tmp_path / "force_effect_sizes.csv")
    assert set(saved["comparison"]) == {"loaded vs unloaded", "mid-range vs full-range (4–6 lb)"}


# ---- reliability ----------------------------------------------------------------------------------------


def test_trial_reliability_equals_reliability_table_on_the_numbered_trials():
    rows = per_trial_rows()
    table = reliability_sections.trial_reliability(rows)
    assert len(table) == 2  # unloaded and loaded condition
    loaded = rows[rows["load_phase"] == "full_range"].assign(trial=lambda d: d["trial_id"].str[-1].astype(int))
    direct = reliability_table(loaded, trial="trial").iloc[0]
    ours = table[table["load_phase"] == "full_range"].iloc[0]
    for column in ("icc_3_1", "icc_2_1_ci_low", "typical_error", "cv_pct", "sem", "mdc95", "swc"):
        assert ours[column] == pytest.approx(direct[column]), column
    shown = reliability_sections.reliability_display_table(table)
    assert {"ICC(3,1) consistency [95 % CI]", "ICC(2,1) agreement [95 % CI]", "MDC95", "SWC"} <= set(shown.columns)
    assert shown["repeats"].eq(2).all()
    assert set(shown["condition"]) == {"unloaded", "4 %BW, full range"}


def test_one_trial_per_condition_skips_reliability_with_the_reason():
    rows = per_trial_rows()
    single = rows[rows["trial_id"].str.endswith("r1")]
    assert reliability_sections.trial_reliability(single).empty
    section = reliability_sections.force_reliability(single.assign(metric="jump_height_impulse_m"))
    assert "Reliability skipped: no jump metric was repeated" in section.text()
    assert "no force-plate metrics" in reliability_sections.force_reliability(None).text()
    assert "no EMG features" in reliability_sections.emg_reliability(pd.DataFrame()).text()


def test_between_session_reliability_uses_the_control_group_only():
    rows = training_rows()
    table = reliability_sections.session_reliability(rows)
    assert len(table) == 1 and table["session"].iloc[0] == "pre → post"
    assert table["n_subjects"].iloc[0] == 6  # the 12 trained subjects changed with training: not reliability
    control = rows[rows["group"] == "control"]
    means = control.groupby(["subject_id", "session"])["value"].mean().unstack()[["pre", "post"]]
    direct = reliability_table(means.stack().rename("value").reset_index(), trial="session")
    assert table["icc_3_1"].iloc[0] == pytest.approx(direct["icc_3_1"].iloc[0])
    assert reliability_sections.session_reliability(rows[rows["group"] != "control"]).empty
    section = reliability_sections.force_reliability(rows.assign(metric="jump_height_impulse_m"))
    assert "Between sessions" in section.text() and len(section["between_sessions"]) == 1


def test_emg_reliability_per_muscle_amplitude(tmp_path):
    rows = per_trial_rows().rename(columns={"value": "mean_pct_mvc"}).drop(columns="metric")
    emg = rows.assign(muscle="soleus", phase="movement", peak_pct_mvc=rows["mean_pct_mvc"] * 2)
    section = reliability_sections.emg_reliability(emg, out_dir=tmp_path)
    table = section["reliability"]
    assert set(table["metric"]) == {"soleus mean_pct_mvc", "soleus peak_pct_mvc"}
    assert (tmp_path / "emg_reliability.csv").exists()


# ---- the real recordings: no repeated trials, no unloaded condition, no %MVC ----------------------------


@pytest.fixture(scope="module")
def real_features(tmp_path_factory):
    from analysis.features import extract_features
    from analysis.study import load_study

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANKLELAB_CACHE", str(tmp_path_factory.mktemp("cache")))
        study = load_study(paths.PROJECT_ROOT / "data" / "real_recordings")
        yield extract_features(study, scheduler="serial", progress=False, cache=False, write=False)


@needs_spm1d
def test_every_section_runs_on_the_real_recordings(real_features):
    curves = real_features.curves
    sections = [
        curve_sections.emg_where_in_movement(curves, exercises=["walk"], figure_muscles=["rectus_femoris"]),
        curve_sections.force_where_in_movement(curves),
        curve_sections.c5_where_in_movement(curves, real_features.emg),
        curve_sections.c6_where_in_movement(curves),
        effect_sections.emg_load_effects(real_features.emg, exercises=["walk"]),
        effect_sections.force_load_effects(real_features.force, metrics=["peak_force_n"]),
        reliability_sections.force_reliability(real_features.force),
        reliability_sections.emg_reliability(real_features.emg),
    ]
    for section in sections:
        assert section.text().strip()  # says something: a result or why it is skipped
    for where in sections[:4]:
        assert where["clusters"].empty and len(where["skipped"]) >= 1


def test_power_summary_shows_the_claims_table_n_needed_and_names_a_bad_grid():
    """Report 06's summary carries the claims table's n needed (what the index shows) beside the simulated one, and
    a bad n_grid parameter is an AnalysisError naming it (was a bare int() ValueError)."""
    from analysis.claims import evaluate_claims
    from analysis.errors import AnalysisError
    from analysis.plots.format import format_n_needed
    from analysis.sections.power import parse_n_grid, power_and_design
    from analysis.simulate.tables import simulate_claim_tables

    assert parse_n_grid("16, 8,16") == [8, 16]
    with pytest.raises(AnalysisError, match="n_grid: 'a' is not a whole number"):
        parse_n_grid("8,a")
    tables = simulate_claim_tables("claims", 0)
    claims = evaluate_claims(tables, only=None, power=False, n_boot=0, estimator="two_stage")
    claims.loc[claims["claim_id"] == "C4", "n_needed"] = 192.0  # as a power run would store it
    _, summary = power_and_design(tables, claims, grid=[8, 16], reps=2, n_boot=0, seed=0)
    table = summary["summary"].set_index("claim")
    assert table.loc["C4", "n needed (claims table)"] == format_n_needed(192.0) == "192 subjects"
    assert list(table.index) == [f"C{i}" for i in range(1, 10)]
