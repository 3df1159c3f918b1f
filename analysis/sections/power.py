"""Report 06 (power and design): per claim, simulated power curves over a grid of sample sizes, and the summary table
that puts the simulated n needed next to the claims table's (the number the index and claims.csv show)."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.sections.section import Section, quote_html

__all__ = ["parse_n_grid", "power_and_design"]


def parse_n_grid(text: str) -> list[int]:
    """The ``n_grid`` parameter ("8,16,32") as sorted unique sample sizes; an AnalysisError naming the bad entry."""
    sizes = set()
    for entry in str(text).split(","):
        if not entry.strip():
            continue
        try:
            n = int(entry)
        except ValueError:
            raise AnalysisError(f"n_grid: {entry.strip()!r} is not a whole number (e.g. n_grid='8,16,32')") from None
        if n < 2:
            raise AnalysisError(f"n_grid: {n} subjects cannot be simulated; use sample sizes of at least 2")
        sizes.add(n)
    if not sizes:
        raise AnalysisError("n_grid is empty: give comma-separated sample sizes, e.g. '8,16,32,64'")
    return sorted(sizes)


def power_and_design(
    tables: Any, claims: pd.DataFrame, *, grid: list[int], reps: int, n_boot: int, seed: int
) -> tuple[Section, Section]:
    """The power-curve section (one figure per claim that can be simulated) and the summary section.

    The summary's "n needed (claims table)" is the claims table's ``n_needed`` (what the index, claims.csv and the
    other reports show, from each claim's own analysis); "n needed (simulated)" is read off this report's curves,
    which use the quick ``reps``/``n_boot`` of its parameters and may differ from it."""
    from analysis.claims import CLAIMS
    from analysis.models import power_curves as power_sim
    from analysis.plots import power as power_plots
    from analysis.plots.format import format_n_needed
    from analysis.reports.reasons import n_needed_unit

    if reps < 1:
        raise AnalysisError(f"reps must be at least 1, got {reps}")
    curves_section, summary, details = Section(), [], {}
    by_id = claims.set_index("claim_id")
    for cid in CLAIMS:
        row = by_id.loc[cid]
        curves_section.html(f"<h3>{cid}: {html.escape(str(row['verdict']))}</h3>").html(quote_html(CLAIMS[cid].quote))
        designs, why = power_sim.claim_designs(tables, cid, seed=seed, n_boot=n_boot)
        entry = {
            "claim": cid,
            "verdict": row["verdict"],
            "subjects (n)": int(row["n_subjects"]),
            "n needed (claims table)": "– (already conclusive)"
            if row["verdict"] in ("supported", "contradicted") and not np.isfinite(row["n_needed"])
            else format_n_needed(row["n_needed"], n_needed_unit(cid)),
        }
        if not designs:
            text = f"Power curves not computed: {why}."
            if np.isfinite(row["mde"]):
                text += f" Closed-form MDE from the claim's analysis: {row['mde']:.3g} ({power_plots.mde_unit(row['unit'])})."
            curves_section.html(f"<p><em>{html.escape(text)}</em></p>")
            entry["n needed (simulated)"] = "not computed"
            entry["how"] = power_plots.short_reason(why)
            details[cid] = ("not simulated", [why])
        else:
            rng = np.random.default_rng([seed, int(cid[1:])])
            curves = power_sim.power_curves(designs, grid, reps, rng)
            needed = power_sim.n_needed_from_curves(curves)
            curves_section.figure(power_plots.power_curve_figure(curves, cid, needed, int(row["n_subjects"]) or None))
            entry["n needed (simulated)"] = str(needed) if needed else f"> {max(grid)}"
            entry["how"] = power_plots.short_reason("", len(designs))
            details[cid] = (f"simulated from {len(designs)} part(s)", power_plots.design_details(designs))
        entry["MDE"] = row["mde"]
        entry["MDE unit"] = power_plots.mde_unit(row["unit"])
        summary.append(entry)
    table = pd.DataFrame(summary)
    summary_section = Section().table(table, wrap_em=18).html(power_plots.power_details_html(details))
    summary_section.tables["summary"] = table
    return curves_section, summary_section
