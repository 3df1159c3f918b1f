"""The ``anklelab reproduce / run / params`` subcommands: argument parsing and printing only; the work is done by
``analysis.reports``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.reports import NotebookRun, notebook_parameters, parse_cli_value, reproduce, run_notebook


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
    runs = reproduce(args.study, args.out, parameters=_parse_params(args.parameter), jobs=args.jobs)
    return _print_runs(runs, args.out)


def _cli_run(args) -> int:
    params = _parse_params(args.parameter)
    if "reports_dir" in notebook_parameters(args.notebook) and "reports_dir" not in params:
        params["reports_dir"] = str(Path(args.out).resolve())  # the notebook's tables go beside its report
    run = run_notebook(args.notebook, params, args.out)
    return _print_runs([run], args.out)


def _cli_params(args) -> int:
    params = notebook_parameters(args.notebook)
    if not params:
        print(f"{args.notebook} has no parameters cell")
        return 0
    width = max(len(n) for n in params)
    for name, info in params.items():
        print(f"{name:<{width}}  {info['type']:<6}  default {info['default']:<24}  {info['help']}")
    return 0


def register_cli(subparsers) -> None:
    p = subparsers.add_parser("reproduce", help="run every notebook on a study and render the reports")
    p.add_argument(
        "--study", type=Path, default=None, help="study folder (default: the embedded demo study, built if absent)"
    )
    p.add_argument("--out", type=Path, default=paths.REPORTS_DIR, help="where reports go (default: reports/)")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a parameter for every notebook that declares it (YAML-typed value)",
    )
    p.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: 2, or 1 on a single core)")
    p.set_defaults(handler=_cli_reproduce)

    p = subparsers.add_parser("run", help="run one notebook with parameters and render its report")
    p.add_argument("notebook", type=Path)
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a notebook parameter (YAML-typed value: 3 is an int, true a bool)",
    )
    p.add_argument("--out", type=Path, default=paths.REPORTS_DIR)
    p.set_defaults(handler=_cli_run)

    p = subparsers.add_parser("params", help="list a notebook's parameters with type, default and help")
    p.add_argument("notebook", type=Path)
    p.set_defaults(handler=_cli_params)
