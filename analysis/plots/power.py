"""Power curves per claim: P(supported), P(contradicted), P(inconclusive) against the number of subjects,
if the claim is true (at the effect assumed in analysis.claims.ASSUMED_TRUE / the claimed point) and if
there is no effect (notebook 06).

The simulation is the one analysis.power uses for "n needed" (two-stage per-subject summaries drawn
with the between-subject SD fitted on *these* data, then each claim part's own verdict rule, combined
by intersection-union), here evaluated on a whole grid of n so the curves can be drawn.
The curves themselves are simulated in :mod:`analysis.models.power_curves`; this module draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots.layout import legend_outside
from analysis.power import TARGET_PROBABILITY, PartDesign

__all__ = [
    "power_curve_figure",
    "short_reason",
    "mde_unit",
    "design_details",
    "power_details_html",
]

#: the scenarios of analysis.models.power_curves, in panel order
_SCENARIOS = (("claim true", "true_effect"), ("no effect", "null_effect"))
_VERDICT_ORDER = ("supported", "contradicted", "inconclusive")


def power_curve_figure(
    curves: pd.DataFrame, claim_id: str, n_needed: int | None = None, n_current: int | None = None
) -> Figure:
    """Two panels (claim true | no effect): probability of each verdict against n (log scale), the 80 %
    target, the study's current n and the n needed."""
    from analysis.plots.claims import VERDICT_COLOURS

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for ax, (scenario, _) in zip(axes, _SCENARIOS):
        sub = curves[curves["scenario"] == scenario]
        for v in _VERDICT_ORDER:
            s = sub[sub["verdict"] == v].sort_values("n")
            ax.plot(s["n"], s["probability"], "-o", ms=3.5, color=VERDICT_COLOURS[v], label=f"P({v})")
        ax.axhline(TARGET_PROBABILITY, color="0.3", ls=":", lw=1)
        if n_current:
            ax.axvline(n_current, color="0.3", ls="--", lw=1, label=f"this study: n = {n_current}")
        if n_needed:
            ax.axvline(n_needed, color=VERDICT_COLOURS["supported"], ls="-.", lw=1.2, label=f"n needed = {n_needed}")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(sub["n"].unique()), [str(n) for n in sorted(sub["n"].unique())])
        ax.set_xlabel("subjects (total n)")
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(
            f"{claim_id}, if {'the claim is true' if scenario == 'claim true' else 'there is no effect'}", fontsize=10
        )
    axes[0].set_ylabel("probability of verdict")
    reps = int(curves["reps"].iloc[0]) if "reps" in curves and len(curves) else 0
    legend_outside(axes[1], fontsize=8)
    fig.suptitle(
        f"{claim_id}: verdict probabilities by sample size ({reps} simulated studies per point; "
        f"dotted line = 80 % target)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------------ summary for reading
def short_reason(why: str, n_parts: int = 0) -> str:
    """A few words for the summary table from :func:`claim_designs`' reason (the full text goes in the
    collapsed details): how the curves were made, or why they were not."""
    if not why:
        return f"simulated ({n_parts} parts, each must pass)" if n_parts > 1 else "simulated"
    if why.startswith("not testable"):
        return "not testable here (data missing)"
    if why.startswith("part(s)"):
        return "some parts not testable here"
    if why.startswith("the analysis stopped"):
        return "analysis error"
    if "MDE" in why or "closed form" in why or "analysis.injury" in why:
        return "power in closed form (claim's own analysis)"
    return "no simulation design"


def mde_unit(unit) -> str:
    """A claim's unit for the MDE column: words, without the pointer to per-part rows (not shown here)."""
    from analysis.plots.tables import clean_unit

    return clean_unit(unit).replace("; each part listed below)", ")")


def design_details(designs: Sequence[PartDesign]) -> list[str]:
    """One line per simulated part: the between-subject SD fitted on these data and the assumed true effect,
    on the part's analysis scale."""
    from analysis.plots.tables import format_value, humanise

    return [
        f"{humanise(d.name)}: between-subject SD {format_value(d.sd)}, assumed true effect "
        f"{format_value(d.true_effect)} ({d.scale} scale)"
        for d in designs
    ]


def power_details_html(details: dict[str, tuple[str, list[str]]]) -> str:
    """Per claim a collapsed list: ``{claim_id: (headline, lines)}`` -> ``<details>`` blocks."""
    import html

    blocks = []
    for cid, (headline, lines) in details.items():
        items = "".join(f"<li>{html.escape(x)}</li>" for x in lines)
        blocks.append(
            f"<details><summary><b>{html.escape(cid)}</b>: {html.escape(headline)}</summary><ul>{items}</ul></details>"
        )
    return "".join(blocks)


#: Old public names whose computation moved out of plots/ (issue 13: plots only draw), kept importable from
#: here for existing callers; resolved lazily, so importing this module still loads no model code.
_MOVED = {
    "SMALL_N_GRID": "analysis.models.power_curves",
    "claim_designs": "analysis.models.power_curves",
    "power_curves": "analysis.models.power_curves",
    "n_needed_from_curves": "analysis.models.power_curves",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
