"""Verdict rules (docs/design/statistics.md §3), stated once: a verdict comes from an interval, never a p-value.

Every rule is :func:`verdict_region`: the claim defines a region R = [low, high] of the estimand on the analysis
scale (either end may be infinite), and

* **supported**    ⟺ the two-sided **90 %** CI lies inside R (two one-sided 5 % tests, TOST/IUT).
  Guarantee: if the true value lies outside R (claim false, including "no effect"), P(supported) ≤ 5 %.
* **contradicted** ⟺ the two-sided **(1 − 0.05/(k·s))** CI lies wholly outside R, k = the number of tested parts of
  the claim, s = the number of finite ends of R (a one-ended region, k = 1: the 95 % CI; a range or equivalence region:
  the 97.5 % CI, since it can be missed on either side). Bonferroni over parts and sides, which for "at least one part
  contradicted" is the same as Holm's first step. Guarantee: if the claim is true (every part's true value inside its
  R), P(contradicted) ≤ 2.5 % for the claim.
* **inconclusive** otherwise (compatible with the claim and with its negation; never "no effect").

The claim forms are regions: range a–b → [a, b]; directional with smallest effect of interest s → [s, ∞)
(or (−∞, −s]); "does not increase by more than δ" (non-inferiority) → (−∞, δ]; equivalence "≈ c within ±m" →
[c − m, c + m]. A compound claim ("A and B") is supported when every part is supported (intersection-union: no
correction needed for the 5 % bound) and contradicted when any part is contradicted at its Bonferroni level
(:func:`combine_iut`). ``direction_flag`` separately says whether the 95 % CI excludes "no effect" on the claimed
side. These guarantees hold when the intervals have their nominal coverage; ``anklelab bench calibration``
measures that coverage and the verdict frequencies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from analysis.models import Estimate

VERDICTS = ("supported", "contradicted", "inconclusive", "not testable")
#: level of the interval that must lie inside the claim region for "supported" (TOST at 5 % per side)
SUPPORT_CI_LEVEL = 0.90
#: family-wise level of the "contradicted" side: (1 - CONTRADICT_ALPHA / k) two-sided CIs over k parts
CONTRADICT_ALPHA = 0.05


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


def interval(est: Estimate, level: float) -> tuple[float, float]:
    """Two-sided ``level`` CI of an estimate: ``ci95``/``ci90`` as stored, else t(df) (normal if df = inf) from its SE
    (without a usable SE, the stored 95 % (or 90 %) interval)."""
    if math.isclose(level, 0.95):
        return est.ci95
    if math.isclose(level, 0.90):
        return est.ci90
    if not (np.isfinite(est.se) and est.se > 0 and est.df > 0):
        # no usable SE (e.g. an interval with an infinite end): the nearest stored interval stands in
        return est.ci95 if level >= 0.95 else est.ci90
    q = float(stats.norm.ppf(0.5 + level / 2) if math.isinf(est.df) else stats.t.ppf(0.5 + level / 2, est.df))
    return (est.estimate - q * est.se, est.estimate + q * est.se)


def contradict_level(n_parts: int = 1, n_sides: int = 1) -> float:
    """Two-sided CI level for "contradicted": 1 − 0.05/(k·s), k = tested parts, s = finite ends of the region (a
    range or equivalence region can be missed on either side: Bonferroni over the sides too)."""
    return 1.0 - CONTRADICT_ALPHA / (max(int(n_parts), 1) * max(int(n_sides), 1))


def verdict_region(
    est: Estimate,
    low: float,
    high: float,
    *,
    sign: int = +1,
    n_parts: int = 1,
    ci_contradict: Sequence[float] | None = None,
    contradict_set: Sequence[Sequence[float]] | None = None,
) -> tuple[str, bool | None]:
    """The one verdict rule (module docstring): supported if the 90 % CI ⊂ [low, high]; contradicted if the
    (1 − 0.05/(k·s)) CI misses [low, high] (k = ``n_parts``, s = finite ends of the region); else inconclusive.
    ``sign``: the claimed direction, for :func:`direction_flag`. ``ci_contradict``: that interval when it cannot be
    computed from the estimate's SE (e.g. a profile-likelihood interval). ``contradict_set``: when that level's
    confidence set is a union of segments (an inverted test, C9) and ``ci_contradict`` its hull, "contradicted" needs
    every segment to miss the region (the set's guarantee; the hull would only make it rarer)."""
    direction = direction_flag(est.ci95, sign)
    lo90, hi90 = est.ci90
    n_sides = int(math.isfinite(low)) + int(math.isfinite(high))
    if ci_contradict is not None:
        lo_c, hi_c = (float(v) for v in ci_contradict)
    else:
        lo_c, hi_c = interval(est, contradict_level(n_parts, n_sides))
    if np.isnan(lo90) or np.isnan(hi90) or np.isnan(lo_c) or np.isnan(hi_c):
        return "inconclusive", direction
    if low <= lo90 and hi90 <= high:
        return "supported", direction
    if contradict_set is not None:
        if len(contradict_set) == 0:
            raise ValueError(
                "contradict_set is empty: a confidence set from an inverted test holds at least the estimate"
            )
        if all(float(hi) < low or float(lo) > high for lo, hi in contradict_set):
            return "contradicted", direction
        return "inconclusive", direction
    if hi_c < low or lo_c > high:
        return "contradicted", direction
    return "inconclusive", direction


def verdict_range(est: Estimate, low: float, high: float, *, n_parts: int = 1) -> tuple[str, bool | None]:
    """Range claim [low, high] on the analysis scale (both > 0): :func:`verdict_region` with R = [low, high]."""
    return verdict_region(est, low, high, sign=+1, n_parts=n_parts)


def verdict_noninferiority(est: Estimate, margin: float, *, n_parts: int = 1) -> tuple[str, bool | None]:
    """ "Does not increase by more than ``margin``" (analysis scale): R = (−∞, margin]. Supported: 90 % upper bound
    ≤ margin; contradicted: the (1 − 0.05/k) lower bound > margin (the 95 % bound for one part, as every rule)."""
    return verdict_region(est, -math.inf, margin, sign=-1, n_parts=n_parts)


def verdict_directional(est: Estimate, sesoi: float, sign: int, *, n_parts: int = 1) -> tuple[str, bool | None]:
    """Directional claim with smallest effect of interest ``sesoi`` (> 0) in direction ``sign``: R = [sesoi, ∞)
    (or (−∞, −sesoi]). Supported: the 90 % CI beyond the SESOI; contradicted: the (1 − 0.05/k) CI wholly short of
    it (no effect of the claimed size, or an effect the other way)."""
    if sign > 0:
        return verdict_region(est, sesoi, math.inf, sign=+1, n_parts=n_parts)
    return verdict_region(est, -math.inf, -sesoi, sign=-1, n_parts=n_parts)


def verdict_threshold(
    hinge: Estimate,
    hinge_sesoi: float,
    psi_ci95: Sequence[float] | None = None,
    *,
    psi_claim: float = 10.0,
    psi_floor: float = 6.0,
) -> tuple[str, bool | None]:
    """C3 ("over 10 % of bodyweight distorts kinematics"): the valgus slope rises above 10 %BW by at least
    ``hinge_sesoi``: :func:`verdict_directional` on the hinge slope at psi = 10 %BW, R = [SESOI, ∞).

    The breakpoint location (``psi_ci95``, ``psi_claim``, ``psi_floor``) no longer enters the verdict: the quote
    names a load zone, and where each person's breakpoint lies is C9's claim (docs/design/statistics.md, "C8 analysis,
    revised" and the C3 notes). The arguments are accepted for callers of the former rule.
    """
    del psi_ci95, psi_claim, psi_floor
    return verdict_directional(hinge, hinge_sesoi, +1)


def verdict_mass_slope(
    ci95: Sequence[float] | Estimate,
    claim: float,
    equivalence: float,
    ci90: Sequence[float] | None = None,
    ci_contradict: Sequence[float] | None = None,
    contradict_set: Sequence[Sequence[float]] | None = None,
) -> tuple[str, bool | None]:
    """C9: psi1 (%BW per kg) equivalent to ``claim`` within ±``equivalence``: R = [claim − eq, claim + eq].

    ``ci95`` is an :class:`Estimate` or a 95 % interval (then ``ci90`` is its 90 % interval; without it the 95 %
    interval stands in, which only makes "supported" harder). ``ci_contradict``: the 97.5 % interval (two-ended
    region, :func:`contradict_level`); without it the estimate's SE gives it, or, for a bare interval, the 95 %
    interval stands in. ``contradict_set``: the 97.5 % confidence set when it has gaps (:func:`verdict_region`)."""
    if isinstance(ci95, Estimate):
        est = ci95
    else:
        lo, hi = (float(v) for v in ci95)
        c90 = (float(ci90[0]), float(ci90[1])) if ci90 is not None else (lo, hi)
        est = Estimate("psi1", (lo + hi) / 2, math.nan, math.nan, (lo, hi), c90, math.nan, "interval", "additive")
        ci_contradict = ci_contradict if ci_contradict is not None else (lo, hi)
    return verdict_region(
        est,
        claim - equivalence,
        claim + equivalence,
        sign=+1,
        ci_contradict=ci_contradict,
        contradict_set=contradict_set,
    )


def combine_iut(parts: Sequence[tuple[str, bool | None]]) -> tuple[str, bool | None]:
    """Compound claim: all parts supported -> supported (intersection-union); any part contradicted (each judged at
    its Bonferroni level, see :func:`verdict_region` ``n_parts``) -> contradicted; else any "not testable" ->
    not testable; else inconclusive. Direction: all True -> True, any False -> False."""
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
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size:  # step-down: p_(i) (m - i), made monotone, capped at 1 (= multipletests(method="holm"), no gc.collect)
        order = ok[np.argsort(p[ok], kind="stable")]
        m = order.size
        adjusted = np.minimum(np.maximum.accumulate(p[order] * (m - np.arange(m))), 1.0)
        out[order] = adjusted
    return out.tolist()
