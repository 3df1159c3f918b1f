"""Regenerate exposures.csv and injuries.csv of this study from the injurytools Liverpool FC tables.

Source: raw/injurytools_football/raw_df_{exposures,injuries}.rda (R package injurytools 2.0.0, MIT; copied
unmodified from tests/data/real/injurytools_football, see its SOURCE.txt). The mapping onto the study format
is ``analysis.injury.from_injurytools`` (a season runs 1 July to 30 June, exposure = minutes played,
``exposure_unit`` = minutes). Only the columns of the study format (data/README.md) are written; the
injurytools detail (``position_detail``, ``injury_severity``) is dropped because the format does not know it.

Run from the project root:  .venv/bin/python data/real_recordings/build_injury_tables.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

STUDY_DIR = Path(__file__).resolve().parent
RAW_DIR = STUDY_DIR / "raw" / "injurytools_football"

#: Column order of data/README.md (exposures.csv and injuries.csv).
EXPOSURE_COLUMNS = ["athlete_id", "team", "season", "date_start", "date_end", "exposure_time", "exposure_unit",
                    "group", "position"]
INJURY_COLUMNS = ["athlete_id", "date_injured", "date_recovered", "days_lost", "body_region", "tissue_type",
                  "injury_type", "notes"]


def build_tables(raw_dir: Path = RAW_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The study-format exposure and injury tables (dates as ISO text, days lost as integers)."""
    from analysis.injury import from_injurytools
    from analysis.io import read_injury_tables

    raw = read_injury_tables(raw_dir)
    exposures, injuries = from_injurytools(raw["exposures"], raw["injuries"])
    exposures = exposures.reindex(columns=EXPOSURE_COLUMNS)
    injuries = injuries.reindex(columns=INJURY_COLUMNS)
    for frame, columns in ((exposures, ("date_start", "date_end")), (injuries, ("date_injured", "date_recovered"))):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    injuries["days_lost"] = injuries["days_lost"].round().astype("Int64")
    exposures["exposure_time"] = exposures["exposure_time"].round().astype("Int64")  # minutes played are whole
    return exposures, injuries


def main(out_dir: Path = STUDY_DIR) -> int:
    from analysis.io import save_table  # atomic (temp file + os.replace)

    exposures, injuries = build_tables()
    save_table(exposures, out_dir / "exposures.csv")
    save_table(injuries, out_dir / "injuries.csv")
    print(f"{len(exposures)} exposure rows, {len(injuries)} injuries -> {out_dir}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(STUDY_DIR.parents[1]))  # the project root, so `analysis` imports without install
    sys.exit(main())
