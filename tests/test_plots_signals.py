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
    return pd.DataFrame(
        {
            "subject_id": ["S1", "S1", "S1", "S2"],
            "trial_id": ["t1", "t1", "t1", "t2"],
            "exercise": ["squat"] * 4,
            "muscle": ["gm", "gm", "sol", "gm"],
            "phase": ["whole", "rep", "whole", "whole"],
            "quality_flags": ["", "x", "clipping;powerline", None],
            "mean_envelope_mv": [0.1, 0.2, 0.3, 0.4],
        }
    )


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
    mvc = pd.DataFrame(
        {
            "subject_id": ["S2", "S1"],
            "session": ["1", "1"],
            "muscle": ["gm", "gm"],
            "mvc_reference": [0.0005, 0.00125],
            "n_mvc_trials": [1, 2],
        }
    )
    table = eplots.mvc_reference_table(mvc)
    assert table["subject_id"].tolist() == ["S1", "S2"]
    assert table["mvc_reference_mv"].tolist() == pytest.approx([1.25, 0.5])
    assert "mV" in eplots.mvc_reference_figure(mvc).axes[0].get_xlabel()
    empty = eplots.mvc_reference_figure(pd.DataFrame())
    assert "no MVC trials" in empty.axes[0].texts[0].get_text()


def test_emg_channels_figure_shows_mv():
    t = np.arange(100) / 1000.0
    raw = np.column_stack([np.full(100, 0.001), np.zeros(100)])
    fig = eplots.emg_channels_figure(
        t, raw, raw, np.abs(raw), ["EMG 1", "EMG 2"], labels=["gm", "sol"], flags={"EMG 2": ["flat"]}
    )
    assert len(fig.axes) == 4
    assert fig.axes[0].get_ylabel() == "EMG (mV)"
    assert fig.axes[0].lines[0].get_ydata()[0] == pytest.approx(1.0)  # 1 mV
    assert "flat" in fig.axes[2].get_title(loc="left")


def _force_rows():
    base = {"subject_id": "S1", "exercise": "squat", "unit": "BW", "method": "m"}
    rows = [
        {
            **base,
            "trial_id": "a",
            "metric": "mid_range_mean_force_bw",
            "value": 1.0,
            "load_phase": "none",
            "load_kg": 0.0,
            "load_lb": 0.0,
            "load_pct_bw": 0.0,
        },
        {
            **base,
            "trial_id": "b",
            "metric": "mid_range_mean_force_bw",
            "value": 1.2,
            "load_phase": "mid_range",
            "load_kg": 2.0,
            "load_lb": 4.4,
            "load_pct_bw": 2.5,
        },
        {
            **base,
            "trial_id": "c",
            "metric": "mid_range_mean_force_bw",
            "value": 1.4,
            "load_phase": "mid_range",
            "load_kg": 2.0,
            "load_lb": 4.4,
            "load_pct_bw": 2.5,
        },
        {
            **base,
            "trial_id": "a",
            "metric": "body_weight_n",
            "value": 700.0,
            "unit": "N",
            "load_phase": "none",
            "load_kg": 0.0,
            "load_lb": 0.0,
            "load_pct_bw": 0.0,
            "method": "bw=first_quiet_1s_window",
        },
        {
            **base,
            "trial_id": "b",
            "metric": "body_weight_n",
            "value": 690.0,
            "unit": "N",
            "load_phase": "mid_range",
            "load_kg": 2.0,
            "load_lb": 4.4,
            "load_pct_bw": 2.5,
            "method": "bw=supplied",
        },
    ]
    return pd.DataFrame(rows)


def test_metric_summary_table_means_and_sd():
    table = fplots.metric_summary_table(_force_rows())
    assert table["load_phase"].tolist() == ["mid_range", "none"]
    assert table["mean"].tolist() == pytest.approx([1.3, 1.0])
    assert table["n_trials"].tolist() == [2, 1]
    assert table["load_level"].tolist() == ["2 %BW", "unloaded"]
    assert table["load_kg_range"].tolist() == ["2.00", "0.00"]
    assert table["sd"].iloc[0] == pytest.approx(np.std([1.2, 1.4], ddof=1))


def test_nominal_loads_groups_pct_bw_designs_and_fixed_lb_designs():
    rows = pd.DataFrame(
        {
            "exercise": ["cmj"] * 4 + ["squat"] * 4,
            "load_phase": ["full_range"] * 8,
            "subject_id": list("abcd") * 2,
            # cmj prescribed as 6 %BW: kg differ; squat prescribed as 5 lb: %BW differs
            "load_pct_bw": [5.9, 6.1, 6.0, 6.2, 2.8, 3.4, 3.6, 4.1],
            "load_lb": [9.1, 12.2, 10.4, 11.0, 5.0, 5.01, 4.99, 5.0],
            "load_kg": [4.1, 5.5, 4.7, 5.0, 2.27, 2.27, 2.26, 2.27],
        }
    )
    out = fplots.nominal_loads(rows)
    assert out["load_level"].tolist() == ["6 %BW"] * 4 + ["5 lb"] * 4
    assert out["load_scale"].tolist() == ["%BW"] * 4 + ["lb"] * 4


def test_metric_summary_wide_one_row_per_level_with_mean_sd_at_unit_precision():
    wide = fplots.metric_summary_wide(fplots.metric_summary_table(_force_rows()))
    label = fplots.C6_C7_METRICS["mid_range_mean_force_bw"]
    assert wide["nominal load per ankle"].tolist() == ["2 %BW", "unloaded"]
    assert wide["load phase"].tolist() == ["mid range", "unloaded"]
    assert wide[label].tolist() == [f"1.30 ± {np.std([1.2, 1.4], ddof=1):.2f}", "1.00"]
    assert wide["subjects"].tolist() == [1, 1]


def test_weighing_summary_counts_each_way_and_failures():
    weighing = fplots.weighing_table(_force_rows())
    failures = pd.DataFrame({"subject_id": ["S9"], "trial_id": ["x"]})
    out = fplots.weighing_summary(weighing, failures)
    assert out["trials"].tolist() == [1, 1, 1]
    assert out.loc[0, "body weight (N)"] == "700" and out.loc[1, "body weight (kg)"] == f"{690 / 9.80665:.1f}"


def test_weighing_table_lists_supplied_first():
    table = fplots.weighing_table(_force_rows())
    assert table["trial_id"].tolist() == ["b", "a"]
    assert table["supplied"].tolist() == [True, False]


def test_metrics_by_load_figure_one_panel_per_present_metric():
    fig = fplots.metrics_by_load_figure(_force_rows())
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.axison and ax.get_xlabel()]
    assert [ax.get_xlabel() for ax in visible] == ["nominal load per ankle (%BW)"]
    assert [ax.get_title() for ax in visible] == [fplots.C6_C7_METRICS["mid_range_mean_force_bw"]]
    legend_labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_labels == ["mid range", "unloaded"]


def test_metrics_by_load_figure_filters_exercises():
    fig = fplots.metrics_by_load_figure(_force_rows(), exercises=["cmj"])
    assert [t.get_text() for ax in fig.axes for t in ax.texts] == ["no force-plate metrics"]


def test_force_time_figure_shades_phases_and_marks_bw():
    force = np.r_[np.full(1000, 700.0), np.zeros(300), np.full(700, 700.0)]
    fig = fplots.force_time_figure(
        force,
        1000.0,
        {"weighing": (0, 1000), "flight": (1000, 1300), "braking": (5, 5)},
        {"takeoff": 1000},
        body_weight_n=700.0,
    )
    ax = fig.axes[0]
    assert ax.get_ylabel() == "vertical ground-reaction force (N)" and ax.get_xlabel() == "time (s)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["weighing", "flight"]  # empty phases are not drawn
    assert any(line.get_ydata()[0] == 700.0 and line.get_linestyle() == "--" for line in ax.lines)
