"""One coherent report set per run: the manifest, refusing foreign files, file modes, self-contained HTML,
the index's per-report study and artefact links (issue 18; issue 14's overwrite rule)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from analysis import reports
from analysis.cli import main
from analysis.plots.format import (
    format_count,
    format_estimate_interval,
    format_interval,
    format_n_needed,
    format_number,
)
from analysis.reports.reasons import plain_reason
from tests.test_reports import make_notebook


@pytest.fixture
def good_nb(tmp_path):
    return make_notebook(tmp_path / "01_good.ipynb", "print(greeting * repeat)")


def test_run_refuses_a_folder_with_files_it_did_not_write_and_names_them(good_nb, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "01_good.html").write_text("a colleague's page")
    with pytest.raises(reports.OverwriteError, match="01_good.html") as err:
        reports.run_one(good_nb, {}, out)
    assert "--force" in str(err.value)
    assert (out / "01_good.html").read_text() == "a colleague's page"
    run, _ = reports.run_one(good_nb, {}, out, force=True)
    assert run.ok and "a colleague" not in (out / "01_good.html").read_text()


def test_a_rerun_may_replace_what_the_last_run_wrote_and_readmes_are_ignored(good_nb, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("about this folder")
    reports.run_one(good_nb, {}, out)
    manifest = json.loads((out / "run.json").read_text())
    assert {"01_good.html", "01_good.ipynb", "index.html", "run.json"} <= set(manifest["files"])
    assert "README.md" not in manifest["files"]
    reports.run_one(good_nb, {"greeting": "hi"}, out)  # no refusal: every file there is the last run's
    assert reports.foreign_files(out) == []


def test_cli_run_defaults_to_a_folder_of_its_own(good_nb, tmp_path, monkeypatch):
    monkeypatch.setattr(reports.runner.paths, "REPORTS_DIR", tmp_path / "reports")
    folder = reports.default_run_dir(good_nb, tmp_path / "reports")
    assert folder.parent == tmp_path / "reports" / "runs" and folder.name.startswith("01_good-")


def test_report_files_are_readable_as_the_umask_says_and_pages_load_nothing_from_the_network(good_nb, tmp_path):
    old = os.umask(0o022)
    try:
        run, out = reports.run_one(good_nb, {}, tmp_path / "out")
    finally:
        os.umask(old)
    for name in ("01_good.html", "01_good.ipynb", "index.html", "run.json"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644, name
    page = run.html_path.read_text()
    assert "cdnjs" not in page and "require.js" not in page and "mathjax" not in page.lower()
    assert "<script src=" not in page


def test_index_states_each_reports_study_and_links_every_artefact(good_nb, tmp_path, monkeypatch):
    monkeypatch.delenv("ANKLELAB_STUDY", raising=False)  # a notebook without study_dir reads the run's study
    (tmp_path / "study.yaml").write_text("name: tiny\nsynthetic: true\n")
    out = tmp_path / "out"
    reports.reproduce(study=tmp_path, out_dir=out, notebooks=[good_nb], progress=False)
    record = json.loads((out / "run.json").read_text())
    entry = record["runs"][0]
    assert entry["study_dir"] == str(tmp_path) and entry["study_sha256"] == record["study_sha256"]
    index = (out / "index.html").read_text()
    assert entry["study_sha256"][:12] in index and 'href="run.json"' in index and 'href="01_good.ipynb"' in index
    assert "made from a different study" not in index


def test_cli_help_shows_defaults_and_examples(capsys):
    for command in ("run", "reproduce", "params"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        assert "examples:" in text and "anklelab " + command in text
        if command != "params":
            assert "default" in text and "--force" in text
        if command != "reproduce":
            assert "notebooks/" in text  # the notebook argument is documented


def test_numbers_read_the_same_everywhere():
    assert format_interval(0.743, 2) == "0.74 to 2.00"
    assert format_interval(12.54, 17.46) == "12.5 to 17.5"
    # the effect and reliability tables: an estimate with a missing interval is not printed as "[nan, nan]"
    assert format_estimate_interval(0.8123, 0.7, 0.9, 2) == "0.81 [0.70 to 0.90]"
    assert format_estimate_interval(0.8, float("nan"), float("nan"), 2) == "0.80 [–]"
    assert format_estimate_interval(float("nan"), 0.0, 1.0, 2) == "–"
    assert format_number(1342.4, "athletes") == "1,342 athletes"
    assert format_n_needed(1341.2, "athletes per arm") == "1,342 athletes per arm"
    assert format_n_needed(float("inf")) == "more than any study could recruit"
    assert format_count(1, "trial") == "1 trial" and format_count(3, "trial") == "3 trials"


def test_not_testable_reason_is_derived_from_the_data():
    facts = {"all_loads_zero": True, "n_trials": 8}
    reason = plain_reason(
        "C1", "not testable", "gluteus_maximus: not testable, needs ...", facts, data_needed="at 3–5 lb"
    )
    assert reason.startswith("no trials with ankle load: every load is 0")
    reason = plain_reason(
        "C3",
        "not testable",
        "not testable: needs 'peak_knee_fppa_deg' rows in the kinematics table (none found)",
        {"all_loads_zero": False},
    )
    assert "peak knee fppa deg" in reason and "'" not in reason.split(":")[0]
    assert "1,342 athletes per arm" in plain_reason("C8", "inconclusive", "", {}, n_needed=1341.5)


def test_a_report_run_on_another_study_into_a_reproduce_folder_is_flagged_on_the_index(tmp_path):
    nb = make_notebook(tmp_path / "00_overview.ipynb", "print(study_dir)", params='study_dir: str = ""  # study\n')
    study_a, study_b = tmp_path / "a", tmp_path / "b"
    for folder, name in ((study_a, "a"), (study_b, "b")):
        folder.mkdir()
        (folder / "study.yaml").write_text(f"name: {name}\nsynthetic: true\n")
    out = tmp_path / "out"
    reports.reproduce(study=study_a, out_dir=out, notebooks=[nb], progress=False)
    other = make_notebook(tmp_path / "03_other.ipynb", "print(study_dir)", params='study_dir: str = ""  # study\n')
    reports.run_one(other, {"study_dir": str(study_b)}, out)
    record = json.loads((out / "run.json").read_text())
    assert [e["name"] for e in record["runs"]] == ["00_overview", "03_other"]
    assert record["runs"][0]["study_sha256"] != record["runs"][1]["study_sha256"]
    index = (out / "index.html").read_text()
    assert index.count("made from a different study") == 1 and str(study_b) in index


def test_params_of_a_file_that_is_not_a_notebook_names_it(tmp_path):
    from analysis.errors import AnkleLabError
    from analysis.reports.parameters import notebook_parameters

    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json")
    with pytest.raises(AnkleLabError, match=r"bad.ipynb: not a readable notebook \(NotJSONError"):
        notebook_parameters(bad)
