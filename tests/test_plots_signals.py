"""analysis.plots.emg / analysis.plots.forceplate: tables exact on small inputs, figures with units."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.plots import emg as eplots  # noqa: E402
from analysis.plots import forceplate as fplots  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _emg_rows():
    return pd.DataFrame({
        "subject_id": ["S1", "S1", "S1", "S2"], "trial_id": ["t1", "t1", "t1", "t2"],
        "exercise": ["squat"] * 4, "muscle": ["gm", "gm", "sol", "gm"], "phase": ["whole", "rep", "whole", "whole"],
        "quality_flags": ["", "x", "clipping;powerline", None], "mean_envelope_mv": [0.1, 0.2, 0.3, 0.4],
    })


def test_quality_flag_table_whole_phase_flagged_first():
    table = eplots.quality_flag_table(_emg_rows())
    assert table["trial_id"].tolist() == ["t1", "t1", "t2"]
    assert table["muscle"].tolist() == ["sol", "gm", "gm"]
    assert table["n_flags"].tolist() == [2, 0, 0]
    assert table["quality_flags"].tolist() == ["clipping;powerline", "", ""]


def test_flag_counts_figure_counts_each_flag():
    fig = eplots.flag_counts_figure(_emg_rows())
    widths = sorted(p.get_width() for p in fig.axes[0].patches if p.get_width() > 0)
    assert widths == [1, 1]
    assert "trial records flagged (of 3" in fig.axes[0].get_xlabel()


def test_mvc_reference_table_converts_v_to_mv():
    mvc = pd.DataFrame({"subject_id": ["S2", "S1"], "session": ["1", "1"], "muscle": ["gm", "gm"],
                        "mvc_reference": [0.0005, 0.00125], "n_mvc_trials": [1, 2]})
    table = eplots.mvc_reference_table(mvc)
    assert table["subject_id"].tolist() == ["S1", "S2"]
    assert table["mvc_reference_mv"].tolist() == pytest.approx([1.25, 0.5])
    assert "mV" in eplots.mvc_reference_figure(mvc).axes[0].get_xlabel()
    empty = eplots.mvc_reference_figure(pd.DataFrame())
    assert "no MVC trials" in empty.axes[0].texts[0].get_text()


def test_emg_channels_figure_shows_mv():
    t = np.arange(100) / 1000.0
    raw = np.column_stack([np.full(100, 0.001), np.zeros(100)])
    fig = eplots.emg_channels_figure(t, raw, raw, np.abs(raw), ["EMG 1", "EMG 2"], labels=["gm", "sol"],
                                     flags={"EMG 2": ["flat"]})
    assert len(fig.axes) == 4
    assert fig.axes[0].get_ylabel() == "EMG (mV)"
    assert fig.axes[0].lines[0].get_ydata()[0] == pytest.approx(1.0)  # 1 mV
    assert "flat" in fig.axes[2].get_title(loc="left")


def _force_rows():
    base = {"subject_id": "S1", "exercise": "squat", "unit": "BW", "method": "m"}
    rows = [
        {**base, "trial_id": "a", "metric": "mid_range_mean_force_bw", "value": 1.0, "load_phase": "none",
         "load_kg": 0.0, "load_lb": 0.0, "load_pct_bw": 0.0},
        {**base, "trial_id": "b", "metric": "mid_range_mean_force_bw", "value": 1.2, "load_phase": "mid_range",
         "load_kg": 2.0, "load_lb": 4.4, "load_pct_bw": 2.5},
        {**base, "trial_id": "c", "metric": "mid_range_mean_force_bw", "value": 1.4, "load_phase": "mid_range",
         "load_kg": 2.0, "load_lb": 4.4, "load_pct_bw": 2.5},
        {**base, "trial_id": "a", "metric": "body_weight_n", "value": 700.0, "unit": "N", "load_phase": "none",
         "load_kg": 0.0, "load_lb": 0.0, "load_pct_bw": 0.0, "method": "bw=first_quiet_1s_window"},
        {**base, "trial_id": "b", "metric": "body_weight_n", "value": 690.0, "unit": "N", "load_phase": "mid_range",
         "load_kg": 2.0, "load_lb": 4.4, "load_pct_bw": 2.5, "method": "bw=supplied"},
    ]
    return pd.DataFrame(rows)


def test_metric_summary_table_means_and_sd():
    table = fplots.metric_summary_table(_force_rows())
    assert table["load_phase"].tolist() == ["none", "mid_range"]
    assert table["mean"].tolist() == pytest.approx([1.0, 1.3])
    assert table["n"].tolist() == [1, 2]
    assert table["sd"].iloc[1] == pytest.approx(np.std([1.2, 1.4], ddof=1))


def test_weighing_table_lists_supplied_first():
    table = fplots.weighing_table(_force_rows())
    assert table["trial_id"].tolist() == ["b", "a"]
    assert table["supplied"].tolist() == [True, False]


def test_metrics_by_load_figure_one_panel_per_present_metric():
    fig = fplots.metrics_by_load_figure(_force_rows())
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.axison and ax.get_xlabel()]
    assert len([ax for ax in visible if ax.get_xlabel() == "load per ankle (kg)"]) == 1


def test_force_time_figure_shades_phases_and_marks_bw():
    force = np.r_[np.full(1000, 700.0), np.zeros(300), np.full(700, 700.0)]
    fig = fplots.force_time_figure(force, 1000.0, {"weighing": (0, 1000), "flight": (1000, 1300),
                                                   "braking": (5, 5)},
                                   {"takeoff": 1000}, body_weight_n=700.0)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "vertical ground-reaction force (N)" and ax.get_xlabel() == "time (s)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["weighing", "flight"]  # empty phases are not drawn
    assert any(line.get_ydata()[0] == 700.0 and line.get_linestyle() == "--" for line in ax.lines)
