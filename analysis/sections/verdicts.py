"""The verdict section every detailed report ends with: claims from the run's shared claims table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analysis.sections.section import Section

__all__ = ["claim_verdicts"]


def claim_verdicts(
    ctx: Any,
    tables: Any,
    only: Sequence[str],
    csv_path: Path | None = None,
    *,
    csv_drops: Sequence[str] = ("parts", "fit_diagnostics"),
    **settings: Any,
) -> Section:
    """Verdict paragraphs, one row per claim part and the analysis notes for the claims ``only``; the table
    comes from :func:`analysis.notebook.claims` (evaluated once per ``reproduce`` run) and is written to
    ``csv_path`` when given (without the ``csv_drops`` columns)."""
    from analysis import notebook as nbk
    from analysis.claims import CLAIMS
    from analysis.io import save_table
    from analysis.plots import tables as report_tables

    claims = nbk.claims(ctx, tables, only=list(only), **settings)
    section = Section(tables={"claims": claims})
    section.html(report_tables.claim_verdicts_html(claims, CLAIMS))
    section.table(report_tables.claim_parts_table(claims), wrap_em=22)
    section.html(report_tables.claim_notes_html(claims))
    if csv_path is not None:
        save_table(claims.drop(columns=list(csv_drops), errors="ignore"), csv_path)
    return section
