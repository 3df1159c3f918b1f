"""study.yaml ``units:`` reaches the readers: columns a file does not label are read in the study's unit, in
load_study/validate and in the feature pipeline alike (review of issue 16's round: it was documented, never applied)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.features.processors import read_trial
from analysis.io import read_recording
from analysis.study.recordings import trial_read_options

FZ_KN = [0.70, 0.71, 0.72, 0.70, 0.69, 0.70, 0.71, 0.70, 0.70, 0.70]


@pytest.fixture
def files(tmp_path):
    plain = tmp_path / "fz.txt"
    plain.write_text("\n".join(f"{v:.2f}" for v in FZ_KN) + "\n")
    table = tmp_path / "fp.csv"
    rows = [f"{i / 1000:.3f},{v:.2f},0.10" for i, v in enumerate(FZ_KN)]
    table.write_text("time_s,Fz,COPx\n" + "\n".join(rows) + "\n")
    return plain, table


def test_study_force_unit_applies_to_unlabelled_force_columns_only(files):
    plain, table = files
    config = {"units": {"force": "kN", "emg": "mV"}}
    trial = {"kind": "forceplate", "sampling_rate_hz": 1000.0, "format": "fz_text"}
    assert trial_read_options(trial, config) == {"sampling_rate_hz": 1000.0, "format": "fz_text", "unit": "kN"}
    rec = read_recording(plain, **trial_read_options(trial, config))
    np.testing.assert_allclose(rec.samples[:, 0], np.array(FZ_KN) * 1000.0)  # kN -> N
    rec = read_recording(table, **trial_read_options({"kind": "forceplate"}, config))
    fz, cop = rec.channel_names.index("Fz"), rec.channel_names.index("COPx")
    np.testing.assert_allclose(rec.samples[:, fz], np.array(FZ_KN) * 1000.0)
    assert rec.units[cop] == "m" and rec.samples[0, cop] == pytest.approx(0.10)  # CoP keeps its metres
    assert "unit" not in trial_read_options({"kind": "kinematics"}, config)  # mixed kinds: no one unit


def test_feature_pipeline_reads_with_the_same_options(files):
    plain, _ = files
    trial = {"kind": "forceplate", "sampling_rate_hz": 1000.0, "format": "fz_text", "path": str(plain)}
    rec = read_trial(trial, {"units": {"force": "kN"}, "read_options": {}})
    np.testing.assert_allclose(rec.samples[:, 0], np.array(FZ_KN) * 1000.0)


def test_pound_force_is_converted_and_a_force_in_an_unknown_unit_is_refused(tmp_path):
    import dataclasses

    from analysis.errors import AnalysisError
    from analysis.forceplate.vertical_force import vertical_force_from_recording

    path = tmp_path / "lbf.csv"
    path.write_text("time_s,Fz [lbf]\n" + "".join(f"{i / 1000:.3f},150\n" for i in range(60)))
    rec = read_recording(path)
    assert rec.units == ["N"] and rec.samples[0, 0] == pytest.approx(150 * 0.45359237 * 9.80665)
    odd = dataclasses.replace(rec, units=["furlong"])  # a unit no reader converts: never read as newtons
    with pytest.raises(AnalysisError, match=r"\['Fz'\] are in \['furlong'\], not newtons"):
        vertical_force_from_recording(odd)


@pytest.mark.parametrize(
    ("processing", "message"),
    [
        ("{emg: fast}", "processing.emg is 'fast': write it as a mapping"),
        ("{forceplate: {onset_sd: five}}", "processing.forceplate.onset_sd is 'five': write a non-negative number"),
        ("{forceplate: {takeoff_threshold_n: -3}}", "takeoff_threshold_n is -3"),
        ("{emg: {bandpass_hz: [450, 20]}}", "bandpass_hz must be [low, high] with 0 < low < high"),
        ("{emgg: {}}", "unknown processing stage 'emgg'"),
    ],
)
def test_study_yaml_processing_errors_are_reported_by_validate(tmp_path, processing, message):
    """study.yaml processing: is checked when the study is validated, with the settings' own from_dict, instead of
    failing mid-run with a bare ValueError (emg: fast) or not at all (onset_sd: five)."""
    from test_study_properties import _study

    from analysis.study import validate_study

    _study(
        tmp_path,
        ["S02", "80", "", "", "", "", ""],
        ["S02", "1", "t2", "squat", "0", "", "none", "forceplate", "t1.csv", "", "", ""],
    )
    (tmp_path / "study.yaml").write_text(f"name: p\nsynthetic: true\nprocessing: {processing}\n", encoding="utf-8")
    problems = validate_study(tmp_path, check_files=False, progress=False)
    hits = [p for p in problems if p.severity == "error" and p.file == "study.yaml" and message in p.message]
    assert hits, [p.message for p in problems]


def test_a_key_written_twice_in_study_yaml_is_an_error_naming_both_lines(tmp_path):
    """YAML keeps the last of two equal keys without a word: a second 'channels:' block dropped channels."""
    from test_study_properties import _study

    from analysis.study import validate_study

    _study(
        tmp_path,
        ["S02", "80", "", "", "", "", ""],
        ["S02", "1", "t2", "squat", "0", "", "none", "forceplate", "t1.csv", "", "", ""],
    )
    (tmp_path / "study.yaml").write_text(
        'name: p\nsynthetic: true\nchannels:\n  "EMG 1": soleus\nchannels:\n  "EMG 2": tibialis_anterior\n',
        encoding="utf-8",
    )
    problems = validate_study(tmp_path, check_files=False, progress=False)
    assert any("key 'channels' appears twice in one mapping (lines 3 and 5)" in p.message for p in problems), [
        p.message for p in problems
    ]
