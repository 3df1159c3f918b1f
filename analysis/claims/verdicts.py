"""Verdict rules (docs/design/statistics.md §3): a verdict comes from an interval, never from a p-value.

``direction_flag`` says whether the 95 % CI excludes "no effect" on the claimed side; compound claims combine
their parts by intersection-union (``combine_iut``); ``holm`` adjusts the parts' and the suite's p-values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from statsmodels.stats.multitest import multipletests

from analysis.models import Estimate

VERDICTS = ("supported", "contradicted", "inconclusive", "not testable")


def direction_flag(ci95: Sequence[float], sign: int, null: float = 0.0) -> bool | None:
    """True if the 95 % CI excludes ``null`` on the claimed side (``sign`` +1/−1), False if on the other."""
    lo, hi = ci95
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    if (sign > 0 and lo > null) or (sign < 0 and hi < null):
        return True
    if (sign > 0 and hi < null) or (sign < 0 and lo > null):
        return False
    return None


def verdict_range(est: Estimate, low: float, high: float) -> tuple[str, bool | None]:
    """Range claim on the analysis scale (low < high, both > 0): TOST-style rule of docs/design/statistics.md §3."""
    lo90, hi90 = est.ci90
    lo95, hi95 = est.ci95
    direction = direction_flag(est.ci95, +1)
    if not all(np.isfinite([lo90, hi90, lo95, hi95])):
        return "inconclusive", None
    if low <= lo90 and hi90 <= high:
        return "supported", direction
    if hi95 < low or lo95 > high:
        return "contradicted", direction
    return "inconclusive", direction


def verdict_noninferiority(est: Estimate, margin: float) -> tuple[str, bool | None]:
    """ "Does not increase" by more than ``margin`` (analysis scale): 90 % upper < margin supported."""
    lo90, hi90 = est.ci90
    direction = direction_flag(est.ci95, -1)
    if hi90 < margin:
        return "supported", direction
    if lo90 > margin:
        return "contradicted", direction
    return "inconclusive", direction


def verdict_directional(est: Estimate, sesoi: float, sign: int) -> tuple[str, bool | None]:
    """Directional claim with smallest effect of interest ``sesoi`` (> 0) in direction ``sign``."""
    lo, hi = est.ci95
    direction = direction_flag(est.ci95, sign)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive", None
    beyond = lo > sesoi if sign > 0 else hi < -sesoi
    if beyond:
        return "supported", direction
    if (-sesoi < lo and hi < sesoi) or direction is False:
        return "contradicted", direction
    return "inconclusive", direction


def verdict_threshold(
    hinge: Estimate,
    hinge_sesoi: float,
    psi_ci95: Sequence[float] | None,
    *,
    psi_claim: float = 10.0,
    psi_floor: float = 6.0,
) -> tuple[str, bool | None]:
    """Threshold claim (C3): a slope increase above psi_claim.

    supported: hinge 95 % CI > 0 and psi CI contains psi_claim and lies above psi_floor.
    contradicted: hinge 90 % CI within ±SESOI, or a detected hinge whose psi CI excludes psi_claim.
    ``psi_ci95=None`` evaluates the hinge-slope part only (power loop).
    """
    direction = direction_flag(hinge.ci95, +1)
    detected = direction is True
    equivalent = -hinge_sesoi < hinge.ci90[0] and hinge.ci90[1] < hinge_sesoi
    if psi_ci95 is None:
        psi_ok, psi_excludes = True, False
    else:
        p_lo, p_hi = psi_ci95
        psi_ok = p_lo <= psi_claim <= p_hi and p_lo > psi_floor
        psi_excludes = not (p_lo <= psi_claim <= p_hi)
    if detected and psi_ok:
        return "supported", direction
    if equivalent or (detected and psi_excludes) or direction is False:
        return "contradicted", direction
    return "inconclusive", direction


def verdict_mass_slope(ci95: Sequence[float], claim: float, equivalence: float) -> tuple[str, bool | None]:
    """C9: psi1 (%BW per kg). supported: CI > 0 and contains ``claim``; contradicted: CI within
    ±``equivalence`` (no meaningful mass dependence) or wholly below 0 (heavier lifters tolerate less)."""
    lo, hi = ci95
    direction = direction_flag(ci95, +1)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive", None
    if lo > 0 and lo <= claim <= hi:
        return "supported", direction
    if (-equivalence <= lo and hi <= equivalence) or hi < 0:
        return "contradicted", direction
    return "inconclusive", direction


def combine_iut(parts: Sequence[tuple[str, bool | None]]) -> tuple[str, bool | None]:
    """Intersection-union: all supported -> supported; any contradicted -> contradicted; else any
    "not testable" -> not testable; else inconclusive. Direction: all True -> True, any False -> False."""
    verdicts = [v for v, _ in parts]
    dirs = [d for _, d in parts]
    direction = False if any(d is False for d in dirs) else (True if dirs and all(d is True for d in dirs) else None)
    if any(v == "contradicted" for v in verdicts):
        return "contradicted", direction
    if any(v == "not testable" for v in verdicts):
        return "not testable", direction
    if verdicts and all(v == "supported" for v in verdicts):
        return "supported", direction
    return "inconclusive", direction


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (``method="holm"`` explicitly; NaNs dropped before counting m, §10.1)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out.tolist()
