"""Tables and messages as a reader sees them: rounded numbers, units in the column names, long text wrapped
or moved to a details list, and library warnings summarised instead of printed one per trial.
(:func:`analysis.notebook.feature_tables_quietly` collects those warnings; this module only formats.)

Every notebook of the suite renders its tables through :func:`html_table`, so one place decides how a
number is printed (3 significant digits unless the column says otherwise) and how text wraps.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from analysis.plots.format import format_interval, format_value

__all__ = [
    "format_value",
    "html_table",
    "humanise",
    "clean_unit",
    "parse_warning_lines",
    "warnings_summary_html",
    "claim_parts_table",
    "claim_notes_html",
    "claim_verdicts_html",
]

#: Verdict text colours in every table (colour-blind-safe Okabe & Ito 2008 palette, as the figures).
_VERDICT_COLOURS = {
    "supported": "#007A5A",
    "contradicted": "#C24E00",
    "inconclusive": "#A86F00",
    "not testable": "#666666",
}

_TD = "padding:.25em .6em;border-bottom:1px solid #e5e5e5;vertical-align:top;"


def html_table(
    df: pd.DataFrame,
    *,
    decimals: Mapping[str, int] | None = None,
    wrap_em: float = 26,
    max_rows: int | None = None,
    caption: str = "",
) -> str:
    """An HTML table for a report: numbers right-aligned and rounded (:func:`format_value`), text
    left-aligned and wrapped at ``wrap_em`` em, at most ``max_rows`` rows (the rest counted in a note).
    Decimals per column come from ``decimals``, else from ``df.attrs["decimals"]`` (set by the display-table
    builders of the plot modules), else 3 significant digits."""
    decimals = {**dict(df.attrs.get("decimals") or {}), **dict(decimals or {})}
    shown = df if max_rows is None else df.head(max_rows)
    numeric = {c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}
    head = "".join(
        f"<th style='{_TD}text-align:{'right' if c in numeric else 'left'};border-bottom:2px solid #999'>"
        f"{html.escape(str(c))}</th>"
        for c in df.columns
    )
    body = []
    for row in shown.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row):
            align = "right" if c in numeric else "left"
            text = html.escape(format_value(v, decimals.get(c)))
            style = f"{_TD}text-align:{align};" + ("white-space:nowrap;" if c in numeric else f"max-width:{wrap_em}em;")
            if str(c) == "verdict" and str(v) in _VERDICT_COLOURS:
                style += f"color:{_VERDICT_COLOURS[str(v)]};font-weight:bold;"
            cells.append(f"<td style='{style}'>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        ""
        if max_rows is None or len(df) <= max_rows
        else (f"<p style='font-size:.9em;color:#555'>… {len(df) - max_rows:,} more rows in the CSV file.</p>")
    )
    cap = (
        f"<caption style='caption-side:top;text-align:left;font-weight:bold'>{html.escape(caption)}</caption>"
        if caption
        else ""
    )
    return (
        f"<table style='border-collapse:collapse;margin:.5em 0;font-size:.92em'>{cap}<thead><tr>{head}</tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>{more}"
    )


def humanise(name: Any) -> str:
    """``gastrocnemius_medialis`` -> ``gastrocnemius medialis``: identifiers as words for a reader."""
    return str(name).replace("_", " ")


_PARTS_NOTE = re.compile(r";\s*all parts in 'parts'\)$")


def clean_unit(unit: Any) -> str:
    """A claim's unit without the internal pointer to its parts column, identifiers as words:
    ``% change at 4 lb (gluteus_maximus; all parts in 'parts')`` -> ``% change at 4 lb (gluteus maximus;
    each part listed below)``."""
    text = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit)
    if _PARTS_NOTE.search(text):
        text = _PARTS_NOTE.sub("; each part listed below)", text)
    return humanise(text)


def _warning_kind(message: str) -> str:
    text = re.sub(r"\btrial [^\s:]+", "trial …", message)
    return re.sub(r"-?\d+(?:\.\d+)?", "#", text)


_STDERR_WARNING = re.compile(r"^\S+:\d+: (\w+): (.*)$")


def parse_warning_lines(text: str) -> list[tuple[str, str]]:
    """``(category, message)`` from warnings as Python prints them (``file:line: Category: message``
    followed by an indented source line), e.g. from worker processes; other non-empty lines are kept
    with category ``output``."""
    found = []
    for line in text.splitlines():
        m = _STDERR_WARNING.match(line)
        if m:
            found.append((m.group(1), m.group(2)))
        elif line.strip() and not line.startswith((" ", "\t")):
            found.append(("output", line.strip()))
    return found


#: Warnings a reader meets on ordinary data, said plainly: (pattern in the message, what happened, does it matter).
_EXPLAINED: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"% MVC|exceeds 100 % MVC"),
        "muscle activity above 100 % of the maximal voluntary contraction (MVC)",
        "A muscle was, at its peak, more active in a fast or loaded movement than in its MVC trial (a static "
        "maximal effort). This is common in jumps and loaded tasks and does not bias the comparisons between "
        "loads: every trial of a muscle is divided by the same MVC reference. Check the MVC trials only if slow "
        "tasks exceed 100 % or peaks are far above it (e.g. 200 %).",
    ),
    (
        re.compile(r"MVC trial of .* shorter than"),
        "an MVC trial shorter than the averaging window",
        "Its whole-trial mean was used as the muscle's reference. Results stay valid; %MVC values of that "
        "muscle may read slightly high.",
    ),
    (
        re.compile(r"invalid value encountered|divide by zero|Mean of empty slice"),
        "a numerical library met a zero or undefined quantity",
        "Usually a group or model term without data (e.g. no cases in one arm). The affected estimate is shown "
        "as missing or the claim as not testable; nothing else is affected.",
    ),
)


def _explained(message: str) -> tuple[str, str]:
    for pattern, what, meaning in _EXPLAINED:
        if pattern.search(message):
            return what, meaning
    return "", ""


def warnings_summary_html(caught: Iterable[tuple[str, str]], what: str, *, examples: int = 3) -> str:
    """``(category, message)`` pairs grouped by kind (trial ids and numbers blanked), each with its count, what it
    means in plain words and whether it matters (for the kinds the suite knows), and a few examples, inside a
    collapsed details block; empty string when there were none."""
    caught = list(caught)
    if not caught:
        return ""
    kinds: dict[tuple[str, str], list[str]] = {}
    for category, message in caught:  # one kind per plain explanation, else per message template
        kinds.setdefault((category, _explained(message)[0] or _warning_kind(message)), []).append(message)
    explained: dict[str, list[str]] = {}
    items = []
    for (category, _kind), messages in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        plain, meaning = _explained(messages[0])
        if plain:
            explained.setdefault(plain, []).append(meaning)
        title = plain or messages[0]
        ex = "".join(f"<li><code>{html.escape(m)}</code></li>" for m in messages[:examples])
        items.append(
            f"<li><b>{len(messages)} × {html.escape(title)}</b> ({html.escape(category)})"
            + (f"<br>{html.escape(meaning)}" if meaning else "")
            + f"<ul style='font-size:.9em'>{ex}</ul></li>"
        )
    known = sum(len(kinds[k]) for k in kinds if _explained(kinds[k][0])[0])
    gist = (
        f"{'all' if known == len(caught) else known} of them "
        f"{', '.join(sorted(explained))}: expected, and explained inside"
        if known
        else "click to see them"
    )
    return (
        f"<details><summary>{len(caught)} warning(s) while {html.escape(what)} "
        f"({len(kinds)} kind(s)); {html.escape(gist)}</summary><ul>{''.join(items)}</ul></details>"
    )


def _parts(row: Mapping) -> list[dict]:
    raw = row.get("parts")
    if isinstance(raw, str) and raw:
        return json.loads(raw)
    return list(raw) if isinstance(raw, list) else []


def _interval(low: Any, high: Any) -> str:
    return format_interval(low, high)


def claim_parts_table(claims: pd.DataFrame) -> pd.DataFrame:
    """One row per part of every claim, for reading: claim, part (identifiers as words), verdict,
    estimate, 95 % and 90 % intervals as text, unit; an untested part says what is missing."""
    rows = []
    for _, r in claims.iterrows():
        parts = _parts(r) or [
            {
                "part": "(whole claim)",
                "verdict": r["verdict"],
                "unit": r.get("unit"),
                "missing": r.get("notes") if r["verdict"] == "not testable" else "",
            }
        ]
        for p in parts:
            tested = p.get("estimate") is not None and not (
                isinstance(p.get("estimate"), float) and math.isnan(p["estimate"])
            )
            ci95, ci90 = p.get("ci95") or [math.nan] * 2, p.get("ci90") or [math.nan] * 2
            rows.append(
                {
                    "claim": r["claim_id"],
                    "part": humanise(p.get("part", "")),
                    "verdict": p.get("verdict", ""),
                    "estimate": format_value(p.get("estimate")) if tested else "",
                    "95 % CI": _interval(*ci95) if tested else "",
                    "90 % CI": _interval(*ci90) if tested else "",
                    "unit": clean_unit(p.get("unit")),
                    "missing data": "" if tested else str(p.get("missing") or ""),
                }
            )
    return pd.DataFrame(
        rows, columns=["claim", "part", "verdict", "estimate", "95 % CI", "90 % CI", "unit", "missing data"]
    )


def claim_notes_html(claims: pd.DataFrame) -> str:
    """Each claim's notes (analysis choices, Holm-adjusted p, design analysis) as a collapsed bullet list,
    one bullet per ``|``-separated note, so the verdict table itself stays short."""
    blocks = []
    for _, r in claims.iterrows():
        notes = [n.strip() for n in str(r.get("notes") or "").split(" | ") if n.strip()]
        if not notes:
            continue
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        blocks.append(
            f"<details><summary><b>{html.escape(str(r['claim_id']))}</b> ({html.escape(str(r['verdict']))})"
            f": how it was analysed, {len(notes)} note(s)</summary><ul>{items}</ul></details>"
        )
    return "".join(blocks)


def claim_verdicts_html(claims: pd.DataFrame, quotes: Mapping[str, Any]) -> str:
    """One paragraph per claim, every figure read from the claims table: the exact quote, the verdict,
    the estimate with its 95 % interval and unit, or what is missing when not testable."""
    out = []
    for _, r in claims.iterrows():
        cid = str(r["claim_id"])
        quote = getattr(quotes.get(cid), "quote", quotes.get(cid))
        if r["verdict"] == "not testable":
            detail = html.escape(str(r.get("notes") or "").removeprefix("not testable: ").split(" | ")[0])
        else:
            detail = (
                f"estimate {html.escape(format_value(r['estimate']))} {html.escape(clean_unit(r.get('unit')))}, "
                f"95 % CI {html.escape(_interval(r['ci95_low'], r['ci95_high']))}, "
                f"{int(r['n_subjects'])} subjects"
            )
        out.append(
            f"<p><b>{html.escape(cid)}</b> — “{html.escape(str(quote))}”<br>verdict: "
            f"<b>{html.escape(str(r['verdict']))}</b>; {detail}.</p>"
        )
    return "".join(out)


#: Old public names whose computation moved out of plots/ (issue 13: plots only draw), kept importable from
#: here for existing callers; resolved lazily, so importing this module still loads no model code.
_MOVED = {
    "feature_tables_quietly": "analysis.notebook",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
