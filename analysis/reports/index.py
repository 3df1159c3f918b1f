"""``index.html`` and ``run.json`` of a report folder: the claims headline table (the same one report 00 shows),
every report with the study and content hash it was made from (flagged when it differs from the claims' study),
links to every artefact of the run, and the manifest of the files the run wrote."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.files import atomic_write_text
from analysis.reports.manifest import MANIFEST_NAME, written_since
from analysis.reports.provenance import provenance, study_content_hash

if TYPE_CHECKING:
    from analysis.reports.run_record import NotebookRun

__all__ = ["write_index", "claims_summary_html"]

#: Artefacts of a run the index links to when they exist (besides each report's HTML and executed notebook).
RUN_ARTEFACTS = (
    ("claims.csv", "the claims table (CSV)"),
    ("claims.json", "the claims table (JSON)"),
    (MANIFEST_NAME, "what this run did: study, hash, parameters, versions, files written"),
)

_INDEX_CSS = """
body{font-family:system-ui,sans-serif;max-width:1300px;margin:2em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}
.fail{color:#b00;font-weight:bold}.synthetic{background:#fff3cd;border:2px solid #d39e00;padding:.6em;font-weight:bold}
.other-run{background:#fde8e8}.flag{color:#b00;font-weight:bold}code{word-break:break-all}
.table-wrap{overflow-x:auto}
"""


def _short(sha: str | None) -> str:
    return (sha or "unknown")[:12]


def claims_summary_html(out_dir: Path, study: Any | None = None) -> str:
    """The claims headline table from ``claims.json`` (:func:`analysis.plots.claims.claims_display_table`, with
    the plain-language reasons of :mod:`analysis.reports.reasons` derived from ``study``)."""
    import pandas as pd

    from analysis.plots.claims import N_DEFINITION, claims_display_table
    from analysis.plots.tables import html_table
    from analysis.reports.reasons import plain_reasons

    claims_json = out_dir / "claims.json"
    if not claims_json.exists():
        return "<p><em>No claims table was produced in this run.</em></p>"
    try:
        data = json.loads(claims_json.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return f"<p><em>claims.json could not be read: {html.escape(str(exc))}</em></p>"
    rows = data.get("claims", data) if isinstance(data, dict) else data
    claims = pd.DataFrame(rows)
    out = []
    if "data_synthetic" in claims and claims["data_synthetic"].fillna(False).astype(bool).any():
        out.append(
            '<div class="synthetic">SYNTHETIC DATA: these verdicts come from a simulated study, '
            "not from measurements of people.</div>"
        )
    table = claims_display_table(claims, notes=False, reasons=plain_reasons(claims, study))
    # a column empty in every row (e.g. estimates when nothing was testable) says nothing: leave it out
    table = table[[c for c in table.columns if c in ("claim", "verdict", "n") or (table[c].astype(str) != "").any()]]
    quotes = "".join(
        f"<li><b>{html.escape(str(r['claim_id']))}</b>: <q>{html.escape(str(r.get('quote', '')))}</q></li>"
        for _, r in claims.iterrows()
    )
    out.append(f"<div class='table-wrap'>{html_table(table, wrap_em=18)}</div>")
    out.append(
        f"<p style='font-size:.9em'>{html.escape(N_DEFINITION)}. Estimates and intervals: 3 significant digits; "
        "MDE: the smallest true effect this study would detect with 80 % power; n needed: the size of a study "
        "that would reach a conclusive verdict (inconclusive claims only). How each claim was analysed is in "
        "report 00.</p>"
    )
    out.append(f"<details><summary>The article's words for each claim</summary><ul>{quotes}</ul></details>")
    return "".join(out)


def _merge_runs(previous: list[dict], runs: list[dict]) -> list[dict]:
    """Earlier entries of the folder's index kept (replaced by name when run again), in notebook order."""
    by_name = {str(r.get("name")): r for r in previous if isinstance(r, dict)}
    by_name.update({str(r["name"]): r for r in runs})
    return [by_name[name] for name in sorted(by_name)]


def write_index(
    runs: list[NotebookRun],
    out_dir: str | Path,
    *,
    study_dir: Path | None = None,
    before: dict[str, tuple[int, int]] | None = None,
    earlier_files: Iterable[str] = (),
    merge: bool = False,
    study_sha256: str | None = None,
) -> Path:
    """``index.html`` and ``run.json`` for ``out_dir``. ``merge``: keep the entries of reports already listed in
    the folder's ``run.json`` (``anklelab run`` into a reproduce folder), each with its own study and hash; an
    entry made from another study than the claims table is flagged. ``before`` / ``earlier_files``: the folder
    before the run and the earlier manifest, so ``run.json`` lists every file the runs wrote. ``study_sha256``: the
    hash the caller computed before the run (default: computed here)."""
    from analysis.reports.reasons import study_or_none

    out_dir = Path(out_dir)
    prov = provenance()
    study_hash = study_sha256 or (study_content_hash(study_dir) if study_dir and Path(study_dir).exists() else "n/a")
    entries = [r.to_dict() for r in runs]
    previous: dict[str, Any] = {}
    if merge:
        try:
            previous = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            previous = {}
        entries = _merge_runs(list(previous.get("runs") or []), entries)
    # the claims table's study is the one report 00 was made from, when it is listed; else this run's
    claims_entry = next((e for e in entries if str(e.get("name", "")).startswith("00_")), None)
    reference_hash = (claims_entry or {}).get("study_sha256") or study_hash
    reference_dir = (claims_entry or {}).get("study_dir") or (str(study_dir) if study_dir else None)
    items = []
    for e in entries:
        html_name = Path(e["html_path"]).name if e.get("html_path") else None
        nb_name = Path(e["executed_path"]).name if e.get("executed_path") else None
        link = (
            f'<a href="{html.escape(html_name)}">{html.escape(e["name"])}</a>' if html_name else html.escape(e["name"])
        )
        executed = f' · <a href="{html.escape(nb_name)}">executed notebook</a>' if nb_name else ""
        status = "ok" if e.get("ok") else f"<span class='fail'>FAILED: {html.escape(str(e.get('error') or ''))}</span>"
        other = e.get("study_sha256") and e.get("study_sha256") != reference_hash
        flag = "<br><span class='flag'>made from a different study than the claims table above</span>" if other else ""
        study_text = html.escape(str(e.get("study_dir") or "unknown"))
        params = html.escape(json.dumps(e.get("parameters") or {}, default=str))
        items.append(
            f"<tr{' class=other-run' if other else ''}><td>{link}{executed}</td><td>{status}</td>"
            f"<td><code>{study_text}</code><br>sha256 <code>{html.escape(_short(e.get('study_sha256')))}</code>{flag}</td>"
            f"<td>{html.escape(str(e.get('finished') or ''))}</td><td>{float(e.get('duration_s') or 0):.1f} s</td>"
            f"<td><code>{params}</code></td></tr>"
        )
    files = written_since(out_dir, before or {}, also=earlier_files)
    files = sorted(set(files) | {"index.html", MANIFEST_NAME})
    record = {
        "study_dir": str(study_dir) if study_dir else None,
        "study_sha256": study_hash,
        "provenance": prov,
        "runs": entries,
        "ok": all(bool(e.get("ok")) for e in entries),
        "files": files,
    }
    atomic_write_text(out_dir / MANIFEST_NAME, json.dumps(record, indent=2, default=str))
    artefacts = "".join(
        f'<li><a href="{name}">{name}</a>: {html.escape(what)}</li>'
        for name, what in RUN_ARTEFACTS
        if (out_dir / name).exists()
    )
    pkgs = "".join(f"<li>{html.escape(k)} {html.escape(v)}</li>" for k, v in prov["packages"].items())
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Ankle Load Lab reports</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{_INDEX_CSS}</style></head><body>
<h1>Ankle Load Lab: claims report</h1>
<p>Study <code>{html.escape(str(reference_dir))}</code>, content sha256 <code>{html.escape(_short(reference_hash))}</code>.</p>
<h2>Claims summary</h2>
{claims_summary_html(out_dir, study_or_none(reference_dir))}
<h2>Reports</h2>
<div class="table-wrap"><table><tr><th>report</th><th>status</th><th>study it was made from</th><th>finished (UTC)</th>
<th>time</th><th>parameters</th></tr>{"".join(items)}</table></div>
<h2>Files of this run</h2>
<ul>{artefacts}</ul>
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
    atomic_write_text(path, page)
    return path
