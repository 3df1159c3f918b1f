"""The claims table's columns and its writer (``claims.csv`` and ``claims.json``, written atomically)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from analysis.files import publish

COLUMNS = [
    "claim_id",
    "quote",
    "estimand",
    "estimate",
    "unit",
    "ci95_low",
    "ci95_high",
    "ci90_low",
    "ci90_high",
    "verdict",
    "direction_consistent",
    "n_subjects",
    "n_observations",
    "data_synthetic",
    "mde",
    "n_needed",
    "notes",
]


EXTRA_COLUMNS = [
    "claim_form",
    "claimed_range",
    "compatible_with_point",
    "p_value",
    "p_holm_suite",
    "design_power",
    "type_s",
    "type_m",
    "model",
    "fit_diagnostics",
    "parts",
]


def write_claims_table(df: pd.DataFrame, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``claims.csv`` and ``claims.json`` atomically (temp file + os.replace)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, render in (
        ("claims.csv", lambda: df.to_csv(index=False)),
        ("claims.json", lambda: df.to_json(orient="records", indent=2, force_ascii=False)),
    ):
        target = out / name
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(render())
            publish(tmp, target)  # the umask's mode, not mkstemp's 0600
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        paths.append(target)
    return paths[0], paths[1]
