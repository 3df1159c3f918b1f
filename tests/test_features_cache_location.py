"""`anklelab features` where derived tables cannot go (issue 14): a read-only study folder or an unwritable
$ANKLELAB_CACHE is one clear message naming the options ($ANKLELAB_CACHE, --cache-dir), never an OSError
traceback; --cache-dir puts the tables elsewhere; a header-only trials.csv is an error, not "0 trials"."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from test_features_study import make_study

import analysis.cli.features as cli_features
from analysis.cli import main as cli_main
from analysis.errors import StudyError
from analysis.features import OUTPUT_FILES, extract_features
from analysis.paths import CACHE_ENV_VAR, CacheLocationError, cache_dir_for, writable_cache_dir


@pytest.fixture
def study_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv(CACHE_ENV_VAR, raising=False)
    return make_study(tmp_path / "study")


def _files(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


def _assert_explains_the_options(err: str, target: Path) -> None:
    assert "Traceback" not in err
    assert err.startswith("anklelab features: error: cannot write derived tables to ")
    assert str(target) in err
    assert f"set {CACHE_ENV_VAR} to a folder you can write" in err
    assert "--cache-dir DIR" in err


def test_read_only_study_folder_is_explained(study_dir, capsys):
    """The real thing: a study folder without write permission. Root ignores permissions (CI runs as root):
    then this test skips and the simulated one below covers the same path."""
    modes = {p: p.stat().st_mode for p in [study_dir, *study_dir.rglob("*")]}
    try:
        for path in modes:
            path.chmod(stat.S_IMODE(modes[path]) & ~0o222)
        probe = study_dir / "probe"
        try:
            probe.write_bytes(b"")
        except PermissionError:
            pass
        else:
            probe.unlink()
            pytest.skip("running as root: chmod does not stop writes (the simulated test covers this)")
        assert cli_main(["features", str(study_dir), "--scheduler", "serial", "--no-progress"]) == 2
        err = capsys.readouterr().err
        _assert_explains_the_options(err, study_dir / "derived")
        assert "the study folder is read-only?" in err
    finally:
        for path, mode in modes.items():
            path.chmod(stat.S_IMODE(mode))


def test_read_only_study_folder_simulated(study_dir, monkeypatch, capsys):
    """What a read-only folder does, for any user: creating a folder in it fails with EACCES."""
    before = _files(study_dir)
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if Path(self).resolve().is_relative_to(study_dir.resolve()):
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    assert cli_main(["features", str(study_dir), "--scheduler", "serial", "--no-progress"]) == 2
    err = capsys.readouterr().err
    _assert_explains_the_options(err, study_dir.resolve() / "derived")
    assert "Permission denied" in err and "the study folder is read-only?" in err
    assert _files(study_dir) == before


def test_unwritable_anklelab_cache_is_explained(study_dir, tmp_path, monkeypatch, capsys):
    """A real failure for root too: $ANKLELAB_CACHE below a regular file."""
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(CACHE_ENV_VAR, str(blocker / "cache"))
    assert cli_main(["features", str(study_dir), "--scheduler", "serial", "--no-progress"]) == 2
    err = capsys.readouterr().err
    _assert_explains_the_options(err, blocker / "cache" / "study")
    assert f"${CACHE_ENV_VAR} is {str(blocker / 'cache')!r}" in err
    with pytest.raises(CacheLocationError, match="cannot write derived tables"):
        writable_cache_dir(study_dir)


def test_cache_dir_option_puts_the_tables_elsewhere(study_dir, tmp_path, capsys):
    before = _files(study_dir)
    cache = tmp_path / "elsewhere"
    status = cli_main(["features", str(study_dir), "--scheduler", "serial", "--no-progress", "--cache-dir", str(cache)])
    assert status == 0, capsys.readouterr().err
    assert (cache / "study" / OUTPUT_FILES["emg"]).is_file()
    assert f"tables written to {cache / 'study'}" in capsys.readouterr().out
    assert _files(study_dir) == before  # nothing written into the study, not even derived/
    assert CACHE_ENV_VAR not in os.environ  # the option lasts for the command only


def test_a_write_failure_during_the_run_is_explained_too(study_dir, monkeypatch, capsys):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(cache_dir_for(study_dir) / "cache" / "ab" / "x.arrow"))

    monkeypatch.setattr(cli_features, "extract_features", disk_full)
    assert cli_main(["features", str(study_dir), "--no-progress"]) == 2
    err = capsys.readouterr().err
    _assert_explains_the_options(err, study_dir.resolve() / "derived")
    assert "No space left on device" in err


def test_an_oserror_outside_the_cache_is_not_disguised(study_dir, monkeypatch):
    def elsewhere(*args, **kwargs):
        raise OSError(5, "Input/output error", "/dev/sdz")

    monkeypatch.setattr(cli_features, "extract_features", elsewhere)
    with pytest.raises(OSError, match="Input/output error"):
        cli_main(["features", str(study_dir), "--no-progress"])


def test_header_only_trials_csv_is_an_error_not_zero_trials(study_dir, capsys):
    trials = study_dir / "trials.csv"
    trials.write_text(trials.read_text().splitlines()[0] + "\n")
    assert cli_main(["features", str(study_dir), "--scheduler", "serial", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "trials.csv: trials.csv has a header but no data rows" in err
    assert not (study_dir / "derived").exists()
    with pytest.raises(StudyError, match="has a header but no data rows"):
        extract_features(study_dir, scheduler="serial", progress=False)


def test_a_folder_that_is_no_study_gets_no_derived_folder(tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    assert cli_main(["features", str(tmp_path / "notes"), "--no-progress"]) == 2
    assert "study.yaml is missing" in capsys.readouterr().err
    assert list((tmp_path / "notes").iterdir()) == []
