"""The `anklelab` console script as a user runs it: a real subprocess of the installed entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.paths import NOTEBOOKS_DIR

ANKLELAB = shutil.which("anklelab", path=str(Path(sys.executable).parent)) or "anklelab"


def run(*args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([ANKLELAB, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def small_study(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "small"
    result = run("simulate", "--scenario", "claims", "--size", "small", "--seed", "3", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def test_help_lists_every_subcommand():
    result = run("--help")
    assert result.returncode == 0
    for command in ("reproduce", "run", "params", "validate", "simulate", "features", "bench"):
        assert command in result.stdout, f"`anklelab --help` does not list {command}"


def test_no_subcommand_is_a_usage_error():
    result = run()
    assert result.returncode == 2 and "usage" in result.stderr.lower()


def test_simulate_refuses_to_overwrite(small_study):
    result = run("simulate", "--size", "small", "--out", str(small_study), "--quiet")
    assert result.returncode != 0
    assert str(small_study) in result.stderr and "--force" in result.stderr


def test_validate_accepts_a_simulated_study(small_study):
    result = run("validate", str(small_study))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_validate_reports_a_broken_study_and_exits_1(small_study, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(small_study, broken, ignore=shutil.ignore_patterns("derived"))
    trials = (broken / "trials.csv").read_text().splitlines()
    first_file = trials[1].split(",")[[c for c in trials[0].split(",")].index("file")]
    (broken / first_file).unlink()
    result = run("validate", str(broken))
    assert result.returncode == 1
    assert "trials.csv:2" in result.stdout and first_file in result.stdout


def test_features_writes_tables_beside_the_study_not_over_raw_files(small_study):
    before = {p: p.stat().st_mtime_ns for p in small_study.rglob("*") if p.is_file() and "derived" not in p.parts}
    result = run("features", str(small_study), "--workers", "2", "--no-progress")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (small_study / "derived" / "features_emg.parquet").exists()
    after = {p: p.stat().st_mtime_ns for p in small_study.rglob("*") if p.is_file() and "derived" not in p.parts}
    assert before == after, "raw study files were modified"


def test_params_of_the_overview_notebook():
    result = run("params", str(NOTEBOOKS_DIR / "00_claims_overview.ipynb"))
    assert result.returncode == 0, result.stderr
    assert "study_dir" in result.stdout and "reports_dir" in result.stdout


def test_run_with_an_unknown_parameter_names_the_valid_ones(tmp_path):
    result = run(
        "run", str(NOTEBOOKS_DIR / "00_claims_overview.ipynb"), "-p", "no_such_param", "1", "--out", str(tmp_path)
    )
    assert result.returncode != 0
    assert "no_such_param" in result.stderr and "study_dir" in result.stderr
    assert not list(tmp_path.glob("*.html")), "nothing may run when a parameter is refused"
