"""Result containers of the injury analyses: rates, rate ratios and fitted count models."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class RateEstimate:
    """An incidence or burden rate with its intervals and everything that produced it."""

    measure: str  # "incidence" or "burden"
    estimate: float  # rate in `unit`
    ci_wald: tuple[float, float]  # injurytools: rate +/- z * sqrt(n)/T (may go below 0)
    ci_exact: tuple[float, float]  # Poisson exact (Garwood, "exact-c"); burden: days treated as Poisson
    ci_bootstrap: tuple[float, float] | None  # athlete-cluster percentile bootstrap, if run
    n: float  # events in the numerator: injuries, or days lost for burden
    n_injuries: int
    days_lost: float
    n_athletes: int
    exposure: float  # total exposure at risk, in `exposure_unit`
    exposure_unit: str
    unit: str  # e.g. "injuries per 1000 h"
    scale: float  # rate per exposure unit x scale = estimate
    conf_level: float
    method: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RateRatio:
    """Ratio of two incidence rates (group / reference) with score and Wald intervals."""

    estimate: float
    ci_score: tuple[float, float]
    ci_wald: tuple[float, float]  # log-scale Wald: exp(log IRR +/- z sqrt(1/n1 + 1/n0))
    p_value: float  # score test of IRR = 1
    count: int
    exposure: float
    count_reference: int
    exposure_reference: float
    group: str
    reference: str
    exposure_unit: str
    conf_level: float
    method: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class RateModelResult:
    """A fitted count model with exposure: which family, why, and the rate ratios."""

    model: str  # "poisson", "nb2" or "gee_poisson"
    reason: str
    table: pd.DataFrame  # index = term; coef, se, irr, irr_low, irr_high, p_value
    pearson_dispersion: float  # Pearson chi2 / df of the Poisson fit
    alpha_nb2: float | None  # NB2 dispersion (var = mu + alpha mu^2) when NB2 was fitted
    aic: float | None
    null_deviance: float | None
    deviance: float | None
    nobs: int
    conf_level: float
    result: Any = field(repr=False)  # the statsmodels results object (statsmodels ships no type stubs)
    poisson_result: Any = field(repr=False, default=None)  # the Poisson GLM results (dispersion check, sensitivity)
