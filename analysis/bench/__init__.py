"""Benchmarks: ``make bench`` / ``anklelab bench [emg|forceplate|study|reproduce|calibration]``.

Each submodule exposes ``run(quick: bool = False) -> pandas.DataFrame`` whose rows are measurements
with their ratio against a baseline measured **in the same run** (so the numbers mean something on
any machine), a ``target`` and a ``meets_target`` column (True / False, or None for rows without a target).
Speed and memory targets live here, never in unit tests; ``anklelab bench`` exits 1 when a target is missed.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd

SUITES = ("emg", "forceplate", "study", "reproduce", "calibration")


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

    results: dict[str, pd.DataFrame] = {}
    for name in which or available_suites():
        module = importlib.import_module(f"analysis.bench.{name}")
        accepted = inspect.signature(module.run).parameters
        results[name] = module.run(quick=quick, **{k: v for k, v in options.items() if k in accepted})
    return results


def missed_targets(results: dict[str, pd.DataFrame]) -> list[str]:
    """``"suite: measurement"`` for every row whose ``meets_target`` is False (None / NaN: no target)."""
    missed = []
    for name, table in results.items():
        if "meets_target" not in table.columns:
            continue
        for _, row in table.iterrows():
            met = row["meets_target"]
            if isinstance(met, (bool, np.bool_)) and not met:
                missed.append(f"{name}: {row['measurement']}")
    return missed
