"""Injury epidemiology: incidence, burden, prevalence, rate ratios, count and survival models, claim C8.

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
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.errors import AnalysisError

__all__ = [
    "SUMMARY_UNITS",
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
    "estimate_c8",
]

#: injurytools 2.0.0 ``injsummary`` scalings (R/injsummary.R): rate per exposure unit x factor.
#: key -> (exposure unit the rate is computed in, factor, label of the reported rate)
SUMMARY_UNITS: dict[str, tuple[str, float, str]] = {
    "hours": ("hours", 1000.0, "per 1000 h"),
    "minutes": ("minutes", 60.0 * 1000.0, "per 1000 h"),
    "matches_minutes": ("minutes", 90.0 * 100.0, "per 100 player-matches (90 min)"),
    "matches_num": ("matches_num", 100.0, "per 100 matches"),
    "days": ("days", 100.0, "per 100 days"),
    "activity_days": ("activity_days", 100.0, "per 100 activity days"),
}
_MINUTES_PER_HOUR = 60.0
#: Overdispersion rule: Pearson chi2/df above this -> NB2 (docs/design/statistics.md §6) [assumption: conventional cut-off]
DISPERSION_THRESHOLD = 1.5
#: Fewest teams for a team-clustered GEE to be the primary C8 model (docs/design/statistics.md §4: 4-6 teams need the
#: bias-reduced sandwich; fewer cannot carry a cluster sandwich at all) [assumption]
MIN_TEAMS_FOR_GEE = 4
#: C8 window: "in 6 months"; 6 x 365.25/12 days (the article's claim, analysis/article.txt)
C8_WINDOW_DAYS = 6 * 365.25 / 12
#: C8 verdict window for the IRR and the claimed value (docs/design/statistics.md §2: [1.10, 1.30] [assumption]; +19 %)
C8_WINDOW = (1.10, 1.30)
C8_CLAIMED_IRR = 1.19

_EXPOSURE_REQUIRED = ("athlete_id", "date_start", "date_end", "exposure_time", "exposure_unit")
_INJURY_REQUIRED = ("athlete_id", "date_injured")
_INJURY_COLUMNS = (
    "athlete_id",
    "date_injured",
    "date_recovered",
    "days_lost",
    "body_region",
    "tissue_type",
    "injury_type",
    "notes",
)


class ZeroExposureWarning(UserWarning):
    """Athletes with zero total exposure were dropped (as injurytools does), with their injuries."""


# ----------------------------------------------------------------------------------------------- results


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
    result: object = field(repr=False)
    poisson_result: object = field(repr=False, default=None)


# ------------------------------------------------------------------------------------------ input tables


def _missing_columns(df: pd.DataFrame, required: tuple[str, ...], what: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise AnalysisError(
            f"{what}: missing column(s) {', '.join(missing)} -- see data/README.md (exposures.csv / injuries.csv)"
        )


def _to_dates(values: pd.Series, what: str, column: str) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce")
    bad = values.notna() & parsed.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisError(
            f"{what}, row {row + 1}: column {column!r} value {values.iloc[row]!r} is not a date (use YYYY-MM-DD)"
        )
    return parsed


def prepare_exposures(exposures: pd.DataFrame, *, source: str = "exposures.csv") -> pd.DataFrame:
    """Check and type a study-format exposure table; returns a copy (never modifies the input)."""
    if exposures is None or len(exposures) == 0:
        raise AnalysisError(f"{source}: the exposure table is missing or empty -- injury rates need exposure time")
    _missing_columns(exposures, _EXPOSURE_REQUIRED, source)
    df = exposures.copy()
    df["athlete_id"] = df["athlete_id"].astype(str)
    for column in ("date_start", "date_end"):
        df[column] = _to_dates(df[column], source, column)
    time = pd.to_numeric(df["exposure_time"], errors="coerce")
    bad = time.isna() | (time < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisError(
            f"{source}, row {row + 1}: exposure_time {df['exposure_time'].iloc[row]!r} must be a number >= 0"
        )
    df["exposure_time"] = time.astype(float)
    df["exposure_unit"] = df["exposure_unit"].astype(str).str.strip().str.lower()
    unknown = ~df["exposure_unit"].isin([v[0] for v in SUMMARY_UNITS.values()])
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise AnalysisError(
            f"{source}, row {row + 1}: exposure_unit {df['exposure_unit'].iloc[row]!r} "
            "is not 'hours' or 'minutes' (non-study tables may also use matches_num, days, "
            "activity_days)"
        )
    reversed_dates = df["date_end"] < df["date_start"]
    if reversed_dates.any():
        row = int(np.flatnonzero(reversed_dates.to_numpy())[0])
        raise AnalysisError(f"{source}, row {row + 1}: date_end is before date_start")
    for column in ("team", "season", "group", "position"):
        if column in df.columns:
            df[column] = df[column].astype("string")
    return df


def prepare_injuries(injuries: pd.DataFrame, *, source: str = "injuries.csv") -> pd.DataFrame:
    """Check and type a study-format injury table; ``days_lost`` is computed from the dates where empty."""
    if injuries is None:
        raise AnalysisError(f"{source}: the injury table is missing -- injury analyses need injuries.csv")
    _missing_columns(injuries, _INJURY_REQUIRED, source)
    df = injuries.copy()
    df["athlete_id"] = df["athlete_id"].astype(str)
    df["date_injured"] = _to_dates(df["date_injured"], source, "date_injured")
    if df["date_injured"].isna().any():
        row = int(np.flatnonzero(df["date_injured"].isna().to_numpy())[0])
        raise AnalysisError(f"{source}, row {row + 1}: date_injured is empty")
    if "date_recovered" in df.columns:
        df["date_recovered"] = _to_dates(df["date_recovered"], source, "date_recovered")
    else:
        df["date_recovered"] = pd.NaT
    from_dates = (df["date_recovered"] - df["date_injured"]).dt.days.astype(float)
    days = pd.to_numeric(df["days_lost"], errors="coerce") if "days_lost" in df.columns else from_dates * np.nan
    df["days_lost"] = days.fillna(from_dates).astype(float)
    if (df["days_lost"] < 0).any():
        row = int(np.flatnonzero((df["days_lost"] < 0).to_numpy())[0])
        raise AnalysisError(f"{source}, row {row + 1}: days_lost is negative (date_recovered before date_injured?)")
    for column in _INJURY_COLUMNS[4:]:
        if column not in df.columns:
            df[column] = pd.NA
        df[column] = df[column].astype("string")
    return df


def from_injurytools(
    raw_df_exposures: pd.DataFrame, raw_df_injuries: pd.DataFrame, *, team: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map the injurytools example tables onto the study format.

    ``raw_df_exposures`` has one row per player-season (``player_name, season "17/18", year, minutes_played,
    club_name, position "Midfield_CentralMidfield", ...``); a season runs 1 July to 30 June (injurytools
    ``date2season``). ``raw_df_injuries`` has ``player_name, season, from, until, days_lost, injury, injury_type,
    injury_severity``. The free-text ``injury`` goes to ``notes``; ``injury_type`` (Muscle, Ligament, Bone,
    Concussion, Unknown) is kept; body region and tissue are not recorded there and stay empty.
    """
    _missing_columns(raw_df_exposures, ("player_name", "year", "minutes_played"), "raw_df_exposures")
    _missing_columns(raw_df_injuries, ("player_name", "from", "until", "days_lost"), "raw_df_injuries")
    exp = raw_df_exposures
    year = pd.to_numeric(exp["year"]).astype(int)
    exposures = pd.DataFrame(
        {
            "athlete_id": exp["player_name"].astype(str).to_numpy(),
            "team": team
            if team is not None
            else (exp["club_name"].astype(str).to_numpy() if "club_name" in exp else "team"),
            "season": [f"{y}/{y + 1}" for y in year],
            "date_start": pd.to_datetime([f"{y}-07-01" for y in year]),
            "date_end": pd.to_datetime([f"{y + 1}-06-30" for y in year]),
            "exposure_time": pd.to_numeric(exp["minutes_played"]).astype(float).to_numpy(),
            "exposure_unit": "minutes",
            "position": (exp["position"].astype(str).str.split("_").str[0] if "position" in exp else pd.NA),
            "position_detail": exp["position"].astype(str) if "position" in exp else pd.NA,
        }
    )
    inj = raw_df_injuries
    injuries = pd.DataFrame(
        {
            "athlete_id": inj["player_name"].astype(str).to_numpy(),
            "date_injured": pd.to_datetime(inj["from"]).to_numpy(),
            "date_recovered": pd.to_datetime(inj["until"]).to_numpy(),
            "days_lost": pd.to_numeric(inj["days_lost"]).astype(float).to_numpy(),
            "body_region": pd.NA,
            "tissue_type": pd.NA,
            "injury_type": inj["injury_type"].astype(str).to_numpy() if "injury_type" in inj else pd.NA,
            "notes": inj["injury"].astype(str).to_numpy() if "injury" in inj else pd.NA,
        }
    )
    if "injury_severity" in inj:
        injuries["injury_severity"] = inj["injury_severity"].astype(str).to_numpy()
    return (
        prepare_exposures(exposures, source="raw_df_exposures"),
        prepare_injuries(injuries, source="raw_df_injuries"),
    )


def _exposure_in(exposures: pd.DataFrame, summary_unit: str) -> tuple[np.ndarray, str, float, str]:
    """Exposure per row converted to the unit `summary_unit` needs; returns (values, unit, scale, label)."""
    if summary_unit not in SUMMARY_UNITS:
        raise AnalysisError(f"summary_unit {summary_unit!r} is not one of {', '.join(SUMMARY_UNITS)}")
    unit, scale, label = SUMMARY_UNITS[summary_unit]
    time = exposures["exposure_time"].to_numpy(float)
    given = exposures["exposure_unit"].to_numpy(str)
    factor = np.full(len(time), np.nan)
    if unit == "hours":
        factor[given == "hours"] = 1.0
        factor[given == "minutes"] = 1.0 / _MINUTES_PER_HOUR
    elif unit == "minutes":
        factor[given == "minutes"] = 1.0
        factor[given == "hours"] = _MINUTES_PER_HOUR
    else:
        factor[given == unit] = 1.0
    if np.isnan(factor).any():
        bad = sorted(set(given[np.isnan(factor)]))
        raise AnalysisError(
            f"exposures in {', '.join(bad)} cannot be reported {label} "
            f"(summary_unit={summary_unit!r}); choose a summary_unit matching the exposure unit"
        )
    return time * factor, unit, scale, label


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


def attach_exposure_period(exposures: pd.DataFrame, injuries: pd.DataFrame) -> pd.DataFrame:
    """Each injury with the columns of the athlete's exposure row whose [date_start, date_end] contains it.

    Exposure columns keep their names (an injury column of the same name is renamed ``<name>_injury``). Injuries
    outside every exposure period of their athlete keep empty period columns and trigger a warning.
    """
    exposures = prepare_exposures(exposures)
    injuries = prepare_injuries(injuries).reset_index(drop=True)
    period_cols = [c for c in exposures.columns if c != "athlete_id"]
    injuries = injuries.rename(columns={c: f"{c}_injury" for c in period_cols if c in injuries.columns})
    injuries["_injury_row"] = np.arange(len(injuries))
    merged = injuries[["_injury_row", "athlete_id", "date_injured"]].merge(
        exposures.assign(_period_row=np.arange(len(exposures))), on="athlete_id", how="inner"
    )
    inside = (merged["date_injured"] >= merged["date_start"]) & (merged["date_injured"] <= merged["date_end"])
    matched = merged[inside].sort_values(["_injury_row", "_period_row"]).drop_duplicates("_injury_row")
    out = injuries.merge(matched[["_injury_row", *period_cols]], on="_injury_row", how="left")
    n_outside = len(injuries) - len(matched)
    if n_outside:
        warnings.warn(
            f"{n_outside} injury(ies) fall outside every exposure period of their athlete; "
            "they have no season/team/group and are left out of tables split by those columns",
            UserWarning,
            stacklevel=2,
        )
    return out.drop(columns="_injury_row")


# ----------------------------------------------------------------------------------------------- rates


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


# --------------------------------------------------------------------------------------- athlete tables


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


# ------------------------------------------------------------------------------------------------ models


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


def fit_cox_first_injury(
    table: pd.DataFrame,
    covariates: str,
    *,
    time: str = "time_first",
    status: str = "status_first",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Cox model of exposure time to first injury (``smf.phreg``, Efron ties as R's ``coxph``).

    Returns hazard ratios per term (``res.model.exog_names``: PHReg params are unnamed arrays).
    """
    import statsmodels.formula.api as smf

    for column in (time, status):
        if column not in table.columns:
            raise AnalysisError(f"Cox model table has no {column!r} column (build it with athlete_table)")
    data = table[table[time] > 0].reset_index(drop=True)
    res = smf.phreg(f"{time} ~ {covariates}", data=data, status=data[status].to_numpy(float), ties="efron").fit()
    ci = np.asarray(res.conf_int(alpha=1.0 - conf_level))
    out = pd.DataFrame(
        {
            "coef": res.params,
            "se": res.bse,
            "hr": np.exp(res.params),
            "hr_low": np.exp(ci[:, 0]),
            "hr_high": np.exp(ci[:, 1]),
            "p_value": res.pvalues,
        },
        index=res.model.exog_names,
    )
    out.attrs.update(
        {
            "method": "Cox PH, Efron ties, exposure time to first injury",
            "n": len(data),
            "events": int(data[status].sum()),
            "llf": float(res.llf),
        }
    )
    return out


def kaplan_meier(
    table: pd.DataFrame, *, time: str = "time_first", status: str = "status_first", conf_level: float = 0.95
) -> dict:
    """Kaplan-Meier injury-free curve over exposure time; median with the log-transformed CI (matches R
    ``survfit``; statsmodels' default cloglog does not). An upper bound of ``inf`` is R's ``NA``."""
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(table[time].to_numpy(float), table[status].to_numpy(float))
    low, high = sf.quantile_ci(0.5, alpha=1.0 - conf_level, method="log")
    curve = pd.DataFrame(
        {
            "time": sf.surv_times,
            "survival": sf.surv_prob,
            "se": sf.surv_prob_se,
            "n_at_risk": sf.n_risk,
            "n_events": sf.n_events,
        }
    )
    median = sf.quantile(0.5)
    return {
        "median": float(median) if median is not None else math.nan,
        "median_ci": (float(low) if low is not None else math.nan, float(high) if high is not None else math.inf),
        "curve": curve,
        "method": "Kaplan-Meier (SurvfuncRight), median CI method='log'",
    }


# ------------------------------------------------------------------------------------------ power, C8


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
) -> int:
    """Athletes per arm for `power`.

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


def _design_check(exp: pd.DataFrame, early: str, reference: str) -> tuple[bool, str]:
    """Can the design separate an early-introduction effect from team and calendar time? (docs/design/statistics.md §2 C8)"""
    if "team" not in exp.columns or exp["team"].isna().all():
        return False, "no team column: treated as a single team, arms confounded with season/schedule/coaching"
    teams = exp["team"].astype(str)
    n_teams = teams.nunique()
    if n_teams < 2:
        return False, "single team: any arm difference is confounded with season, schedule, coaching, reporting"
    before_after = []
    for team, part in exp.groupby(teams):
        arms = part.groupby("group").agg(start=("date_start", "min"), end=("date_end", "max"))
        if early in arms.index and reference in arms.index:
            a, b = arms.loc[early], arms.loc[reference]
            if a["end"] < b["start"] or b["end"] < a["start"]:
                before_after.append(str(team))
    if before_after:
        return False, (
            f"before/after comparison within team(s) {', '.join(before_after)}: arms are separated in "
            "calendar time, confounded with season and schedule"
        )
    mixed = exp.groupby(teams)["group"].nunique()
    arms_by_team = exp.groupby("group")["team"].nunique()
    if (mixed <= 1).all() and (arms_by_team.reindex([early, reference]).fillna(0) < 2).any():
        return False, "arms allocated by team with < 2 teams per arm: arm effect confounded with team"
    return True, f"{n_teams} teams, concurrent arms"


def estimate_c8(
    exposures: pd.DataFrame,
    injuries: pd.DataFrame,
    *,
    body_region: str = "knee",
    early_group: str = "early",
    reference_group: str = "late",
    seed: int = 0,
    injury_type: str | None = None,
    window_days: float = C8_WINDOW_DAYS,
) -> dict:
    """Claim C8: IRR of `body_region` injuries per exposure hour, early vs reference group, first six months.

    Window: each athlete's first ``date_start`` + ``window_days``; exposure periods that straddle its end are
    pro-rated by calendar days [assumption: exposure spread evenly]. Model: GEE Poisson bias-reduced by team when
    there are >= 4 teams, else Poisson GLM with exposure, NB2 when Pearson chi2/df > 1.5; both-arms score CI as
    sensitivity. ``injury_type`` (e.g. "strain") narrows the case definition; by default every injury of
    ``body_region`` counts ("knee strain" is not an OSIICS diagnosis: pre-declare codes). ``seed`` is recorded
    for interface stability (the estimator itself is deterministic).
    """
    if exposures is None or len(exposures) == 0:
        raise AnalysisError("C8 needs exposures.csv (exposure time per athlete): missing or empty")
    if injuries is None:
        raise AnalysisError("C8 needs injuries.csv: missing")
    exp = prepare_exposures(exposures)
    inj = prepare_injuries(injuries)
    if "group" not in exp.columns:
        raise AnalysisError("C8 needs a 'group' column in exposures.csv (early / late introduction of ankle weights)")
    if "body_region" not in injuries.columns:
        raise AnalysisError("C8 needs a 'body_region' column in injuries.csv")
    present = set(exp["group"].dropna().astype(str))
    for name, level in (("early_group", early_group), ("reference_group", reference_group)):
        if level not in present:
            raise AnalysisError(
                f"C8: exposures.csv has no athletes in group {level!r} ({name}); groups present: "
                f"{', '.join(sorted(present)) or 'none'}"
            )
    exp = exp[exp["group"].astype(str).isin([early_group, reference_group])].reset_index(drop=True)
    unknown = sorted(set(inj["athlete_id"]) - set(exp["athlete_id"]))
    inj = inj[inj["athlete_id"].isin(set(exp["athlete_id"]))].reset_index(drop=True)
    notes = []
    if unknown:
        notes.append(f"{len(unknown)} injured athlete(s) outside the two arms or without exposure ignored")
    arm_per_athlete = exp.groupby("athlete_id")["group"].nunique()
    if (arm_per_athlete > 1).any():
        raise AnalysisError(
            "C8: athlete(s) "
            + ", ".join(arm_per_athlete.index[arm_per_athlete > 1][:5])
            + " appear in both groups in exposures.csv; an athlete belongs to one arm"
        )

    # six-month window from each athlete's first exposure day; exposure pro-rated, in hours
    hours, _, _, _ = _exposure_in(exp, "hours")
    window_start = exp.groupby("athlete_id")["date_start"].transform("min")
    window_end = window_start + pd.to_timedelta(window_days, unit="D")
    length = (exp["date_end"] - exp["date_start"]).dt.days.to_numpy(float) + 1.0
    inside_days = np.clip(
        (np.minimum(exp["date_end"] + pd.Timedelta(days=1), window_end) - exp["date_start"])
        .dt.total_seconds()
        .to_numpy()
        / 86400.0,
        0.0,
        None,
    )
    exp = exp.assign(exposure_h=hours * np.minimum(inside_days / length, 1.0))
    first_day = exp.groupby("athlete_id")["date_start"].min()
    inj_window_end = inj["athlete_id"].map(first_day) + pd.to_timedelta(window_days, unit="D")
    case = inj["body_region"].astype("string").str.lower().str.strip() == body_region.lower()
    if injury_type is not None:
        case &= inj["injury_type"].astype("string").str.lower().str.contains(injury_type.lower(), regex=False)
    in_window = (inj["date_injured"] >= inj["athlete_id"].map(first_day)) & (inj["date_injured"] < inj_window_end)
    cases = inj[case.fillna(False) & in_window]

    identified, design_note = _design_check(exp, early_group, reference_group)
    if "team" not in exp.columns:
        exp["team"] = "single team"
    per_athlete = exp.groupby("athlete_id").agg(
        exposure_h=("exposure_h", "sum"), group=("group", "first"), team=("team", "first")
    )
    per_athlete["n_cases"] = cases.groupby("athlete_id").size().reindex(per_athlete.index, fill_value=0)
    zero = per_athlete["exposure_h"] <= 0
    if zero.any():
        warnings.warn(
            f"C8: {int(zero.sum())} athlete(s) with zero exposure in the window dropped",
            ZeroExposureWarning,
            stacklevel=2,
        )
        notes.append(f"{int(zero.sum())} athlete(s) with zero exposure in the window dropped")
        per_athlete = per_athlete[~zero]
    per_athlete["early"] = (per_athlete["group"].astype(str) == early_group).astype(int)
    per_athlete = per_athlete.reset_index()
    arms = per_athlete.groupby("early").agg(
        n=("n_cases", "size"), cases=("n_cases", "sum"), hours=("exposure_h", "sum")
    )
    if set(arms.index) != {0, 1}:
        raise AnalysisError("C8: one of the groups has no exposure in the six-month window")
    n1, t1 = int(arms.loc[1, "cases"]), float(arms.loc[1, "hours"])
    n0, t0 = int(arms.loc[0, "cases"]), float(arms.loc[0, "hours"])
    if n1 + n0 == 0:
        raise AnalysisError(
            f"C8: no {body_region} injuries in the six-month window in either group: the rate ratio is not estimable"
        )

    notes.append(design_note)
    two_group_95 = _two_group_ratio(n1, t1, n0, t0, early_group, reference_group, "hours", 0.95)
    two_group_90 = _two_group_ratio(n1, t1, n0, t0, early_group, reference_group, "hours", 0.90)
    n_teams = int(per_athlete["team"].astype(str).nunique())
    sensitivity = {
        "score_two_group": {
            "irr": two_group_95.estimate,
            "ci95": two_group_95.ci_score,
            "p_value": two_group_95.p_value,
        }
    }
    alpha_nb = 0.0
    if n1 == 0 or n0 == 0:
        model = "score two-group (zero cases in one arm: regression estimate undefined)"
        estimate, ci95, ci90 = two_group_95.estimate, two_group_95.ci_score, two_group_90.ci_score
        p_value = two_group_95.p_value
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ZeroExposureWarning)
            family = "gee" if n_teams >= MIN_TEAMS_FOR_GEE else "auto"
            fit95 = fit_rate_model(
                per_athlete, "n_cases ~ early", exposure="exposure_h", groups="team", family=family, conf_level=0.95
            )
            fit90 = fit_rate_model(
                per_athlete,
                "n_cases ~ early",
                exposure="exposure_h",
                groups="team",
                family=fit95.model if fit95.model in ("nb2", "poisson") else family,
                conf_level=0.90,
            )
        row95, row90 = fit95.table.loc["early"], fit90.table.loc["early"]
        estimate, p_value = float(row95["irr"]), float(row95["p_value"])
        ci95 = (float(row95["irr_low"]), float(row95["irr_high"]))
        ci90 = (float(row90["irr_low"]), float(row90["irr_high"]))
        model = f"{fit95.model}: {fit95.reason}"
        if fit95.model == "gee_poisson" and fit95.pearson_dispersion > DISPERSION_THRESHOLD:
            model += f"; Poisson Pearson chi2/df = {fit95.pearson_dispersion:.2f} (sandwich SEs absorb it)"
        if fit95.alpha_nb2 is not None:
            alpha_nb = fit95.alpha_nb2
        else:  # power uses the observed between-athlete dispersion even when the model did not need NB2
            nb_fit = fit_rate_model(per_athlete, "n_cases ~ early", exposure="exposure_h", family="nb2")
            alpha_nb = max(nb_fit.alpha_nb2 or 0.0, 0.0)
        poisson = fit95.poisson_result
        sensitivity["poisson_glm"] = {
            "irr": float(np.exp(poisson.params["early"])),
            "ci95": tuple(np.exp(poisson.conf_int().loc["early"]).tolist()),
            "pearson_dispersion": fit95.pearson_dispersion,
        }

    rate_ref = (n0 if n0 > 0 else n1 + n0) / (t0 if n0 > 0 else t0 + t1)
    mean_hours = float(per_athlete["exposure_h"].mean())
    n_early, n_ref = int(arms.loc[1, "n"]), int(arms.loc[0, "n"])
    mde = minimum_detectable_irr(rate_ref, mean_hours, n_early, n_ref, dispersion=alpha_nb)
    n_needed = athletes_needed_per_arm(rate_ref, mean_hours, irr=C8_CLAIMED_IRR, dispersion=alpha_nb)
    n_needed_window = athletes_needed_per_arm(
        rate_ref, mean_hours, irr=C8_CLAIMED_IRR, dispersion=alpha_nb, window=C8_WINDOW
    )
    notes.append(
        f"case definition: body_region == {body_region!r}"
        + (f", injury_type contains {injury_type!r}" if injury_type else " (all injury types)")
        + f"; window {window_days:.1f} days from each athlete's first exposure day"
    )
    notes.append(
        f"power: reference rate {1000 * rate_ref:.3f}/1000 h, {mean_hours:.0f} h per athlete, "
        f"NB2 alpha {alpha_nb:.3g}; n_needed for IRR {C8_CLAIMED_IRR} != 1 at 80 % power, "
        f"n_needed_window for a 90 % CI inside {list(C8_WINDOW)}"
    )
    return {
        "estimate": float(estimate),
        "ci95_low": float(ci95[0]),
        "ci95_high": float(ci95[1]),
        "ci90_low": float(ci90[0]),
        "ci90_high": float(ci90[1]),
        "unit": "rate ratio",
        "p_value": float(p_value),
        "n_subjects": int(len(per_athlete)),
        "n_observations": int(n1 + n0),
        "n_cases_early": n1,
        "n_cases_reference": n0,
        "exposure_h_early": t1,
        "exposure_h_reference": t0,
        "n_teams": n_teams,
        "model": model,
        "notes": "; ".join(notes),
        "design_identifies_effect": bool(identified),
        "mde": float(mde),
        "n_needed": n_needed,
        "n_needed_window": n_needed_window,
        "sensitivity": sensitivity,
        "seed": seed,
    }
