"""Power of injury-rate comparisons: athletes needed per arm and the minimum detectable rate ratio
(negative-binomial rates, Zhu & Lakkis 2014; TOST window for an interval claim).
"""

from __future__ import annotations

import math

from scipy import optimize, stats

from analysis.errors import AnalysisError

#: Default true IRR of the sample-size functions: the article's "19 % increase" in knee injuries (claim C8,
#: analysis/article.txt)
C8_CLAIMED_IRR = 1.19


def _power(
    rate_ref: float,
    irr: float,
    n_per_arm: float,
    exposure: float,
    dispersion: float,
    n_ratio: float = 1.0,
    alpha: float = 0.05,
) -> float:
    from statsmodels.stats.rates import power_negbin_ratio_2indep

    return float(
        power_negbin_ratio_2indep(
            rate_ref * irr,
            rate_ref,
            n_per_arm,
            nobs_ratio=n_ratio,
            exposure=exposure,
            value=1.0,
            alpha=alpha,
            dispersion=max(dispersion, 0.0),
            return_results=False,
        )
    )


def athletes_needed_per_arm(
    rate_ref: float,
    exposure_per_athlete: float,
    *,
    irr: float = C8_CLAIMED_IRR,
    dispersion: float = 0.0,
    power: float = 0.8,
    alpha: float = 0.05,
    window: tuple[float, float] | None = None,
) -> int | float:
    """Athletes per arm for `power` (``math.inf`` when no finite number reaches it, e.g. ``irr == 1``).

    ``window=None``: two-sided test of IRR = 1 at true ``irr`` (statsmodels ``power_negbin_ratio_2indep``, Zhu &
    Lakkis 2014). ``window=(lo, hi)``: the (1 - 2 alpha) CI of log IRR lies inside [log lo, log hi] when the truth is
    ``irr`` (TOST; normal approximation with Var(log IRR) = (1/(r1 T) + 1/(r0 T) + 2 alpha_NB)/n).
    ``rate_ref`` is per exposure unit, ``exposure_per_athlete`` in that unit.
    """
    if rate_ref <= 0 or exposure_per_athlete <= 0:
        raise AnalysisError("power needs a positive reference rate and exposure per athlete")
    if window is None:
        if irr == 1.0:
            return math.inf
        f = lambda n: _power(rate_ref, irr, n, exposure_per_athlete, dispersion, alpha=alpha) - power  # noqa: E731
        upper = 10.0
        while f(upper) < 0:
            upper *= 10.0
            if upper > 1e9:
                return math.inf
        return int(math.ceil(optimize.brentq(f, 2.0, upper, xtol=1e-3)))
    lo, hi = (math.log(irr / window[0]), math.log(window[1] / irr))
    if lo <= 0 or hi <= 0:
        return math.inf
    unit_var = (
        1.0 / (rate_ref * irr * exposure_per_athlete)
        + 1.0 / (rate_ref * exposure_per_athlete)
        + 2.0 * max(dispersion, 0.0)
    )
    z = stats.norm.ppf(1.0 - alpha)

    def tost_power(n):
        se = math.sqrt(unit_var / n)
        return stats.norm.cdf(lo / se - z) + stats.norm.cdf(hi / se - z) - 1.0 - power

    upper = 10.0
    while tost_power(upper) < 0:
        upper *= 10.0
    return int(math.ceil(optimize.brentq(tost_power, 2.0, upper, xtol=1e-3)))


def minimum_detectable_irr(
    rate_ref: float,
    exposure_per_athlete: float,
    n_group: int,
    n_reference: int,
    *,
    dispersion: float = 0.0,
    power: float = 0.8,
    alpha: float = 0.05,
) -> float:
    """Smallest IRR > 1 detectable with `power` (two-sided test of IRR = 1) for these arms and exposure."""
    if min(n_group, n_reference) < 1 or rate_ref <= 0:
        return math.nan
    ratio = n_reference / n_group
    f = lambda irr: _power(rate_ref, irr, n_group, exposure_per_athlete, dispersion, ratio, alpha) - power  # noqa
    upper = 2.0
    while f(upper) < 0:
        upper *= 2.0
        if upper > 1e6:
            return math.inf
    return float(optimize.brentq(f, 1.0 + 1e-9, upper, xtol=1e-6))
