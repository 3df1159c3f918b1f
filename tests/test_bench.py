"""``anklelab bench``: the verdict on the targets (exit 1 when one is missed), tested with a fake suite.
No time is asserted here: speed targets live in the benchmarks themselves."""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import bench
from analysis.cli import bench as cli_bench


def _fake_suite(monkeypatch, meets: list) -> None:
    table = pd.DataFrame(
        {
            "measurement": [f"m{i}" for i in range(len(meets))],
            "value": 1.0,
            "unit": "s",
            "baseline": np.nan,
            "ratio": np.nan,
            "target": [np.nan if m is None else 2.0 for m in meets],
            "meets_target": pd.Series(meets, dtype=object),
        }
    )
    module = types.ModuleType("analysis.bench.fake")
    module.run = lambda quick=False: table  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "analysis.bench.fake", module)
    monkeypatch.setattr(cli_bench, "available_suites", lambda: ["fake"])


@pytest.mark.parametrize(
    ("meets", "quick", "code"),
    [
        ([True, None], False, 0),
        ([True, False, None], False, 1),
        ([np.bool_(False)], False, 1),
        ([True, False], True, 0),  # --quick reports without a verdict
        ([None, None], False, 0),  # rows without a target never fail
    ],
)
def test_bench_exit_code_follows_the_targets(monkeypatch, capsys, meets, quick, code):
    _fake_suite(monkeypatch, meets)
    assert cli_bench._cli(SimpleNamespace(suite=["fake"], quick=quick, signals=False, seeds=None)) == code
    out = capsys.readouterr().out
    assert "== benchmark: fake ==" in out
    if code:
        assert "target(s) missed" in out and "fake: m" in out


def test_missed_targets_names_suite_and_row():
    tables = {
        "a": pd.DataFrame({"measurement": ["x", "y"], "meets_target": [True, False]}),
        "b": pd.DataFrame({"measurement": ["z"], "meets_target": [None]}),
    }
    assert bench.missed_targets(tables) == ["a: y"]


def test_reproduce_suite_is_registered():
    assert "reproduce" in bench.SUITES
    from analysis.bench import reproduce

    assert reproduce.TARGET_S == 40.0 and reproduce.COLUMNS[-1] == "meets_target"
