"""Standalone HTML for one executed notebook: no code, no injected-parameters cell, embedded figures, a table of
contents and a provenance footer, and no network request at all (no MathJax, require.js or widget scripts)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.files import atomic_write_text
from analysis.reports.provenance import provenance

if TYPE_CHECKING:
    from analysis.reports.run_record import NotebookRun

__all__ = ["render_html"]


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
.anklelab-toc,.anklelab-footer,.anklelab-failed{font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
.anklelab-toc{border:1px solid #ccc;background:#f8f8f8;padding:.5em 1em;margin:1em auto;max-width:1100px;font-size:90%}
.anklelab-toc ul{margin:.3em 0;padding-left:1.2em}.anklelab-toc .toc-h2{margin-left:1em}.anklelab-toc .toc-h3{margin-left:2em}
.anklelab-footer{border-top:1px solid #ccc;margin:2em auto 1em;max-width:1100px;font-size:80%;color:#444}
.jp-RenderedHTMLCommon table td,.jp-RenderedHTMLCommon table th,.jp-RenderedHTMLCommon table tr{text-align:left !important;vertical-align:top;max-width:36em}
.jp-OutputArea-output{overflow-x:auto}.jp-RenderedImage img,.jp-OutputArea-output img{max-width:100%;height:auto}
.anklelab-failed{background:#fdd;border:2px solid #c00;padding:.7em;margin:1em auto;max-width:1100px}
</style>
"""


#: nbconvert's "lab" template without the blocks that load scripts from a CDN (require.js, MathJax, mermaid,
#: widget managers): the reports use none of them, and a page must open with no network request (issue 18).
SELF_CONTAINED_TEMPLATE = "anklelab_selfcontained.html.j2"
_SELF_CONTAINED = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
"""


def render_html(executed_notebook: str | Path, html_path: str | Path, *, run: NotebookRun | None = None) -> Path:
    """Standalone HTML: no code, no injected-parameters cell, embedded figures, contents and footer."""
    import jinja2
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
    exporter = HTMLExporter(
        config=cfg,
        exclude_input=True,
        extra_loaders=[jinja2.DictLoader({SELF_CONTAINED_TEMPLATE: _SELF_CONTAINED})],
        template_file=SELF_CONTAINED_TEMPLATE,
    )
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
    atomic_write_text(html_path, body)
    return html_path


def _footer_html(nb: Any, run: NotebookRun | None) -> str:
    pm = nb.metadata.get("papermill", {})
    prov = provenance()
    params = pm.get("parameters", {}) if pm else {}
    rows = [
        ("notebook", Path(run.notebook).name if run else pm.get("input_path", "")),
        ("parameters", json.dumps(params, default=str)),
        ("study", run.study_dir if run and run.study_dir else params.get("study_dir", "")),
        ("study content sha256", run.study_sha256 if run and run.study_sha256 else "unknown"),
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
