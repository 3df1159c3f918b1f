"""The ``anklelab reproduce / run / params`` subcommands: argument parsing and printing only; the work is done by
``analysis.reports``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.reports import NotebookRun, notebook_parameters, parse_cli_value, reproduce, run_one


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------
def _print_runs(runs: list[NotebookRun], out_dir: Path) -> int:
    failed = [r for r in runs if not r.ok]
    for r in runs:
        print(f"  {'ok    ' if r.ok else 'FAILED'} {r.name:<32} {r.duration_s:6.1f} s  {r.html_path or ''}")
    print(f"Reports: {Path(out_dir).resolve() / 'index.html'}")
    if failed:
        print(f"{len(failed)} of {len(runs)} notebook(s) failed:", file=sys.stderr)
        for r in failed:
            print(f"  {r.error}", file=sys.stderr)
        return 1
    return 0


def _parse_params(pairs: list[list[str]] | None) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs, YAML-typed. Folder parameters (``*_dir``) given as relative paths are
    resolved against the caller's working directory: the notebook itself runs in its own folder."""
    params = {name: parse_cli_value(value) for name, value in (pairs or [])}
    for name, value in params.items():
        if name.endswith("_dir") and isinstance(value, str) and value and not Path(value).is_absolute():
            params[name] = str(Path(value).expanduser().resolve())
    return params


def _cli_reproduce(args) -> int:
    runs = reproduce(args.study, args.out, parameters=_parse_params(args.parameter), jobs=args.jobs, force=args.force)
    return _print_runs(runs, args.out)


def _cli_run(args) -> int:
    run, out = run_one(args.notebook, _parse_params(args.parameter), args.out, force=args.force)
    return _print_runs([run], out)


def _cli_params(args) -> int:
    params = notebook_parameters(args.notebook)
    if not params:
        print(f"{args.notebook} has no parameters cell")
        return 0
    width = max(len(n) for n in params)
    for name, info in params.items():
        print(f"{name:<{width}}  {info['type']:<6}  default {info['default']:<24}  {info['help']}")
    return 0


_NOTEBOOK_HELP = (
    "a notebook of the suite: a path (notebooks/03_force_plate.ipynb) or its file name (03_force_plate.ipynb, "
    "looked up in notebooks/)"
)
_FORCE_HELP = "replace files in --out that anklelab did not write (refused by default, naming them)"


def _parser(subparsers: Any, name: str, help: str, description: str, examples: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def register_cli(subparsers: Any) -> None:
    p = _parser(
        subparsers,
        "reproduce",
        "run every notebook on a study and render the reports",
        "Run every numbered notebook on one study and write one coherent report set: the HTML reports, the "
        "executed notebooks, claims.csv / claims.json, run.json (what was run and which files it wrote) and "
        "index.html. Files in --out that anklelab did not write are never replaced unless --force.",
        "  anklelab reproduce                                  # the embedded demo study, into reports/\n"
        "  anklelab reproduce --study MY_STUDY --out reports/my_study\n",
    )
    p.add_argument(
        "--study", type=Path, default=None, help="study folder (default: the embedded demo study, built if absent)"
    )
    p.add_argument("--out", type=Path, default=paths.REPORTS_DIR, help="where reports go (default: %(default)s)")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a parameter for every notebook that declares it (YAML-typed value)",
    )
    p.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: 2, or 1 on a single core)")
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(handler=_cli_reproduce)

    p = _parser(
        subparsers,
        "run",
        "run one notebook with parameters and render its report",
        "Run one notebook with parameters and render its report into a folder of its own (with its own "
        "index.html and run.json), so it never replaces a report of another run.",
        "  anklelab run notebooks/03_force_plate.ipynb -p study_dir MY_STUDY\n"
        "  anklelab run 05_injury_rates.ipynb -p study_dir data/real_recordings --out reports/injury_real\n",
    )
    p.add_argument("notebook", type=Path, help=_NOTEBOOK_HELP)
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a notebook parameter (YAML-typed value: 3 is an int, true a bool); list them with anklelab params",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where the report goes (default: a new folder reports/runs/<notebook>-<UTC time>/)",
    )
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(handler=_cli_run)

    p = _parser(
        subparsers,
        "params",
        "list a notebook's parameters with type, default and help",
        "List the parameters a notebook declares (its cell tagged 'parameters'), to pass with run -p NAME VALUE.",
        "  anklelab params notebooks/00_claims_overview.ipynb\n  anklelab params 03_force_plate.ipynb\n",
    )
    p.add_argument("notebook", type=Path, help=_NOTEBOOK_HELP)
    p.set_defaults(handler=_cli_params)
