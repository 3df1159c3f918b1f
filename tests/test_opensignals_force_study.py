"""An OpenSignals force-platform recording inside a study: study.yaml's ``force_platforms`` reaches the reader in
``validate``, ``load_study`` and ``extract_features`` (issue 15: file + constant -> jump metrics, no other
conversion by the user), and the calibration is part of the feature cache key."""

from __future__ import annotations

import shutil

import pytest

from analysis.features import extract_features
from analysis.paths import VENDORED_REAL_DIR
from analysis.study import load_study, validate_study

H5 = VENDORED_REAL_DIR / "bsnb_force_platform" / "loft_time_subject_1.h5"
C_KG_MV_PER_V = 406.831  # the platform's constant, tests/data/real/bsnb_force_platform/SOURCE.txt


def _study(root, calibration: float | None):
    (root / "raw").mkdir(parents=True)
    shutil.copy(H5, root / "raw" / H5.name)
    platforms = (
        f"force_platforms:\n  all:\n    calibration_kg_mv_per_v: {calibration}\n    tare: unloaded_minimum\n"
        if calibration is not None
        else ""
    )
    (root / "study.yaml").write_text(f"name: plux\nsynthetic: false\n{platforms}")
    (root / "subjects.csv").write_text("subject_id,body_mass_kg\nP01,77\n")
    (root / "trials.csv").write_text(
        "subject_id,session,trial_id,exercise,load_per_ankle,load_unit,load_phase,kind,file\n"
        f"P01,1,P01_cmj,cmj,0,,none,forceplate,raw/{H5.name}\n"
    )
    return root


def _device_keyed(root):
    """Rewrite study.yaml keyed by the file's real device (the form data/README.md documents)."""
    import h5py

    with h5py.File(H5, "r") as f:
        device = next(iter(f.keys()))
    (root / "study.yaml").write_text(
        "name: plux\nsynthetic: false\nforce_platforms:\n"
        f'  "{device}":\n    calibration_kg_mv_per_v: {C_KG_MV_PER_V}\n    tare: unloaded_minimum\n'
    )


def test_force_platform_study_gives_jump_metrics_in_newtons(tmp_path):
    root = _study(tmp_path / "s", None)
    _device_keyed(root)
    assert not [p for p in validate_study(root, progress=False) if p.severity == "error"]
    rec = load_study(root).trial_recording("P01_cmj")
    assert "Fz" in rec.channel_names and rec.units[rec.channel_names.index("Fz")] == "N"
    result = extract_features(root, scheduler="serial", progress=False)
    assert result.failures.empty
    force = result.force.set_index("metric")["value"]
    # README's numbers for this file + constant: flight time 0.322 s, jump heights 0.127 m by both methods
    assert force["flight_time_s"] == pytest.approx(0.322, abs=0.005)
    assert force["jump_height_impulse_m"] == pytest.approx(force["jump_height_flight_m"], abs=0.01)


def test_missing_constant_is_a_named_error_not_counts(tmp_path):
    root = _study(tmp_path / "s", None)
    errors = [p for p in validate_study(root, progress=False) if p.severity == "error"]
    assert errors and any("calibration_kg_mv_per_v" in p.message for p in errors)
    result = extract_features(root, scheduler="serial", progress=False)
    assert len(result.failures) == 1 and "calibration_kg_mv_per_v" in result.failures["error"].iloc[0]


def test_changing_the_calibration_recomputes_the_trial(tmp_path):
    root = _study(tmp_path / "s", None)
    _device_keyed(root)
    first = extract_features(root, scheduler="serial", progress=False)
    again = extract_features(root, scheduler="serial", progress=False)
    assert again.stats["n_cached"] == 1
    (root / "study.yaml").write_text((root / "study.yaml").read_text().replace(str(C_KG_MV_PER_V), "420.0"))
    changed = extract_features(root, scheduler="serial", progress=False)
    assert changed.stats["n_computed"] == 1
    peak = {r.force.set_index("metric")["value"]["peak_force_n"] for r in (first, changed)}
    assert len(peak) == 2  # a new constant scales the newtons: the cached table was not reused
