"""SPM wrappers on the curves table reproduce spm1d's own examples (spm1d 0.4.55, examples/stats1d and
examples/nonparam/1d) on the data sets that ship with spm1d, and fail clearly without spm1d."""

from __future__ import annotations

import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.stats import (
    SpmUnavailableError,
    spm_anova_rm,
    spm_by_channel,
    spm_cluster_table,
    spm_paired,
    spm_regression,
)

matplotlib.use("Agg")
spm1d = pytest.importorskip("spm1d")

SELECTION = {"exercise": "walk", "curve": "emg_envelope", "channel": "soleus", "unit": "%MVC", "basis": "cycle"}


def curves_table(y: np.ndarray, **keys) -> pd.DataFrame:
    """The curves-table layout (CURVES contract) of a J x Q matrix: one row per curve x point."""
    j, q = y.shape
    columns = {k: np.repeat(np.asarray(v), q) for k, v in keys.items()}
    return pd.DataFrame({**columns, **SELECTION, "pct": np.tile(np.arange(q), j), "value": y.ravel()})


def plantar_arch() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    ya, yb = spm1d.data.uv1d.t2.PlantarArchAngle().get_data()
    j = len(ya)
    table = pd.concat(
        [
            curves_table(ya, subject_id=np.arange(j), load_phase=["full_range"] * j),
            curves_table(yb, subject_id=np.arange(j), load_phase=["none"] * j),
        ]
    )
    return ya, yb, table


def assert_same_inference(ours, theirs) -> None:
    assert np.allclose(ours.z, np.asarray(theirs.z).ravel())
    assert ours.threshold == pytest.approx(theirs.zstar)
    assert ours.h0reject == theirs.h0reject
    assert len(ours.clusters) == len(theirs.clusters)
    for row, cluster in zip(ours.clusters.itertuples(), theirs.clusters):
        assert (row.start_pct, row.end_pct) == pytest.approx(tuple(cluster.endpoints))
        assert row.p == pytest.approx(cluster.P, abs=1e-12)


def test_paired_t_matches_spm1d_example():
    ya, yb, table = plantar_arch()
    ours = spm_paired(table, curve="emg_envelope", channel="soleus", two_tailed=False)
    theirs = spm1d.stats.ttest_paired(ya, yb).inference(0.05, two_tailed=False, interp=True)
    assert_same_inference(ours, theirs)
    # the output spm1d's ex_ttest_paired.py prints: t* = 3.406, one cluster 94.457-100 %, p = 0.035
    assert ours.threshold == pytest.approx(3.40590, abs=1e-5)
    assert ours.clusters[["start_pct", "end_pct"]].iloc[0].tolist() == pytest.approx([94.457, 100.0], abs=1e-3)
    assert ours.clusters["p"].iloc[0] == pytest.approx(0.035, abs=5e-4)
    assert ours.df == (1.0, 9.0) and ours.n_subjects == 10 and ours.statistic == "t"
    assert set(ours.groups) == {"none", "loaded"}


def test_trials_are_averaged_within_subject_before_the_test():
    ya, yb, table = plantar_arch()
    doubled = pd.concat([table.assign(trial_id=1), table.assign(trial_id=2, value=table["value"] + 0.0)])
    assert np.allclose(
        spm_paired(doubled, curve="emg_envelope", channel="soleus").z,
        spm_paired(table, curve="emg_envelope", channel="soleus").z,
    )


def test_nonparametric_paired_matches_spm1d_example():
    ya, yb, table = plantar_arch()
    ours = spm_paired(table, curve="emg_envelope", channel="soleus", two_tailed=False, nonparametric=True)
    np.random.seed(0)
    theirs = spm1d.stats.nonparam.ttest_paired(ya, yb).inference(0.05, two_tailed=False, iterations=-1)
    assert_same_inference(ours, theirs)
    # spm1d's nonparam ex_ttest_paired.py: all 1024 sign flips, t* = 3.016, cluster p = 0.00879
    assert ours.iterations == 1024 and ours.nonparametric
    assert ours.threshold == pytest.approx(3.01620, abs=1e-5)
    assert ours.clusters["p"].iloc[0] == pytest.approx(0.00879, abs=1e-5)


def test_pooled_regression_matches_spm1d_example():
    y, x = spm1d.data.uv1d.regress.SpeedGRF().get_data()
    table = curves_table(y, subject_id=np.arange(len(x)), load_pct_bw=x)
    ours = spm_regression(table, curve="emg_envelope", channel="soleus", model="pooled", two_tailed=False)
    theirs = spm1d.stats.regress(y, x).inference(0.05, two_tailed=False, interp=True)
    assert_same_inference(ours, theirs)
    # spm1d ex_regression.py: t* = 3.135, clusters 0.637-29.357, 67.478-89.305, 93.959-99.417 %
    assert ours.threshold == pytest.approx(3.13458, abs=1e-5)
    expected = [[0.637, 29.357], [67.478, 89.305], [93.959, 99.417]]
    assert ours.clusters[["start_pct", "end_pct"]].to_numpy() == pytest.approx(np.array(expected), abs=1e-3)


def speed_grf_rm() -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    y, a, subj = spm1d.data.uv1d.anova1rm.SpeedGRFcategoricalRM().get_data()
    return y, a, subj, curves_table(y, subject_id=subj, load_kg=a.astype(float), load_pct_bw=a * 2.5)


def test_rm_anova_matches_spm1d_example():
    y, a, subj, table = speed_grf_rm()
    ours = spm_anova_rm(table, curve="emg_envelope", channel="soleus")
    with pytest.warns(UserWarning, match="one observation per subject"):
        theirs = spm1d.stats.anova1rm(y, a, subj, equal_var=True).inference(0.05)
    assert_same_inference(ours, theirs)
    # spm1d ex_anova1rm.py: F* = 10.412, four clusters
    assert ours.threshold == pytest.approx(10.41185, abs=1e-5)
    assert ours.clusters["start_pct"].tolist() == pytest.approx([0.453, 36.217, 77.874, 93.487], abs=1e-3)
    assert ours.statistic == "F" and ours.df == (2.0, 18.0)
    assert any("one observation per subject" in n for n in ours.notes)  # spm1d's warning is kept, not printed


def test_nonparametric_rm_anova_matches_spm1d_example_or_says_why_it_cannot():
    y, a, subj, table = speed_grf_rm()
    np.random.seed(0)
    try:
        theirs = spm1d.stats.nonparam.anova1rm(y, a, subj).inference(0.05, iterations=500)
    except (TypeError, AttributeError):
        # spm1d 0.4.55's legacy permutation ANOVA uses np.percentile(interpolation=) / np.trapz (gone in NumPy 2)
        with pytest.raises(AnalysisError, match="permutation RM ANOVA .* does not run with NumPy"):
            spm_anova_rm(table, curve="emg_envelope", channel="soleus", nonparametric=True, iterations=500)
        return
    ours = spm_anova_rm(table, curve="emg_envelope", channel="soleus", nonparametric=True, iterations=500)
    assert_same_inference(ours, theirs)
    assert ours.iterations == 500


def test_nonparametric_regression_matches_spm1d():
    y, x = spm1d.data.uv1d.regress.SpeedGRF().get_data()
    table = curves_table(y, subject_id=np.arange(len(x)), load_pct_bw=x)
    ours = spm_regression(
        table, curve="emg_envelope", channel="soleus", model="pooled", nonparametric=True, iterations=1000
    )
    np.random.seed(0)
    theirs = spm1d.stats.nonparam.regress(y, x).inference(0.05, two_tailed=True, iterations=1000)
    assert_same_inference(ours, theirs)
    assert ours.iterations == 1000


def test_subject_slope_regression_is_a_one_sample_t_on_per_subject_slopes():
    y, a, subj, table = speed_grf_rm()
    x = a * 2.5
    slopes = np.array([np.polyfit(x[subj == s], y[subj == s], 1)[0] for s in np.unique(subj)])
    theirs = spm1d.stats.ttest(slopes, 0.0).inference(0.05, two_tailed=True, interp=True)
    ours = spm_regression(table, curve="emg_envelope", channel="soleus")
    assert_same_inference(ours, theirs)
    assert ours.n_subjects == 10 and set(ours.groups) == {"load_kg=0", "load_kg=1", "load_kg=2"}


def test_cluster_table_is_tidy():
    _, _, table = plantar_arch()
    results = [
        spm_paired(table, curve="emg_envelope", channel="soleus", two_tailed=False),
        spm_paired(table, curve="emg_envelope", channel="soleus", two_tailed=True, alpha=0.001),
    ]
    out = spm_cluster_table(results)
    assert len(out) == 2  # one cluster, then one "no cluster" row
    assert {"channel", "alpha", "threshold", "two_tailed", "start_pct", "end_pct", "p"} <= set(out.columns)
    assert np.isnan(out["start_pct"].iloc[1]) and not out["h0reject"].iloc[1]


def test_unusable_input_is_an_analysis_error():
    _, _, table = plantar_arch()
    few = table[table["subject_id"] < 2]
    with pytest.raises(AnalysisError, match="at least 3 subjects"):
        spm_paired(few, curve="emg_envelope", channel="soleus")
    mixed = pd.concat([table, table.assign(unit="mV")])
    with pytest.raises(AnalysisError, match="pass unit="):
        spm_paired(mixed, curve="emg_envelope", channel="soleus")
    assert spm_paired(mixed, curve="emg_envelope", channel="soleus", unit="mV").n_subjects == 10
    with pytest.raises(AnalysisError, match="no curves match"):
        spm_paired(table, curve="vertical_force", channel="fz")


def test_by_channel_runs_every_muscle_and_says_why_one_is_skipped():
    _, _, table = plantar_arch()
    few = table[table["subject_id"] < 2].assign(channel="tibialis_anterior")
    results, skipped = spm_by_channel(pd.concat([table, few]), "paired", curve="emg_envelope", two_tailed=False)
    assert [r.selection["channel"] for r in results] == ["soleus"]
    assert skipped["channel"].tolist() == ["tibialis_anterior"]
    assert "at least 3 subjects" in skipped["reason"].iloc[0]
    results, skipped = spm_by_channel(table, "anova_rm", curve="vertical_force")
    assert results == [] and "no vertical_force curves" in skipped["reason"].iloc[0]


def test_missing_spm1d_says_how_to_install_it(monkeypatch):
    _, _, table = plantar_arch()
    monkeypatch.setitem(sys.modules, "spm1d", None)  # makes `import spm1d` raise ImportError
    with pytest.raises(SpmUnavailableError, match=r"pip install anklelab\[spm\]"):
        spm_paired(table, curve="emg_envelope", channel="soleus")


def test_figure_draws_curves_threshold_and_clusters():
    from analysis.plots.spm import spm_figure, spm_grid_figure

    _, _, table = plantar_arch()
    result = spm_paired(table, curve="emg_envelope", channel="soleus", two_tailed=True)
    fig = spm_figure(result)
    top, bottom = fig.axes
    assert len(top.lines) == 2  # one mean curve per condition
    assert sum(1 for line in bottom.lines if line.get_linestyle() == "--") == 2  # ±t*
    assert len(bottom.collections) == len(result.clusters) >= 1  # shaded clusters
    grid = spm_grid_figure([result, result])
    assert len(grid.axes) == 4
    matplotlib.pyplot.close("all")
