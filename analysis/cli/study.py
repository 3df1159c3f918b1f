"""The ``anklelab validate`` subcommand: argument parsing and printing only; the work is done by
``analysis.study``."""

from __future__ import annotations

import json

from analysis.study import ROW_CONVENTION, format_problems, validate_study


def _cli_validate(args) -> int:
    problems = validate_study(args.study, check_files=not args.no_files, progress=not args.json)
    n_errors = sum(p.severity == "error" for p in problems)
    if args.json:
        print(
            json.dumps(
                {
                    "study": str(args.study),
                    "ok": n_errors == 0,
                    "errors": n_errors,
                    "warnings": len(problems) - n_errors,
                    "row_convention": ROW_CONVENTION,
                    "problems": [p.to_dict() for p in problems],
                },
                indent=2,
            )
        )
    else:
        print(format_problems(problems, args.study))
    return 1 if n_errors else 0


def register_cli(subparsers) -> None:
    """Add ``anklelab validate STUDY [--no-files] [--json]``."""
    parser = subparsers.add_parser(
        "validate",
        help="check a study folder and list every problem with file, row and what to do",
        description="Check a study folder (data/README.md) and list every problem at once. "
        "Exit status 1 when there are errors, 0 when only warnings remain. Never writes anything.",
    )
    parser.add_argument("study", help="the study folder (holding study.yaml, subjects.csv, trials.csv)")
    parser.add_argument(
        "--no-files", action="store_true", help="check only study.yaml and the tables; do not open recordings"
    )
    parser.add_argument("--json", action="store_true", help="print the problems as JSON")
    parser.set_defaults(handler=_cli_validate)
