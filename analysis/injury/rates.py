"""Incidence and burden rates (Wald, exact Poisson and athlete-cluster bootstrap CIs), rates by level,
period prevalence and two-group rate ratios (score CI and test).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AnalysisError
from analysis.injury.results import RateEstimate, RateRatio
from analysis.injury.tables import (
    ZeroExposureWarning,
    _exposure_in,
    attach_exposure_period,
    prepare_exposures,
    prepare_injuries,
)


def _at_risk(exposures: pd.DataFrame, injuries: pd.DataFrame, summary_unit: str):
    """Per-athlete exposure (converted) and the injuries of athletes with exposure > 0; warns on dropped ones."""
    exposures = prepare_exposures(exposures)
    injuries = prepare_injuries(injuries)
    values, unit, scale, label = _exposure_in(exposures, summary_unit)
    per_athlete = pd.Series(values, index=exposures["athlete_id"].to_numpy()).groupby(level=0).sum()
    unknown = sorted(set(injuries["athlete_id"]) - set(per_athlete.index))
    if unknown:
        raise AnalysisError(
            f"injuries.csv: athlete_id(s) {', '.join(unknown[:5])} have no rows in exposures.csv "
            "-- every injured athlete needs exposure time"
        )
    zero = per_athlete.index[per_athlete.to_numpy() <= 0]
    if len(zero):
        n_inj = int(injuries["athlete_id"].isin(zero).sum())
        warnings.warn(
            f"{len(zero)} athlete(s) with zero exposure dropped ({', '.join(map(str, zero[:5]))}"
            f"{'...' if len(zero) > 5 else ''}) together with {n_inj} injury(ies), as injurytools does",
            ZeroExposureWarning,
            stacklevel=3,
        )
        per_athlete = per_athlete[per_athlete > 0]
        injuries = injuries[~injuries["athlete_id"].isin(zero)]
    return per_athlete, injuries, unit, scale, label


def _z(conf_level: float) -> float:
    return float(stats.norm.ppf(0.5 + conf_level / 2.0))


def _rate_cis(n: float, exposure: float, scale: float, conf_level: float):
    from statsmodels.stats.rates import confint_poisson

    rate = n / exposure
    half = _z(conf_level) * math.sqrt(n) / exposure
    low, high = confint_poisson(n, exposure, method="exact-c", alpha=1.0 - conf_level)
    return (scale * rate, (scale * (rate - half), scale * (rate + half)), (scale * float(low), scale * float(high)))


def _cluster_bootstrap(
    numerator: np.ndarray, exposure: np.ndarray, n_boot: int, seed, conf_level: float, scale: float
) -> tuple[float, float]:
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    idx = rng.integers(0, len(exposure), size=(n_boot, len(exposure)))
    rates = numerator[idx].sum(axis=1) / exposure[idx].sum(axis=1)
    tail = 100.0 * (1.0 - conf_level) / 2.0
    low, high = np.percentile(rates, [tail, 100.0 - tail])
    return float(scale * low), float(scale * high)


def _rate(measure: str, exposures, injuries, summary_unit, conf_level, n_boot, seed) -> RateEstimate:
    per_athlete, injuries, unit, scale, label = _at_risk(exposures, injuries, summary_unit)
    total = float(per_athlete.sum())
    n_inj = len(injuries)
    days = float(injuries["days_lost"].sum())
    if measure == "burden" and injuries["days_lost"].isna().any():
        raise AnalysisError(
            "injuries.csv: days_lost (or date_recovered) is missing for "
            f"{int(injuries['days_lost'].isna().sum())} injury(ies); burden needs days lost"
        )
    n = float(n_inj) if measure == "incidence" else days
    estimate, ci_wald, ci_exact = _rate_cis(n, total, scale, conf_level)
    ci_boot = None
    if n_boot:
        column = (
            injuries.groupby("athlete_id").size()
            if measure == "incidence"
            else injuries.groupby("athlete_id")["days_lost"].sum()
        )
        numerator = column.reindex(per_athlete.index, fill_value=0).to_numpy(float)
        ci_boot = _cluster_bootstrap(numerator, per_athlete.to_numpy(float), n_boot, seed, conf_level, scale)
    what = "injuries" if measure == "incidence" else "days lost"
    method = (
        "rate = n / T; Wald CI rate +/- z sqrt(n)/T (injurytools 2.0.0); exact Poisson CI (Garwood, "
        "statsmodels confint_poisson 'exact-c')"
    )
    if measure == "burden":
        method += "; burden treats each day lost as a Poisson event (clustered in reality: use ci_bootstrap)"
    if ci_boot is not None:
        method += f"; athlete-cluster percentile bootstrap ({n_boot} resamples)"
    return RateEstimate(
        measure=measure,
        estimate=estimate,
        ci_wald=ci_wald,
        ci_exact=ci_exact,
        ci_bootstrap=ci_boot,
        n=n,
        n_injuries=n_inj,
        days_lost=days,
        n_athletes=len(per_athlete),
        exposure=total,
        exposure_unit=unit,
        unit=f"{what} {label}",
        scale=scale,
        conf_level=conf_level,
        method=method,
        params={
            "summary_unit": summary_unit,
            "n_boot": n_boot,
            "seed": None if isinstance(seed, np.random.Generator) else seed,
        },
    )


def incidence_rate(
    exposures: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    summary_unit: str = "hours",
    conf_level: float = 0.95,
    n_boot: int = 0,
    seed: int | np.random.Generator = 0,
) -> RateEstimate:
    """Injuries per exposure (``summary_unit``: see ``SUMMARY_UNITS``; default per 1000 h).

    Athletes with zero total exposure are dropped with a ``ZeroExposureWarning``. ``n_boot > 0`` adds an
    athlete-cluster bootstrap CI (resampling athletes with ``seed``).
    """
    return _rate("incidence", exposures, injuries, summary_unit, conf_level, n_boot, seed)


def burden_rate(
    exposures: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    summary_unit: str = "hours",
    conf_level: float = 0.95,
    n_boot: int = 2000,  # percentile CIs need 1000-2000 resamples (Efron & Tibshirani 1993, ch. 13)
    seed: int | np.random.Generator = 0,
) -> RateEstimate:
    """Days lost per exposure, with the athlete-cluster bootstrap CI by default (days lost cluster within
    athletes, so the Wald/exact CIs are far too narrow: docs/design/statistics.md §6)."""
    return _rate("burden", exposures, injuries, summary_unit, conf_level, n_boot, seed)


def _injury_side_column(exposures: pd.DataFrame, by: str) -> bool:
    return by not in exposures.columns


def rate_table(
    exposures: pd.DataFrame, injuries: pd.DataFrame, by: str, *, summary_unit: str = "hours", conf_level: float = 0.95
) -> pd.DataFrame:
    """Incidence and burden by a column, one row per level (like injurytools ``injsummary(var_type_injury=)``).

    An injury column (e.g. ``injury_type``, ``body_region``) splits only the numerator: every row uses the total
    exposure. An exposure column (e.g. ``group``, ``season``, ``position``) splits exposure and injuries; injuries
    get the level of the exposure period that contains their date.
    """
    exposures = prepare_exposures(exposures)
    injuries = prepare_injuries(injuries)
    injury_side = _injury_side_column(exposures, by)
    if injury_side and by not in injuries.columns:
        raise AnalysisError(f"column {by!r} is in neither the exposure nor the injury table")
    rows = []
    if injury_side:
        per_athlete, kept, unit, scale, label = _at_risk(exposures, injuries, summary_unit)
        total = float(per_athlete.sum())
        levels = kept[by].fillna("(missing)")
        pieces = [(level, total, kept[levels == level]) for level in sorted(levels.unique())]
    else:
        values, unit, scale, label = _exposure_in(exposures, summary_unit)
        located = attach_exposure_period(exposures, injuries)
        level_of_exposure = exposures[by].fillna("(missing)").astype(str).to_numpy()
        level_of_injury = located[by].astype("string").fillna("(missing)").astype(str).to_numpy()
        pieces = [
            (level, float(values[level_of_exposure == level].sum()), located[level_of_injury == level])
            for level in sorted(set(level_of_exposure))
        ]
    n_total = sum(len(p[2]) for p in pieces)
    days_total = sum(float(p[2]["days_lost"].sum()) for p in pieces)
    for level, exposure, part in pieces:
        n = len(part)
        days = float(part["days_lost"].sum())
        if exposure <= 0:
            continue
        inc, inc_wald, inc_exact = _rate_cis(float(n), exposure, scale, conf_level)
        bur, bur_wald, bur_exact = _rate_cis(days, exposure, scale, conf_level)
        rows.append(
            {
                by: level,
                "n_injuries": n,
                "days_lost": days,
                "pct_injuries": 100.0 * n / n_total if n_total else np.nan,
                "pct_days_lost": 100.0 * days / days_total if days_total else np.nan,
                "median_days_lost": float(part["days_lost"].median()) if n else np.nan,
                "exposure": exposure,
                "exposure_unit": unit,
                "incidence": inc,
                "incidence_wald_low": inc_wald[0],
                "incidence_wald_high": inc_wald[1],
                "incidence_exact_low": inc_exact[0],
                "incidence_exact_high": inc_exact[1],
                "burden": bur,
                "burden_wald_low": bur_wald[0],
                "burden_wald_high": bur_wald[1],
                "unit": label,
                "conf_level": conf_level,
            }
        )
    return pd.DataFrame(rows)


def season_prevalence(
    exposures: pd.DataFrame, injuries: pd.DataFrame, *, by: str = "season", include_ongoing: bool = False
) -> pd.DataFrame:
    """Period prevalence: athletes with >= 1 injury in the period / athletes with an exposure row in it.

    An injury belongs to the period whose dates contain ``date_injured``. ``include_ongoing=True`` also counts an
    athlete whose earlier injury was still unresolved on the period's first day (the injurytools definition text;
    its printed Liverpool table counts new injuries only, which is the default here).
    """
    exposures = prepare_exposures(exposures)
    if by not in exposures.columns:
        raise AnalysisError(f"exposures.csv has no {by!r} column: prevalence needs the period of each row")
    located = attach_exposure_period(exposures, injuries)
    rows = []
    for level, part in exposures.groupby(by, sort=True):
        athletes = set(part["athlete_id"])
        injured = set(located.loc[located[by].astype("string") == level, "athlete_id"]) & athletes
        if include_ongoing:
            start = part.groupby("athlete_id")["date_start"].min()
            inj = located[located["athlete_id"].isin(athletes)]
            first_day = inj["athlete_id"].map(start)
            ongoing = (inj["date_injured"] < first_day) & (
                inj["date_recovered"].isna() | (inj["date_recovered"] > first_day)
            )
            injured |= set(inj.loc[ongoing, "athlete_id"])
        rows.append(
            {
                by: level,
                "n_athletes": len(athletes),
                "n_injured": len(injured),
                "n_injury_free": len(athletes) - len(injured),
                "pct_injured": 100.0 * len(injured) / len(athletes) if athletes else np.nan,
                "method": "new injuries" + (" + ongoing at period start" if include_ongoing else ""),
            }
        )
    return pd.DataFrame(rows)


def rate_ratio(
    exposures: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    by: str,
    group: str,
    reference: str,
    summary_unit: str = "hours",
    conf_level: float = 0.95,
) -> RateRatio:
    """Incidence rate ratio group / reference (an exposure column, e.g. ``group`` or ``season``).

    Score CI (``confint_poisson_2indep``) and score test (``test_poisson_2indep``); the log-scale Wald CI is
    reported too. Days-lost ratios are not offered: days are not independent Poisson events.
    """
    table = rate_table(exposures, injuries, by, summary_unit=summary_unit, conf_level=conf_level)
    if _injury_side_column(prepare_exposures(exposures), by):
        raise AnalysisError(f"rate ratios compare athlete groups: {by!r} must be a column of exposures.csv")
    levels = set(table[by]) if len(table) else set()
    for name, level in (("group", group), ("reference", reference)):
        if level not in levels:
            raise AnalysisError(
                f"exposures.csv: no athletes with {by} == {level!r} ({name}); "
                f"levels present: {', '.join(sorted(map(str, levels))) or 'none'}"
            )
    g = table.set_index(by).loc[group]
    r = table.set_index(by).loc[reference]
    return _two_group_ratio(
        int(g["n_injuries"]),
        float(g["exposure"]),
        int(r["n_injuries"]),
        float(r["exposure"]),
        group,
        reference,
        str(g["exposure_unit"]),
        conf_level,
    )


def _two_group_ratio(
    n1: int, t1: float, n0: int, t0: float, group: str, reference: str, unit: str, conf_level: float
) -> RateRatio:
    from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

    alpha = 1.0 - conf_level
    low, high = confint_poisson_2indep(n1, t1, n0, t0, method="score", compare="ratio", alpha=alpha)
    test = test_poisson_2indep(n1, t1, n0, t0, method="score", compare="ratio")
    estimate = (n1 / t1) / (n0 / t0) if n0 > 0 else math.inf
    if n1 > 0 and n0 > 0:
        half = _z(conf_level) * math.sqrt(1.0 / n1 + 1.0 / n0)
        wald = (estimate * math.exp(-half), estimate * math.exp(half))
    else:
        wald = (math.nan, math.nan)
    return RateRatio(
        estimate=estimate,
        ci_score=(float(low), float(high)),
        ci_wald=wald,
        p_value=float(test.pvalue),
        count=n1,
        exposure=t1,
        count_reference=n0,
        exposure_reference=t0,
        group=group,
        reference=reference,
        exposure_unit=unit,
        conf_level=conf_level,
        method="score CI and test (statsmodels confint_poisson_2indep / test_poisson_2indep)",
    )
