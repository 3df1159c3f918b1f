"""Benchmarks: ``make bench`` / ``anklelab bench [emg|forceplate|study|calibration]``.

Each submodule exposes ``run(quick: bool = False) -> pandas.DataFrame`` whose rows are measurements
with their ratio against a baseline measured **in the same run** (so the numbers mean something on
any machine). Speed and memory targets live here, never in unit tests.
"""

from __future__ import annotations

import importlib

import pandas as pd

SUITES = ("emg", "forceplate", "study", "calibration")


def available_suites() -> list[str]:
    found = []
    for name in SUITES:
        try:
            importlib.import_module(f"analysis.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"analysis.bench.{name}":
                continue
            raise
        found.append(name)
    return found


def run_benchmarks(which: list[str] | None = None, quick: bool = False, **options) -> dict[str, pd.DataFrame]:
    """Run suites; ``options`` (e.g. ``signals``, ``n_seeds``) go to the suites whose ``run`` takes them
    (calibration)."""
    import inspect

    results = {}
    for name in which or available_suites():
        module = importlib.import_module(f"analysis.bench.{name}")
        accepted = inspect.signature(module.run).parameters
        results[name] = module.run(quick=quick, **{k: v for k, v in options.items() if k in accepted})
    return results


def missed_targets(table: pd.DataFrame) -> int:
    """Rows whose ``meets_target`` is False (None/NaN = no target)."""
    if "meets_target" not in table.columns:
        return 0
    return int((table["meets_target"] == False).sum())  # noqa: E712 (None means "no target")
