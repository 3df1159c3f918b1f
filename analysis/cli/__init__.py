"""The ``anklelab`` console script.

Each subcommand group is a module in ``analysis/cli/`` that defines ``register_cli(subparsers)``;
the domain modules it calls expose plain functions and know nothing of argparse.
Handlers return an exit status; user-fixable errors (``AnkleLabError``) print one clear message.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from analysis.errors import AnkleLabError
from analysis.runtime import tune_allocator

#: one module per subcommand group; domain modules expose plain functions, parsers live here
SUBCOMMAND_MODULES = (
    "analysis.cli.reports",
    "analysis.cli.study",
    "analysis.cli.simulate",
    "analysis.cli.features",
    "analysis.cli.bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anklelab",
        description="Ankle Load Lab: test training claims about ankle weights on EMG, force-plate, "
        "kinematics and injury data.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet: no subcommand
                continue
            raise
        register = getattr(module, "register_cli", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # every anklelab command processes arrays trial after trial: keep freed memory for reuse (analysis.runtime)
    tune_allocator()
    try:
        status = args.handler(args)
    except AnkleLabError as exc:
        print(f"anklelab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
