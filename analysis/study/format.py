"""What ``anklelab validate`` prints: a table of problems and a summary line."""

from __future__ import annotations

from pathlib import Path

from analysis.study.problems import ROW_CONVENTION, Problem


def format_problems(problems: list[Problem], study: str | Path) -> str:
    """A readable table of problems plus a summary line (what ``anklelab validate`` prints)."""
    n_errors = sum(p.severity == "error" for p in problems)
    n_warnings = len(problems) - n_errors
    lines = []
    if problems:
        where_width = max(len("FILE:ROW"), *(len(p.where) for p in problems))
        column_width = max(len("COLUMN"), *(len(p.column or "-") for p in problems))
        indent = " " * (9 + where_width + 2 + column_width + 2)
        lines.append(f"{'SEVERITY':<9}{'FILE:ROW':<{where_width}}  {'COLUMN':<{column_width}}  PROBLEM / WHAT TO DO")
        for p in problems:
            lines.append(
                f"{p.severity.upper():<9}{p.where:<{where_width}}  {(p.column or '-'):<{column_width}}  {p.message}"
            )
            if p.hint:
                lines.append(f"{indent}-> {p.hint}")
        lines.append("")
    summary = f"{n_errors} error(s), {n_warnings} warning(s) in {study} ({ROW_CONVENTION})"
    lines.append(("OK: " if n_errors == 0 else "INVALID: ") + summary)
    return "\n".join(lines)
