"""Run notebooks with papermill and render standalone HTML reports.

papermill executes, nbconvert renders (docs/design/notebooks.md §0.2):

* parameters are checked against ``papermill.inspect_notebook`` *before* execution: papermill itself
  only warns about unknown names, we refuse them and list the valid ones;
* the kernel is always ``python3`` and the working directory the notebook's folder (papermill's
  default is the caller's cwd, nbval's the notebook's: §1.2);
* the executed notebook is kept as ``<out>/<name>.ipynb``; ``<out>/<name>.html`` has no code cells,
  no injected-parameters cell, embedded figures, a table of contents and a provenance footer;
* a failing notebook is reported with its cell and exception, the others still run, the index marks
  the failure and the command exits non-zero.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.errors import AnkleLabError

__all__ = [
    "ParameterError",
    "NotebookRun",
    "notebook_parameters",
    "validate_parameters",
    "run_notebook",
    "render_html",
    "reproduce",
    "prepare_features",
    "prepare_claims",
    "write_index",
    "list_notebooks",
    "study_content_hash",
    "provenance",
]

#: Packages whose versions every report footer and the index record.
PROVENANCE_PACKAGES = (
    "anklelab",
    "numpy",
    "scipy",
    "pandas",
    "statsmodels",
    "seaborn",
    "matplotlib",
    "papermill",
    "nbconvert",
    "ezc3d",
)


class ParameterError(AnkleLabError):
    """A parameter name or value a notebook does not accept."""


@dataclass
class NotebookRun:
    """What happened to one notebook in a run."""

    name: str
    notebook: Path
    ok: bool
    parameters: dict[str, Any]
    executed_path: Path | None = None
    html_path: Path | None = None
    duration_s: float = 0.0
    error: str | None = None
    failed_cell: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("notebook", "executed_path", "html_path"):
            d[k] = str(d[k]) if d[k] is not None else None
        return d


# ---------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------
def list_notebooks(folder: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """Numbered notebooks of the suite, in order (``00_...``, ``01_...``)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb"))


def notebook_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The notebook's parameters: ``{name: {"type", "default", "help"}}`` from its ``parameters`` cell."""
    import papermill

    notebook = _existing_notebook(notebook)
    raw = papermill.inspect_notebook(str(notebook))
    return {
        name: {
            "type": info.get("inferred_type_name") or "None",
            "default": info.get("default"),
            "help": info.get("help") or "",
        }
        for name, info in raw.items()
    }


def _existing_notebook(notebook: str | Path) -> Path:
    path = Path(notebook)
    if not path.exists() and not path.is_absolute():
        candidate = paths.NOTEBOOKS_DIR / path
        if candidate.exists():
            path = candidate
    if not path.exists():
        raise AnkleLabError(f"{notebook}: no such notebook (the suite's notebooks are in {paths.NOTEBOOKS_DIR})")
    if path.suffix != ".ipynb":
        raise AnkleLabError(f"{path}: papermill runs .ipynb notebooks only (convert a .py with jupytext first)")
    return path.resolve()


_TYPE_CHECKS = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


def validate_parameters(notebook: str | Path, parameters: dict[str, Any]) -> dict[str, Any]:
    """Refuse names the notebook does not declare and values of the wrong type; return the parameters."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        valid = ", ".join(f"{n} ({d['type']})" for n, d in declared.items()) or "none"
        raise ParameterError(
            f"{Path(notebook).name} has no parameter(s) {', '.join(unknown)}. Valid parameters: {valid}. "
            f"List them with: anklelab params {notebook}"
        )
    for name, value in parameters.items():
        expected = declared[name]["type"].split("[")[0].lower()
        allowed = _TYPE_CHECKS.get(expected)
        if allowed is None or value is None:
            continue
        if expected in ("int", "float") and isinstance(value, bool):
            ok = False
        else:
            ok = isinstance(value, allowed)
        if not ok:
            raise ParameterError(
                f"{Path(notebook).name}: parameter {name} expects {declared[name]['type']}, "
                f"got {value!r} ({type(value).__name__})"
            )
    return dict(parameters)


def parse_cli_value(text: str) -> Any:
    """``-p name value`` values are YAML-typed, as with papermill's own CLI (``3`` → int, ``true`` → bool)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


# ---------------------------------------------------------------------------------------------
# execution and rendering
# ---------------------------------------------------------------------------------------------
def run_notebook(
    notebook: str | Path,
    parameters: dict[str, Any] | None = None,
    out_dir: str | Path = paths.REPORTS_DIR,
    *,
    render: bool = True,
    timeout_s: int | None = 1800,
) -> NotebookRun:
    """Execute one notebook with papermill and render its HTML report.

    Never raises for an error *inside* the notebook: the returned :class:`NotebookRun` says what
    failed (cell and exception) and the partial notebook is still rendered so it can be read.
    Unknown parameters raise :class:`ParameterError` before anything runs.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = _existing_notebook(notebook)
    parameters = validate_parameters(notebook, dict(parameters or {}))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = notebook.stem
    executed = out_dir / f"{name}.ipynb"
    run = NotebookRun(name=name, notebook=notebook, ok=False, parameters=parameters)
    t0 = time.perf_counter()
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".ipynb", dir=out_dir)
    os.close(fd)
    try:
        papermill.execute_notebook(
            str(notebook),
            tmp,
            parameters=parameters,
            kernel_name="python3",
            cwd=str(notebook.parent),
            progress_bar=False,
            execution_timeout=timeout_s,
            # The kernel's own log only said things that are not findings: ipykernel 7 warns on every start
            # that its loopback TCP channel is unencrypted (messages are HMAC-signed; nothing leaves the
            # machine), and now and then logs "ERROR | KeyboardInterrupt caught in kernel" while it is shut
            # down after a notebook that ran fine. Cell errors and warnings are cell outputs, and a kernel
            # that dies or times out raises here (reported below), so neither depends on this log.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        run.ok = True
    except PapermillExecutionError as exc:
        run.failed_cell = exc.exec_count
        run.error = f"{name}: cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, timeout, ...: still report, never lose the other notebooks
        run.error = f"{name}: {type(exc).__name__}: {exc}"
    run.duration_s = time.perf_counter() - t0
    if Path(tmp).exists() and Path(tmp).stat().st_size > 0:
        os.replace(tmp, executed)
        run.executed_path = executed
        if render:
            run.html_path = render_html(executed, out_dir / f"{name}.html", run=run)
    else:
        Path(tmp).unlink(missing_ok=True)
    return run


def _toc_and_anchors(body: str) -> tuple[str, str]:
    """A table of contents from the rendered h1–h3 headings (nbconvert gives them ids)."""
    items = []
    for level, ident, text in re.findall(r'<h([1-3]) id="([^"]+)"[^>]*>(.*?)</h\1>', body, flags=re.S):
        label = re.sub(r"<[^>]+>", "", text).replace("¶", "").strip()
        if label:
            items.append(f'<li class="toc-h{level}"><a href="#{ident}">{html.escape(label)}</a></li>')
    if not items:
        return body, ""
    toc = '<nav class="anklelab-toc"><strong>Contents</strong><ul>' + "".join(items) + "</ul></nav>"
    return body, toc


_REPORT_CSS = """
<style>
.anklelab-toc{border:1px solid #ccc;background:#f8f8f8;padding:.5em 1em;margin:1em auto;max-width:1100px;font-size:90%}
.anklelab-toc ul{margin:.3em 0;padding-left:1.2em}.anklelab-toc .toc-h2{margin-left:1em}.anklelab-toc .toc-h3{margin-left:2em}
.anklelab-footer{border-top:1px solid #ccc;margin:2em auto 1em;max-width:1100px;font-size:80%;color:#444}
.jp-RenderedHTMLCommon table td,.jp-RenderedHTMLCommon table th,.jp-RenderedHTMLCommon table tr{text-align:left !important;vertical-align:top;max-width:36em}
.anklelab-failed{background:#fdd;border:2px solid #c00;padding:.7em;margin:1em auto;max-width:1100px}
</style>
"""


def render_html(executed_notebook: str | Path, html_path: str | Path, *, run: NotebookRun | None = None) -> Path:
    """Standalone HTML: no code, no injected-parameters cell, embedded figures, contents and footer."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(str(executed_notebook), as_version=4)
    cfg = Config()
    cfg.TagRemovePreprocessor.enabled = True
    cfg.TagRemovePreprocessor.remove_cell_tags = {"injected-parameters", "remove-cell"}
    cfg.TagRemovePreprocessor.remove_input_tags = {"parameters"}
    # the parameters cell has no output worth showing: drop it entirely from the report
    nb.cells = [c for c in nb.cells if "parameters" not in c.get("metadata", {}).get("tags", [])]
    exporter = HTMLExporter(config=cfg, exclude_input=True)
    body, _ = exporter.from_notebook_node(nb)
    body, toc = _toc_and_anchors(body)
    banner = ""
    if run is not None and not run.ok:
        banner = (
            f'<div class="anklelab-failed"><strong>This report is incomplete.</strong> '
            f"{html.escape(run.error or 'execution failed')}</div>"
        )
    footer = _footer_html(nb, run)
    body = body.replace("</head>", _REPORT_CSS + "</head>", 1)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner + toc, body, count=1)
    body = body.replace("</body>", footer + "</body>", 1)
    html_path = Path(html_path)
    _atomic_write_text(html_path, body)
    return html_path


def _footer_html(nb, run: NotebookRun | None) -> str:
    pm = nb.metadata.get("papermill", {})
    prov = provenance()
    params = pm.get("parameters", {}) if pm else {}
    rows = [
        ("notebook", Path(run.notebook).name if run else pm.get("input_path", "")),
        ("parameters", json.dumps(params, default=str)),
        ("executed", pm.get("end_time", "")),
        ("duration", f"{pm.get('duration', 0) or 0:.1f} s"),
        ("git commit", prov["git_commit"]),
        ("python", prov["python"]),
        ("packages", ", ".join(f"{k} {v}" for k, v in prov["packages"].items())),
    ]
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f'<div class="anklelab-footer"><strong>Provenance</strong><table>{cells}</table></div>'


# ---------------------------------------------------------------------------------------------
# provenance
# ---------------------------------------------------------------------------------------------
def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(paths.PROJECT_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        commit = out.stdout.strip()
        if not commit:
            return "unknown (not a git checkout)"
        dirty = subprocess.run(
            ["git", "-C", str(paths.PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"


def provenance() -> dict[str, Any]:
    versions = {}
    for pkg in PROVENANCE_PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def study_content_hash(study_dir: str | Path) -> str:
    """sha256 over the study's files (relative path + bytes), derived outputs excluded."""
    study_dir = Path(study_dir)
    try:  # the study module knows which files belong to a study
        from analysis.study import load_study

        return load_study(study_dir).content_hash()
    except Exception:
        pass
    digest = hashlib.sha256()
    for f in sorted(p for p in study_dir.rglob("*") if p.is_file() and "derived" not in p.relative_to(study_dir).parts):
        digest.update(str(f.relative_to(study_dir)).encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# the whole suite
# ---------------------------------------------------------------------------------------------
def ensure_demo_study(study_dir: Path = paths.DEMO_STUDY_DIR) -> Path:
    """Build the embedded demo study (claims scenario, seed 0) when it is absent."""
    if (study_dir / "study.yaml").exists():
        return study_dir
    try:
        from analysis.simulate import simulate_study
    except ModuleNotFoundError:
        raise AnkleLabError(
            f"{study_dir} does not exist and the simulator is not available; pass --study DIR"
        ) from None
    print(f"Building the synthetic demo study in {study_dir} (claims scenario, seed 0) ...", flush=True)
    simulate_study(study_dir, scenario="claims", seed=0)
    return study_dir


def _run_notebook_job(job: tuple[Path, dict[str, Any], Path]) -> NotebookRun:
    notebook, params, out_dir = job
    return run_notebook(notebook, params, out_dir)


def prepare_features(study_dir: Path, *, workers: int | None = None, progress: bool = True) -> str | None:
    """Extract (or refresh from cache) the study's feature tables once, before the notebooks read them.

    Returns a one-line summary, or ``None`` when the folder is not a study the extractor can read (the
    notebooks then say so themselves). Failed trials are listed by the notebooks, never dropped.
    """
    if not (Path(study_dir) / "study.yaml").exists():
        return None
    try:
        from analysis.features import extract_features
    except ModuleNotFoundError:
        return None
    try:
        tables = extract_features(study_dir, workers=workers, progress=progress)
    except AnkleLabError as exc:
        return f"feature extraction could not run: {exc}"
    n_failed = len(tables.failures)
    return f"features ready ({n_failed} failed trial(s) listed in the reports)" if n_failed else "features ready"


def prepare_claims(study_dir: Path) -> str | None:
    """Evaluate every claim once for this run (:mod:`analysis.claim_cache`, the suite's settings) so the
    notebooks read one shared table instead of each evaluating its claims again.

    Returns a one-line summary, or ``None`` when the folder is not a study; a claims error is left for the
    notebooks to report (they then evaluate, and fail, where the reader sees it).
    """
    if not (Path(study_dir) / "study.yaml").exists():
        return None
    try:
        from analysis.claim_cache import cached_claims, claim_tables_for, evaluate_and_store
        from analysis.features import extract_features
        from analysis.study import load_study
    except ModuleNotFoundError:
        return None
    try:
        study = load_study(study_dir)
        tables = claim_tables_for(study, extract_features(study, workers=2, progress=False))
        if cached_claims(tables, study_dir) is not None:
            return "claims ready (cached)"
        evaluate_and_store(tables, study_dir)
    except AnkleLabError as exc:
        return f"claims could not be evaluated ahead of the notebooks: {exc}"
    return "claims evaluated once for every notebook"


def reproduce(
    study: str | Path | None = None,
    out_dir: str | Path = paths.REPORTS_DIR,
    *,
    notebooks: list[Path] | None = None,
    parameters: dict[str, Any] | None = None,
    progress: bool = True,
    jobs: int | None = None,
) -> list[NotebookRun]:
    """Run every numbered notebook on one study and write the reports and the index.

    The study's feature tables are extracted once first (parallel, cached); the notebooks, which only
    read them, then run ``jobs`` at a time (default: 2, or 1 on a single core). Reports are listed in
    notebook order whatever order they finish in.
    """
    import concurrent.futures as cf

    from tqdm.auto import tqdm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    study_dir = Path(study).resolve() if study else ensure_demo_study()
    if study and not (study_dir / "study.yaml").is_file():
        raise AnkleLabError(
            f"{study_dir}: not a study folder (no study.yaml); check the path, or run "
            f"'anklelab validate {study_dir}' (data/README.md describes the format)"
        )
    notebooks = list(notebooks or list_notebooks())
    summary = prepare_features(study_dir, progress=progress)
    if summary and progress:
        print(summary, file=sys.stderr, flush=True)
    job_list = []
    for nb in notebooks:
        declared = notebook_parameters(nb)
        params = {k: v for k, v in (parameters or {}).items() if k in declared}
        if "study_dir" in declared:
            params["study_dir"] = str(study_dir)
        if "reports_dir" in declared:
            params["reports_dir"] = str(out_dir.resolve())
        validate_parameters(nb, params)  # refuse bad parameters before anything runs
        job_list.append((nb, params, out_dir))
    # Notebooks that read the shared claims table start after the claims are evaluated (once, below); the
    # others run meanwhile. Within each group the slowest known notebooks start first (shorter makespan).
    independent = [job for job in job_list if not _reads_shared_claims(job[0])]
    dependent = sorted((job for job in job_list if _reads_shared_claims(job[0])), key=_slow_first)
    jobs = max(1, min(jobs or min(2, os.cpu_count() or 1), len(job_list) or 1))
    runs_by_name: dict[str, NotebookRun] = {}
    bar = tqdm(total=len(job_list), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr)

    def finished(run: NotebookRun) -> None:
        runs_by_name[run.name] = run
        if not run.ok:
            tqdm.write(f"FAILED {run.error}", file=sys.stderr)
        bar.set_postfix_str(run.name)
        bar.update()

    def claims_done(summary: str | None) -> None:
        if summary and progress:
            tqdm.write(summary, file=sys.stderr)

    if jobs == 1:
        claims_done(prepare_claims(study_dir))
        for job in independent + dependent:
            finished(_run_notebook_job(job))
    else:
        # Each notebook runs in its own kernel process; a worker process per job keeps papermill's event
        # loops apart. Notebooks only read the features and claims prepared here, so they do not race on a cache.
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context()) as pool:
            claims_future = pool.submit(prepare_claims, study_dir)
            futures: dict[cf.Future, tuple[Path, dict[str, Any], Path]] = {
                pool.submit(_run_notebook_job, job): job for job in independent
            }
            pending: set[cf.Future] = set(futures) | {claims_future}
            while pending:
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    if future is claims_future:
                        try:
                            claims_done(future.result())
                        except Exception as exc:  # the notebooks then evaluate, and report, themselves
                            claims_done(f"claims could not be evaluated ahead of the notebooks: {exc}")
                        for job in dependent:
                            new = pool.submit(_run_notebook_job, job)
                            futures[new] = job
                            pending.add(new)
                        continue
                    nb, params, _ = futures[future]
                    try:
                        finished(future.result())
                    except Exception as exc:  # a crashed worker: report it, keep the others
                        error = f"{nb.stem}: {type(exc).__name__}: {exc}"
                        finished(NotebookRun(name=nb.stem, notebook=nb, ok=False, parameters=params, error=error))
    bar.close()
    runs = [runs_by_name[nb.stem] for nb in notebooks]
    write_index(runs, out_dir, study_dir=study_dir)
    return runs


#: Notebooks that take longest in a warm run of the demo study (measured, issue 13): started first.
_SLOW_NOTEBOOKS = ("06_power_and_design", "00_claims_overview")


def _slow_first(job: tuple[Path, dict[str, Any], Path]) -> int:
    stem = job[0].stem
    return _SLOW_NOTEBOOKS.index(stem) if stem in _SLOW_NOTEBOOKS else len(_SLOW_NOTEBOOKS)


def _reads_shared_claims(notebook: Path) -> bool:
    """Whether the notebook reads the run's claims table (``analysis.notebook.claims``, directly or through
    a report section), so it should start after :func:`prepare_claims`."""
    text = Path(notebook).read_text(encoding="utf-8")
    return "nbk.claims(" in text or "analysis.sections" in text


def _mp_context():
    import multiprocessing

    return multiprocessing.get_context("forkserver" if sys.platform.startswith("linux") else "spawn")


def _claims_summary_html(out_dir: Path) -> str:
    claims_json = out_dir / "claims.json"
    if not claims_json.exists():
        return "<p><em>No claims table was produced in this run.</em></p>"
    try:
        data = json.loads(claims_json.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        return f"<p><em>claims.json could not be read: {html.escape(str(exc))}</em></p>"
    rows = data.get("claims", data) if isinstance(data, dict) else data
    synthetic = any(bool(r.get("data_synthetic")) for r in rows)
    out = []
    if synthetic:
        out.append(
            '<div class="synthetic">SYNTHETIC DATA: these verdicts come from a simulated study, '
            "not from measurements of people.</div>"
        )
    out.append(
        "<table class='claims'><tr><th>claim</th><th>verdict</th><th>estimate</th><th>95 % CI</th>"
        "<th>unit</th><th>claimed</th><th>n</th><th>n needed</th><th>quote</th></tr>"
    )
    from analysis.plots.tables import clean_unit

    def fmt(v):
        return "–" if v is None or (isinstance(v, float) and v != v) else f"{v:.3g}" if isinstance(v, float) else str(v)

    for r in rows:
        verdict = str(r.get("verdict", ""))
        out.append(
            f"<tr class='v-{verdict.replace(' ', '-')}'><td>{html.escape(str(r.get('claim_id')))}</td>"
            f"<td><strong>{html.escape(verdict)}</strong></td><td>{fmt(r.get('estimate'))}</td>"
            f"<td>[{fmt(r.get('ci95_low'))}, {fmt(r.get('ci95_high'))}]</td>"
            f"<td>{html.escape(str(clean_unit(r.get('unit') or '')).replace('; each part listed below', '; first part, all parts in the overview report'))}</td>"
            f"<td>{html.escape(str(r.get('claimed_range') or ''))}</td><td>{fmt(r.get('n_subjects'))}</td>"
            f"<td>{fmt(r.get('n_needed')) if verdict == 'inconclusive' else ''}</td>"
            f"<td><q>{html.escape(str(r.get('quote', '')))}</q></td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def write_index(runs: list[NotebookRun], out_dir: str | Path, *, study_dir: Path | None = None) -> Path:
    """``index.html`` (and ``run.json``): the claims summary, links to every report, and provenance."""
    out_dir = Path(out_dir)
    prov = provenance()
    study_hash = study_content_hash(study_dir) if study_dir and Path(study_dir).exists() else "n/a"
    record = {
        "study_dir": str(study_dir) if study_dir else None,
        "study_sha256": study_hash,
        "provenance": prov,
        "runs": [r.to_dict() for r in runs],
        "ok": all(r.ok for r in runs),
    }
    _atomic_write_text(out_dir / "run.json", json.dumps(record, indent=2, default=str))
    items = []
    for r in runs:
        link = (
            f'<a href="{html.escape(r.html_path.name)}">{html.escape(r.name)}</a>'
            if r.html_path
            else html.escape(r.name)
        )
        status = "ok" if r.ok else f"<span class='fail'>FAILED: {html.escape(r.error or '')}</span>"
        params = html.escape(json.dumps(r.parameters, default=str))
        items.append(
            f"<tr><td>{link}</td><td>{status}</td><td>{r.duration_s:.1f} s</td><td><code>{params}</code></td></tr>"
        )
    pkgs = "".join(f"<li>{html.escape(k)} {html.escape(v)}</li>" for k, v in prov["packages"].items())
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Ankle Load Lab reports</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:1300px;margin:2em auto;padding:0 1em;line-height:1.4}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}}
.fail{{color:#b00;font-weight:bold}}.synthetic{{background:#fff3cd;border:2px solid #d39e00;padding:.6em;font-weight:bold}}
.v-supported td:nth-child(2){{color:#060}}.v-contradicted td:nth-child(2){{color:#b00}}
.v-inconclusive td:nth-child(2){{color:#a60}}.v-not-testable td:nth-child(2){{color:#666}}
</style></head><body>
<h1>Ankle Load Lab: claims report</h1>
<h2>Claims summary</h2>
{_claims_summary_html(out_dir)}
<h2>Reports</h2>
<table><tr><th>report</th><th>status</th><th>time</th><th>parameters</th></tr>{"".join(items)}</table>
<h2>Provenance</h2>
<ul>
<li>study: <code>{html.escape(str(study_dir))}</code></li>
<li>study content sha256: <code>{html.escape(study_hash)}</code></li>
<li>git commit: <code>{html.escape(prov["git_commit"])}</code></li>
<li>date: {html.escape(prov["date"])}</li>
<li>python {html.escape(prov["python"])} on {html.escape(prov["platform"])}</li>
</ul>
<details><summary>package versions</summary><ul>{pkgs}</ul></details>
</body></html>
"""
    path = out_dir / "index.html"
    _atomic_write_text(path, page)
    return path


def _atomic_write_text(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
