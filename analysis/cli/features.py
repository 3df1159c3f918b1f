"""The ``anklelab features`` subcommand: argument parsing and printing only; the work is done by
``analysis.features``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.features import OUTPUT_FILES, extract_features, warning_summary


def _cli(args: argparse.Namespace) -> int:
    result = extract_features(
        args.study,
        workers=args.workers,
        scheduler=args.scheduler,
        cache=not args.no_cache,
        progress=not args.no_progress,
    )
    stats = result.stats
    out_dir = Path(stats["output_dir"])
    print(
        f"{stats['n_trials']} trials: {stats['n_computed']} computed, {stats['n_cached']} from cache, "
        f"{stats['n_failed']} failed in {stats['wall_s']:.1f} s on {stats.get('runner', '?')}"
    )
    print(f"tables written to {out_dir}: " + ", ".join(OUTPUT_FILES.values()))
    for line in warning_summary(result.warnings):
        print(line, file=sys.stderr)
    if stats["n_failed"]:
        print(
            f"FAILED: {stats['n_failed']} of {stats['n_trials']} trials failed; see "
            f"{out_dir / OUTPUT_FILES['failures']}",
            file=sys.stderr,
        )
        for row in result.failures.head(5).itertuples(index=False):
            print(f"  {row.trial_id} [{row.stage}] {row.file}: {row.error}", file=sys.stderr)
        return 1
    return 0


def register_cli(subparsers) -> None:
    p = subparsers.add_parser(
        "features",
        help="process every trial of a study into the tidy feature tables "
        "(parallel, cached; local processes or a dask cluster)",
    )
    p.add_argument("study", type=Path, help="study folder (with study.yaml and trials.csv)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on an existing dask.distributed cluster, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument("--no-cache", action="store_true", help="recompute every trial; do not read or write the cache")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=_cli)
