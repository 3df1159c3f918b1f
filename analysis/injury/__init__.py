"""Injury epidemiology: incidence, burden, prevalence, rate ratios, count and survival models, power.

Input is two tidy tables in the study format (data/README.md; column names an injurytools user recognises):

- exposures: ``athlete_id, team, season, date_start, date_end, exposure_time, exposure_unit`` (+ ``group``,
  ``position``); ``exposure_unit`` is ``hours`` or ``minutes``.
- injuries: ``athlete_id, date_injured, date_recovered, days_lost, body_region, tissue_type, injury_type, notes``.

``prepare_exposures`` / ``prepare_injuries`` check and type them; ``from_injurytools`` maps the injurytools 2.0.0
example tables (``raw_df_exposures``, ``raw_df_injuries``) onto the same format.

Methods follow docs/design/statistics.md §6: rates with the Wald CI injurytools prints (SE = sqrt(n)/T; burden
puts days lost in place of n) plus an exact Poisson CI (Garwood, ``confint_poisson(method="exact-c")``), an
athlete-cluster bootstrap for burden, score CIs/tests for two-group rate ratios, Poisson GLM -> NB2 when
overdispersed, GEE Poisson with the Mancl-DeRouen bias-reduced sandwich for few teams, Cox (Efron ties) and
Kaplan-Meier on exposure time to first injury.

Modules: ``tables`` (input tables, exposure units), ``results`` (result containers), ``rates`` (incidence,
burden, prevalence, rate ratios), ``rate_models`` (per-athlete table, count models), ``survival`` (Cox,
Kaplan-Meier), ``sample_size`` (athletes needed, minimum detectable IRR). Claim C8 (``estimate_c8``) is in
:mod:`analysis.claims` (claims build on this package, never the reverse).
"""

from analysis.injury.rate_models import DISPERSION_THRESHOLD, athlete_table, fit_rate_model
from analysis.injury.rates import burden_rate, incidence_rate, rate_ratio, rate_table, season_prevalence
from analysis.injury.results import RateEstimate, RateModelResult, RateRatio
from analysis.injury.sample_size import C8_CLAIMED_IRR, athletes_needed_per_arm, minimum_detectable_irr
from analysis.injury.survival import fit_cox_first_injury, kaplan_meier
from analysis.injury.tables import (
    SUMMARY_UNITS,
    ZeroExposureWarning,
    attach_exposure_period,
    from_injurytools,
    prepare_exposures,
    prepare_injuries,
)

__all__ = [
    "SUMMARY_UNITS",
    "DISPERSION_THRESHOLD",
    "C8_CLAIMED_IRR",
    "ZeroExposureWarning",
    "RateEstimate",
    "RateRatio",
    "RateModelResult",
    "prepare_exposures",
    "prepare_injuries",
    "from_injurytools",
    "attach_exposure_period",
    "incidence_rate",
    "burden_rate",
    "rate_table",
    "season_prevalence",
    "rate_ratio",
    "athlete_table",
    "fit_rate_model",
    "fit_cox_first_injury",
    "kaplan_meier",
    "athletes_needed_per_arm",
    "minimum_detectable_irr",
]
