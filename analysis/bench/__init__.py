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


def _cli(args) -> int:
    suites = available_suites()
    which = args.suite or suites
    unknown = [s for s in which if s not in suites]
    if unknown:
        print(f"unknown benchmark suite(s) {unknown}; available: {suites}")
        return 2
    from analysis.runtime import allocator_tuning

    # every baseline and measured run shares this process's (and its workers') allocator setting
    print(f"memory allocator: {allocator_tuning()} -- analysis.runtime; ANKLELAB_MALLOC_TUNING=0 for the default")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        for name, table in run_benchmarks(which, quick=args.quick).items():
            print(f"\n== benchmark: {name} ==")
            print(table.to_string(index=False))
    return 0


def register_cli(subparsers) -> None:
    p = subparsers.add_parser("bench", help="run speed/memory benchmarks (ratios against a same-run baseline)")
    p.add_argument("suite", nargs="*", help=f"which suites (default: all available of {list(SUITES)})")
    p.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    p.set_defaults(handler=_cli)
