"""analysis.plots.emg_load: the activation, phase-effect and envelope figures and the load-effect table on
tiny hand-made tables (fits from analysis.models.load_effects; envelopes as rows of the curves table)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_models_load_effects import _emg  # noqa: E402

from analysis.errors import AnalysisError  # noqa: E402
from analysis.models.load_effects import fit_load_effects, subject_load_means  # noqa: E402
from analysis.plots import emg_load as pe  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_activation_load_figure_has_a_panel_per_exercise_with_units():
    emg = pd.concat([_emg(), _emg().assign(exercise="step_up")])
    means = subject_load_means(emg, ["gluteus_maximus"], None, "load_pct_bw")
    fig = pe.activation_load_figure(means, None, "gluteus_maximus", "load_pct_bw")
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel() == "ankle load per ankle (%BW)"
    assert "%MVC" in fig.axes[0].get_ylabel()
    assert len(fig.axes[0].lines) == 4  # one line per subject
    with pytest.raises(AnalysisError, match="no EMG rows"):
        pe.activation_load_figure(means, None, "soleus")


def _curves() -> pd.DataFrame:
    """Curves-table rows: 2 muscles x 4 trials (no load, two full-range levels, one mid-range) + one force."""
    grid = np.arange(101)
    rows = []
    for m in ("gluteus_maximus", "soleus"):
        for phase, pct in (("none", 0.0), ("full_range", 5.0), ("full_range", 10.0), ("mid_range", 5.0)):
            rows.append(
                pd.DataFrame(
                    {
                        "trial_id": f"{phase}{pct}",
                        "exercise": "squat",
                        "load_phase": phase,
                        "load_pct_bw": pct,
                        "load_lb": pct * 1.5,
                        "curve": "emg_envelope",
                        "channel": m,
                        "unit": "%MVC",
                        "basis": "cycle",
                        "n_cycles": 3,
                        "pct": grid,
                        "value": grid + pct,
                    }
                )
            )
    force = rows[0].assign(curve="vertical_force", channel="fz", unit="N", basis="trial", trial_id="f")
    return pd.concat([*rows, force], ignore_index=True)


def test_envelope_figure_rows_muscles_columns_loaded_phases_with_reference():
    env = pe.envelope_curves(_curves(), muscles=["gluteus_maximus", "soleus"])
    assert set(env["curve"]) == {"emg_envelope"} and len(env) == 2 * 4 * 101
    fig = pe.envelope_figure(env)
    assert len(fig.axes) == 4  # 2 muscles x (full_range, mid_range)
    ax = fig.axes[0]
    assert ax.get_title() == "gluteus_maximus, load phase: full_range"
    assert len(ax.lines) == 3  # unloaded reference + two load levels
    assert ax.get_ylabel() == "EMG envelope (%MVC)"
    assert fig.axes[-1].get_xlabel() == "movement cycle (%)"
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), np.arange(101) + 5.0)  # the table's values, as they are
    with pytest.raises(AnalysisError):
        pe.envelope_figure(pe.envelope_curves(_curves(), trial_ids=["absent"]))


def test_envelope_curves_select_trials_and_muscles_in_order_and_need_the_curve_columns():
    curves = _curves()
    ids = pe.select_envelope_trials(curves, "squat", per_load=1)
    assert ids == ["full_range10.0", "full_range5.0", "mid_range5.0", "none0.0"]
    env = pe.envelope_curves(curves, ids[:2], ["soleus", "gluteus_maximus"])
    assert list(dict.fromkeys(env["channel"])) == ["soleus", "gluteus_maximus"]
    assert set(env["trial_id"]) == set(ids[:2])
    with pytest.raises(AnalysisError, match="curves table lacks"):
        pe.envelope_curves(curves.drop(columns=["basis"]))


def test_activation_figure_rows_per_muscle_and_phase_effects_and_table():
    emg = pd.concat(
        [
            _emg(),
            _emg().assign(phase="eccentric"),
            _emg().assign(phase="concentric", mean_pct_mvc=lambda d: d["mean_pct_mvc"] * 1.0),
        ]
    )
    rng = np.random.default_rng(0)
    emg["mean_pct_mvc"] *= np.exp(rng.normal(0, 0.01, len(emg)))
    whole = emg[emg["phase"] == "whole"]
    means = subject_load_means(whole, None, None, "load_lb")
    fits = fit_load_effects(whole, None, None, "load_lb")
    fig = pe.activation_load_figure(means, fits, ["gluteus_maximus", "soleus"], "load_lb")
    assert len(fig.axes) == 2  # one row per muscle (one phase), one exercise column
    assert fig.axes[1].get_ylabel() == "soleus, whole\nmean EMG (%MVC)"
    split = fit_load_effects(emg[emg["phase"] != "whole"], None, None, "load_lb")
    fig = pe.phase_effects_figure(split, ["gluteus_maximus", "soleus"], "load_lb")
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel() == "change in mean EMG (% per 4 lb)"
    table = pe.load_effects_table(pd.concat([fits, split]))
    assert list(table.columns) == [
        "muscle",
        "exercise",
        "phase",
        "effect per 4 lb (%)",
        "95 % CI per 4 lb (%)",
        "subjects (n)",
        "trials (n)",
        "model",
    ]
    assert len(table) == 6 and (table["subjects (n)"] == 4).all()
    assert table["effect per 4 lb (%)"].between(13.5, 16.5).all()  # true effect 1.15 per 4 lb
    assert table["95 % CI per 4 lb (%)"].str.match(r"^\[\+\d+\.\d, \+\d+\.\d\]$").all()
    with pytest.raises(AnalysisError, match="no fitted load effects"):
        pe.phase_effects_figure(split, ["vastus_lateralis"])
