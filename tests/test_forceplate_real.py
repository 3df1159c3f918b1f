"""Force-plate analysis against real recordings (vendored; numbers from shared/data/real/README.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.forceplate import ForcePlateSettings, analyse_jump

FS_HZ = 1000.0  # vertical_jumps_fz: the source tool's default (SOURCE.txt); acl files: 1000 Hz time column
MM = 0.002  # acceptance tolerance: 2 mm for jump heights
MS = 0.002  # and 2 ms (two samples) for times


def _vjfz(vendored_real, kind: str, dual: bool) -> np.ndarray:
    folder = vendored_real / "vertical_jumps_fz"
    if dual:
        return pd.read_csv(folder / f"Dual-{kind}-Fz.txt", sep="\t").to_numpy(float)  # FP1, FP2
    return np.loadtxt(folder / f"Single-{kind}-Fz.txt")


FIRST_SECOND = ForcePlateSettings(jump_weighing_anchor="first")  # the README's numbers weigh the first second


@pytest.mark.parametrize("dual", [False, True], ids=["single", "dual"])
def test_vertical_jumps_cmj(vendored_real, dual):
    r = analyse_jump(_vjfz(vendored_real, "CMJ", dual), FS_HZ, "cmj", settings=FIRST_SECOND)
    assert r.body_weight_n == pytest.approx(662.9, abs=0.1)
    assert r["flight_time_s"] == pytest.approx(0.511, abs=MS)
    assert r["jump_height_flight_m"] == pytest.approx(0.320, abs=MM)
    assert r["jump_height_impulse_m"] == pytest.approx(0.321, abs=MM)
    assert r["takeoff_velocity_m_s"] == pytest.approx(2.51, abs=0.01)
    assert r["peak_propulsive_force_n"] == pytest.approx(1768, abs=5)


@pytest.mark.parametrize("dual", [False, True], ids=["single", "dual"])
def test_vertical_jumps_cmj_weighs_the_stance_before_the_jump(vendored_real, dual):
    """Default weighing: the quiet 1-s window ending at the movement onset (issue 15)."""
    f = _vjfz(vendored_real, "CMJ", dual)
    r = analyse_jump(f, FS_HZ, "cmj")
    a, b = r.phases["weighing"]
    total = f.sum(axis=1) if f.ndim == 2 else f
    assert b - a == 1000 and r.body_weight_n == pytest.approx(total[a:b].mean(), rel=1e-12)
    assert r.body_weight_method.startswith("quiet_1s_window_ending_at_onset")
    assert r.body_weight_n == pytest.approx(662.9, abs=0.2)  # a different window of the same stance
    assert r["flight_time_s"] == pytest.approx(0.511, abs=MS)
    assert r["jump_height_impulse_m"] == pytest.approx(0.321, abs=MM)
    assert r["takeoff_velocity_m_s"] == pytest.approx(2.51, abs=0.01)


@pytest.mark.parametrize("dual", [False, True], ids=["single", "dual"])
def test_vertical_jumps_sj_and_dj(vendored_real, dual):
    sj = analyse_jump(_vjfz(vendored_real, "SJ", dual), FS_HZ, "sj")
    assert sj["flight_time_s"] == pytest.approx(0.471, abs=MS)
    assert "countermovement_in_squat_jump" not in sj.flags
    dj = analyse_jump(_vjfz(vendored_real, "DJ", dual), FS_HZ, "dj")
    assert dj["contact_time_s"] == pytest.approx(0.249, abs=MS)
    assert dj["flight_time_s"] == pytest.approx(0.487, abs=MS)
    assert dj["rsi_m_per_s"] == pytest.approx(dj["jump_height_flight_m"] / dj["contact_time_s"])
    assert "jump_height_impulse_m" not in dj.metrics  # needs drop_height_m


@pytest.mark.parametrize("kind", ["CMJ", "SJ", "DJ"])
def test_single_and_summed_dual_plates_agree(vendored_real, kind):
    single = analyse_jump(_vjfz(vendored_real, kind, False), FS_HZ, kind.lower())
    dual = analyse_jump(_vjfz(vendored_real, kind, True), FS_HZ, kind.lower(), plate_sides=("left", "right"))
    assert single.events == dual.events
    for name, metric in single.metrics.items():
        assert dual[name] == pytest.approx(metric.value, rel=1e-9, abs=1e-9), name
    assert any(name.startswith("asymmetry_") for name in dual.metrics)


def _acl(vendored_real, which: str) -> np.ndarray:
    df = pd.read_csv(vendored_real / "acl_squat_jump_dualfp" / f"BFR007_{which}_squat_jump.csv")
    return df[["ground_force2_vy", "ground_force1_vy"]].to_numpy(float)  # y is vertical; FP2 left, FP1 right


@pytest.mark.parametrize("which", ["1st", "3rd"])
def test_acl_trials_without_quiet_stance_are_refused(vendored_real, which):
    with pytest.raises(AnalysisError, match="no quiet stance"):
        analyse_jump(_acl(vendored_real, which), FS_HZ, "cmj", source=which)


def test_acl_trial2_weighs_883_and_methods_agree(vendored_real):
    r = analyse_jump(_acl(vendored_real, "2nd"), FS_HZ, "cmj", plate_sides=("left", "right"))
    assert r.body_weight_n == pytest.approx(883.0, abs=1.0)
    assert r["flight_time_s"] == pytest.approx(0.324, abs=MS)
    assert r["jump_height_flight_m"] == pytest.approx(0.129, abs=MM)
    assert r["jump_height_impulse_m"] == pytest.approx(0.128, abs=MM)


@pytest.mark.parametrize("which", ["1st", "2nd", "3rd"])
def test_acl_supplied_body_weight_methods_agree_within_1cm(vendored_real, which):
    r = analyse_jump(_acl(vendored_real, which), FS_HZ, "cmj", body_weight_n=883.0)
    assert r.body_weight_method == "supplied"
    assert 0.05 < r["jump_height_flight_m"] < 0.2
    assert r["jump_height_impulse_m"] == pytest.approx(r["jump_height_flight_m"], abs=0.01)
