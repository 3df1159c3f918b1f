"""Force-plate unit tests: exact expectations on small arrays, settings, synthetic truth, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from analysis.errors import AnalysisError
from analysis.forceplate import (
    G_M_S2,
    KEY_COLUMNS,
    ForcePlateSettings,
    analyse_balance,
    analyse_gait,
    analyse_jump,
    analyse_squat,
    asymmetry_pct,
    center_of_pressure,
    com_kinematics,
    combine_cop,
    contact_mask,
    detect_onset,
    find_quiet_stance,
    flight_periods,
    knee_joint_force_proxy_bw,
    peak_rfd,
    rfd_windows,
    weigh,
)
from tests.test_forceplate_synthetic import synthetic_cmj

TRIAL_INFO = {
    "subject_id": "S01",
    "session": 1,
    "trial_id": "T1",
    "exercise": "cmj",
    "load_phase": "none",
    "load_kg": 0.0,
    "load_lb": 0.0,
    "load_pct_bw": 0.0,
    "body_mass_kg": 75.0,
    "group": "control",
}


# ---------------------------------------------------------------- settings
def test_settings_from_dict_rejects_unknown_keys_and_names_them():
    with pytest.raises(AnalysisError, match="takeof_threshold_n"):
        ForcePlateSettings.from_dict({"takeof_threshold_n": 30})


def test_settings_from_dict_and_presets():
    s = ForcePlateSettings.from_dict({"takeoff_threshold_n": 30, "rfd_windows_ms": [50, 250]})
    assert s.takeoff_threshold_n == 30 and s.rfd_windows_ms == (50.0, 250.0)
    assert ForcePlateSettings.preset("vendor").landing_threshold_n == 30.0
    assert ForcePlateSettings.preset("owen2014") == ForcePlateSettings()
    with pytest.raises(AnalysisError, match="onset_method"):
        ForcePlateSettings.from_dict({"onset_method": "magic"})
    with pytest.raises(AnalysisError, match="preset"):
        ForcePlateSettings.preset("hawkin")


# ---------------------------------------------------------------- exact small arrays
def test_com_kinematics_constant_net_force_is_exact():
    # BW 100 N (m = 100/g); F - BW = +50 N from sample 2 -> a = 0.5 g; trapezoid is exact for constant a
    f = np.array([100, 100, 150, 150, 150, 150], dtype=float)
    acc, vel, disp = com_kinematics(f, 10.0, 100.0, start_index=2)
    a = 0.5 * G_M_S2
    np.testing.assert_allclose(acc, [0, 0, a, a, a, a])
    np.testing.assert_allclose(vel, [0, 0, 0, 0.1 * a, 0.2 * a, 0.3 * a])
    # displacement of trapezoid-integrated velocity: 0, 0.005a, 0.02a, 0.045a
    np.testing.assert_allclose(disp, [0, 0, 0, 0.005 * a, 0.02 * a, 0.045 * a])


def test_rfd_windows_are_secants_from_onset():
    f = np.arange(0, 400, dtype=float) * 2.0  # 2 N per sample at 1 kHz = 2000 N/s
    f[150:] = f[150]  # plateau: the 0-200 ms secant is (300 - 0) / 0.2 s
    out = rfd_windows(f, 1000.0, 0, (50, 100, 200))
    assert out == {50.0: pytest.approx(2000.0), 100.0: pytest.approx(2000.0), 200.0: pytest.approx(1500.0)}
    assert np.isnan(rfd_windows(f, 1000.0, 300, (200,))[200.0])  # runs past the record


def test_peak_rfd_finds_steepest_window():
    f = np.zeros(100)
    f[40:50] = np.arange(1, 11) * 100.0  # 100 N per ms over 10 ms
    f[50:] = 1000.0
    val, i = peak_rfd(f, 1000.0, 0, 100, window_ms=5)
    assert val == pytest.approx(100_000.0) and 35 <= i <= 45


def test_contact_mask_drops_single_sample_spike_and_flight_periods():
    f = np.array([0, 0, 100, 0, 0, 500, 500, 500, 0, 0, 0, 0, 500, 500], dtype=float)
    mask = contact_mask(f, 1000.0, 20.0, 0.002)
    assert mask.tolist() == [False] * 5 + [True] * 3 + [False] * 4 + [True] * 2
    s = ForcePlateSettings(min_flight_s=0.003)
    assert flight_periods(f, 1000.0, s).tolist() == [[0, 5], [8, 12]]


def test_detect_onset_backtracks_owen():
    f = np.full(200, 700.0)
    f[100:] = 650.0
    s = ForcePlateSettings(onset_backtrack_ms=30)
    assert detect_onset(f, 1000.0, 700.0, 2.0, s) == 70
    assert detect_onset(f, 1000.0, 700.0, 2.0, ForcePlateSettings(onset_method="pct_bw", onset_pct_bw=5)) == 70
    with pytest.raises(AnalysisError, match="never leaves"):
        detect_onset(f, 1000.0, 700.0, 2.0, ForcePlateSettings(onset_method="fixed_n", onset_fixed_n=60))


def test_weigh_refuses_without_quiet_stance_and_explains():
    rng = np.random.default_rng(1)
    t = np.arange(3000) / 1000
    moving = 800 + 60 * np.sin(2 * np.pi * 1.5 * t) + rng.normal(0, 2, t.size)
    q = find_quiet_stance(moving, 1000.0)
    assert not q.is_quiet
    with pytest.raises(AnalysisError, match="no quiet stance.*body_weight_n="):
        weigh(moving, 1000.0, source="trial.csv")
    still = 800 + rng.normal(0, 2, t.size)
    q = weigh(still, 1000.0)
    assert q.is_quiet and q.start_index == 0 and q.stop_index == 1000
    assert q.mean_n == pytest.approx(still[:1000].mean())


def test_center_of_pressure_exact_with_origin_offset():
    # force at surface point P = (0.1, -0.2) with the plate surface h = 0.04 m above the origin
    fx, fy, fz, h = 10.0, -5.0, 500.0, 0.04
    px, py = 0.1, -0.2
    mx = py * fz - h * fy
    my = h * fx - px * fz
    forces = np.array([[fx, fy, fz], [0, 0, 5.0]])
    moments = np.array([[mx, my, 3.0], [0, 0, 0]])
    cop = center_of_pressure(forces, moments, origin_offset_m=(1.0, 2.0, h))
    np.testing.assert_allclose(cop[0], [px + 1.0, py + 2.0])
    assert np.isnan(cop[1]).all()  # 5 N: off the plate
    np.testing.assert_allclose(center_of_pressure(forces[:1], np.array([[-100.0, 50.0, 0]]))[0], [-0.1, -0.2])


def test_combine_cop_weights_by_vertical_force():
    net = combine_cop([np.array([[0.0, 0.0]]), np.array([[1.0, 2.0]])], [np.array([300.0]), np.array([100.0])])
    np.testing.assert_allclose(net, [[0.25, 0.5]])


def test_balance_square_path_and_circle_ellipse():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=float) * 1e-3
    r = analyse_balance(square, 100.0)
    assert r["cop_path_length_m"] == pytest.approx(4e-3)
    assert r["cop_mean_velocity_m_s"] == pytest.approx(4e-3 / 0.04)
    # circle of radius 1 cm, uniform angle over whole periods: cov = r^2/2 * I (ddof=1 adjusts n/(n-1))
    n = 400
    ang = 2 * np.pi * np.arange(n) / n
    circle = 0.01 * np.column_stack([np.cos(ang), np.sin(ang)])
    from scipy import stats

    var = 0.01**2 / 2 * n / (n - 1)
    expected = 2 * np.pi * stats.f.ppf(0.95, 2, n - 2) * var
    assert analyse_balance(circle, 100.0)["cop_ellipse_area_95_m2"] == pytest.approx(expected, rel=1e-9)
    with pytest.raises(AnalysisError, match="undefined"):
        analyse_balance(np.array([[0, 0], [np.nan, 0], [0, 0], [0, 0]]), 100.0)


def test_asymmetry_index():
    np.testing.assert_allclose(asymmetry_pct([110, 90, 0], [100, 100, 0]), [100 * 10 / 110, -10, 0])


def test_knee_joint_force_proxy_geometry():
    bw = 700.0
    out = knee_joint_force_proxy_bw(np.array([700.0, 700.0]), np.array([0.0, 90.0]), bw)
    # straight knee: only the axial share of one leg (0.5 BW); 90 deg: 0.5*cos45*(1 + 0.43/0.045)
    np.testing.assert_allclose(out, [0.5, 0.5 * np.cos(np.pi / 4) * (1 + 0.43 / 0.045)])
    with pytest.raises(AnalysisError, match="same shape"):
        knee_joint_force_proxy_bw(np.ones(3), np.ones(4), bw)


def test_gait_stance_loading_rate_exact():
    fs = 1000.0
    stance = np.concatenate([np.arange(1, 51) * 20.0, np.linspace(1000, 0, 251)[1:]])  # 20 N/ms ramp
    f = np.concatenate([np.zeros(100), stance, np.zeros(100), stance, np.zeros(50)])
    r = analyse_gait(f, fs, body_weight_n=700.0)
    assert len(r.stances) == 2
    assert r.stances.loading_rate_n_per_s.tolist() == pytest.approx([20000.0, 20000.0])
    assert r.stances.peak_force_n.tolist() == pytest.approx([1000.0, 1000.0])
    assert r["peak_force_bw"] == pytest.approx(1000 / 700)
    # first ramp sample (20 N) is on the plate; last sample above 20 N ends the stance
    assert r.stances.start_index.iloc[0] == 100


def test_squat_mid_range_force_with_knee_angle():
    fs, bw = 1000.0, 735.0
    rng = np.random.default_rng(3)
    quiet = np.zeros(1000)
    u = np.arange(1001) / 1000
    knee = np.concatenate([quiet, 90 * u, 90 * (1 - u[1:]), np.zeros(500)])
    force = np.concatenate(
        [np.full(1000, bw), bw * (1 - 0.1 * np.sin(np.pi * u)), bw * (1 + 0.2 * u[1:]), np.full(500, bw)]
    ) + rng.normal(0, 1.0, knee.size)
    r = analyse_squat(force, fs, knee_flexion_deg=knee)
    # concentric samples with knee angle in 25-75 % of the range: u in [0.25, 0.75] -> mean 1 + 0.2*0.5
    assert r["mid_range_mean_force_bw"] == pytest.approx(1.1, abs=1e-3)
    assert r.mid_range[0] - 2001 == pytest.approx(250, abs=1) and r.mid_range[1] - 2001 == pytest.approx(751, abs=1)
    assert r["peak_force_bw"] == pytest.approx(1.2, abs=0.01)
    assert "knee_joint_force_proxy" in r.to_rows().metric.str.cat()
    assert (
        "mid_range_mean_force_bw" in r.metrics
        and "not_inverse_dynamics" in r.metrics["peak_knee_joint_force_proxy_bw"].method
    )


# ---------------------------------------------------------------- synthetic jump truth
@pytest.mark.parametrize("fs_hz", [1000.0, 2000.0])
def test_synthetic_cmj_recovers_height_and_events(fs_hz):
    f, truth = synthetic_cmj(fs_hz=fs_hz)
    r = analyse_jump(f, fs_hz, "cmj")
    assert r["jump_height_impulse_m"] == pytest.approx(truth["jump_height_m"], rel=0.005)
    assert r["jump_height_flight_m"] == pytest.approx(truth["jump_height_m"], rel=0.005)
    assert abs(r.events["takeoff"] - truth["takeoff"]) <= 1
    assert abs(r.events["landing"] - truth["landing"]) <= 1
    assert abs(r.events["zero_velocity"] - truth["zero_velocity_s"] * fs_hz) <= 1
    assert abs(r.events["peak_negative_velocity"] - truth["peak_negative_velocity_s"] * fs_hz) <= 1
    # Owen onset: 30 ms before the first sample outside BW +/- 5 SD, so at most 30 ms before the true start
    start = truth["movement_start"]
    assert start - 0.030 * fs_hz <= r.events["onset"] <= start
    assert r["countermovement_depth_m"] == pytest.approx(truth["depth_m"], abs=0.005)
    assert r.body_weight_n == pytest.approx(truth["body_weight_n"], abs=0.5)
    # phases chain without gaps
    ph = r.phases
    assert ph["unweighting"][1] == ph["braking"][0] and ph["braking"][1] == ph["propulsion"][0]
    assert ph["propulsion"][1] == ph["flight"][0] == r.events["takeoff"]


def test_synthetic_cmj_supplied_body_weight_and_vendor_preset():
    f, truth = synthetic_cmj()
    r = analyse_jump(f, 1000.0, body_weight_n=truth["body_weight_n"], settings=ForcePlateSettings.preset("vendor"))
    assert r.body_weight_method == "supplied"
    assert "takeoff_threshold_n=30" in r.metrics["jump_height_impulse_m"].method
    assert r["jump_height_impulse_m"] == pytest.approx(truth["jump_height_m"], rel=0.005)


def test_to_rows_contract():
    f, _ = synthetic_cmj()
    rows = analyse_jump(f, 1000.0).to_rows(TRIAL_INFO)
    assert list(rows.columns) == [*KEY_COLUMNS, "metric", "value", "unit", "method"]
    assert (rows.subject_id == "S01").all() and rows.metric.is_unique
    for name in (
        "jump_height_impulse_m",
        "jump_height_flight_m",
        "peak_force_n",
        "peak_force_bw",
        "braking_rfd_n_per_s",
        "propulsive_rfd_n_per_s",
        "peak_propulsive_power_w",
        "mean_propulsive_power_w_per_kg",
        "rsi_modified_m_per_s",
        "braking_net_impulse_n_s",
        "propulsion_duration_s",
        "landing_loading_rate_n_per_s",
        "takeoff_velocity_m_s",
    ):
        assert name in set(rows.metric), name
    # a CMJ starts with the unweighting dip: fixed-window RFD from onset is undefined and not emitted (issue 15)
    assert not rows.metric.str.startswith("rfd_0_").any()
    assert rows.set_index("metric").loc["jump_height_impulse_m", "method"].startswith("impulse_momentum")


def test_not_a_jump_is_refused():
    with pytest.raises(AnalysisError, match="no flight phase"):
        analyse_jump(np.full(3000, 700.0) + np.random.default_rng(0).normal(0, 1, 3000), 1000.0)
    with pytest.raises(AnalysisError, match="jump_type"):
        analyse_jump(np.full(3000, 700.0), 1000.0, "hop")


# ---------------------------------------------------------------- properties
@hsettings(max_examples=15, deadline=None)
@given(scale=st.floats(0.6, 1.8))
def test_scaling_force_changes_nothing_in_bw_units(scale):
    f, _ = synthetic_cmj()
    ref = analyse_jump(f, 1000.0)
    r = analyse_jump(f * scale, 1000.0)
    assert r.events == ref.events
    for name in (
        "jump_height_impulse_m",
        "jump_height_flight_m",
        "peak_force_bw",
        "peak_landing_force_bw",
        "takeoff_velocity_m_s",
        "countermovement_depth_m",
        "rsi_modified_m_per_s",
    ):
        assert r[name] == pytest.approx(ref[name], rel=1e-9), name
    assert r["peak_force_n"] == pytest.approx(ref["peak_force_n"] * scale, rel=1e-9)


@hsettings(max_examples=6, deadline=None)
@given(periods=st.integers(0, 5))
def test_prepending_quiet_stance_shifts_every_event(periods):
    f, _ = synthetic_cmj(ripple=True)
    k = 200 * periods  # whole ripple periods: the weighing window content is identical
    ref = analyse_jump(f, 1000.0)
    r = analyse_jump(np.concatenate([f[:k], f]), 1000.0)
    assert {e: i - k for e, i in r.events.items()} == ref.events
    assert r["jump_height_impulse_m"] == ref["jump_height_impulse_m"]


@hsettings(max_examples=40, deadline=None)
@given(pattern=st.lists(st.tuples(st.booleans(), st.integers(1, 30)), min_size=3, max_size=12))
def test_flight_periods_mirror_under_time_reversal(pattern):
    f = np.concatenate([np.full(n, 500.0 if on else 0.0) for on, n in pattern] + [np.full(3, 500.0)])
    s = ForcePlateSettings(min_flight_s=0.005, min_contact_s=0.002)
    fwd = flight_periods(f, 1000.0, s)
    rev = flight_periods(f[::-1], 1000.0, s)
    mirrored = sorted((f.size - b, f.size - a) for a, b in fwd.tolist())
    assert sorted(map(tuple, rev.tolist())) == mirrored


def test_recording_wrapper_picks_vertical_channels():
    from analysis.forceplate import vertical_force_from_recording
    from analysis.recording import Recording

    f, truth = synthetic_cmj()
    rec = Recording(
        samples=np.column_stack([f / 2, f / 2, np.zeros_like(f)]),
        sampling_rate_hz=1000.0,
        channel_names=["Fz1", "Fz2", "Fx1"],
        units=["N"] * 3,
        channel_kinds=["force"] * 3,
    )
    fz = vertical_force_from_recording(rec)
    assert fz.shape == (f.size, 2)
    r = analyse_jump(fz, rec.sampling_rate_hz, plate_sides=("left", "right"))
    assert r["asymmetry_peak_propulsion_force_pct"] == pytest.approx(0.0)
    empty = Recording(
        samples=np.zeros((10, 1)), sampling_rate_hz=1000.0, channel_names=["Fy"], units=["N"], channel_kinds=["force"]
    )
    with pytest.raises(AnalysisError, match="channels="):
        vertical_force_from_recording(empty)


def test_benchmark_suite_shape():
    from analysis.bench.forceplate import COLUMNS, run

    table = run(quick=True)
    assert list(table.columns) == COLUMNS
    assert table.value.iloc[0] > 0 and table.baseline.iloc[0] > 0  # no timing assertion (benchmarks only)


def test_squat_without_knee_angle_uses_com_displacement():
    # descent: accelerate down then brake (F < BW, then > BW); ascent mirrored; 1 s each
    bw = 735.0
    u = np.arange(1001) / 1000
    force = np.concatenate(
        [
            np.full(1000, bw),
            bw * (1 - 0.1 * np.sin(2 * np.pi * u)),
            bw * (1 + 0.1 * np.sin(2 * np.pi * u[1:])),
            np.full(1000, bw),
        ]
    )
    force += np.random.default_rng(3).normal(0, 1.0, force.size)
    r = analyse_squat(force, 1000.0)
    assert abs(r.phases["concentric"][0] - 2000) <= 20  # lowest CoM at the end of the descent
    # displacement 25-75 % of the ascent is symmetric about its midpoint, where F - BW is odd: mean = 1 BW
    assert r["mid_range_mean_force_bw"] == pytest.approx(1.0, abs=0.005)
    assert r["peak_force_bw"] == pytest.approx(1.1, abs=0.01)
    assert "com_displacement" in r.metrics["mid_range_mean_force_bw"].method
    assert "knee_joint_force_proxy" not in " ".join(r.metrics)


def test_study_roles_choose_the_vertical_force_channels():
    from analysis.forceplate import is_vertical_force_role, vertical_force_from_recording
    from analysis.recording import Recording

    samples = np.column_stack([np.full(5, 1.0), np.full(5, 2.0), np.full(5, 3.0)])
    rec = Recording(
        samples=samples,
        sampling_rate_hz=1000.0,
        channel_names=["Plate A vertical", "Fz", "Az"],
        units=["N", "N", "N"],
        channel_kinds=["force"] * 3,
    )
    # by role: the unnamed-looking channel is the vertical force, and the name rule is not consulted
    np.testing.assert_array_equal(
        vertical_force_from_recording(rec, roles={"Plate A vertical": "fz_left"}), samples[:, [0]]
    )
    # no vertical-force role: the name rule, minus channels that have another role in study.yaml
    np.testing.assert_array_equal(vertical_force_from_recording(rec, roles={"Az": "accelerometer_z"}), samples[:, [1]])
    np.testing.assert_array_equal(vertical_force_from_recording(rec), samples[:, [1, 2]])
    assert [is_vertical_force_role(r) for r in ("fz", "FZ_right", "vertical_force_2", "fzx", "knee_flexion")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    lone = Recording(
        samples=samples[:, :1],
        sampling_rate_hz=1000.0,
        channel_names=["Plate A vertical"],
        units=["N"],
        channel_kinds=["force"],
    )
    with pytest.raises(AnalysisError, match='roles: \\(e.g. "Plate A vertical": fz\\)'):
        vertical_force_from_recording(lone)
