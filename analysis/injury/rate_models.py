"""Count models of injuries with exposure: the per-athlete table, Poisson GLM -> NB2 when overdispersed,
and GEE Poisson with the Mancl-DeRouen bias-reduced sandwich for few teams.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.injury.results import RateModelResult
from analysis.injury.tables import (
    ZeroExposureWarning,
    _exposure_in,
    attach_exposure_period,
    prepare_exposures,
    prepare_injuries,
)

#: Overdispersion rule: Pearson chi2/df above this -> NB2 (docs/design/statistics.md §6) [assumption: conventional cut-off]
DISPERSION_THRESHOLD = 1.5


def _accrued_exposure(exposures: pd.DataFrame, values: np.ndarray, athlete: str, when: pd.Timestamp) -> float:
    """Exposure accrued by `athlete` up to the middle of day `when`, spreading each period's exposure evenly
    over its calendar days [assumption: no per-session exposure in the study format]."""
    rows = (exposures["athlete_id"] == athlete).to_numpy()
    start = exposures.loc[rows, "date_start"]
    length = (exposures.loc[rows, "date_end"] - start).dt.days.to_numpy(float) + 1.0
    elapsed = (when - start).dt.days.to_numpy(float) + 0.5
    return float((values[rows] * np.clip(elapsed / length, 0.0, 1.0)).sum())


def athlete_table(
    exposures: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    by: tuple[str, ...] = ("athlete_id",),
    summary_unit: str = "hours",
) -> pd.DataFrame:
    """One row per athlete (or per ``by`` combination): exposure, n_injuries, days_lost and, per athlete,
    exposure time to first injury (``time_first``, ``status_first``) for Cox / Kaplan-Meier.

    Covariate columns of the exposure table (team, group, position, season, ...) are carried when constant within
    a row's key; ``by`` columns other than athlete_id must be exposure columns (injuries are located by date).
    """
    exposures = prepare_exposures(exposures)
    injuries = prepare_injuries(injuries)
    by = tuple(by)
    if "athlete_id" not in by:
        raise AnalysisError("athlete_table needs 'athlete_id' in by")
    values, unit, _, _ = _exposure_in(exposures, summary_unit)
    exp = exposures.assign(exposure=values)
    if len(by) > 1:
        located = attach_exposure_period(exposures, injuries)
        located = located.dropna(subset=[c for c in by if c != "athlete_id"])
    else:
        located = injuries
    keys = list(by)
    table = exp.groupby(keys, sort=True, dropna=False)["exposure"].sum().to_frame()
    for column in ("team", "group", "position", "season"):
        if column in exp.columns and column not in keys:
            constant = exp.groupby(keys, dropna=False)[column].nunique(dropna=False) <= 1
            first = exp.groupby(keys, dropna=False)[column].first()
            table[column] = first.where(constant)
    counts = located.groupby(keys, dropna=False).agg(
        n_injuries=("date_injured", "size"), days_lost=("days_lost", "sum")
    )
    table = table.join(counts, how="left").fillna({"n_injuries": 0, "days_lost": 0.0})
    table["n_injuries"] = table["n_injuries"].astype(int)
    table["exposure_unit"] = unit
    if by == ("athlete_id",):
        first = injuries.sort_values("date_injured").drop_duplicates("athlete_id").set_index("athlete_id")
        time_first, status = [], []
        for athlete, total in table["exposure"].items():
            if athlete in first.index:
                time_first.append(_accrued_exposure(exp, values, athlete, first.loc[athlete, "date_injured"]))
                status.append(1)
            else:
                time_first.append(float(total))
                status.append(0)
        table["time_first"] = time_first
        table["status_first"] = status
    return table.reset_index()


def _irr_table(params, bse, conf_int, pvalues, names) -> pd.DataFrame:
    ci = np.asarray(conf_int)
    return pd.DataFrame(
        {
            "coef": np.asarray(params),
            "se": np.asarray(bse),
            "irr": np.exp(np.asarray(params)),
            "irr_low": np.exp(ci[:, 0]),
            "irr_high": np.exp(ci[:, 1]),
            "p_value": np.asarray(pvalues),
        },
        index=list(names),
    )


def fit_rate_model(
    table: pd.DataFrame,
    formula: str,
    *,
    exposure: str = "exposure",
    groups: str | None = None,
    family: str = "auto",
    conf_level: float = 0.95,
    dispersion_threshold: float = DISPERSION_THRESHOLD,
) -> RateModelResult:
    """Count regression with exposure (``exposure=`` array, i.e. offset log exposure), rate ratios per term.

    ``family``: ``"poisson"``; ``"nb2"`` (``smf.negativebinomial``: NB2 with alpha estimated, not GLM
    NegativeBinomial which fixes alpha = 1); ``"gee"`` (Poisson GEE, exchangeable within ``groups``, Mancl-DeRouen
    ``cov_type="bias_reduced"`` for few clusters); ``"auto"``: Poisson, NB2 when Pearson chi2/df >
    ``dispersion_threshold``.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    if exposure not in table.columns:
        raise AnalysisError(f"model table has no exposure column {exposure!r}")
    data = table[table[exposure] > 0].reset_index(drop=True)
    if len(data) < len(table):
        warnings.warn(
            f"{len(table) - len(data)} row(s) with zero exposure dropped from the model",
            ZeroExposureWarning,
            stacklevel=2,
        )
    t = data[exposure].to_numpy(float)
    alpha = 1.0 - conf_level
    poisson = smf.glm(formula, data=data, family=sm.families.Poisson(), exposure=t).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid) if poisson.df_resid > 0 else math.nan

    if family == "gee":
        if groups is None or groups not in data.columns:
            raise AnalysisError(f"GEE needs a cluster column (groups={groups!r}) in the model table")
        gee = smf.gee(
            formula,
            groups=groups,
            data=data,
            family=sm.families.Poisson(),
            exposure=t,
            cov_struct=sm.cov_struct.Exchangeable(),
        ).fit(cov_type="bias_reduced")
        n_clusters = int(data[groups].nunique())
        return RateModelResult(
            model="gee_poisson",
            reason=f"GEE Poisson, exchangeable within {groups} ({n_clusters} clusters), "
            "Mancl-DeRouen bias-reduced sandwich (few clusters)",
            table=_irr_table(gee.params, gee.bse, gee.conf_int(alpha=alpha), gee.pvalues, gee.params.index),
            pearson_dispersion=dispersion,
            alpha_nb2=None,
            aic=None,
            null_deviance=None,
            deviance=None,
            nobs=int(gee.nobs),
            conf_level=conf_level,
            result=gee,
            poisson_result=poisson,
        )

    use_nb2 = family == "nb2" or (family == "auto" and dispersion > dispersion_threshold)
    if family not in ("auto", "poisson", "nb2"):
        raise AnalysisError(f"family {family!r} is not one of auto, poisson, nb2, gee")
    if use_nb2:
        nb = smf.negativebinomial(formula, data=data, exposure=t, loglike_method="nb2")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbres = nb.fit(disp=0, maxiter=200)
        converged = bool(nbres.mle_retvals.get("converged", True))
        finite = np.all(np.isfinite(np.asarray(nbres.bse)))
        if converged and finite:
            names = [n for n in nbres.params.index if n != "alpha"]
            ci = nbres.conf_int(alpha=alpha).loc[names]
            reason = (
                f"NB2 (alpha estimated by ML): Pearson chi2/df of the Poisson fit = {dispersion:.2f} > "
                f"{dispersion_threshold}"
                if family == "auto"
                else "NB2 requested"
            )
            return RateModelResult(
                model="nb2",
                reason=reason,
                table=_irr_table(nbres.params[names], nbres.bse[names], ci, nbres.pvalues[names], names),
                pearson_dispersion=dispersion,
                alpha_nb2=float(nbres.params["alpha"]),
                aic=float(nbres.aic),
                null_deviance=None,
                deviance=None,
                nobs=int(nbres.nobs),
                conf_level=conf_level,
                result=nbres,
                poisson_result=poisson,
            )
        # NB2 did not converge: quasi-Poisson (Pearson scale) keeps the Poisson point estimates
        quasi = smf.glm(formula, data=data, family=sm.families.Poisson(), exposure=t).fit(scale="X2")
        return RateModelResult(
            model="quasi_poisson",
            reason=f"overdispersed (Pearson chi2/df = {dispersion:.2f}) but NB2 did not "
            "converge: quasi-Poisson, SEs scaled by Pearson chi2/df",
            table=_irr_table(quasi.params, quasi.bse, quasi.conf_int(alpha=alpha), quasi.pvalues, quasi.params.index),
            pearson_dispersion=dispersion,
            alpha_nb2=None,
            aic=None,
            null_deviance=float(quasi.null_deviance),
            deviance=float(quasi.deviance),
            nobs=int(quasi.nobs),
            conf_level=conf_level,
            result=quasi,
            poisson_result=poisson,
        )
    reason = (
        f"Poisson: Pearson chi2/df = {dispersion:.2f} <= {dispersion_threshold}"
        if family == "auto"
        else "Poisson requested"
    )
    return RateModelResult(
        model="poisson",
        reason=reason,
        table=_irr_table(
            poisson.params, poisson.bse, poisson.conf_int(alpha=alpha), poisson.pvalues, poisson.params.index
        ),
        pearson_dispersion=dispersion,
        alpha_nb2=None,
        aic=float(poisson.aic),
        null_deviance=float(poisson.null_deviance),
        deviance=float(poisson.deviance),
        nobs=int(poisson.nobs),
        conf_level=conf_level,
        result=poisson,
        poisson_result=poisson,
    )
