"""Power curves per claim: P(supported), P(contradicted), P(inconclusive) against the number of subjects,
if the claim is true (at the effect assumed in analysis.claims.ASSUMED_TRUE / the claimed point) and if
there is no effect (notebook 06).

The simulation is the one analysis.power uses for "n needed" (two-stage per-subject summaries drawn
with the between-subject SD fitted on *these* data, then each claim part's own verdict rule, combined
by intersection-union), here evaluated on a whole grid of n so the curves can be drawn.
NOTE for the integrator: :func:`claim_designs` and :func:`power_curves` are analysis helpers kept here
only because analysis.claims / analysis.power were still being written; they belong in analysis.power.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.claims import CLAIMS, DEFAULT_TOLERANCES, ClaimNotTestable, combine_iut
from analysis.errors import AnalysisError
from analysis.models import DEFAULT_METHOD_LISTS
from analysis.power import TARGET_PROBABILITY, PartDesign, verdict_probabilities

__all__ = [
    "SMALL_N_GRID",
    "claim_designs",
    "power_curves",
    "n_needed_from_curves",
    "power_curve_figure",
    "short_reason",
    "mde_unit",
    "design_details",
    "power_details_html",
]

#: Short grid for CI runs; analysis.power.DEFAULT_N_GRID goes to 2048 [assumption: enough to draw the shape].
SMALL_N_GRID: tuple[int, ...] = (8, 16, 32, 64, 128, 256)
_SCENARIOS = (("claim true", "true_effect"), ("no effect", "null_effect"))
_VERDICT_ORDER = ("supported", "contradicted", "inconclusive")


def claim_designs(
    tables, claim_id: str, *, seed: int = 0, tolerances: dict | None = None, n_boot: int = 50
) -> tuple[list[PartDesign], str]:
    """The power designs (fitted SDs, assumed true effects, verdict rules) of one claim's tested parts.

    Runs the claim's own analysis once (as analysis.claims.evaluate_claims does). Returns (designs, reason):
    designs is empty when the claim has no simulated design, and ``reason`` says why (not testable, a part
    untested, or a claim whose power is computed in closed form elsewhere, e.g. C8 and C9).
    """
    if claim_id not in CLAIMS:
        raise AnalysisError(f"unknown claim {claim_id!r}; known: {sorted(CLAIMS)}")
    tol = dict(DEFAULT_TOLERANCES, **(tolerances or {}))
    opts = {
        "tolerances": tol,
        "alpha": 0.05,
        "power": False,
        "power_reps": 0,
        "n_boot": n_boot,
        "method_lists": DEFAULT_METHOD_LISTS,
    }
    rng = np.random.default_rng([seed, int(claim_id[1:])])
    try:
        result = CLAIMS[claim_id].analysis(tables, opts, rng)
    except ClaimNotTestable as exc:
        return [], f"not testable: needs {exc.missing}"
    except AnalysisError as exc:
        return [], f"the analysis stopped with an error: {exc}"
    untested = [p.name for p in result.parts if p.estimate is None]
    if untested:
        return [], f"part(s) {untested} not testable on these data, so the compound claim cannot be simulated"
    designs = [p.design for p in result.parts if p.design is not None]
    if len(designs) != len(result.parts):
        why = (result.power_override or {}).get("note", "no simulated design for this claim")
        return [], f"no simulation design ({why})"
    return designs, ""


def power_curves(
    designs: Sequence[PartDesign],
    n_grid: Sequence[int] = SMALL_N_GRID,
    reps: int = 100,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """Tidy curves: ``n, scenario ("claim true"/"no effect"), verdict, probability`` (every verdict of
    VERDICT_ORDER present, 0 when never seen), ``reps`` simulated studies per n and scenario."""
    if not designs:
        raise AnalysisError("power_curves needs at least one PartDesign (see claim_designs)")
    if reps < 1 or not len(n_grid):
        raise AnalysisError(f"power_curves needs reps ≥ 1 and a non-empty n grid (got reps={reps}, n_grid={n_grid})")
    rng = rng if rng is not None else np.random.default_rng(0)
    rows = []
    for n in n_grid:
        for scenario, attr in _SCENARIOS:
            probs = verdict_probabilities(designs, combine_iut, [getattr(p, attr) for p in designs], int(n), reps, rng)
            rows += [
                {"n": int(n), "scenario": scenario, "verdict": v, "probability": probs.get(v, 0.0), "reps": reps}
                for v in _VERDICT_ORDER
            ]
    return pd.DataFrame(rows)


def n_needed_from_curves(curves: pd.DataFrame, target: float = TARGET_PROBABILITY) -> int | None:
    """Smallest n with P(supported | claim true) ≥ target and P(contradicted | no effect) ≥ target
    (the criterion of analysis.power.n_needed); None when no n on the grid reaches it."""
    wide = curves.pivot_table(index="n", columns=["scenario", "verdict"], values="probability")
    ok = (wide[("claim true", "supported")] >= target) & (wide[("no effect", "contradicted")] >= target)
    return int(ok[ok].index.min()) if ok.any() else None


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
    axes[1].legend(fontsize=8, loc="center right")
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
