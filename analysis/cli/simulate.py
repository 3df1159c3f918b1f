"""The ``anklelab simulate`` subcommand: argument parsing and printing only; the work is done by
``analysis.simulate``."""

from __future__ import annotations

import argparse

from analysis.simulate import SCENARIOS, SIZES, simulate_study


# ------------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------------
def _handle(args: argparse.Namespace) -> int:
    simulate_study(
        args.out,
        scenario=args.scenario,
        n_subjects=args.subjects,
        seed=args.seed,
        size=args.size,
        force=args.force,
        progress=not args.quiet,
    )
    return 0


def register_cli(subparsers) -> None:
    """``anklelab simulate --scenario {claims,null,realistic} --subjects N --seed S --out DIR [--size small] [--force]``."""
    p = subparsers.add_parser(
        "simulate",
        help="write a synthetic study with known truth (demo data)",
        description="Write a complete synthetic study (EMG and force-plate C3D, kinematics CSV, Fz text, "
        "injury tables) with truth.json holding every parameter and each claim's true estimand.",
    )
    p.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default="claims",
        help="claims: every claim true; null: no effects; realistic: physics (default claims)",
    )
    p.add_argument("--subjects", type=int, default=None, help="acute-cohort subjects (default: demo 12, small 4)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0); same seed, byte-identical files")
    p.add_argument("--out", required=True, help="output folder (must be empty or absent unless --force)")
    p.add_argument("--size", choices=SIZES, default="demo", help="demo (default) or small (a few seconds, for CI)")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a study previously written by anklelab simulate (never any other folder)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(handler=_handle)
