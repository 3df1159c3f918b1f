"""Per-trial metrics and their tidy long rows, shared by every per-trial result type.

A :class:`Metric` is one value with its unit and the method (with parameters) that produced it. A result
holding ``metrics: dict[str, Metric]`` gets name lookup (``result["jump_height_impulse_m"]``) and
``to_rows(trial_info)`` from :class:`MetricsMixin`: one row per metric with the key columns of
docs/architecture.md ("Tidy feature tables") taken from ``trial_info``, then metric, value, unit, method.
Used by :mod:`analysis.forceplate` and :mod:`analysis.kinematics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["KEY_COLUMNS", "METRIC_ROW_COLUMNS", "Metric", "MetricsMixin", "metric_rows"]

#: Key columns of every tidy per-trial table (docs/architecture.md).
KEY_COLUMNS = (
    "subject_id",
    "session",
    "trial_id",
    "exercise",
    "load_phase",
    "load_kg",
    "load_lb",
    "load_pct_bw",
    "body_mass_kg",
    "group",
)

#: Columns of the tidy long rows: the key columns, then one metric per row.
METRIC_ROW_COLUMNS = (*KEY_COLUMNS, "metric", "value", "unit", "method")


@dataclass(frozen=True)
class Metric:
    """One per-trial value, its unit and the method (with parameters) that produced it."""

    value: float
    unit: str
    method: str


def metric_rows(metrics: Mapping[str, Metric], trial_info: Mapping[str, Any] | None) -> pd.DataFrame:
    """Tidy long rows: key columns from ``trial_info`` (missing keys are None) + metric, value, unit, method."""
    info = dict(trial_info or {})
    keys = {k: info.get(k) for k in KEY_COLUMNS}
    rows = [
        {**keys, "metric": name, "value": float(m.value), "unit": m.unit, "method": m.method}
        for name, m in metrics.items()
    ]
    return pd.DataFrame(rows, columns=list(METRIC_ROW_COLUMNS))


class MetricsMixin:
    """Metric lookup by name and tidy long rows, shared by every per-trial result type."""

    metrics: dict[str, Metric]

    def __getitem__(self, name: str) -> float:
        try:
            return self.metrics[name].value
        except KeyError:
            raise KeyError(f"no metric {name!r}; available: {sorted(self.metrics)}") from None

    def to_rows(self, trial_info: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Tidy long rows: key columns from ``trial_info`` + metric, value, unit, method."""
        return metric_rows(self.metrics, trial_info)
