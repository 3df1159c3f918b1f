"""analysis.metric_rows: the per-trial metric type and tidy long rows shared by forceplate and kinematics,
and the import paths that must keep working after forceplate became a package."""

from __future__ import annotations

import importlib

import pandas as pd
import pytest

from analysis import forceplate, kinematics, metric_rows
from analysis.metric_rows import KEY_COLUMNS, METRIC_ROW_COLUMNS, Metric, MetricsMixin


class _Result(MetricsMixin):
    def __init__(self, metrics: dict[str, Metric]) -> None:
        self.metrics = metrics


def test_rows_carry_key_columns_then_one_metric_per_row():
    result = _Result({"peak_force_n": Metric(1500, "N", "max"), "flight_time_s": Metric(0.5, "s", "flight_time")})
    rows = result.to_rows({"subject_id": "S1", "trial_id": "t1", "extra": "ignored"})
    assert list(rows.columns) == [*KEY_COLUMNS, "metric", "value", "unit", "method"] == list(METRIC_ROW_COLUMNS)
    assert rows["subject_id"].tolist() == ["S1", "S1"]
    assert rows["session"].isna().all()  # keys absent from trial_info are missing, not dropped
    assert rows["metric"].tolist() == ["peak_force_n", "flight_time_s"]
    assert rows["value"].tolist() == [1500.0, 0.5]
    assert rows["value"].dtype == float
    assert result["flight_time_s"] == 0.5
    with pytest.raises(KeyError, match="available: \\['flight_time_s', 'peak_force_n'\\]"):
        result["jump_height_m"]


def test_no_metrics_give_an_empty_table_with_the_columns():
    rows = _Result({}).to_rows()
    assert rows.empty and list(rows.columns) == list(METRIC_ROW_COLUMNS)
    pd.testing.assert_frame_equal(rows, metric_rows.metric_rows({}, None))


def test_forceplate_and_kinematics_share_the_types():
    assert forceplate.Metric is Metric and forceplate.MetricsMixin is MetricsMixin
    assert forceplate.KEY_COLUMNS is KEY_COLUMNS
    assert kinematics.Metric is Metric
    assert issubclass(kinematics.KinematicsResult, MetricsMixin)
    for result_type in (forceplate.JumpResult, forceplate.SquatResult, forceplate.GaitResult, forceplate.BalanceResult):
        assert issubclass(result_type, MetricsMixin)


def test_every_public_forceplate_name_resolves_from_the_package():
    for name in forceplate.__all__:
        assert getattr(forceplate, name) is not None, name
    assert forceplate.EventSettings is forceplate.ForcePlateSettings
    assert forceplate.PHASES[0] == "weighing"
    # the concern modules are importable on their own
    for module in ("settings", "bodyweight", "events", "impulse", "jump", "squat", "gait", "balance", "vertical_force"):
        importlib.import_module(f"analysis.forceplate.{module}")
