"""Power curves per claim: P(supported), P(contradicted), P(inconclusive) against the number of subjects,
if the claim is true (at the effect assumed in analysis.claims.ASSUMED_TRUE / the claimed point) and if
there is no effect (notebook 06).

The simulation is the one analysis.power uses for "n needed" (two-stage per-subject summaries drawn
with the between-subject SD fitted on *these* data, then each claim part's own verdict rule, combined
by intersection-union), here evaluated on a whole grid of n so the curves can be drawn.
Not re-exported from :mod:`analysis.models`: it imports :mod:`analysis.claims`, which imports the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.claims import CLAIMS, DEFAULT_TOLERANCES, ClaimNotTestable, combine_iut
from analysis.errors import AnalysisError
from analysis.models.mixed import DEFAULT_METHOD_LISTS
from analysis.power import TARGET_PROBABILITY, PartDesign, verdict_probabilities

__all__ = ["SMALL_N_GRID", "claim_designs", "power_curves", "n_needed_from_curves"]

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
