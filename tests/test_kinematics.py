"""Kinematics: exact geometry on small arrays, filter behaviour, and the real UCI knee goniometer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from analysis.errors import AnalysisError
from analysis.kinematics import (
    KinematicsSettings,
    angular_velocity_deg_s,
    knee_flexion_from_markers,
    knee_fppa_deg,
    pelvic_obliquity_deg,
    trial_kinematics,
)


def _leg(flexion_deg=30.0, medial_m=0.0, side="right", hip_x=0.1):
    """Hip above ankle; shank rotated in the sagittal (y, z) plane; knee shifted medially by ``medial_m``."""
    medial_sign = -1 if side == "right" else 1  # x points to the subject's right
    hip = np.array([[hip_x, 0.0, 1.0]])
    knee = np.array([[hip_x + medial_sign * medial_m, 0.0, 0.5]])
    th = np.radians(flexion_deg)
    ankle = knee + 0.5 * np.array([[0.0, -np.sin(th), -np.cos(th)]])
    return hip, knee, ankle


def test_knee_flexion_from_markers_exact():
    for angle in (0.0, 30.0, 90.0):
        assert knee_flexion_from_markers(*_leg(angle))[0] == pytest.approx(angle, abs=1e-9)


@pytest.mark.parametrize("side", ["right", "left"])
def test_fppa_sign_and_magnitude(side):
    d = 0.5 * np.tan(np.radians(10))
    hip = np.array([[0.1, 0, 1.0]])
    ankle = np.array([[0.1, 0, 0.0]])
    medial = -1 if side == "right" else 1
    valgus_knee = np.array([[0.1 + medial * d, 0, 0.5]])
    varus_knee = np.array([[0.1 - medial * d, 0, 0.5]])
    assert knee_fppa_deg(hip, valgus_knee, ankle, side)[0] == pytest.approx(20.0)
    assert knee_fppa_deg(hip, varus_knee, ankle, side)[0] == pytest.approx(-20.0)
    # sagittal flexion does not leak into the frontal-plane angle
    assert knee_fppa_deg(*_leg(60.0, 0.0, side), side)[0] == pytest.approx(0.0, abs=1e-9)


def test_fppa_axes_configurable_for_y_up_labs():
    s = KinematicsSettings.from_dict({"vertical_axis": "y", "lateral_axis": "z"})
    d = 0.5 * np.tan(np.radians(5))
    hip, knee, ankle = (np.array([[0, 1.0, 0.1]]), np.array([[0, 0.5, 0.1 - d]]), np.array([[0, 0.0, 0.1]]))
    assert knee_fppa_deg(hip, knee, ankle, "right", s)[0] == pytest.approx(10.0)


def test_pelvic_obliquity_exact():
    left = np.array([[-0.12, 0, 1.0]])
    right = np.array([[0.12, 0, 1.0 + 0.24 * np.tan(np.radians(5))]])
    assert pelvic_obliquity_deg(left, right, "right")[0] == pytest.approx(5.0)
    assert pelvic_obliquity_deg(left, right, "left")[0] == pytest.approx(-5.0)


def test_settings_reject_unknown_and_bad_axes():
    with pytest.raises(AnalysisError, match="lowpas_hz"):
        KinematicsSettings.from_dict({"lowpas_hz": 6})
    with pytest.raises(AnalysisError, match="must differ"):
        KinematicsSettings.from_dict({"lateral_axis": "z"})


def test_angular_velocity_of_slow_sine_after_lowpass():
    fs = 200.0
    t = np.arange(2000) / fs
    angle = 40 + 30 * np.sin(2 * np.pi * 1.0 * t)  # 1 Hz: far below the 6 Hz cut-off
    vel = angular_velocity_deg_s(angle, fs)
    inner = slice(200, -200)
    np.testing.assert_allclose(vel[inner], 30 * 2 * np.pi * np.cos(2 * np.pi * t[inner]), atol=0.01 * 30 * 2 * np.pi)


@hsettings(max_examples=20, deadline=None)
@given(offset=st.floats(-50, 50), fs=st.sampled_from([100.0, 250.0, 1000.0]))
def test_velocity_metrics_ignore_angle_offset_and_sampling_rate(offset, fs):
    t = np.arange(int(4 * fs)) / fs
    angle = 45 - 40 * np.cos(2 * np.pi * 0.5 * t)
    ref = trial_kinematics(fs, knee_flexion_deg=angle)["peak_knee_extension_velocity_deg_s"]
    got = trial_kinematics(fs, knee_flexion_deg=angle + offset)["peak_knee_extension_velocity_deg_s"]
    assert got == pytest.approx(ref, rel=1e-6)
    assert ref == pytest.approx(40 * 2 * np.pi * 0.5, rel=0.01)  # analytic peak 125.7 deg/s


def test_trial_kinematics_markers_phases_and_rows():
    fs, n = 100.0, 300
    t = np.arange(n) / fs
    flex = 45 - 45 * np.cos(2 * np.pi * 0.5 * t)  # 0 -> 90 -> 0 deg over 2 s
    hip = np.tile([0.1, 0, 1.0], (n, 1))
    knee = np.column_stack([0.1 - 0.02 * np.sin(np.pi * t / 3), np.zeros(n), np.full(n, 0.5)])
    ankle = knee + 0.5 * np.column_stack([np.zeros(n), -np.sin(np.radians(flex)), -np.cos(np.radians(flex))])
    left = np.column_stack([np.full(n, -0.02), np.zeros(n), np.full(n, 1.0)])
    right = np.column_stack([np.full(n, 0.22), np.zeros(n), 1.0 + 0.01 * np.sin(np.pi * t / 3)])
    r = trial_kinematics(
        fs,
        hip=hip,
        knee=knee,
        ankle=ankle,
        left_asis=left,
        right_asis=right,
        side="right",
        phases={"concentric": (1.0, 2.0)},
    )
    assert r["peak_knee_flexion_deg"] == pytest.approx(90.0, abs=0.5)
    assert r["peak_knee_fppa_deg"] > 0  # knee moves medially: valgus
    assert r["peak_pelvic_obliquity_deg"] == pytest.approx(np.degrees(np.arctan(0.01 / 0.24)), abs=0.1)
    assert r["concentric_peak_knee_extension_velocity_deg_s"] == pytest.approx(45 * np.pi, rel=0.02)
    rows = r.to_rows({"subject_id": "S1"})
    assert {"peak_knee_extension_velocity_deg_s", "peak_knee_fppa_deg", "peak_pelvic_obliquity_deg"} <= set(rows.metric)
    assert rows.metric.is_unique and (rows.subject_id == "S1").all()
    with pytest.raises(AnalysisError, match="outside the trial"):
        trial_kinematics(fs, knee_flexion_deg=flex, phases={"late": (2.5, 9.0)})
    with pytest.raises(AnalysisError, match="no kinematic input"):
        trial_kinematics(fs)


# ---------------------------------------------------------------- real goniometer (UCI lower-limb EMG, CC BY 4.0)
def _uci_knee(vendored_real, name: str) -> np.ndarray:
    df = pd.read_csv(vendored_real / "uci_lower_limb_emg" / f"{name}.txt", sep="\t", skiprows=7, header=None)
    return df.iloc[:, 4].dropna().to_numpy(float)  # 5th column: knee flexion goniometer [deg], 1000 Hz


# Pinned values of this implementation (6 Hz, 2nd-order Butterworth zero lag, central differences).
# Tolerance 1 deg/s (< 1 %): moving the cut-off from 6 to 5 Hz changes them by only 0.2-0.3 deg/s, so a
# larger change means the chain itself changed, not floating-point noise.
@pytest.mark.parametrize("name, peak_ext_vel, lo, hi", [("5Nsen", 143.5, 0.9, 70.6), ("3Asen", 99.4, 9.9, 88.5)])
def test_uci_seated_extension_knee(vendored_real, name, peak_ext_vel, lo, hi):
    angle = _uci_knee(vendored_real, name)
    assert lo == pytest.approx(angle.min(), abs=0.05) and hi == pytest.approx(angle.max(), abs=0.05)
    assert 0 <= angle.min() and angle.max() < 120  # plausible seated knee range
    r = trial_kinematics(1000.0, knee_flexion_deg=angle)
    assert r["peak_knee_extension_velocity_deg_s"] == pytest.approx(peak_ext_vel, abs=1.0)
    # physics cross-check: the raw 50 Hz goniometer steps give a (noisier) upper bound of similar size
    raw50 = np.abs(np.diff(angle[::20])) * 50
    assert 0.6 * raw50.max() < r["peak_knee_extension_velocity_deg_s"] <= raw50.max()


def test_unknown_settings_key_names_the_study_yaml_block_and_the_allowed_keys():
    import pytest as _pytest

    from analysis.errors import AnalysisError
    from analysis.forceplate import ForcePlateSettings
    from analysis.kinematics import KinematicsSettings

    with _pytest.raises(AnalysisError, match=r"processing.kinematics: unknown key\(s\) \['lowpas_hz'\].*lowpass_hz"):
        KinematicsSettings.from_dict({"lowpas_hz": 6})
    with _pytest.raises(AnalysisError, match=r"processing.forceplate: unknown key\(s\) \['takeof_threshold_n'\]"):
        ForcePlateSettings.from_dict({"takeof_threshold_n": 20})
