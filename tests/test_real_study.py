"""The real-recordings study (data/real_recordings): it validates, loads, and its real numbers come
through the whole pipeline (reader -> features) unchanged (numbers: shared/data/real/README.md)."""

from __future__ import annotations

import filecmp
import importlib.util

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.cli import main as cli_main
from analysis.features import extract_features
from analysis.forceplate import G_M_S2
from analysis.study import load_study, validate_study

STUDY_DIR = paths.PROJECT_ROOT / "data" / "real_recordings"


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, STUDY_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def study():
    return load_study(STUDY_DIR)


@pytest.fixture(scope="module")
def features(study, tmp_path_factory, monkeypatch_module):
    # derived tables go to a temporary cache, never into the committed study folder
    monkeypatch_module.setenv("ANKLELAB_CACHE", str(tmp_path_factory.mktemp("cache")))
    return extract_features(study, scheduler="serial", progress=False, cache=False, write=False)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _value(force: pd.DataFrame, trial_id: str, metric: str) -> pd.Series:
    row = force[(force["trial_id"] == trial_id) & (force["metric"] == metric)]
    assert len(row) == 1, f"{trial_id} {metric}: {len(row)} rows"
    return row.iloc[0]


def test_validate_passes_with_exit_0(capsys):
    assert [p for p in validate_study(STUDY_DIR) if p.severity == "error"] == []
    assert cli_main(["validate", str(STUDY_DIR)]) == 0
    assert "OK:" in capsys.readouterr().out


def test_load_study_is_real_and_has_every_data_type(study):
    assert study.synthetic is False
    assert set(study.subjects["subject_id"]) == {"VJ01", "BFR007", "UCI05"}
    assert set(study.trials["kind"]) == {"forceplate", "combined"}
    assert (study.trials["load_kg"] == 0).all()
    assert study.config["mvc"]["required"] is False  # no MVC trials in these recordings
    assert not study.trials["is_mvc"].astype(bool).any()
    assert len(study.exposures) == 42 and len(study.injuries) == 82


def test_body_masses_follow_from_the_recordings(study):
    mass = study.subjects.set_index("subject_id")["body_mass_kg"]
    assert mass["VJ01"] == pytest.approx(662.9 / G_M_S2, abs=0.01)
    assert mass["BFR007"] == pytest.approx(883.0 / G_M_S2, abs=0.01)


def test_raw_files_are_unmodified_copies_of_the_vendored_files():
    raw = STUDY_DIR / "raw"
    files = [p for p in raw.rglob("*") if p.is_file()]
    assert len(files) >= 12
    for path in files:
        original = paths.VENDORED_REAL_DIR / path.relative_to(raw)
        assert filecmp.cmp(path, original, shallow=False), path
    assert sum(p.stat().st_size for p in STUDY_DIR.rglob("*") if p.is_file() and "derived" not in p.parts) < 5e6


def test_converted_vertical_force_is_the_raw_y_column_text(tmp_path):
    module = _load_script("build_vertical_force")
    for which in module.TRIALS:
        out = module.convert(module.RAW_DIR / f"BFR007_{which}_squat_jump.csv", tmp_path / f"{which}.txt")
        assert out.read_bytes() == (module.OUT_DIR / f"BFR007_{which}_vertical_fz.txt").read_bytes()
    raw = pd.read_csv(module.RAW_DIR / "BFR007_2nd_squat_jump.csv")
    conv = pd.read_csv(module.OUT_DIR / "BFR007_2nd_vertical_fz.txt", sep="\t")
    np.testing.assert_array_equal(conv["Fz1"], raw["ground_force1_vy"])
    np.testing.assert_array_equal(conv["Fz2"], raw["ground_force2_vy"])


def test_injury_tables_regenerate_and_keep_vignette_totals(tmp_path):
    module = _load_script("build_injury_tables")
    assert module.main(out_dir=tmp_path) == 0
    for name in ("exposures.csv", "injuries.csv"):
        assert (tmp_path / name).read_bytes() == (STUDY_DIR / name).read_bytes(), name
    exposures, injuries = module.build_tables()
    assert exposures["exposure_time"].sum() == 74690  # minutes (injurytools vignette)
    assert (exposures["exposure_unit"] == "minutes").all()
    assert len(injuries) == 82 and injuries["days_lost"].sum() == 2049


def test_features_flag_the_jumps_without_quiet_stance(features):
    force = features.force
    assert features.failures.empty, features.failures.to_string()
    for trial_id in ("BFR007_jump1", "BFR007_jump3"):  # refused weighing -> body mass from subjects.csv
        row = _value(force, trial_id, "body_weight_n")
        assert row["method"] == "bw=supplied"
        assert row["value"] == pytest.approx(90.04 * G_M_S2, abs=0.01)
        flight = _value(force, trial_id, "jump_height_flight_m")["value"]
        impulse = _value(force, trial_id, "jump_height_impulse_m")["value"]
        assert abs(flight - impulse) < 0.01  # with 883 N the two methods agree (not 0.52/0.59 m)
    weighed = _value(force, "BFR007_jump2", "body_weight_n")
    assert weighed["method"].startswith("bw=quiet_0.5s_window_ending_at_onset")  # weighed before its movement
    assert weighed["value"] == pytest.approx(883.0, abs=0.5)
    supplied = force.loc[force["metric"].eq("body_weight_n") & force["method"].eq("bw=supplied"), "trial_id"]
    assert set(supplied) == {"BFR007_jump1", "BFR007_jump3"}


def test_cmj_numbers_come_through_the_pipeline(features):
    force = features.force
    assert _value(force, "VJ01_cmj", "jump_height_flight_m")["value"] == pytest.approx(0.320, abs=0.002)
    assert _value(force, "VJ01_cmj", "jump_height_impulse_m")["value"] == pytest.approx(0.321, abs=0.002)
    assert _value(force, "VJ01_cmj", "flight_time_s")["value"] == pytest.approx(0.511, abs=0.0005)
    assert _value(force, "VJ01_cmj", "body_weight_n")["value"] == pytest.approx(662.9, abs=0.1)
    assert _value(force, "VJ01_cmj", "peak_force_n")["value"] == pytest.approx(1768, abs=2)
    assert _value(force, "VJ01_sj", "flight_time_s")["value"] == pytest.approx(0.471, abs=0.0005)
    assert _value(force, "VJ01_dj", "contact_time_s")["value"] == pytest.approx(0.249, abs=0.0005)
    assert _value(force, "VJ01_dj", "flight_time_s")["value"] == pytest.approx(0.487, abs=0.0005)
    assert _value(force, "BFR007_jump2", "flight_time_s")["value"] == pytest.approx(0.324, abs=0.0005)
    assert _value(force, "BFR007_jump2", "jump_height_flight_m")["value"] == pytest.approx(0.129, abs=0.001)
    assert _value(force, "BFR007_jump2", "jump_height_impulse_m")["value"] == pytest.approx(0.128, abs=0.001)


def test_emg_without_mvc_is_in_mv_and_flagged(features):
    emg = features.emg
    assert set(emg["muscle"]) == {"rectus_femoris", "biceps_femoris", "vastus_medialis", "semitendinosus"}
    assert set(emg["trial_id"]) == {"UCI05_walk", "UCI05_knee_extension"}
    assert emg["mean_pct_mvc"].isna().all()
    assert emg["quality_flags"].str.contains("no_mvc_reference").all()
    assert (emg["mean_envelope_mv"] > 0).all() and (emg["mean_envelope_mv"] < 1.0).all()  # surface EMG: µV–mV
    knee = features.kinematics
    walk_range = knee[(knee["trial_id"] == "UCI05_walk") & (knee["metric"] == "knee_flexion_range_deg")]
    assert 40 < walk_range["value"].iloc[0] < 80  # gait knee flexion range, goniometer


def test_claims_not_testable_say_why(study, features):
    from analysis.claims import VERDICTS, ClaimTables, evaluate_claims

    tables = ClaimTables(
        emg=features.emg,
        force=features.force,
        kinematics=features.kinematics,
        subjects=study.subjects,
        trials=study.trials,
        exposures=study.exposures,
        injuries=study.injuries,
        synthetic=False,
    )
    claims = evaluate_claims(tables, only=["C1", "C6", "C7"], power=False)
    assert set(claims["verdict"]) <= set(VERDICTS)
    assert (claims["verdict"] == "not testable").all()
    assert claims["notes"].str.contains("needs").all()
    assert not claims["data_synthetic"].any()
