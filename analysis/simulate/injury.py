"""The injury cohort (claim C8): teams, weekly exposure, ankle weights introduced early / late / never, and knee
strains from a Poisson process in exposure time with gamma frailty and team effects."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analysis.simulate.constants import SEASON_START


def injury_cohort(
    rng: np.random.Generator, inj: dict[str, Any], n_teams: int, per_team: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """exposures.csv and injuries.csv of ``n_teams`` teams of ``per_team`` athletes over ``inj["weeks"]`` weeks."""
    weeks = inj["weeks"]
    start = pd.Timestamp(SEASON_START)
    n = n_teams * per_team
    team = np.repeat(np.arange(n_teams), per_team)
    groups = np.array(inj["groups"])
    group = np.concatenate([rng.permutation(np.resize(groups, per_team)) for _ in range(n_teams)])
    team_eff = np.exp(rng.normal(0, inj["team_log_sd"], n_teams))
    a = inj["frailty_variance"]
    frailty = rng.gamma(1 / a, a, n) if a > 0 else np.ones(n)
    hours = np.clip(
        rng.normal(inj["weekly_hours"]["mean"], inj["weekly_hours"]["sd"], (n, weeks)), *inj["weekly_hours"]["clip"]
    )
    irr = np.array([inj["irr"][g] for g in group])
    knee_rate = inj["knee_rate_per_1000h"] / 1000 * frailty * team_eff[team] * irr
    other_rate = inj["other_rate_per_1000h"] / 1000 * team_eff[team]
    knee_n = rng.poisson(knee_rate[:, None] * hours)
    other_n = rng.poisson(other_rate[:, None] * hours)
    ids = [f"P{k + 1:03d}" for k in range(n)]
    exp_rows, inj_rows = [], []
    for k in range(n):
        minutes = team[k] in inj["minutes_teams"]
        for wk in range(weeks):
            d0 = start + pd.Timedelta(days=7 * wk)
            exp_rows.append(
                {
                    "athlete_id": ids[k],
                    "team": f"team_{team[k] + 1}",
                    "season": "2025/2026",
                    "date_start": d0.date().isoformat(),
                    "date_end": (d0 + pd.Timedelta(days=6)).date().isoformat(),
                    "exposure_time": round(float(hours[k, wk] * (60 if minutes else 1)), 2),
                    "exposure_unit": "minutes" if minutes else "hours",
                    "group": str(group[k]),
                    "position": "",
                }
            )
    for kind, counts in (("knee", knee_n), ("other", other_n)):
        ks, wks = np.nonzero(counts)
        for athlete, week in zip(ks, wks):
            for _ in range(int(counts[athlete, week])):
                day = start + pd.Timedelta(days=7 * int(week) + int(rng.integers(0, 7)))
                lost = max(
                    1, int(round(inj["days_lost"]["median"] * math.exp(rng.normal(0, inj["days_lost"]["log_sd"]))))
                )
                region, tissue, typ = (
                    ("knee", "muscle_tendon", "strain")
                    if kind == "knee"
                    else (str(rng.choice(["thigh", "ankle", "hip_groin"])), "muscle_tendon", "strain")
                )
                inj_rows.append(
                    {
                        "athlete_id": ids[athlete],
                        "date_injured": day.date().isoformat(),
                        "date_recovered": (day + pd.Timedelta(days=lost)).date().isoformat(),
                        "days_lost": lost,
                        "body_region": region,
                        "tissue_type": tissue,
                        "injury_type": typ,
                        "notes": "knee strain" if kind == "knee" else "",
                    }
                )
    exposures = pd.DataFrame(exp_rows)
    injuries = pd.DataFrame(
        inj_rows,
        columns=[
            "athlete_id",
            "date_injured",
            "date_recovered",
            "days_lost",
            "body_region",
            "tissue_type",
            "injury_type",
            "notes",
        ],
    )
    injuries = injuries.sort_values(["date_injured", "athlete_id"], kind="stable").reset_index(drop=True)
    return exposures, injuries
