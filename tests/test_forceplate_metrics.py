"""Issue 15 jump metrics on real recordings: propulsive power against an independent impulse–momentum calculation,
phase-anchored RFD (no fixed-window RFD in a CMJ), weighing and onset tied to the jump on a long un-tared
recording, the jump-height disagreement warning, and one definition per metric.

The independent calculation below is plain numpy written from the published definitions
(docs/design/metrics-and-reliability.md §1.3–1.4): body weight from the first second (README "Numbers to test
against"), onset = first |F − BW| > 5 SD − 30 ms (Owen 2014), v by the trapezoid rule from onset, P = F·v,
propulsion from v = 0 after the countermovement (from onset for a static start), take-off/landing at 20 N;
drop jumps integrate backwards from v_to = g·t_f/2.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.forceplate import (
    ForcePlateSettings,
    ForcePlateWarning,
    analyse_jump,
    definition,
    detect_onset,
    metric_definitions,
)
from analysis.readers.opensignals_force import lowest_force_window

G = 9.80665
FS_HZ = 1000.0


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def independent_power(force, fs, kind, bw, sd=None, quiet_end=None):
    """(peak propulsive power W, mean propulsive power W, take-off velocity m/s), plain numpy."""
    f = np.asarray(force, float)
    f = f.sum(axis=1) if f.ndim == 2 else f
    on_a, on_b = _runs(f >= 20.0)
    keep = (on_b - on_a) > 10  # ignore 1-sample spikes (the DJ file has one before contact)
    on_a, on_b = on_a[keep], on_b[keep]
    if kind == "dj":
        contact, takeoff, landing = on_a[0], on_b[0], on_a[1]
    else:
        takeoff, landing = on_b[0], on_a[1]
    acc = (f - bw) / (bw / G)
    dt = 1 / fs
    v = np.zeros_like(f)
    if kind == "dj":
        seg = acc[contact : takeoff + 1]
        cum = np.concatenate(([0.0], np.cumsum((seg[1:] + seg[:-1]) / 2 * dt)))
        v[contact : takeoff + 1] = G * (landing - takeoff) / fs / 2 - (cum[-1] - cum)
        start = contact
    else:
        out = np.flatnonzero(np.abs(f[quiet_end:takeoff] - bw) > 5 * sd)
        start = quiet_end + out[0] - int(0.030 * fs)
        seg = acc[start : takeoff + 1]
        v[start : takeoff + 1] = np.concatenate(([0.0], np.cumsum((seg[1:] + seg[:-1]) / 2 * dt)))
    i_min = start + np.argmin(v[start:takeoff])
    zero = i_min + np.flatnonzero(v[i_min:takeoff] >= 0)[0] if v[i_min] < -0.05 else start
    p = f * v
    return p[zero : takeoff + 1].max(), p[zero:takeoff].mean(), v[takeoff]


def _vjfz(vendored_real, kind: str) -> np.ndarray:
    return np.loadtxt(vendored_real / "vertical_jumps_fz" / f"Single-{kind}-Fz.txt")


def _acl(vendored_real, which: str) -> np.ndarray:
    df = pd.read_csv(vendored_real / "acl_squat_jump_dualfp" / f"BFR007_{which}_squat_jump.csv")
    return df[["ground_force2_vy", "ground_force1_vy"]].to_numpy(float)  # y is vertical


# ---------------------------------------------------------------- power
@pytest.mark.parametrize("kind", ["CMJ", "SJ", "DJ"])
def test_power_matches_an_independent_impulse_momentum_calculation(vendored_real, kind):
    f = _vjfz(vendored_real, kind)
    r = analyse_jump(f, FS_HZ, kind.lower())
    if kind == "DJ":  # starts off the plate: weigh the last second, after the landing
        peak, mean, _ = independent_power(f, FS_HZ, "dj", f[-1000:].mean())
    else:
        peak, mean, v_to = independent_power(f, FS_HZ, kind.lower(), f[:1000].mean(), f[:1000].std(), 1000)
        assert r["takeoff_velocity_m_s"] == pytest.approx(v_to, rel=0.01)
    assert r["peak_propulsive_power_w"] == pytest.approx(peak, rel=0.01)
    assert r["mean_propulsive_power_w"] == pytest.approx(mean, rel=0.01)
    mass = r.body_weight_n / G
    assert r["peak_propulsive_power_w_per_kg"] == pytest.approx(r["peak_propulsive_power_w"] / mass, rel=1e-12)
    assert r["mean_propulsive_power_w_per_kg"] == pytest.approx(r["mean_propulsive_power_w"] / mass, rel=1e-12)
    assert 0 < r["mean_propulsive_power_w"] < r["peak_propulsive_power_w"]
    if kind != "DJ":  # RSI-mod and time to take-off beside the power
        assert r["rsi_modified_m_per_s"] == pytest.approx(r["jump_height_impulse_m"] / r["time_to_takeoff_s"])


def test_power_on_the_dual_plate_acl_trial(vendored_real):
    f = _acl(vendored_real, "2nd")
    r = analyse_jump(f, FS_HZ, "cmj", plate_sides=("left", "right"))
    total = f.sum(axis=1)
    peak, mean, v_to = independent_power(total, FS_HZ, "cmj", total[:500].mean(), total[:500].std(), 500)
    assert r["peak_propulsive_power_w"] == pytest.approx(peak, rel=0.01)
    assert r["mean_propulsive_power_w"] == pytest.approx(mean, rel=0.01)
    assert r["takeoff_velocity_m_s"] == pytest.approx(v_to, rel=0.01)


# ---------------------------------------------------------------- RFD by phase and exercise
def test_cmj_has_phase_rfd_and_no_fixed_window_rfd(vendored_real):
    f = _vjfz(vendored_real, "CMJ")
    r = analyse_jump(f, FS_HZ, "cmj")
    assert not [name for name in r.metrics if name.startswith("rfd_0_")]
    assert "rfd_onset" not in r.events
    a, b = r.phases["braking"]
    i_peak = a + int(np.argmax(f[a:b]))
    assert r["braking_rfd_n_per_s"] == pytest.approx((f[i_peak] - f[a]) * FS_HZ / (i_peak - a), rel=1e-12)
    a, b = r.phases["propulsion"]
    i_peak = a + int(np.argmax(f[a:b]))
    assert r["propulsive_rfd_n_per_s"] == pytest.approx((f[i_peak] - f[a]) * FS_HZ / (i_peak - a), rel=1e-12)
    assert r["propulsion_mean_force_bw"] == pytest.approx(f[a:b].mean() / r.body_weight_n, rel=1e-12)
    assert "braking" in r.metrics["braking_rfd_n_per_s"].method and "propulsion" in (
        r.metrics["propulsive_rfd_n_per_s"].method
    )


@pytest.mark.parametrize("kind", ["CMJ", "SJ", "DJ"])
def test_no_jump_metric_is_negative_by_construction(vendored_real, kind):
    """Only metrics whose definition states a sign convention may be negative (net impulses, displacement)."""
    r = analyse_jump(_vjfz(vendored_real, kind), FS_HZ, kind.lower())
    for name, metric in r.metrics.items():
        if "signed" not in definition(name).definition:
            assert metric.value >= 0, (name, metric.value)


def test_squat_jump_from_a_static_hold_keeps_fixed_window_rfd(vendored_real):
    r = analyse_jump(_vjfz(vendored_real, "SJ"), FS_HZ, "sj")
    assert "countermovement_in_squat_jump" not in r.flags
    for w in (50, 100, 200):
        assert r[f"rfd_0_{w}ms_n_per_s"] > 0
        assert r.metrics[f"rfd_0_{w}ms_n_per_s"].method.startswith(f"secant_from_onset_0_{w}ms;rfd_onset=")


def test_squat_jump_with_a_countermovement_gets_no_fixed_window_rfd(vendored_real):
    """The ACL 'squat jumps' contain an eccentric phase (SOURCE.txt): RFD from onset would be undefined."""
    r = analyse_jump(_acl(vendored_real, "2nd"), FS_HZ, "sj")
    assert "countermovement_in_squat_jump" in r.flags
    assert not [name for name in r.metrics if name.startswith("rfd_0_")]


# ---------------------------------------------------------------- long un-tared recording, one jump at 20.8 s
def _long_untared(vendored_real, offset_n: float = 74.0) -> tuple[np.ndarray, np.ndarray, int]:
    """The real CMJ after 18.445 s of its own quiet stance (so take-off is at 20.8 s), with 10 s of postural sway
    (+-10 N, 0.3 Hz) first, a 60-N weight shift at 12.3-12.8 s, and the unloaded plate's reading (74 N, the PLUX
    plate of tests/data/real/bsnb_force_platform) added: an un-tared recording."""
    f = _vjfz(vendored_real, "CMJ")[:4000]
    stance = f[198:1198]  # a quiet second of the same subject
    n_prefix = 18445
    prefix = np.tile(stance, 19)[:n_prefix].copy()
    t = np.arange(n_prefix) / FS_HZ
    prefix[t < 10] += 10 * np.sin(2 * np.pi * 0.3 * t[t < 10])
    shift = (t >= 12.3) & (t < 12.8)
    prefix[shift] -= 60 * np.sin(np.pi * (t[shift] - 12.3) / 0.5) ** 2
    return np.concatenate([prefix, f]) + offset_n, f, n_prefix


def test_long_untared_recording_onset_and_weighing_follow_the_jump(vendored_real):
    raw, original, shift = _long_untared(vendored_real)
    ref = analyse_jump(original, FS_HZ, "cmj")
    a, b = lowest_force_window(raw, FS_HZ)  # the documented unloaded window: the flight
    assert 20.8 < a / FS_HZ < b / FS_HZ < 21.3
    tared = raw - raw[a:b].mean()
    r = analyse_jump(tared, FS_HZ, "cmj")
    assert r.events["takeoff"] / FS_HZ == pytest.approx(20.8, abs=0.002)
    for event in ("onset", "takeoff", "landing", "peak_negative_velocity", "zero_velocity"):
        assert abs(r.events[event] - (ref.events[event] + shift)) <= 1, event
    assert r.phases["weighing"][0] >= 10 * FS_HZ  # the stance before the jump, not the swaying start
    assert r["time_to_takeoff_s"] == pytest.approx(ref["time_to_takeoff_s"], abs=0.002)
    assert r["jump_height_impulse_m"] == pytest.approx(ref["jump_height_impulse_m"], abs=0.001)
    assert r["jump_height_impulse_m"] == pytest.approx(r["jump_height_flight_m"], abs=0.005)
    assert r["peak_propulsive_power_w"] == pytest.approx(ref["peak_propulsive_power_w"], rel=0.005)
    assert not [flag for flag in r.flags if flag.startswith("jump_heights_disagree")]
    # a forward search from the start of the file fires on the weight shift at 12.3 s (the 2.5 s onset)
    forward = detect_onset(tared, FS_HZ, r.body_weight_n, 2.0, search_start=int(10.5 * FS_HZ))
    assert forward / FS_HZ < 12.8


def test_long_untared_recording_declared_untared_is_flagged(vendored_real):
    """Un-tared, thresholds above the plate's reading: F − BW is right, but the body mass includes the plate and
    the impulse height drops by (BW/(BW + 74 N))² ≈ 0.81: the two heights disagree and the trial says so."""
    raw, _, _ = _long_untared(vendored_real)
    s = ForcePlateSettings(takeoff_threshold_n=94.0, landing_threshold_n=94.0)
    with pytest.warns(ForcePlateWarning, match="differ by"):
        r = analyse_jump(raw, FS_HZ, "cmj", settings=s, source="long.txt")
    assert r.body_weight_n == pytest.approx(663.0 + 74.0, abs=0.5)
    assert [flag for flag in r.flags if flag.startswith("jump_heights_disagree")]


# ---------------------------------------------------------------- real trials without quiet stance
@pytest.mark.parametrize(("which", "quietest_half_second_n"), [("1st", 805.0), ("3rd", 814.0)])
def test_acl_trials_weighed_wrongly_are_flagged(vendored_real, which, quietest_half_second_n):
    """README: weighing trials 1 and 3 on their quietest half second gives ~805/814 N instead of 883 N and absurd
    impulse heights; supplied that weight, the trial is flagged and warned about; supplied 883 N it is not."""
    f = _acl(vendored_real, which)
    with pytest.warns(ForcePlateWarning, match=f"{which}: impulse-momentum jump height"):
        bad = analyse_jump(f, FS_HZ, "cmj", body_weight_n=quietest_half_second_n, source=which)
    assert [flag for flag in bad.flags if flag.startswith("jump_heights_disagree")]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForcePlateWarning)
        good = analyse_jump(f, FS_HZ, "cmj", body_weight_n=883.0)
    assert not [flag for flag in good.flags if flag.startswith("jump_heights_disagree")]


# ---------------------------------------------------------------- definitions written once
@pytest.mark.parametrize("kind", ["CMJ", "SJ", "DJ"])
def test_every_metric_has_one_definition_and_its_method_names_it(vendored_real, kind):
    r = analyse_jump(_vjfz(vendored_real, kind), FS_HZ, kind.lower())
    table = metric_definitions(r.metrics)
    assert list(table.columns) == ["metric", "unit", "phase", "method", "definition", "source"]
    assert list(table.metric) == list(r.metrics)  # every emitted metric is defined
    for row in table.itertuples():
        metric = r.metrics[row.metric]
        assert metric.unit == row.unit, row.metric
        assert metric.method.startswith(row.method), (row.metric, metric.method, row.method)
        assert row.definition and row.source
    phases = dict(zip(table.metric, table.phase))
    assert phases["braking_duration_s"] == "braking" and phases["peak_propulsive_power_w"] == "propulsion"


def test_definitions_table_lists_every_definition_once():
    table = metric_definitions()
    assert table.metric.is_unique and len(table) > 25
    assert "rfd_0_{w}ms_n_per_s" in set(table.metric)
    assert "never for a countermovement jump" in table.set_index("metric").loc["rfd_0_{w}ms_n_per_s", "definition"]
    with pytest.raises(KeyError):
        definition("no_such_metric")


def test_report_definitions_table_follows_the_force_table(vendored_real):
    from analysis.plots import forceplate as fplots

    rows = analyse_jump(_vjfz(vendored_real, "CMJ"), FS_HZ, "cmj").to_rows({"trial_id": "t1", "exercise": "cmj"})
    table = fplots.metric_definitions_table(rows)
    assert list(table["metric"]) == list(rows["metric"])
    assert "peak_propulsive_power_w_per_kg" in fplots.REPORT_METRICS
    assert fplots.metric_definitions_table(None).empty


def test_static_start_rfd_keeps_windows_past_the_peak_and_stops_at_takeoff():
    """RFD 0–w ms is [F(t_on + w) − F(t_on)]/w (Maffiuletti et al. 2016) whether or not the peak came first: dropping
    windows that end after the peak drops the fastest trials (a biased group comparison, claim C7). A window that
    ends at or after take-off is not emitted (the plate reads the flight there)."""
    from analysis.forceplate.phase_metrics import static_start_rfd_metrics

    fs = 1000.0
    force = np.full(400, 700.0)
    force[100:181] = np.linspace(700.0, 1500.0, 81)  # onset at 100, peak 1500 N at 180 (80 ms)
    force[181:300] = np.linspace(1500.0, 1200.0, 119)  # falls after the peak
    force[300:] = 0.0  # take-off at 300 (200 ms after onset)
    out = static_start_rfd_metrics(force, fs, 100, 300, (50, 100, 200), "test")
    assert out["rfd_0_50ms_n_per_s"].value == pytest.approx((force[150] - 700.0) / 0.05)
    assert out["rfd_0_100ms_n_per_s"].value == pytest.approx((force[200] - 700.0) / 0.1)  # past the 80-ms peak
    assert "rfd_0_200ms_n_per_s" not in out  # ends at take-off
