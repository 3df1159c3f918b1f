"""The ``anklelab bench`` subcommand: argument parsing and printing only; the work is done by
``analysis.bench``."""

from __future__ import annotations

import pandas as pd

from analysis.bench import SUITES, available_suites, missed_targets, run_benchmarks


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
    options = {"signals": args.signals}
    if args.seeds:
        options["n_seeds"] = args.seeds
    results = run_benchmarks(which, quick=args.quick, **options)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
        for name, table in results.items():
            print(f"\n== benchmark: {name} ==")
            for key in ("n_seeds", "seconds"):
                if key in table.attrs:
                    print(f"{key}: {table.attrs[key]:.0f}")
            print(table.to_string(index=False))
            if "signals" in table.attrs:
                print("\nfull signal path vs table level (claims scenario, same seeds):")
                print(table.attrs["signals"].to_string(index=False))
    if args.quick:
        print("\n--quick: smaller inputs, no verdict on the targets")
        return 0
    missed = missed_targets(results)
    if missed:
        print(f"\n{len(missed)} target(s) missed:\n" + "\n".join(f"  {m}" for m in missed))
        return 1
    print("\nevery target met")
    return 0


def register_cli(subparsers) -> None:
    p = subparsers.add_parser("bench", help="run speed/memory benchmarks (ratios against a same-run baseline)")
    p.add_argument("suite", nargs="*", help=f"which suites (default: all available of {list(SUITES)})")
    p.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    p.add_argument("--seeds", type=int, default=None, help="calibration: seeds per scenario (default 1000; quick 60)")
    p.add_argument(
        "--signals",
        action="store_true",
        help="calibration: also run the full simulate -> features -> claims path on a few seeds",
    )
    p.set_defaults(handler=_cli)
