"""Injury input tables: check and type exposures / injuries (study format), map the injurytools example
tables onto it, convert exposure units, and locate each injury in its exposure period.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError

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
