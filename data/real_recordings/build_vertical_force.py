"""Regenerate converted/acl_squat_jump_dualfp/*_vertical_fz.txt from the raw acl_squat_jump_dualfp CSVs.

Why: in raw/acl_squat_jump_dualfp/BFR007_*_squat_jump.csv the VERTICAL force is the y component
(``ground_force1_vy``, ``ground_force2_vy``; source README), while the suite's force-plate stage takes the
force channels whose name ends in z (``ground_force*_vz`` here is horizontal). Until the feature stage
honours channel roles from study.yaml, this script writes the two vertical columns, as the same text, to
a two-column file ``Fz1<TAB>Fz2`` (Fz1 = plate 1 = right foot, Fz2 = plate 2 = left foot). Nothing is
rescaled, filtered or re-sampled: every value is the source's text, so the numbers are the source's numbers.
The raw CSVs are never modified; the converted files are derived data and can always be rebuilt.

Run from the project root:  .venv/bin/python data/real_recordings/build_vertical_force.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

STUDY_DIR = Path(__file__).resolve().parent
RAW_DIR = STUDY_DIR / "raw" / "acl_squat_jump_dualfp"
OUT_DIR = STUDY_DIR / "converted" / "acl_squat_jump_dualfp"
VERTICAL_COLUMNS = {"ground_force1_vy": "Fz1", "ground_force2_vy": "Fz2"}  # y is vertical (source README)
TRIALS = ("1st", "2nd", "3rd")


def convert(raw_csv: Path, out_txt: Path) -> Path:
    """Write the vertical force columns of one raw CSV (text unchanged) atomically to ``out_txt``."""
    table = pd.read_csv(raw_csv, dtype=str, usecols=list(VERTICAL_COLUMNS))
    table = table[list(VERTICAL_COLUMNS)].rename(columns=VERTICAL_COLUMNS)
    out_txt.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_txt.parent, prefix=f".{out_txt.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            table.to_csv(handle, sep="\t", index=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_txt)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_txt


def main() -> int:
    for which in TRIALS:
        out = convert(RAW_DIR / f"BFR007_{which}_squat_jump.csv", OUT_DIR / f"BFR007_{which}_vertical_fz.txt")
        print(f"wrote {out.relative_to(STUDY_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
