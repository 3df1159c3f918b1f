"""Readers: exact unit tests on small files, vendor-layout fixtures, C3D quirks, and every real dataset."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ReadError
from analysis.io import load_table, read_injury_tables, read_r_tables, read_recording, save_table, sniff_format
from tests.readers_corpus import c3d_parameters


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# generic simulator format: time_s,<name> [<unit>]


def test_generic_csv_units_names_kinds_and_rate(tmp_path):
    path = _write(
        tmp_path,
        "trial.csv",
        "time_s,EMG 1 [mV],knee_flexion [deg],Fz1 [N],Mx1 [N.mm]\n"
        "0.000,1.0,10.0,700.0,1000\n"
        "0.001,-2.0,11.0,710.0,2000\n"
        "0.002,0.5,12.5,720.0,-500\n",
    )
    rec = read_recording(path)
    assert rec.channel_names == ["EMG 1", "knee_flexion", "Fz1", "Mx1"]
    assert rec.units == ["V", "deg", "N", "N·m"]
    assert rec.source_units == ["mV", "deg", "N", "N·mm"]
    assert rec.channel_kinds == ["emg", "angle", "force", "moment"]
    assert rec.sampling_rate_hz == pytest.approx(1000.0)
    np.testing.assert_allclose(rec.channel("EMG 1"), [1e-3, -2e-3, 0.5e-3])
    np.testing.assert_allclose(rec.channel("Mx1"), [1.0, 2.0, -0.5])
    np.testing.assert_array_equal(rec.channel("knee_flexion"), [10.0, 11.0, 12.5])
    assert rec.events.empty and list(rec.events.columns[:2]) == ["label", "time_s"]
    assert sniff_format(path) == "generic_csv"


def test_generic_csv_column_map_and_unit_override(tmp_path):
    path = _write(tmp_path, "t.csv", "# exported by lab script\n\ntime_s;a;b\n0;1;2\n0.5;3;4\n1.0;5;6\n")
    rec = read_recording(path, columns={"a": "EMG 1"}, units={"a": "uV", "b": "N"}, kinds={"b": "force"})
    assert rec.channel_names == ["EMG 1", "b"]
    assert rec.sampling_rate_hz == pytest.approx(2.0)
    np.testing.assert_allclose(rec.channel("EMG 1"), [1e-6, 3e-6, 5e-6])
    assert rec.channel_kinds == ["emg", "force"]
    assert rec.metadata["preamble"][0] == "# exported by lab script"


def test_generic_csv_non_uniform_time_names_row(tmp_path):
    path = _write(tmp_path, "t.csv", "time_s,x [N]\n0,1\n0.001,1\n0.003,1\n0.004,1\n")
    with pytest.raises(ReadError, match=r"row 3, column 'time_s'.*not uniformly sampled|not uniformly sampled"):
        read_recording(path)


def test_generic_csv_non_numeric_cell_names_line_and_column(tmp_path):
    path = _write(tmp_path, "t.csv", "time_s,x [N],y [N]\n0,1,2\n0.001,abc,2\n0.002,1,2\n")
    with pytest.raises(ReadError) as info:
        read_recording(path)
    assert info.value.where == "line 3, column 2"
    assert "abc" in str(info.value)


def test_sampling_rate_option_must_agree_with_time_column(tmp_path):
    path = _write(tmp_path, "t.csv", "time_s,x [N]\n0,1\n0.001,1\n0.002,1\n")
    with pytest.raises(ReadError, match="disagrees"):
        read_recording(path, sampling_rate_hz=2000)


# ---------------------------------------------------------------------------------------------
# vendor layouts (small fixtures written from what the vendors' exports are known to look like)

# Delsys EMGworks / Trigno CSV: preamble, then a header starting with "X[s]" where every signal
# has its own "X[s]" time column (layout as parsed by kineticstoolkit's read_delsys_csv and by the
# Trigno readers in public lab repos; "Avanti sensor N: EMG N" names as in those files). EMG in V.
DELSYS = (
    "Application: EMGworks Acquisition,,,,,\n"
    "Date/Time: 03/02/2024 10:11:12,,,,,\n"
    "\n"
    "X[s],Avanti sensor 1: EMG 1,X[s],Avanti sensor 2: EMG 2,X[s],Avanti sensor 1: ACC.X 1\n"
    "0.0000,0.00001,0.0000,-0.00002,0.000,0.10\n"
    "0.0005,0.00003,0.0005,-0.00004,0.010,0.20\n"
    "0.0010,-0.00001,0.0010,0.00005,,\n"
    "0.0015,0.00002,0.0015,0.00001,,\n"
)


def test_delsys_csv(tmp_path):
    path = _write(tmp_path, "delsys.csv", DELSYS)
    assert sniff_format(path) == "delsys_csv"
    rec = read_recording(path)
    assert rec.channel_names == ["Avanti sensor 1: EMG 1", "Avanti sensor 2: EMG 2"]
    assert rec.units == ["V", "V"] and rec.channel_kinds == ["emg", "emg"]
    assert rec.sampling_rate_hz == pytest.approx(2000.0)
    np.testing.assert_allclose(rec.channel("Avanti sensor 2: EMG 2"), [-2e-5, -4e-5, 5e-5, 1e-5])
    assert rec.metadata["channels_dropped_other_rate"] == ["Avanti sensor 1: ACC.X 1"]


# Noraxon MR3 CSV export: a few header rows, a "time" column in s, channel names with the unit in
# parentheses ("RT GLUT. MAX. (uV)"). Based on MR3 exports as described in the brief and lab readers.
NORAXON = (
    '"Noraxon MR3 export"\n'
    '"Record:","squat_01"\n'
    '"time","RT GLUT. MAX. (uV)","LT TIB.ANT. (uV)"\n'
    "0.000,12.0,-3.0\n"
    "0.0005,15.5,-2.0\n"
    "0.001,-4.0,1.0\n"
)


def test_noraxon_csv(tmp_path):
    path = _write(tmp_path, "mr3.csv", NORAXON)
    assert sniff_format(path) == "noraxon_csv"
    rec = read_recording(path)
    assert rec.channel_names == ["RT GLUT. MAX.", "LT TIB.ANT."]
    assert rec.source_units == ["uV", "uV"] and rec.units == ["V", "V"]
    assert rec.channel_kinds == ["emg", "emg"]
    np.testing.assert_allclose(rec.channel("RT GLUT. MAX."), [12e-6, 15.5e-6, -4e-6])
    assert rec.sampling_rate_hz == pytest.approx(2000.0)


# AMTI NetForce .txt: tab-delimited; jumpmetrics (stevenhirsch/force-plate-jump-analyses, core/io.py)
# reads it with skiprows=[0, 2, 3, 4]: a file line, the column names (first one empty), three more
# header lines, then samples. What those three lines hold is assumed here (units, range, a dash row).
NETFORCE = (
    "AMTI NetForce\tC:\\data\\cmj_01.txt\t\t\t\t\t\n"
    "\tFX1\tFY1\tFZ1\tMX1\tMY1\tMZ1\n"
    "\tN\tN\tN\tN.m\tN.m\tN.m\n"
    "\tLow\tLow\tLow\tLow\tLow\tLow\n"
    "\t-\t-\t-\t-\t-\t-\n"
    "0\t1.5\t-2.0\t700.0\t10.0\t-5.0\t0.5\n"
    "1\t1.0\t-2.5\t702.0\t11.0\t-4.0\t0.4\n"
    "2\t0.5\t-2.0\t705.0\t12.0\t-3.0\t0.3\n"
)


def test_netforce_txt_needs_rate_and_reads_columns(tmp_path):
    path = _write(tmp_path, "cmj.txt", NETFORCE)
    assert sniff_format(path) == "netforce_txt"
    with pytest.raises(ReadError, match="sampling_rate_hz"):
        read_recording(path)
    rec = read_recording(path, sampling_rate_hz=1000)
    assert rec.channel_names == ["FX1", "FY1", "FZ1", "MX1", "MY1", "MZ1"]
    assert rec.units == ["N", "N", "N", "N·m", "N·m", "N·m"]
    assert rec.channel_kinds == ["force"] * 3 + ["moment"] * 3
    np.testing.assert_array_equal(rec.channel("FZ1"), [700.0, 702.0, 705.0])


# Bertec Digital Acquire CSV: preamble lines, then Time,Fx,Fy,Fz,Mx,My,Mz,Copx,Copy in N, N·m, m
# (column names as in the brief; preamble content assumed).
BERTEC = (
    "Bertec Digital Acquire 4.0\n"
    "Sampling frequency,1000\n"
    "Time,Fx,Fy,Fz,Mx,My,Mz,Copx,Copy\n"
    "0.000,1,2,600,3,4,5,0.01,-0.02\n"
    "0.001,1,2,610,3,4,5,0.011,-0.021\n"
    "0.002,1,2,620,3,4,5,0.012,-0.022\n"
)


def test_bertec_csv(tmp_path):
    path = _write(tmp_path, "bertec.csv", BERTEC)
    assert sniff_format(path) == "bertec_csv"
    rec = read_recording(path)
    assert rec.channel_names == ["Fx", "Fy", "Fz", "Mx", "My", "Mz", "Copx", "Copy"]
    assert rec.units == ["N"] * 3 + ["N·m"] * 3 + ["m"] * 2
    assert rec.channel_kinds == ["force"] * 3 + ["moment"] * 3 + ["cop"] * 2
    np.testing.assert_allclose(rec.channel("Copy"), [-0.02, -0.021, -0.022])


def test_plain_fz_needs_sampling_rate_and_says_how(tmp_path):
    path = _write(tmp_path, "fz.txt", "661.1\r\n661.2\r\n662.0\r\n")
    with pytest.raises(ReadError) as info:
        read_recording(path)
    assert "sampling_rate_hz" in str(info.value) and "trials.csv" in str(info.value)
    rec = read_recording(path, sampling_rate_hz=500)
    assert rec.channel_names == ["Fz"] and rec.units == ["N"] and rec.sampling_rate_hz == 500
    np.testing.assert_array_equal(rec.channel("Fz"), [661.1, 661.2, 662.0])


def test_opensim_mot_radians_to_degrees(tmp_path):
    path = _write(
        tmp_path,
        "ik.mot",
        "Coordinates\nversion=1\nnRows=3\nnColumns=3\ninDegrees=no\nendheader\n"
        "time\tknee_angle_r\tpelvis_tx\n0.00\t0.5\t1.0\n0.01\t1.0\t1.1\n0.02\t-0.25\t1.2\n",
    )
    rec = read_recording(path)
    assert rec.channel_names == ["knee_angle_r", "pelvis_tx"]
    assert rec.units == ["deg", "m"] and rec.source_units == ["rad", "m"]
    np.testing.assert_allclose(rec.channel("knee_angle_r"), np.degrees([0.5, 1.0, -0.25]))
    assert rec.sampling_rate_hz == pytest.approx(100.0)
    assert rec.metadata["in_degrees"] is False


def test_opensignals_txt_matches_h5(tmp_path, vendored_real):
    h5 = read_recording(vendored_real / "bsnb_emg" / "emg_bursts.h5")
    import h5py

    with h5py.File(vendored_real / "bsnb_emg" / "emg_bursts.h5") as f:
        adc = f["00:07:80:3B:46:61/raw/channel_3"][:200, 0]
    header = (
        "# OpenSignals Text File Format\n"
        '# {"00:07:80:3B:46:61": {"sensor": ["EMG"], "column": ["nSeq", "I1", "I2", "O1", "O2", "A3"], '
        '"sampling rate": 1000, "label": ["A3"], "resolution": [16], "device": "channeller"}}\n'
        "# EndOfHeader\n"
    )
    rows = "\n".join(f"{i % 16}\t0\t0\t0\t0\t{v}" for i, v in enumerate(adc))
    path = _write(tmp_path, "bursts.txt", header + rows + "\n")
    rec = read_recording(path)
    assert sniff_format(path) == "opensignals_txt"
    np.testing.assert_allclose(rec.samples[:, 0], h5.samples[:200, 0])
    assert rec.units == ["V"] and rec.source_units == ["mV"]


# ---------------------------------------------------------------------------------------------
# real data (vendored copies: MIT / CC BY 4.0 / Apache-2.0)


def test_bsnb_emg_bursts_matches_published_stats(vendored_real):
    rec = read_recording(vendored_real / "bsnb_emg" / "emg_bursts.h5")
    assert rec.sampling_rate_hz == 1000 and rec.units == ["V"] and rec.source_units == ["mV"]
    assert rec.channel_kinds == ["emg"] and rec.metadata["resolution_bits"] == [16]
    mv = rec.samples[:, 0] * 1000.0
    assert np.sqrt(np.mean(mv**2)) == pytest.approx(0.06296634, abs=5e-8)
    assert mv.max() == pytest.approx(0.478729, abs=1e-6)
    assert mv.min() == pytest.approx(-0.910400, abs=1e-6)
    assert mv.mean() == pytest.approx(0.00167348, abs=5e-9)
    assert mv.std() == pytest.approx(0.0629441, abs=5e-7)


def test_bsnb_emg_fatigue_12_bit_clips_at_1_5_mv(vendored_real):
    rec = read_recording(vendored_real / "bsnb_emg" / "emg_fatigue.h5")
    assert rec.metadata["resolution_bits"] == [12]
    assert rec.duration_s == pytest.approx(126.9)
    mv = rec.samples[:, 0] * 1000.0
    assert mv.min() == pytest.approx(-1.5) and mv.max() == pytest.approx(3.0 * 4095 / 4096 - 1.5)


@pytest.mark.parametrize("name", ["Single-CMJ-Fz.txt", "Single-SJ-Fz.txt", "Single-DJ-Fz.txt"])
def test_vertical_jumps_single(vendored_real, name):
    path = vendored_real / "vertical_jumps_fz" / name
    with pytest.raises(ReadError, match="sampling_rate_hz"):
        read_recording(path)
    rec = read_recording(path, sampling_rate_hz=1000)
    assert rec.n_samples == 5000 and rec.channel_names == ["Fz"] and rec.channel_kinds == ["force"]
    if name.startswith("Single-CMJ"):
        assert rec.samples[:1000, 0].mean() == pytest.approx(662.9, abs=0.5)  # README body weight


def test_vertical_jumps_dual_sum_equals_single(vendored_real):
    dual = read_recording(vendored_real / "vertical_jumps_fz" / "Dual-CMJ-Fz.txt", sampling_rate_hz=1000)
    assert dual.channel_names == ["FP1", "FP2"] and dual.units == ["N", "N"] and dual.n_samples == 5000
    assert dual.metadata["format"] == "fz_text"
    total = dual.samples.sum(axis=1)
    assert total[:1000].mean() == pytest.approx(662.9, abs=2.0)


def test_acl_dual_plate_y_vertical(vendored_real):
    rec = read_recording(vendored_real / "acl_squat_jump_dualfp" / "BFR007_2nd_squat_jump.csv")
    assert rec.sampling_rate_hz == pytest.approx(1000.0)
    assert rec.metadata["vertical_axis"] == "y"
    for plate in (1, 2):
        for axis in "xyz":
            i = rec.channel_index(f"ground_force{plate}_v{axis}")
            assert rec.units[i] == "N" and rec.channel_kinds[i] == "force"
            j = rec.channel_index(f"ground_force{plate}_p{axis}")
            assert rec.units[j] == "m" and rec.channel_kinds[j] == "cop"
            k = rec.channel_index(f"ground_torque{plate}_{axis}")
            assert rec.units[k] == "N·m" and rec.channel_kinds[k] == "moment"
    assert "time" not in rec.channel_names and "Relative Time" not in rec.channel_names
    standing = rec.channel("ground_force1_vy")[:500] + rec.channel("ground_force2_vy")[:500]
    assert standing.mean() == pytest.approx(883, rel=0.03)  # README: ~90 kg participant, 883 N


def test_uci_trailing_angle_rows_trimmed(vendored_real):
    rec = read_recording(vendored_real / "uci_lower_limb_emg" / "5Nmar.txt")
    assert rec.channel_names == ["RF", "BF", "VM", "ST", "FX"]
    assert rec.source_units == ["mV"] * 4 + ["deg"] and rec.units == ["V"] * 4 + ["deg"]
    assert rec.channel_kinds == ["emg"] * 4 + ["angle"]
    assert rec.sampling_rate_hz == 1000
    # 6588 lines - 7 header lines - 18 rows without EMG (17 angle-only + 1 empty line dropped as blank)
    assert rec.n_samples == 6588 - 7 - 18
    assert rec.metadata["trimmed_trailing_rows"] == 17
    assert np.isfinite(rec.samples).all()


def test_uci_long_names(vendored_real):
    rec = read_recording(vendored_real / "uci_lower_limb_emg" / "3Apie.txt")
    assert rec.channel_names == [
        "Recto Femoral",
        "Biceps Femoral",
        "Vasto Medial",
        "EMG Semitendinoso",
        "Flexo-Extension",
    ]
    assert rec.n_samples == 22132 - 7 - 1


def test_musclesynergies_rdata_as_recording(vendored_real):
    path = vendored_real / "musclesynergies_walk_emg" / "RAW_DATA.RData"
    assert path.stat().st_size < 5_000_000
    rec = read_recording(path)
    assert rec.channel_names == ["ME", "MA", "FL", "RF", "VM", "VL", "ST", "BF", "TA", "PL", "GM", "GL", "SO"]
    assert rec.n_samples == 7618 and rec.sampling_rate_hz == pytest.approx(1000.0)
    assert rec.channel_kinds == ["emg"] * 13
    ev = rec.events
    assert (ev.label == "touchdown").sum() == 6 and (ev.label == "lift_off").sum() == 6
    first_td = ev.loc[ev.label == "touchdown", "time_s"].iloc[0]
    assert first_td + rec.metadata["start_time_s"] == pytest.approx(1.414)
    assert rec.metadata["start_time_s"] == pytest.approx(0.014)


def test_r_tables_pyreadr_and_rdata_fallback(vendored_real):
    tables = read_r_tables(vendored_real / "musclesynergies_walk_emg" / "RAW_DATA.RData")
    assert set(tables) == {"RAW_DATA/ID0012_TW_01/cycles", "RAW_DATA/ID0012_TW_01/emg"}
    injd = read_r_tables(vendored_real / "injurytools_football" / "injd.rda")
    assert injd["injd"].shape == (108, 19)


def test_injury_tables(vendored_real):
    tables = read_injury_tables(vendored_real / "injurytools_football")
    exp, inj = tables["exposures"], tables["injuries"]
    assert exp.shape == (42, 19) and inj.shape == (82, 11)
    assert exp["minutes_played"].sum() == pytest.approx(74690)
    assert inj["days_lost"].sum() == pytest.approx(2049)
    assert pd.api.types.is_datetime64_any_dtype(inj["from"])
    assert read_injury_tables(vendored_real / "injurytools_football" / "sysdata.rda")["injd"].shape == (259, 19)


# ---------------------------------------------------------------------------------------------
# C3D


def test_pyomeca_c3d_analogs(vendored_real):
    rec = read_recording(vendored_real / "c3d_gait_grf_emg" / "pyomeca_markers_analogs.c3d")
    assert rec.sampling_rate_hz == 2000 and rec.n_channels == 38
    assert rec.n_samples == 11600
    assert rec.channel_names[6] == "Delt_ant.EMG1" and rec.channel_kinds[6] == "emg"
    assert set(rec.units) == {"V"} and rec.metadata["force_platforms"] == []


def _param_offset(raw: bytes, group: str, name: str) -> tuple[int, int]:
    """(offset of the parameter name, offset of its data) for an Intel C3D file (the corpus's parameter walk)."""
    record_at, data_at, _, _ = c3d_parameters(raw)[(group, name)]
    return record_at + 2, data_at


@pytest.fixture
def pyomeca_bytes(vendored_real) -> bytes:
    return (vendored_real / "c3d_gait_grf_emg" / "pyomeca_markers_analogs.c3d").read_bytes()


def test_c3d_missing_analog_rate(tmp_path, pyomeca_bytes):
    raw = bytearray(pyomeca_bytes)
    name_at, _ = _param_offset(bytes(raw), "ANALOG", "RATE")
    raw[name_at : name_at + 4] = b"RATX"
    path = tmp_path / "norate.c3d"
    path.write_bytes(bytes(raw))
    with pytest.raises(ReadError) as info:
        read_recording(path)
    assert info.value.where == "ANALOG:RATE" and "missing" in str(info.value)


def test_c3d_rate_zero(tmp_path, pyomeca_bytes):
    raw = bytearray(pyomeca_bytes)
    _, data_at = _param_offset(bytes(raw), "ANALOG", "RATE")
    raw[data_at : data_at + 4] = struct.pack("<f", 0.0)
    path = tmp_path / "rate0.c3d"
    path.write_bytes(bytes(raw))
    with pytest.raises(ReadError, match="ANALOG:RATE is 0"):
        read_recording(path)


def test_c3d_label_with_colon_and_dot(tmp_path, pyomeca_bytes):
    path = tmp_path / "colon.c3d"
    path.write_bytes(pyomeca_bytes.replace(b"Delt_ant.EMG1", b"Delt:ant.EMG1", 1))
    rec = read_recording(path)
    assert rec.channel_names[6] == "Delt:ant.EMG1" and rec.channel_kinds[6] == "emg"


def test_c3d_without_analogs(tmp_path):
    import ezc3d

    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [100]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = ["m1"]
    c3d["data"]["points"] = np.ones((4, 1, 10))
    path = tmp_path / "markers_only.c3d"
    c3d.write(str(path))
    with pytest.raises(ReadError, match="no analog"):
        read_recording(path)


def test_c3d_truncated_in_parameters_does_not_hang(tmp_path, pyomeca_bytes):
    path = tmp_path / "cut.c3d"
    path.write_bytes(pyomeca_bytes[:700])  # ezc3d alone loops forever on this
    with pytest.raises(ReadError, match="parameter"):
        read_recording(path)


def test_c3d_truncated_in_frames(tmp_path, pyomeca_bytes):
    path = tmp_path / "cut.c3d"
    path.write_bytes(pyomeca_bytes[: len(pyomeca_bytes) // 2])  # ezc3d alone returns zeros
    with pytest.raises(ReadError, match="truncated"):
        read_recording(path)


@pytest.mark.shared
def test_bts_c3d_takes_raw_path(shared_real):
    rec = read_recording(shared_real / "c3d_gait_grf_emg" / "BTS.c3d")
    decisions = {d["plate"]: d for d in rec.metadata["force_platforms"]}
    for plate, peak in ((1, 662), (4, 637), (5, 590)):
        assert decisions[plate]["path"] == "raw"
        assert decisions[plate]["lab_vertical_axis"] == "y"
        assert decisions[plate]["peak_raw_vertical_n"] == pytest.approx(-peak, abs=1)
        fz = rec.channel(f"Fz{plate}")
        assert fz.max() == pytest.approx(peak, abs=1) and fz.min() > -1  # vertical GRF positive up
        assert rec.units[rec.channel_index(f"Mx{plate}")] == "N·m"
        assert rec.source_units[rec.channel_index(f"Mx{plate}")] == "N·mm"
    # raw moment 125047 N·mm -> 125.047 N·m
    assert np.abs(rec.channel("Mx1")).max() == pytest.approx(125.047, abs=0.01)
    emg = rec.select(kind="emg")
    assert emg.n_channels == 8 and set(emg.source_units) == {"mV"} and set(emg.units) == {"V"}
    assert "Left Rectus femoris" in emg.channel_names
    assert rec.sampling_rate_hz == 1000 and rec.duration_s == pytest.approx(6.75)


@pytest.mark.shared
def test_qualisys_c3d_takes_extraction_path_and_events(shared_real):
    path = shared_real / "c3d_gait_grf_emg" / "Qualisys.c3d"
    rec = read_recording(path)
    assert [d["path"] for d in rec.metadata["force_platforms"]] == ["extraction", "extraction"]
    assert rec.channel("Fz1").max() == pytest.approx(808.4, abs=0.5)
    assert rec.channel("Fz2").max() == pytest.approx(839.7, abs=0.5)
    assert rec.sampling_rate_hz == 2000
    emg = [n for n in rec.channel_names if n.startswith("EMG ")]
    assert len(emg) == 16 and {rec.units[rec.channel_index(n)] for n in emg} == {"V"}
    ev = rec.events
    file_times = ev.time_s + rec.metadata["start_time_s"]
    assert list(ev.label[:4]) == ["LHS", "RTO", "RHS", "LTO"]
    np.testing.assert_allclose(file_times[:4], [3.59, 3.685, 4.05, 4.16], atol=1e-5)
    assert list(ev.context[:2]) == ["Left", "Right"]
    # the raw path agrees with the extraction on vertical force and on the CoP's distance from the
    # plate centre (the plate frame is rotated in the lab, distances are not)
    raw = read_recording(path, c3d_platform_path="raw")
    np.testing.assert_allclose(raw.channel("Fz1"), rec.channel("Fz1"), atol=1e-6)
    centre = np.array([0.254, 0.232])  # mean of plate 1's FORCE_PLATFORM:CORNERS, m
    loaded = rec.channel("Fz1") > 400
    d_ext = np.hypot(rec.channel("COPx1")[loaded] - centre[0], rec.channel("COPy1")[loaded] - centre[1])
    d_raw = np.hypot(raw.channel("COPx1")[loaded], raw.channel("COPy1")[loaded])
    np.testing.assert_allclose(d_raw, d_ext, atol=0.005)


@pytest.mark.shared
def test_every_shared_dataset_loads(shared_real):
    for path in sorted((shared_real / "uci_lower_limb_emg").glob("[0-9]*.txt")):
        rec = read_recording(path)
        assert rec.sampling_rate_hz == 1000 and rec.channel_kinds == ["emg"] * 4 + ["angle"]
    for path in sorted((shared_real / "acl_squat_jump_dualfp").glob("BFR007_*_squat_jump.csv")):
        assert read_recording(path).metadata["vertical_axis"] == "y"
    for path in sorted((shared_real / "vertical_jumps_fz").glob("*-Fz.txt")):
        assert read_recording(path, sampling_rate_hz=1000).n_samples == 5000


# ---------------------------------------------------------------------------------------------
# tables


def test_save_and_load_table_atomic(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    for name in ("t.parquet", "t.csv"):
        out = save_table(df, tmp_path / "derived" / name)
        pd.testing.assert_frame_equal(load_table(out), df)
    assert sorted(p.name for p in (tmp_path / "derived").iterdir()) == ["t.csv", "t.parquet"]


def test_save_table_failure_leaves_no_temp(tmp_path):
    class Boom(pd.DataFrame):
        def to_csv(self, *a, **k):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        save_table(Boom({"a": [1]}), tmp_path / "t.csv")
    assert list(tmp_path.iterdir()) == []


def test_unknown_option_and_missing_file(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_recording(tmp_path / "nope.csv")
    path = _write(tmp_path, "t.csv", "time_s,x [N]\n0,1\n0.001,2\n")
    with pytest.raises(ReadError, match="unknown option"):
        read_recording(path, samplingrate=1000)
