"""Injury rate ratios between athlete groups and what a single team can show about claim C8 (notebook 05).

``group_rate_ratios`` runs :func:`analysis.injury.rate_ratio` for each group pair present;
``single_team_power_table`` turns the closed-form negative-binomial power (statsmodels
``power_negbin_ratio_2indep``, Zhu & Lakkis 2014) and the Gelman–Carlin design analysis
(:func:`analysis.power.design_analysis`) into the "what one team can show" table of docs/design/statistics.md §8.4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.rates import power_negbin_ratio_2indep

from analysis.errors import AnalysisError
from analysis.injury import minimum_detectable_irr, rate_ratio
from analysis.power import design_analysis

__all__ = ["C8_POINT", "rate_ratio_frame", "group_rate_ratios", "single_team_power_table"]

#: C8 claimed point (docs/design/statistics.md §3: the article's 19 % -> IRR 1.19).
C8_POINT = 1.19


def rate_ratio_frame(ratios: Sequence) -> pd.DataFrame:
    """One row per :class:`analysis.injury.RateRatio`: comparison, counts, exposure, IRR, score and Wald CIs."""
    rows = [
        {
            "comparison": f"{r.group} vs {r.reference}",
            "injuries": r.count,
            "exposure": r.exposure,
            "injuries_reference": r.count_reference,
            "exposure_reference": r.exposure_reference,
            "exposure_unit": r.exposure_unit,
            "irr": r.estimate,
            "ci_low": r.ci_score[0],
            "ci_high": r.ci_score[1],
            "wald_low": r.ci_wald[0],
            "wald_high": r.ci_wald[1],
            "p_value": r.p_value,
            "method": r.method,
        }
        for r in ratios
    ]
    return pd.DataFrame(rows)


def group_rate_ratios(
    exposures: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    by: str = "group",
    pairs: Sequence[tuple[str, str]] = (("early", "late"), ("early", "never"), ("late", "never")),
    summary_unit: str = "hours",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Rate ratios (:func:`analysis.injury.rate_ratio`) for each (group, reference) pair whose levels both exist
    in ``exposures[by]``; pairs with a missing level are skipped (listed in ``attrs["skipped"]``)."""
    if by not in exposures.columns:
        raise AnalysisError(f"exposures.csv has no {by!r} column: rate ratios compare athlete groups")
    present = set(exposures[by].dropna().astype(str))
    done, skipped = [], []
    for group, reference in pairs:
        if group in present and reference in present:
            done.append(
                rate_ratio(
                    exposures,
                    injuries,
                    by=by,
                    group=group,
                    reference=reference,
                    summary_unit=summary_unit,
                    conf_level=conf_level,
                )
            )
        else:
            skipped.append(f"{group} vs {reference}")
    out = rate_ratio_frame(done)
    out.attrs["skipped"] = skipped
    return out


def single_team_power_table(
    rate_ref_per_h: float,
    hours_per_athlete: float,
    n_per_arm: Sequence[int],
    *,
    irr: float = C8_POINT,
    dispersion: float = 0.5,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """What a study of ``n_per_arm`` athletes per arm can show about a true IRR ``irr``.

    Columns: expected cases per arm, power of the two-sided test of IRR = 1 (NB2 closed form), the smallest
    IRR detectable with 80 % power, the SE of log IRR, and the Gelman–Carlin type-M exaggeration of
    significant estimates (on the log scale) with the IRR a significant study would typically report.
    ``dispersion`` is the NB2 alpha (between-athlete frailty variance; docs/design/statistics.md §11 default 0.5).
    """
    if rate_ref_per_h <= 0 or hours_per_athlete <= 0:
        raise AnalysisError("power needs a positive reference rate and exposure per athlete")
    rng = np.random.default_rng(seed)
    rows = []
    for n in n_per_arm:
        power = float(
            power_negbin_ratio_2indep(
                rate_ref_per_h * irr,
                rate_ref_per_h,
                n,
                exposure=hours_per_athlete,
                value=1.0,
                alpha=alpha,
                dispersion=dispersion,
                return_results=False,
            )
        )
        mu0 = rate_ref_per_h * hours_per_athlete
        se = math.sqrt((1.0 / (mu0 * irr) + 1.0 / mu0 + 2.0 * dispersion) / n)
        da = design_analysis(math.log(irr), se, alpha=alpha, rng=rng)
        rows.append(
            {
                "n_per_arm": int(n),
                "expected_cases_per_arm": mu0 * n,
                "power_at_claim": power,
                "mde_irr_80": minimum_detectable_irr(
                    rate_ref_per_h, hours_per_athlete, n, n, dispersion=dispersion, alpha=alpha
                ),
                "se_log_irr": se,
                "type_m_log": da["type_m"],
                "typical_significant_irr": math.exp(da["type_m"] * math.log(irr))
                if np.isfinite(da["type_m"])
                else math.nan,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["irr"] = irr
    out.attrs["method"] = (
        f"NB2 closed-form power (statsmodels power_negbin_ratio_2indep), true IRR {irr}, "
        f"reference rate {1000 * rate_ref_per_h:.3g}/1000 h, {hours_per_athlete:g} h/athlete, "
        f"alpha_NB {dispersion:g}; type M by Gelman–Carlin design analysis (seed {seed})"
    )
    return out
