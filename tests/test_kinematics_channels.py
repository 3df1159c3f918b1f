"""Kinematics from already-computed angle channels (knee FPPA, pelvic obliquity) mapped by roles or names."""

import numpy as np
import pytest

from analysis.errors import AnalysisError
from analysis.kinematics import KinematicsSettings, angle_channels, trial_kinematics, trial_kinematics_from_recording
from analysis.recording import Recording

FS = 200.0


def _rec(names, kinds=None, n=400):
    t = np.arange(n) / FS
    bump = np.sin(np.pi * t / t[-1]) ** 2  # 0 at both ends, 1 in the middle
    cols = [bump * (90.0 if "flex" in nm else 10.0 + i) for i, nm in enumerate(names)]
    kinds = kinds or ["angle"] * len(names)
    return Recording(np.column_stack(cols), FS, list(names), ["deg"] * len(names), kinds)


def test_angle_channels_by_name_and_side_suffix():
    r = _rec(["knee_flexion", "knee_fppa_r", "pelvis_list", "hip_flexion"])
    assert angle_channels(r) == {
        "knee_flexion": "knee_flexion",
        "knee_fppa": "knee_fppa_r",
        "pelvic_obliquity": "pelvis_list",
    }


def test_roles_win_over_names_and_unrecognised_roles_block_name_guessing():
    r = _rec(["a1", "a2", "knee_fppa"])
    roles = {"a1": "knee_fppa_right", "a2": "pelvic_obliquity", "knee_fppa": "ankle_angle"}
    assert angle_channels(r, roles) == {"knee_fppa": "a1", "pelvic_obliquity": "a2"}


def test_two_channels_with_one_role_raise_naming_the_roles():
    r = _rec(["a1", "a2"])
    with pytest.raises(AnalysisError, match="same angle role"):
        angle_channels(r, {"a1": "knee_fppa", "a2": "knee_fppa_left"})


def test_from_recording_gives_fppa_and_obliquity_rows_with_exact_peaks():
    r = _rec(["knee_flexion", "knee_fppa", "pelvic_obliquity"])  # peaks 90, 11, 12 deg (smooth bump)
    res = trial_kinematics_from_recording(r, settings=KinematicsSettings(lowpass_hz=20.0))
    assert res["peak_knee_fppa_deg"] == pytest.approx(11.0, abs=0.01)
    assert res["peak_pelvic_obliquity_deg"] == pytest.approx(12.0, abs=0.01)
    assert res["peak_knee_flexion_deg"] == pytest.approx(90.0, abs=0.05)
    assert res.metrics["peak_knee_fppa_deg"].method.startswith("angle_channel")
    rows = res.to_rows({"subject_id": "S1"})
    assert set(rows["metric"]) >= {"peak_knee_fppa_deg", "peak_pelvic_obliquity_deg"}


def test_only_fppa_channel_is_enough():
    r = _rec(["knee_fppa_left"])
    res = trial_kinematics_from_recording(r)
    assert "peak_knee_fppa_deg" in res.metrics and "peak_knee_flexion_deg" not in res.metrics


def test_single_unrecognised_angle_channel_is_knee_flexion_and_several_raise():
    assert "peak_knee_flexion_deg" in trial_kinematics_from_recording(_rec(["goniometer"])).metrics
    with pytest.raises(AnalysisError, match="roles"):
        trial_kinematics_from_recording(_rec(["g1", "g2"]))


def test_channels_are_trimmed_to_common_finite_span_and_inner_gaps_raise():
    r = _rec(["knee_flexion", "knee_fppa"])
    r.samples[-5:, 1] = np.nan  # FPPA row missing at the end
    res = trial_kinematics_from_recording(r)
    assert res.series.shape[0] == r.n_samples - 5
    r.samples[100, 0] = np.nan
    with pytest.raises(AnalysisError, match="knee_flexion"):
        trial_kinematics_from_recording(r)


def test_angle_channel_input_takes_precedence_over_markers():
    n = 50
    hip, knee, ankle = np.tile([0, 0, 1.0], (n, 1)), np.tile([0.05, 0, 0.5], (n, 1)), np.zeros((n, 3))
    res = trial_kinematics(FS, hip=hip, knee=knee, ankle=ankle, knee_fppa_angle_deg=np.full(n, 3.0))
    assert res["peak_knee_fppa_deg"] == pytest.approx(3.0)
    assert trial_kinematics(FS, hip=hip, knee=knee, ankle=ankle)["peak_knee_fppa_deg"] != pytest.approx(3.0)
