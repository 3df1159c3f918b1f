"""Benchmarks: ``make bench`` / ``anklelab bench [emg|forceplate|study]``.

Each submodule exposes ``run(quick: bool = False) -> pandas.DataFrame`` whose rows are measurements
with their ratio against a baseline measured **in the same run** (so the numbers mean something on
any machine). Speed and memory targets live here, never in unit tests.
"""

from __future__ import annotations

import importlib

import pandas as pd

SUITES = ("emg", "forceplate", "study")


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


def run_benchmarks(which: list[str] | None = None, quick: bool = False) -> dict[str, pd.DataFrame]:
    results = {}
    for name in which or available_suites():
        module = importlib.import_module(f"analysis.bench.{name}")
        results[name] = module.run(quick=quick)
    return results
