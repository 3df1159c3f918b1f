"""The ``anklelab features`` subcommand: argument parsing and printing only; the work is done by
``analysis.features``."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from analysis.features import OUTPUT_FILES, extract_features, warning_summary
from analysis.paths import CACHE_ENV_VAR, cache_location_error, writable_cache_dir
from analysis.study import load_study


@contextlib.contextmanager
def _cache_env(cache_dir: Path | None) -> Iterator[None]:
    """``--cache-dir DIR`` is ``$ANKLELAB_CACHE=DIR`` for this command (worker processes inherit it)."""
    if cache_dir is None:
        yield
        return
    before = os.environ.get(CACHE_ENV_VAR)
    os.environ[CACHE_ENV_VAR] = str(Path(cache_dir).expanduser().resolve())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CACHE_ENV_VAR, None)
        else:
            os.environ[CACHE_ENV_VAR] = before


def _cli(args: argparse.Namespace) -> int:
    with _cache_env(args.cache_dir):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    study = load_study(args.study)  # a StudyError lists every error before anything is written
    # a read-only study folder (or $ANKLELAB_CACHE) is said before any work, with where else tables can go
    derived_dir = writable_cache_dir(study.root)
    try:
        result = extract_features(
            study,
            workers=args.workers,
            scheduler=args.scheduler,
            cache=not args.no_cache,
            progress=not args.no_progress,
        )
    except OSError as exc:  # e.g. the disk filled up or permissions changed while running
        if exc.filename is None or not Path(exc.filename).resolve().is_relative_to(derived_dir.resolve()):
            raise
        raise cache_location_error(study.root, exc) from None
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
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"write derived tables to DIR/<study folder name> instead of <study>/derived (the same as "
        f"{CACHE_ENV_VAR}=DIR for this command; set {CACHE_ENV_VAR} for the reports to find them)",
    )
    p.set_defaults(handler=_cli)
