"""Reports: run notebooks with papermill, render standalone HTML, write one coherent report set per run.

| module | concern |
|---|---|
| ``parameters`` | a notebook's declared parameters; refusing unknown names and wrong types before a run |
| ``run_record`` | what happened to one notebook (``NotebookRun``) |
| ``runner`` | executing notebooks (one, or the whole suite on one study) and where a run writes |
| ``render`` | one executed notebook as self-contained HTML (no network requests), contents and provenance footer |
| ``index`` | ``index.html`` / ``run.json``: claims headline, reports with their study and hash, artefact links |
| ``manifest`` | what a run wrote, and refusing to overwrite files it did not write (unless forced) |
| ``reasons`` | why a claim is undecided, in plain language derived from the study's tables |
| ``provenance`` | git commit, package versions, the study's content hash |
| ``files`` | atomic writes with the umask's file mode |
"""

from __future__ import annotations

from analysis.files import atomic_write_text as _atomic_write_text
from analysis.reports.index import claims_summary_html, write_index
from analysis.reports.manifest import OverwriteError, check_can_write, foreign_files
from analysis.reports.parameters import (
    ParameterError,
    list_notebooks,
    notebook_parameters,
    parse_cli_value,
    validate_parameters,
)
from analysis.reports.provenance import PROVENANCE_PACKAGES, provenance, study_content_hash
from analysis.reports.render import render_html
from analysis.reports.runner import (
    NotebookRun,
    _reads_shared_claims,
    _slow_first,
    default_run_dir,
    ensure_demo_study,
    prepare_claims,
    prepare_features,
    reproduce,
    run_notebook,
    run_one,
)

__all__ = [
    "ParameterError",
    "OverwriteError",
    "NotebookRun",
    "notebook_parameters",
    "validate_parameters",
    "parse_cli_value",
    "run_notebook",
    "run_one",
    "render_html",
    "reproduce",
    "prepare_features",
    "prepare_claims",
    "ensure_demo_study",
    "default_run_dir",
    "write_index",
    "claims_summary_html",
    "check_can_write",
    "foreign_files",
    "list_notebooks",
    "study_content_hash",
    "provenance",
    "PROVENANCE_PACKAGES",
    "_atomic_write_text",
    "_reads_shared_claims",
    "_slow_first",
]
