"""The papermill/nbconvert spine: parameters, execution, HTML rendering, failure handling, index."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from analysis import reports
from analysis.cli import main


def make_notebook(
    path: Path, body: str, params: str = 'greeting: str = "hello"  # what to print\nrepeat: int = 2  # how many times\n'
) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A tiny report\n\n## Section one"),
        p,
        nbformat.v4.new_code_cell(body),
    ]
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def good_nb(tmp_path):
    return make_notebook(tmp_path / "01_good.ipynb", "SECRET_CODE_MARKER = 1\nprint(greeting * repeat)")


@pytest.fixture
def bad_nb(tmp_path):
    return make_notebook(tmp_path / "02_bad.ipynb", "raise ValueError('deliberate failure in cell')")


def test_params_lists_type_default_and_help(good_nb):
    params = reports.notebook_parameters(good_nb)
    assert params["greeting"] == {"type": "str", "default": '"hello"', "help": "what to print"}
    assert params["repeat"]["type"] == "int"


def test_unknown_parameter_is_refused_before_execution(good_nb, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(reports.ParameterError) as err:
        reports.run_notebook(good_nb, {"no_such_param": 1}, out)
    assert "no_such_param" in str(err.value) and "greeting" in str(err.value) and "repeat" in str(err.value)
    assert not out.exists() or not any(out.iterdir())


def test_wrong_type_is_refused(good_nb, tmp_path):
    with pytest.raises(reports.ParameterError, match="repeat expects int"):
        reports.run_notebook(good_nb, {"repeat": "three"}, tmp_path)


def test_run_renders_html_without_code_or_injected_parameters(good_nb, tmp_path):
    run = reports.run_notebook(good_nb, {"greeting": "ciao", "repeat": 3}, tmp_path / "out")
    assert run.ok, run.error
    html = run.html_path.read_text()
    assert "ciaociaociao" in html
    assert "SECRET_CODE_MARKER" not in html  # no code cells
    assert "# Parameters" not in html and "injected-parameters" not in html
    assert "Provenance" in html and "Contents" in html
    executed = nbformat.read(str(run.executed_path), as_version=4)
    assert executed.metadata.papermill.parameters == {"greeting": "ciao", "repeat": 3}


def test_failing_notebook_does_not_stop_the_others(good_nb, bad_nb, tmp_path):
    out = tmp_path / "out"
    (tmp_path / "study.yaml").write_text("name: tiny\nsynthetic: true\n")
    runs = reports.reproduce(study=tmp_path, out_dir=out, notebooks=[bad_nb, good_nb], progress=False)
    assert [r.ok for r in runs] == [False, True]
    assert "02_bad" in runs[0].error and "ValueError" in runs[0].error and "deliberate failure" in runs[0].error
    assert runs[0].failed_cell is not None
    assert (out / "02_bad.html").exists() and (out / "01_good.html").exists()
    index = (out / "index.html").read_text()
    assert "FAILED" in index and "01_good.html" in index
    record = json.loads((out / "run.json").read_text())
    assert record["ok"] is False and len(record["study_sha256"]) == 64


def test_cli_run_unknown_parameter_exits_nonzero_and_names_valid_ones(good_nb, capsys, tmp_path):
    status = main(["run", str(good_nb), "-p", "no_such_param", "1", "--out", str(tmp_path / "o")])
    assert status != 0
    err = capsys.readouterr().err
    assert "no_such_param" in err and "greeting" in err and "repeat" in err


def test_cli_params(good_nb, capsys):
    assert main(["params", str(good_nb)]) == 0
    out = capsys.readouterr().out
    assert "greeting" in out and "what to print" in out and "int" in out


def test_cli_run_failure_exits_nonzero(bad_nb, tmp_path, capsys):
    assert main(["run", str(bad_nb), "--out", str(tmp_path / "o")]) == 1
    assert "deliberate failure" in capsys.readouterr().err


def test_missing_notebook_is_a_clear_error(capsys):
    assert main(["params", "no/such/notebook.ipynb"]) == 2
    assert "no such notebook" in capsys.readouterr().err


def test_cli_value_parsing_is_yaml_typed():
    assert reports.parse_cli_value("3") == 3
    assert reports.parse_cli_value("true") is True
    assert reports.parse_cli_value("0.5") == 0.5
    assert reports.parse_cli_value("data/demo") == "data/demo"


def test_cli_resolves_relative_folder_parameters_against_the_callers_cwd(tmp_path, monkeypatch):
    from analysis.cli.reports import _parse_params

    monkeypatch.chdir(tmp_path)
    params = _parse_params([["study_dir", "my_study"], ["reports_dir", "/abs/out"], ["alpha", "0.01"]])
    assert params == {"study_dir": str(tmp_path / "my_study"), "reports_dir": "/abs/out", "alpha": 0.01}


def test_cli_run_sends_the_notebooks_tables_to_out(tmp_path):
    nb = make_notebook(
        tmp_path / "03_tables.ipynb",
        "import pathlib\npathlib.Path(reports_dir, 't.csv').write_text('x')",
        params='reports_dir: str = ""  # where tables go\n',
    )
    assert main(["run", str(nb), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "t.csv").read_text() == "x"


def test_reproduce_refuses_a_folder_that_is_not_a_study_before_running_anything(good_nb, tmp_path):
    from analysis.errors import AnkleLabError

    with pytest.raises(AnkleLabError, match="not a study folder"):
        reports.reproduce(study=tmp_path / "nope", out_dir=tmp_path / "out", notebooks=[good_nb], progress=False)
    assert not (tmp_path / "out" / "01_good.html").exists()


def test_notebooks_reading_the_shared_claims_start_after_them(good_nb, tmp_path):
    """reproduce evaluates the claims once, in parallel with the notebooks that do not read them; the ones
    that do are submitted afterwards, and every report is still listed in notebook order."""
    reader = make_notebook(tmp_path / "00_reader.ipynb", "claims = None  # would be nbk.claims(ctx, tables)\nprint(1)")
    assert reports._reads_shared_claims(reader) and not reports._reads_shared_claims(good_nb)
    (tmp_path / "study.yaml").write_text("name: tiny\nsynthetic: true\n")
    runs = reports.reproduce(study=tmp_path, out_dir=tmp_path / "out", notebooks=[reader, good_nb], progress=False)
    assert [r.name for r in runs] == ["00_reader", "01_good"] and all(r.ok for r in runs)


def test_slowest_notebooks_start_first():
    jobs = [(Path(f"{name}.ipynb"), {}, Path()) for name in ("03_x", "00_claims_overview", "06_power_and_design")]
    assert [j[0].stem for j in sorted(jobs, key=reports._slow_first)] == [
        "06_power_and_design",
        "00_claims_overview",
        "03_x",
    ]
