"""OpenSignals (biosignalsplux) force platform: ADC counts -> N per load cell -> Fz -> jump metrics, on a real file.

tests/data/real/bsnb_force_platform/loft_time_subject_1.h5 (biosignalsnotebooks, MIT; SOURCE.txt): one CMJ at
~20.8 s on a PLUX platform, 500 Hz, 16 bit; Vfs per cell in the file, C = 406.831 kg*mV/V from the
biosignalsnotebooks center_of_pressure notebook. The reference conversion below is written from the datasheet
formula independently of the reader (plain h5py + numpy).
"""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest

from analysis.errors import AnalysisError, ReadError
from analysis.forceplate import ForcePlateSettings, ForcePlateWarning, analyse_jump, vertical_force_from_recording
from analysis.io import read_recording
from analysis.readers.opensignals_force import load_cells_to_newtons, read_options_from_study

C_KG_MV_PER_V = 406.831  # center_of_pressure.ipynb (biosignalsnotebooks @0de354d)
VFS_NOTEBOOK = (2.00061, 2.00026, 2.00011, 2.00038)  # same notebook; also the file's 'forcePlatform values'
DEVICE = "00:07:80:4D:2E:81"
G = 9.80665


@pytest.fixture
def h5_path(vendored_real):
    return vendored_real / "bsnb_force_platform" / "loft_time_subject_1.h5"


def _reference_cells_n(path) -> np.ndarray:
    """Datasheet formula by hand: W_i = ADC_i * C / (Vfs_i * (2^16 - 1)) kgf, times g."""
    with h5py.File(path, "r") as h5:
        raw = np.column_stack([h5[DEVICE]["raw"][f"channel_{i}"][:, 0] for i in range(1, 5)]).astype(float)
    return np.column_stack([raw[:, i] * C_KG_MV_PER_V / (VFS_NOTEBOOK[i] * 65535) * G for i in range(4)])


def test_without_the_calibration_constant_the_reader_refuses(h5_path):
    with pytest.raises(ReadError, match="calibration_kg_mv_per_v") as info:
        read_recording(h5_path)
    assert DEVICE in str(info.value) and "study.yaml" in str(info.value)
    with pytest.raises(ReadError, match="tare must be"):
        read_recording(h5_path, force_platform={"calibration_kg_mv_per_v": C_KG_MV_PER_V})
    with pytest.raises(ReadError, match="not a positive number"):
        read_recording(h5_path, force_platform={"calibration_kg_mv_per_v": "abc", "tare": "none"})


def test_conversion_matches_the_datasheet_formula_per_cell(h5_path):
    rec = read_recording(h5_path, force_platform={"calibration_kg_mv_per_v": C_KG_MV_PER_V, "tare": "none"})
    assert rec.channel_names == ["CH1", "CH2", "CH3", "CH4", "Fz"]
    assert rec.units == ["N"] * 5 and rec.channel_kinds == ["force"] * 5
    reference = _reference_cells_n(h5_path)
    np.testing.assert_allclose(rec.samples[:, :4], reference, rtol=1e-12)
    np.testing.assert_allclose(rec.channel("Fz"), reference.sum(axis=1), rtol=1e-12)
    fp = rec.metadata["force_platform"]
    assert fp["vfs"] == list(VFS_NOTEBOOK) and fp["vfs_source"].startswith("file")
    assert fp["tared"] is False and fp["resolution_bits"] == [16] * 4
    assert "9.80665" in rec.metadata["transfer_function"]["Fz"]
    # a keyed-by-device option and certificate Vfs give the same numbers
    keyed = read_recording(
        h5_path,
        force_platform={DEVICE: {"calibration_kg_mv_per_v": C_KG_MV_PER_V, "tare": "none", "vfs": VFS_NOTEBOOK}},
    )
    np.testing.assert_allclose(keyed.samples, rec.samples, rtol=1e-12)
    assert load_cells_to_newtons(np.array([[65535.0]]), [2.0], [16], 406.831)[0, 0] == pytest.approx(406.831 / 2 * G)


def test_untared_plate_is_declared_and_counts_are_never_taken_as_force(h5_path):
    rec = read_recording(h5_path, force_platform={"calibration_kg_mv_per_v": C_KG_MV_PER_V, "tare": "none"})
    with pytest.warns(ForcePlateWarning, match="un-tared"):
        fz = vertical_force_from_recording(rec)
    # the unloaded plate reads ~74 N during the flight, above the 20-N take-off threshold: no flight is found
    with pytest.raises(AnalysisError, match="no flight phase"):
        analyse_jump(fz, rec.sampling_rate_hz, "cmj")
    from analysis.recording import Recording

    counts = Recording(
        samples=rec.samples[:, :1], sampling_rate_hz=500.0, channel_names=["Fz"], units=["ADC"], channel_kinds=["force"]
    )
    with pytest.raises(AnalysisError, match="ADC counts"):
        vertical_force_from_recording(counts)


def test_file_plus_constant_gives_jump_metrics(h5_path):
    """Tared on the lowest-force 0.1 s (the flight): plausible body weight, flight and impulse heights agree."""
    rec = read_recording(h5_path, force_platform={"calibration_kg_mv_per_v": C_KG_MV_PER_V, "tare": "unloaded_minimum"})
    offsets = rec.metadata["force_platform"]["tare_offsets_n"]
    assert 60 < sum(offsets) < 90  # the unloaded plate's reading (SOURCE.txt: ~74 N)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tared: no warning
        fz = vertical_force_from_recording(rec)
        r = analyse_jump(fz, rec.sampling_rate_hz, "cmj", source=h5_path.name)
    assert 700 < r.body_weight_n < 800  # ~77 kg adult
    assert r.events["takeoff"] / 500 == pytest.approx(20.82, abs=0.02)
    assert r.events["onset"] / 500 == pytest.approx(19.70, abs=0.05)  # the jump's own countermovement, not 2.5 s
    assert r["flight_time_s"] == pytest.approx(0.322, abs=0.004)
    assert r["jump_height_impulse_m"] == pytest.approx(r["jump_height_flight_m"], abs=0.005)
    assert not [f for f in r.flags if f.startswith("jump_heights_disagree")]
    assert 15 < r["peak_propulsive_power_w_per_kg"] < 40 and r["mean_propulsive_power_w"] > 0


def test_untared_with_raised_thresholds_is_flagged_only_through_its_bias(h5_path):
    """Declared un-tared, take-off threshold above the plate's reading: weighing carries the offset (F - BW stays
    right) but the body mass includes the plate, so the impulse height is low by (BW/(BW + offset))^2."""
    tared = read_recording(
        h5_path, force_platform={"calibration_kg_mv_per_v": C_KG_MV_PER_V, "tare": "unloaded_minimum"}
    )
    untared = read_recording(h5_path, force_platform={"calibration_kg_mv_per_v": C_KG_MV_PER_V, "tare": "none"})
    offset = sum(tared.metadata["force_platform"]["tare_offsets_n"])
    s = ForcePlateSettings(takeoff_threshold_n=20 + offset, landing_threshold_n=20 + offset)
    a = analyse_jump(tared.channel("Fz"), 500.0, "cmj", settings=ForcePlateSettings())
    b = analyse_jump(untared.channel("Fz"), 500.0, "cmj", settings=s)
    assert b.body_weight_n == pytest.approx(a.body_weight_n + offset, abs=0.5)
    assert b.events["onset"] == a.events["onset"] and b["flight_time_s"] == a["flight_time_s"]
    ratio = (a.body_weight_n / b.body_weight_n) ** 2
    assert b["jump_height_impulse_m"] == pytest.approx(a["jump_height_impulse_m"] * ratio, rel=0.01)


def test_study_yaml_force_platforms_become_the_reader_option(h5_path):
    """study.yaml ``force_platforms:`` (data/README.md) keyed by device is what read_recording takes."""
    config = {"name": "x", "force_platforms": {DEVICE: {"calibration_kg_mv_per_v": C_KG_MV_PER_V, "tare": "none"}}}
    options = read_options_from_study(config)
    rec = read_recording(h5_path, **options)
    assert rec.metadata["force_platform"]["calibration_kg_mv_per_v"] == C_KG_MV_PER_V
    assert read_options_from_study({"name": "x"}) == {}
    with pytest.raises(ReadError, match="calibration_kg_mv_per_v"):
        read_recording(h5_path, force_platform={"00:00:00:00:00:00": {"tare": "none"}})
