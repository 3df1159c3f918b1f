"""Minimum detectable effect, subjects needed for a conclusive verdict, and type-S/M design analysis.

docs/design/statistics.md §8: simulate datasets from fitted variance components, run the two-stage analysis
(per-subject summaries -> t interval) and the claim's own verdict rule on each, and find the smallest n
with P(conclusive) >= 0.8 under both the claim-true and the claim-false scenario. The generator works
on per-subject summaries (slope, contrast, or adjusted change), which is exactly the two-stage
estimator's input: summary_i ~ N(effect, sd²) with sd the fitted between-subject SD of the summary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.models import Estimate

__all__ = [
    "PartDesign",
    "DEFAULT_N_GRID",
    "simulate_part_estimates",
    "verdict_probabilities",
    "n_needed",
    "mde",
    "design_analysis",
]

#: Geometric grid of total subjects (or athletes) searched for n needed [assumption].
DEFAULT_N_GRID: tuple[int, ...] = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
#: Conclusive with >= 80 % probability (docs/design/statistics.md §3).
TARGET_PROBABILITY = 0.8


@dataclass(frozen=True)
class PartDesign:
    """How one part of a claim is estimated in the power loop.

    kind: "one_sample" (mean of per-subject summaries) or "two_group" (difference of arm means; n is split
    equally between arms). ``sd`` is the fitted SD of a subject's summary on the analysis scale.
    ``verdict`` is the claim part's verdict rule applied to an :class:`Estimate`.
    """

    name: str
    kind: str
    sd: float
    true_effect: float
    verdict: Callable[..., tuple[str, bool | None]]  # rule(estimate, *, n_parts=1) (analysis.claims.verdicts)
    null_effect: float = 0.0
    scale: str = "log"


def _quantiles(df):
    return stats.t.ppf(0.975, df), stats.t.ppf(0.95, df)


def simulate_part_estimates(
    part: PartDesign, effect: float, n_total: int, reps: int, rng: np.random.Generator
) -> list[Estimate]:
    """``reps`` two-stage estimates of one part at ``n_total`` subjects (vectorised draws)."""
    if part.kind == "one_sample":
        x = rng.normal(effect, part.sd, size=(reps, n_total))
        est = x.mean(axis=1)
        se = x.std(axis=1, ddof=1) / math.sqrt(n_total)
        df = n_total - 1
    elif part.kind == "two_group":
        n_arm = max(n_total // 2, 2)
        a = rng.normal(effect, part.sd, size=(reps, n_arm))
        b = rng.normal(0.0, part.sd, size=(reps, n_arm))
        df = 2 * n_arm - 2
        sp2 = (a.var(axis=1, ddof=1) + b.var(axis=1, ddof=1)) / 2.0
        est = a.mean(axis=1) - b.mean(axis=1)
        se = np.sqrt(sp2 * 2.0 / n_arm)
    else:
        raise ValueError(f"unknown design kind {part.kind!r}")
    q95, q90 = _quantiles(df)
    p = 2.0 * stats.t.sf(np.abs(est / se), df)
    return [
        Estimate(
            part.name,
            float(e),
            float(s),
            float(df),
            (float(e - q95 * s), float(e + q95 * s)),
            (float(e - q90 * s), float(e + q90 * s)),
            float(pv),
            "two-stage (simulated)",
            part.scale,
        )
        for e, s, pv in zip(est, se, p)
    ]


def verdict_probabilities(
    parts: Sequence[PartDesign],
    combine: Callable,
    effects: Sequence[float],
    n_total: int,
    reps: int,
    rng: np.random.Generator,
) -> dict[str, float]:
    """P(verdict) over ``reps`` simulated studies; parts simulated independently and combined per rep."""
    sims = [simulate_part_estimates(p, eff, n_total, reps, rng) for p, eff in zip(parts, effects)]
    verdicts = [combine([p.verdict(sims[k][r]) for k, p in enumerate(parts)])[0] for r in range(reps)]
    counts = pd.Series(verdicts).value_counts(normalize=True)
    return {k: float(v) for k, v in counts.items()}


def n_needed(
    parts: Sequence[PartDesign],
    combine: Callable,
    *,
    n_grid: Sequence[int] = DEFAULT_N_GRID,
    reps: int = 200,
    rng: np.random.Generator | None = None,
) -> tuple[int | None, pd.DataFrame]:
    """Smallest total n on ``n_grid`` with P(supported | claim true) >= 0.8 and P(contradicted | null) >= 0.8.

    Returns (n or None if beyond the grid, the power curve). Bounded: at most len(n_grid) x 2 x reps studies.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    rows = []
    found = None
    for n in n_grid:
        true = verdict_probabilities(parts, combine, [p.true_effect for p in parts], n, reps, rng)
        null = verdict_probabilities(parts, combine, [p.null_effect for p in parts], n, reps, rng)
        row = {
            "n": int(n),
            "p_supported_if_true": true.get("supported", 0.0),
            "p_contradicted_if_null": null.get("contradicted", 0.0),
            "p_supported_if_null": null.get("supported", 0.0),
            "p_contradicted_if_true": true.get("contradicted", 0.0),
        }
        rows.append(row)
        if row["p_supported_if_true"] >= TARGET_PROBABILITY and row["p_contradicted_if_null"] >= TARGET_PROBABILITY:
            found = int(n)
            break
    return found, pd.DataFrame(rows)


def mde(sd: float, n_total: int, kind: str = "one_sample", *, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest |effect| whose two-sided t test (level ``alpha``) has ``power``: exact noncentral t.

    Uses the fitted SD of per-subject summaries; same units as the analysis scale.
    """
    if not (np.isfinite(sd) and sd > 0):
        return math.nan
    if kind == "one_sample":
        df, se = n_total - 1, sd / math.sqrt(n_total)
    else:
        n_arm = max(n_total // 2, 2)
        df, se = 2 * n_arm - 2, sd * math.sqrt(2.0 / n_arm)
    if df < 1:
        return math.nan
    crit = stats.t.ppf(1 - alpha / 2, df)

    def achieved(delta):
        nc = delta / se
        lower_tail = np.nan_to_num(stats.nct.cdf(-crit, df, nc))  # NaN underflow far in the tail -> 0
        return stats.nct.sf(crit, df, nc) + lower_tail - power

    return float(optimize.brentq(achieved, 1e-9 * se, 20 * se))


def design_analysis(
    true_effect: float, se: float, *, alpha: float = 0.05, n_sims: int = 20000, rng: np.random.Generator | None = None
) -> dict:
    """Gelman & Carlin (2014) retrodesign: power, type-S and type-M (exaggeration) for a plausible true effect.

    Power and type S in closed form (normal); type M by simulation from N(true_effect, se²).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    if not (np.isfinite(se) and se > 0 and true_effect != 0):
        return {"power": math.nan, "type_s": math.nan, "type_m": math.nan}
    z = stats.norm.ppf(1 - alpha / 2)
    lam = true_effect / se
    p_hi = stats.norm.sf(z - lam)
    p_lo = stats.norm.cdf(-z - lam)
    power = p_hi + p_lo
    type_s = (p_lo if true_effect > 0 else p_hi) / power
    draws = rng.normal(true_effect, se, n_sims)
    significant = np.abs(draws) > z * se
    type_m = float(np.mean(np.abs(draws[significant])) / abs(true_effect)) if significant.any() else math.nan
    return {"power": float(power), "type_s": float(type_s), "type_m": type_m}
