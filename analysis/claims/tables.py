"""The tidy tables a claim analysis reads (``ClaimTables``) and the checks that a claim's data are there
(``ClaimNotTestable`` names what is missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.errors import AnalysisError


@dataclass
class ClaimTables:
    """The tidy tables of docs/architecture.md; any may be None (that claim is then "not testable")."""

    emg: pd.DataFrame | None = None
    force: pd.DataFrame | None = None
    kinematics: pd.DataFrame | None = None
    measures: pd.DataFrame | None = None
    subjects: pd.DataFrame | None = None
    trials: pd.DataFrame | None = None
    exposures: pd.DataFrame | None = None
    injuries: pd.DataFrame | None = None
    synthetic: bool = True


class ClaimNotTestable(AnalysisError):
    """The data cannot test a claim (or a part of it); ``missing`` names what is needed."""

    def __init__(self, claim_id: str, missing: str):
        self.claim_id = claim_id
        self.missing = missing
        super().__init__(f"{claim_id} not testable: {missing}")


def _require(claim_id: str, df: pd.DataFrame | None, table: str, columns: Sequence[str]) -> pd.DataFrame:
    if df is None or len(df) == 0:
        raise ClaimNotTestable(claim_id, f"the {table} table (absent or empty)")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ClaimNotTestable(claim_id, f"column(s) {missing} in the {table} table")
    return df


def _metric(claim_id: str, df: pd.DataFrame | None, table: str, metric: str) -> pd.DataFrame:
    df = _require(claim_id, df, table, ["subject_id", "metric", "value"])
    out = df[df["metric"] == metric]
    if out.empty:
        raise ClaimNotTestable(claim_id, f"'{metric}' rows in the {table} table (none found)")
    return out


def _positive(claim_id: str, df: pd.DataFrame, col: str, what: str) -> pd.DataFrame:
    bad = df[~(df[col] > 0)]
    if len(bad):
        raise AnalysisError(
            f"{claim_id}: {len(bad)} non-positive or missing '{col}' values for {what} "
            f"(first subject {bad['subject_id'].iloc[0]!r}); fix or flag those trials"
        )
    return df


def two_stage_only(opts: dict) -> bool:
    """True when ``evaluate_claims(..., estimator="two_stage")`` asks for the two-stage estimators alone: per-subject
    summaries and a one-sample t, equal to the MixedLM fixed effect on balanced designs (docs/design/statistics.md §4)
    and ~100x faster; the calibration benchmark uses it for its thousands of studies."""
    mode = opts.get("estimator", "mixedlm")
    if mode not in ("mixedlm", "two_stage"):
        raise AnalysisError(f"estimator must be 'mixedlm' or 'two_stage', got {mode!r}")
    return mode == "two_stage"
