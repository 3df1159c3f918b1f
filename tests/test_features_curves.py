"""The curves table of analysis.features (CURVES.md): exact curves from known signals, the processors that
fill it, its schema and keys in a whole-study run, the cache, and the warning for a trial without cycles."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_features_study import CHANNELS, FS_EMG_HZ, _cmj_force_n, make_study

from analysis.emg import EMGSettings
from analysis.features import CURVE_COLUMNS, KEY_COLUMNS, CurveWarning, extract_features, load_feature_tables
from analysis.features.curves import (
    N_POINTS,
    emg_envelope_curves,
    jump_force_curves,
    movement_cycles,
    vertical_force_curves,
)
from analysis.features.processors import process_emg_trial, process_forceplate_trial
from analysis.forceplate import ForcePlateSettings
from analysis.forceplate.checks import ForcePlateWarning
from analysis.recording import Recording

TRIAL = {
    "subject_id": "P1",
    "session": "1",
    "trial_id": "P1_squat2",
    "exercise": "squat",
    "load_phase": "full_range",
    "load_kg": 2.0,
    "load_lb": 2.0 / 0.45359237,
    "load_pct_bw": 2.0 / 70.0 * 100,
    "body_mass_kg": 70.0,
    "group": "a",
}
PCT = np.arange(101)


# --------------------------------------------------------------------------- exact curves from known signals
def test_known_envelope_gives_the_known_mean_cycle_curve_in_pct_mvc_and_mv():
    """A linear envelope 1 mV per s: cycles 0.5-1.5 s and 1.5-2.5 s average to 1.0 + p/100 mV at p %."""
    fs = 100.0
    t = np.arange(300) / fs
    envelope_v = np.column_stack([1e-3 * t, 1e-3 * t])
    cycles = [(0.5, 1.5), (1.5, 2.5)]
    rows = emg_envelope_curves(
        TRIAL,
        envelope_v,
        fs,
        ["EMG 1", "EMG 2"],
        {"EMG 1": "gluteus_maximus", "EMG 2": "soleus"},
        {"gluteus_maximus": 0.002},  # 2 mV reference for one muscle only
        cycles,
    )
    assert rows is not None and list(rows.columns) == list(CURVE_COLUMNS)
    assert len(rows) == 2 * N_POINTS == 202
    glut = rows[rows["channel"] == "gluteus_maximus"]
    soleus = rows[rows["channel"] == "soleus"]
    np.testing.assert_array_equal(glut["pct"], PCT)
    np.testing.assert_allclose(glut["value"], 50.0 + PCT / 2.0, rtol=1e-12)  # (1 + p/100) mV / 2 mV * 100
    np.testing.assert_allclose(soleus["value"], 1.0 + PCT / 100.0, rtol=1e-12)  # no reference: mV
    assert set(glut["unit"]) == {"%MVC"} and set(soleus["unit"]) == {"mV"}
    assert set(rows["curve"]) == {"emg_envelope"} and set(rows["basis"]) == {"cycle"}
    assert set(rows["n_cycles"]) == {2}
    for key in KEY_COLUMNS:
        assert (rows[key] == TRIAL[key]).all(), key


def test_force_curve_runs_exactly_from_one_event_to_the_other_in_n_and_bw():
    force = 100.0 * np.arange(1000, dtype=float)  # 100 N per sample
    rows = vertical_force_curves(TRIAL, force, 200, 700, "onset_to_takeoff", 500.0)
    newtons = rows[rows["unit"] == "N"]["value"].to_numpy()
    np.testing.assert_allclose(newtons, 100.0 * (200 + 5 * PCT))  # 0 % = sample 200, 100 % = sample 700
    np.testing.assert_allclose(rows[rows["unit"] == "BW"]["value"].to_numpy(), newtons / 500.0)
    assert set(rows["channel"]) == {"fz"} and set(rows["n_cycles"]) == {1}
    assert set(vertical_force_curves(TRIAL, force, 0, 999, "trial", None)["unit"]) == {"N"}  # no body weight


def test_movement_cycles_prefer_movement_events_then_join_eccentric_and_concentric():
    assert movement_cycles({"movement": [(1.0, 2.0)], "rep": [(0.0, 9.0)]}) == [(1.0, 2.0)]
    assert movement_cycles({"eccentric": [(1.0, 1.5), (3.0, 3.5)], "concentric": [(1.5, 2.0), (3.5, 4.2)]}) == [
        (1.0, 2.0),
        (3.0, 4.2),
    ]
    assert movement_cycles({"eccentric": [(1.0, 1.5)], "concentric": [(1.7, 2.0)]}) == []  # not adjacent
    assert movement_cycles({}) == []


def test_no_cycles_and_no_takeoff_warn_and_give_no_curve():
    with pytest.warns(CurveWarning, match="P1_squat2: no movement cycles"):
        assert emg_envelope_curves(TRIAL, np.ones((10, 1)), 100.0, ["EMG 1"], {"EMG 1": "soleus"}, {}, []) is None
    with pytest.warns(CurveWarning, match="no movement onset before take-off"):
        assert jump_force_curves(TRIAL, np.ones(10), {"landing": 5}, 700.0) is None


# --------------------------------------------------------------------------- the processors
def _emg_recording(with_events: bool) -> Recording:
    """2 EMG channels, 6 s at 1 kHz: quiet, then 2 reps of 2 s where only the second half is active."""
    rng = np.random.default_rng(3)
    t = np.arange(6000) / FS_EMG_HZ
    active = ((t >= 2.0) & (t < 3.0)) | ((t >= 4.0) & (t < 5.0))
    samples = rng.normal(0, 1e-5, (t.size, 2)) * (1 + 20 * active)[:, None]
    events = pd.DataFrame(
        {
            "label": ["movement_start", "movement_end", "movement_start", "movement_end"],
            "time_s": [1.0, 3.0, 3.0, 5.0],
        }
    )
    return Recording(
        samples=samples,
        sampling_rate_hz=FS_EMG_HZ,
        channel_names=list(CHANNELS),
        units=["V", "V"],
        channel_kinds=["emg", "emg"],
        events=events if with_events else events.iloc[:0],
    )


def _emg_context() -> dict:
    return {
        "settings": {"emg": EMGSettings()},
        "channel_map": CHANNELS,
        "mvc_refs": {m: 1e-3 for m in CHANNELS.values()},
    }


def test_emg_processor_averages_the_movement_cycles_of_the_real_envelope():
    tables = process_emg_trial(TRIAL, _emg_recording(with_events=True), _emg_context())
    curves = tables["curves"]
    assert set(curves["channel"]) == set(CHANNELS.values()) and set(curves["n_cycles"]) == {2}
    assert set(curves["unit"]) == {"%MVC"}
    for _, curve in curves.groupby("channel"):
        value = curve.set_index("pct")["value"]
        # the active half of each cycle (50-100 %) is far above the quiet half (0-50 %)
        assert value.loc[60:90].mean() > 5 * value.loc[10:40].mean()


def test_emg_processor_without_events_warns_and_keeps_the_feature_rows():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = process_emg_trial(TRIAL, _emg_recording(with_events=False), _emg_context())
    assert "curves" not in tables and len(tables["emg"])
    assert [w.category for w in caught if w.category is CurveWarning] == [CurveWarning]


def test_jump_processor_curve_starts_at_body_weight_and_ends_at_takeoff():
    bw_n = 70.0 * 9.80665
    force = _cmj_force_n(bw_n, np.random.default_rng(0))
    recording = Recording(
        samples=force[:, None], sampling_rate_hz=1000.0, channel_names=["Fz"], units=["N"], channel_kinds=["force"]
    )
    trial = {**TRIAL, "exercise": "cmj", "load_kg": 0.0}
    # the shape-only synthetic jump's impulse does not match its flight time: the reader-facing warning says so
    with pytest.warns(ForcePlateWarning, match="jump height .* differ by"):
        tables = process_forceplate_trial(trial, recording, {"settings": {"forceplate": ForcePlateSettings()}})
    bw = tables["curves"][tables["curves"]["unit"] == "BW"].set_index("pct")["value"]
    assert set(tables["curves"]["basis"]) == {"onset_to_takeoff"}
    assert bw.loc[0] == pytest.approx(1.0, abs=0.05)  # onset: still about body weight
    assert bw.loc[100] < 0.1  # take-off: force below the threshold
    assert bw.max() == pytest.approx(2.3, abs=0.05)  # the propulsion peak of the synthetic jump


# --------------------------------------------------------------------------- the whole-study table
@pytest.fixture
def study_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv("ANKLELAB_CACHE", raising=False)
    return make_study(tmp_path / "study")


def test_curves_table_schema_keys_cache_and_warnings_in_a_study_run(study_dir):
    first = extract_features(study_dir, scheduler="serial", progress=False)
    curves = first.curves
    assert list(curves.columns) == list(CURVE_COLUMNS)
    assert str(curves["pct"].dtype) == "int64" and str(curves["value"].dtype) == "float64"
    # the CMJs are the only trials with a computable curve: these EMG squats have no cycle events
    assert sorted(curves["trial_id"].unique()) == ["P1_cmj", "P2_cmj"]
    assert curves.groupby(["trial_id", "unit"]).size().eq(N_POINTS).all()
    assert set(curves["unit"]) == {"N", "BW"}
    other_keys = [k for k in KEY_COLUMNS if k != "trial_id"]
    keys = first.force.drop_duplicates("trial_id").set_index("trial_id")[other_keys]
    pd.testing.assert_frame_equal(
        curves.drop_duplicates("trial_id").set_index("trial_id")[other_keys], keys
    )  # the same key values as the trial's force rows
    no_cycles = first.warnings[first.warnings["category"] == "CurveWarning"]
    assert sorted(no_cycles["trial_id"]) == ["P1_squat0", "P1_squat2", "P2_squat0", "P2_squat2"]
    assert no_cycles["message"].str.contains("no movement cycles").all()
    again = extract_features(study_dir, scheduler="serial", progress=False)
    assert again.stats["n_computed"] == 0
    pd.testing.assert_frame_equal(again.curves, first.curves)
    pd.testing.assert_frame_equal(load_feature_tables(study_dir).curves, first.curves)
    pd.testing.assert_frame_equal(again.warnings, first.warnings)
