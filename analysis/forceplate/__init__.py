"""Force-plate analysis: body weight, jump events and phases, jump / squat / gait / balance metrics.

Inputs are plain arrays plus an explicit sampling rate ``fs_hz``: vertical force alone (``(n,)`` or
``(n, n_plates)``; plates are summed) or 3-D forces and moments for the centre of pressure.
Every metric carries the method and parameters that produced it, and every result turns into the
tidy long rows of docs/architecture.md with ``to_rows(trial_info)`` (:mod:`analysis.metric_rows`).

Design decisions (see docs/design/signal-processing.md §6, §8, §9):

* **Weighing refuses rather than guesses** (:mod:`.bodyweight`): without a quiet stance :func:`weigh`
  raises :class:`~analysis.errors.AnalysisError`; pass ``body_weight_n=`` to analyse the trial anyway.
* Impulse–momentum integrates (F − BW)/m from the movement onset with v = 0 (trapezoid rule).
* Events are run-lengths of boolean masks: no per-sample Python loops.

One module per concern; every public name is importable from ``analysis.forceplate``:

=====================  ======================================================================
``settings``           :class:`ForcePlateSettings` (alias ``EventSettings``), presets
``bodyweight``         quiet stance and weighing: :func:`find_quiet_stance`, :func:`weigh` (first/last window)
``events``             contact / flight periods, movement onset (forward or anchored to take-off), rise onset
``impulse``            CoM kinematics by impulse–momentum, RFD windows, peak RFD, ``G_M_S2``
``definitions``        every jump metric's unit, phase, method, definition, source: :func:`metric_definitions`
``phase_metrics``      propulsive power, braking/propulsive RFD, fixed-window RFD for static starts only
``checks``             :class:`ForcePlateWarning`, impulse vs flight-time jump-height agreement
``jump``               CMJ / SJ / DJ: :func:`analyse_jump`, phases, asymmetry
``squat``              squat / lunge / step-up (claim C6): :func:`analyse_squat`, knee joint-force proxy
``gait``               stances, peak force, loading rate: :func:`analyse_gait`
``balance``            centre of pressure and sway: :func:`center_of_pressure`, :func:`analyse_balance`
``vertical_force``     vertical-force channels of a Recording
=====================  ======================================================================
"""

from __future__ import annotations

from analysis.forceplate.balance import BalanceResult, analyse_balance, center_of_pressure, combine_cop
from analysis.forceplate.bodyweight import QuietStance, find_quiet_stance, quiet_window_ending_at, weigh
from analysis.forceplate.checks import ForcePlateWarning, check_jump_heights
from analysis.forceplate.definitions import JUMP_METRIC_DEFINITIONS, MetricDefinition, definition, metric_definitions
from analysis.forceplate.events import (
    baseline_crossing_onset,
    contact_mask,
    detect_onset,
    flight_periods,
    onset_before_takeoff,
)
from analysis.forceplate.gait import GaitResult, analyse_gait
from analysis.forceplate.impulse import G_M_S2, com_kinematics, peak_rfd, rfd_windows
from analysis.forceplate.jump import PHASES as PHASES  # jump phase names (McMahon et al. 2018)
from analysis.forceplate.jump import JumpResult, analyse_jump, asymmetry_pct
from analysis.forceplate.settings import EventSettings, ForcePlateSettings
from analysis.forceplate.squat import SquatResult, analyse_squat, knee_joint_force_proxy_bw
from analysis.forceplate.vertical_force import is_vertical_force_role, vertical_force_from_recording

# the shared metric row types lived here before analysis.metric_rows; kept importable from here
from analysis.metric_rows import KEY_COLUMNS, Metric, MetricsMixin

__all__ = [
    "MetricsMixin",
    "G_M_S2",
    "KEY_COLUMNS",
    "ForcePlateSettings",
    "EventSettings",
    "Metric",
    "QuietStance",
    "find_quiet_stance",
    "weigh",
    "quiet_window_ending_at",
    "contact_mask",
    "flight_periods",
    "detect_onset",
    "baseline_crossing_onset",
    "onset_before_takeoff",
    "ForcePlateWarning",
    "check_jump_heights",
    "MetricDefinition",
    "JUMP_METRIC_DEFINITIONS",
    "definition",
    "metric_definitions",
    "com_kinematics",
    "rfd_windows",
    "peak_rfd",
    "asymmetry_pct",
    "JumpResult",
    "analyse_jump",
    "SquatResult",
    "analyse_squat",
    "knee_joint_force_proxy_bw",
    "GaitResult",
    "analyse_gait",
    "center_of_pressure",
    "combine_cop",
    "BalanceResult",
    "analyse_balance",
    "is_vertical_force_role",
    "vertical_force_from_recording",
]
