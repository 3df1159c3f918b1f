"""The verdict engine: runs every claim's analysis and turns each result into one row of the claims table
(verdict, estimate and CIs on the natural scale, power, design analysis, notes).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.claims.output import COLUMNS, EXTRA_COLUMNS
from analysis.claims.registry import CLAIMS, ClaimSpec
from analysis.claims.results import ClaimResult, PartResult
from analysis.claims.tables import ClaimNotTestable, ClaimTables
from analysis.claims.tolerances import DEFAULT_TOLERANCES, SMALL_SAMPLE_SUBJECTS
from analysis.claims.verdicts import combine_iut, holm
from analysis.errors import AnalysisError
from analysis.power import design_analysis, mde, n_needed


def _bonferroni_contradictions(parts: list[PartResult]) -> None:
    """Multiplicity on the "contradicted" side of a compound claim (analysis.claims.verdicts): with k tested parts a
    part counts as contradicted only if its (1 − 0.05/k) CI misses its region, so P(claim contradicted | claim true)
    ≤ 2.5 %. The supported side needs no correction (intersection-union)."""
    tested = [p for p in parts if p.estimate is not None]
    k = len(tested)
    if k < 2:
        return
    for p in tested:
        if p.verdict == "contradicted" and p.design is not None and p.estimate is not None:
            p.verdict, p.direction = p.design.verdict(p.estimate, n_parts=k)


def _row_for(
    spec: ClaimSpec,
    result: ClaimResult | None,
    tables: ClaimTables,
    opts: dict,
    missing: str | None,
    rng: np.random.Generator,
) -> dict:
    row: dict[str, object] = dict.fromkeys(COLUMNS + EXTRA_COLUMNS)
    row.update(
        claim_id=spec.claim_id,
        quote=spec.quote,
        estimand=spec.estimand,
        data_synthetic=bool(tables.synthetic),
        claim_form=spec.form,
        claimed_range=spec.claimed_range,
        mde=math.nan,
        n_needed=math.nan,
    )
    for k in (
        "estimate",
        "ci95_low",
        "ci95_high",
        "ci90_low",
        "ci90_high",
        "p_value",
        "p_holm_suite",
        "design_power",
        "type_s",
        "type_m",
    ):
        row[k] = math.nan
    if result is None:
        row.update(
            verdict="not testable",
            direction_consistent=None,
            n_subjects=0,
            n_observations=0,
            notes=f"not testable: needs {missing}",
            unit="",
            parts="[]",
        )
        return row
    parts = result.parts
    _bonferroni_contradictions(parts)
    verdict, direction = combine_iut([(p.verdict, p.direction) for p in parts])
    # the primary part: the first one with an estimate (its estimate kept typed as not None)
    primary, primary_est = next(((p, p.estimate) for p in parts if p.estimate is not None), (None, None))
    notes = list(result.notes)
    for p in parts:
        if p.missing:
            notes.insert(0, f"{p.name}: not testable, needs {p.missing}")
    if primary is not None and primary_est is not None:
        row.update(
            {
                "estimate": float(primary.natural(primary_est.estimate)),
                "ci95_low": float(primary.natural(primary_est.ci95[0])),
                "ci95_high": float(primary.natural(primary_est.ci95[1])),
                "ci90_low": float(primary.natural(primary_est.ci90[0])),
                "ci90_high": float(primary.natural(primary_est.ci90[1])),
            }
        )
        row["unit"] = primary.unit + (f" ({primary.name}; all parts in 'parts')" if len(parts) > 1 else "")
        if primary.point is not None:
            lo, hi = primary_est.ci95
            row["compatible_with_point"] = bool(lo <= primary.point <= hi)
        ps = [p.estimate.p_value for p in parts if p.estimate is not None]
        row["p_value"] = float(max(ps)) if ps else math.nan  # IUT p-value
    else:
        row["unit"] = parts[0].unit if parts else ""
    if len(parts) > 1:
        notes.append("compound claim (IUT): " + "; ".join(f"{p.name}: {p.verdict}" for p in parts))
    short = [p.name for p in parts if p.verdict == "contradicted" and p.direction is None]
    if short:
        notes.append(
            f"contradicted although the CI includes 0 ({', '.join(short)}): since issue 16 every rule contradicts when "
            "the part's (1 − 0.05/(parts × region ends)) CI lies wholly outside its claim region, here short of the "
            "smallest effect of interest (docs/design/statistics.md §3); before, a directional part needed its CI "
            "inside ±SESOI or wholly on the wrong side of 0, and such a row read 'inconclusive'"
        )
    # power: MDE (closed form, fitted SD) for every tested part; n needed by simulation when inconclusive
    designs = [p.design for p in parts if p.design is not None]
    if result.power_override is not None:
        row["mde"] = float(result.power_override.get("mde", math.nan))
        if verdict == "inconclusive":  # n needed is reported for inconclusive verdicts only
            row["n_needed"] = result.power_override.get("n_needed", math.nan)
        notes.append(result.power_override["note"])
    elif primary is not None and primary.design is not None:
        m = mde(primary.design.sd, result.n_subjects, primary.mde_kind)
        sign = 1 if (primary.assumed_true or 1) >= 0 else -1
        row["mde"] = float(primary.natural(sign * m)) if np.isfinite(m) else math.nan
        if opts["power"] and verdict == "inconclusive" and len(designs) == sum(p.estimate is not None for p in parts):
            n, curve = n_needed(designs, combine_iut, reps=opts["power_reps"], rng=rng)
            row["n_needed"] = n if n is not None else math.nan
            notes.append(
                f"n needed for a conclusive verdict (P ≥ 0.8 if claim true and if null; two-stage, "
                f"{opts['power_reps']} reps/n): " + (f"{n}" if n is not None else f"> {int(curve['n'].max())}")
            )
    # type S/M for significant small-sample primary results
    if (
        primary is not None
        and primary_est is not None
        and primary.assumed_true
        and primary_est.p_value < opts["alpha"]
        and result.n_subjects < SMALL_SAMPLE_SUBJECTS
    ):
        da = design_analysis(primary.assumed_true, primary_est.se, alpha=opts["alpha"], rng=rng)
        row.update(design_power=da["power"], type_s=da["type_s"], type_m=da["type_m"])
        notes.append(
            f"design analysis (Gelman–Carlin) at the claimed effect: power {da['power']:.2f}, "
            f"type S {da['type_s']:.3f}, type M {da['type_m']:.2f}"
        )
    row.update(
        verdict=verdict,
        direction_consistent=direction,
        n_subjects=int(result.n_subjects),
        n_observations=int(result.n_observations),
        model=result.model,
        fit_diagnostics=json.dumps(result.diagnostics, default=str),
        parts=json.dumps([p.summary() for p in parts], default=str),
        notes=" | ".join(n for n in notes if n),
    )
    return row


def evaluate_claim(claim_id: str, tables: ClaimTables, **kwargs) -> pd.Series:
    """One claim's row (see :func:`evaluate_claims` for the keyword options)."""
    return evaluate_claims(tables, only=[claim_id], **kwargs).iloc[0]


def evaluate_claims(
    tables: ClaimTables,
    *,
    alpha: float = 0.05,
    tolerances: dict | None = None,
    seed: int = 0,
    power: bool = True,
    power_reps: int = 200,
    n_boot: int = 200,
    only: Sequence[str] | None = None,
    method_lists=None,
    **options,
) -> pd.DataFrame:
    """The claims table: one row per claim C1–C9 (``COLUMNS`` then ``EXTRA_COLUMNS``).

    Options: ``control_group`` ("control"), ``treated_groups`` (all others), ``pre_session``/``post_session``,
    ``c1_max_load_lb`` (12), ``c5_response`` ("mean_pct_mvc"), ``c8_estimator`` (default
    ``analysis.claims.estimate_c8``). The verdict rules use alpha = 0.05 (95 %/90 % intervals).
    """
    from analysis.models import DEFAULT_METHOD_LISTS

    if alpha != 0.05:
        raise AnalysisError("the verdict rules are defined for 95 %/90 % intervals (alpha = 0.05)")
    tol = dict(DEFAULT_TOLERANCES)
    unknown = set(tolerances or {}) - set(tol)
    if unknown:
        raise AnalysisError(f"unknown tolerance key(s) {sorted(unknown)}; known: {sorted(tol)}")
    tol.update(tolerances or {})
    opts = dict(
        options,
        tolerances=tol,
        alpha=alpha,
        power=power,
        power_reps=power_reps,
        n_boot=n_boot,
        method_lists=method_lists or DEFAULT_METHOD_LISTS,
    )
    rows = []
    for cid, spec in CLAIMS.items():
        if only is not None and cid not in only:
            continue
        rng = np.random.default_rng([seed, int(cid[1:])])
        try:
            result = spec.analysis(tables, opts, rng)
            rows.append(_row_for(spec, result, tables, opts, None, rng))
        except ClaimNotTestable as exc:
            rows.append(_row_for(spec, None, tables, opts, exc.missing, rng))
        except AnalysisError as exc:  # one claim's data problem must not take the other claims down
            row = _row_for(spec, None, tables, opts, "data the analysis can use", rng)
            row["notes"] = f"not testable: the analysis could not run on these data ({exc})"
            rows.append(row)
    df = pd.DataFrame(rows, columns=COLUMNS + EXTRA_COLUMNS)
    df["p_holm_suite"] = holm(df["p_value"].to_numpy(float))
    return df
