"""Running notebooks: papermill executes, nbconvert renders (docs/design/notebooks.md §0.2).

* parameters are checked against ``papermill.inspect_notebook`` *before* execution
  (:mod:`analysis.reports.parameters`);
* the kernel is always ``python3`` and the working directory the notebook's folder (papermill's
  default is the caller's cwd, nbval's the notebook's: §1.2);
* the executed notebook is kept as ``<out>/<name>.ipynb``; ``<out>/<name>.html`` is rendered by
  :mod:`analysis.reports.render`;
* a failing notebook is reported with its cell and exception, the others still run, the index marks
  the failure and the command exits non-zero;
* a run writes one coherent report set: it refuses to replace files it did not write
  (:mod:`analysis.reports.manifest`) and records in ``run.json`` what it wrote and from which study.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.errors import AnkleLabError
from analysis.files import publish
from analysis.reports.manifest import check_can_write, manifest_files, snapshot
from analysis.reports.parameters import _existing_notebook, list_notebooks, notebook_parameters, validate_parameters
from analysis.reports.provenance import study_content_hash
from analysis.reports.render import render_html
from analysis.reports.run_record import NotebookRun

__all__ = [
    "NotebookRun",
    "run_notebook",
    "run_one",
    "reproduce",
    "prepare_features",
    "prepare_claims",
    "ensure_demo_study",
    "default_run_dir",
]


def notebook_study(parameters: dict[str, Any]) -> Path | None:
    """The study a notebook reads with these parameters (the rule of :func:`analysis.notebook.resolve_study_dir`),
    or None when it cannot be told without running it."""
    chosen = parameters.get("study_dir") or os.environ.get("ANKLELAB_STUDY")
    if chosen:
        return Path(str(chosen)).expanduser().resolve()
    return paths.DEMO_STUDY_DIR.resolve() if (paths.DEMO_STUDY_DIR / "study.yaml").exists() else None


def _study_hash(study_dir: Path | None) -> str | None:
    if study_dir is None or not study_dir.exists():
        return None
    return study_content_hash(study_dir)


def default_run_dir(notebook: str | Path, root: Path = paths.REPORTS_DIR) -> Path:
    """Where ``anklelab run`` renders by default: a folder of its own, ``reports/runs/<notebook>-<UTC time>``, so a
    single report on another study never replaces one of ``reproduce``'s set behind its index."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(root) / "runs" / f"{Path(notebook).stem}-{stamp}"


def run_notebook(
    notebook: str | Path,
    parameters: dict[str, Any] | None = None,
    out_dir: str | Path = paths.REPORTS_DIR,
    *,
    render: bool = True,
    timeout_s: int | None = 1800,
    study_sha256: str | None = None,
) -> NotebookRun:
    """Execute one notebook with papermill and render its HTML report.

    Never raises for an error *inside* the notebook: the returned :class:`NotebookRun` says what
    failed (cell and exception) and the partial notebook is still rendered so it can be read.
    Unknown parameters raise :class:`ParameterError` before anything runs. ``study_sha256``: the study's
    content hash when the caller knows it (else computed here).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = _existing_notebook(notebook)
    parameters = validate_parameters(notebook, dict(parameters or {}))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = notebook.stem
    executed = out_dir / f"{name}.ipynb"
    study = notebook_study(parameters)
    run = NotebookRun(
        name=name,
        notebook=notebook,
        ok=False,
        parameters=parameters,
        study_dir=str(study) if study else None,
        study_sha256=study_sha256 or _study_hash(study),
    )
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
    run.finished = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    if Path(tmp).exists() and Path(tmp).stat().st_size > 0:
        publish(tmp, executed)
        run.executed_path = executed
        if render:
            run.html_path = render_html(executed, out_dir / f"{name}.html", run=run)
    else:
        Path(tmp).unlink(missing_ok=True)
    return run


def run_one(
    notebook: str | Path,
    parameters: dict[str, Any] | None = None,
    out_dir: str | Path | None = None,
    *,
    force: bool = False,
) -> tuple[NotebookRun, Path]:
    """``anklelab run``: one notebook into ``out_dir`` (default :func:`default_run_dir`), refusing to replace files
    no run wrote there unless ``force``; the folder's index lists every report in it with the study it was made
    from. Returns the run and the folder."""
    from analysis.reports.index import write_index

    notebook = _existing_notebook(notebook)
    out = Path(out_dir) if out_dir is not None else default_run_dir(notebook)
    params = dict(parameters or {})
    if "reports_dir" in notebook_parameters(notebook) and "reports_dir" not in params:
        params["reports_dir"] = str(out.resolve())  # the notebook's tables go beside its report
    validate_parameters(notebook, params)
    check_can_write(out, force=force)
    before, earlier = snapshot(out), manifest_files(out) or set()
    run = run_notebook(notebook, params, out)
    study = Path(run.study_dir) if run.study_dir else None
    write_index(
        [run], out, study_dir=study, before=before, earlier_files=earlier, merge=True, study_sha256=run.study_sha256
    )
    return run, out


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


#: one notebook of a reproduce run: notebook, parameters, output folder, the study's content hash
Job = tuple[Path, dict[str, Any], Path, str | None]


def _run_notebook_job(job: Job) -> NotebookRun:
    notebook, params, out_dir, study_sha256 = job
    return run_notebook(notebook, params, out_dir, study_sha256=study_sha256)


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
    force: bool = False,
) -> list[NotebookRun]:
    """Run every numbered notebook on one study and write the reports and the index.

    The study's feature tables are extracted once first (parallel, cached); the notebooks, which only
    read them, then run ``jobs`` at a time (default: 2, or 1 on a single core). Reports are listed in
    notebook order whatever order they finish in. A folder holding files no run wrote is refused before
    anything runs (:mod:`analysis.reports.manifest`), unless ``force``.
    """
    import concurrent.futures as cf

    from tqdm.auto import tqdm

    from analysis.reports.index import write_index

    out_dir = Path(out_dir)
    check_can_write(out_dir, force=force)
    out_dir.mkdir(parents=True, exist_ok=True)
    before, earlier = snapshot(out_dir), manifest_files(out_dir) or set()
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
    study_sha256 = _study_hash(study_dir)
    job_list: list[Job] = []
    for nb in notebooks:
        declared = notebook_parameters(nb)
        params = {k: v for k, v in (parameters or {}).items() if k in declared}
        if "study_dir" in declared:
            params["study_dir"] = str(study_dir)
        if "reports_dir" in declared:
            params["reports_dir"] = str(out_dir.resolve())
        validate_parameters(nb, params)  # refuse bad parameters before anything runs
        job_list.append((nb, params, out_dir, study_sha256))
    # Notebooks that read the shared claims table start after the claims are evaluated (once, below); the
    # others run meanwhile. Within each group the slowest known notebooks start first (shorter makespan).
    independent = [job for job in job_list if not _reads_shared_claims(job[0])]
    dependent = sorted((job for job in job_list if _reads_shared_claims(job[0])), key=_slow_first)
    jobs = max(1, min(jobs or min(2, os.cpu_count() or 1), len(job_list) or 1))
    runs_by_name: dict[str, NotebookRun] = {}
    bar = tqdm(total=len(job_list), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr)

    # a notebook without a study_dir parameter is credited with the run's study (not with whatever study the
    # environment or the demo folder would have pointed it to)
    no_study_parameter = {Path(job[0]).stem for job in job_list if "study_dir" not in job[1]}

    def finished(run: NotebookRun) -> None:
        if run.name in no_study_parameter or not run.study_dir:
            run.study_dir, run.study_sha256 = str(study_dir), study_sha256
        run.study_sha256 = run.study_sha256 or study_sha256
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
            futures: dict[cf.Future, Job] = {pool.submit(_run_notebook_job, job): job for job in independent}
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
                    nb, params, _, _ = futures[future]
                    try:
                        finished(future.result())
                    except Exception as exc:  # a crashed worker: report it, keep the others
                        error = f"{nb.stem}: {type(exc).__name__}: {exc}"
                        finished(
                            NotebookRun(
                                name=nb.stem,
                                notebook=nb,
                                ok=False,
                                parameters=params,
                                error=error,
                                study_dir=str(study_dir),
                                study_sha256=study_sha256,
                            )
                        )
    bar.close()
    runs = [runs_by_name[nb.stem] for nb in notebooks]
    write_index(runs, out_dir, study_dir=study_dir, before=before, earlier_files=earlier, study_sha256=study_sha256)
    return runs


#: Notebooks that take longest in a warm run of the demo study (measured, issue 13): started first.
_SLOW_NOTEBOOKS = ("06_power_and_design", "00_claims_overview")


def _slow_first(job: tuple[Any, ...]) -> int:
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
