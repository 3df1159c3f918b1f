"""``anklelab simulate``: a demo study with known truth, written in the real file formats.

No open dataset records EMG under graded ankle load, so the suite ships this generator. It is the
default study ``make reproduce`` runs on, the ground truth that proves the pipeline recovers effects,
and a way to see what an article claim would look like if it were true (``claims``), false (``null``)
or as physics suggests (``realistic``, docs/design/statistics.md §9).

One call, :func:`simulate_study`, writes a complete study folder in the format of data/README.md:

* **acute cohort** (``A01``…, session ``acute``): per-muscle MVC trials and raw 2 kHz surface EMG of six
  muscles (C3D, float32 analogs) in squats, split squats, step-ups, CMJs and walking under 0–12 %BW
  per ankle (loads written in kg for some subjects and lb for others); two-plate 1 kHz force
  platforms (C3D, type 2) for the CMJs and for C6 squats with mid-range vs full-range loading;
  kinematics (generic CSV, 200 Hz) for squats, step-ups and the C6 squats; C5 EMG sets (lunges, a
  sustained low-load and a brief high-load set). Dynamic EMG files carry movement/eccentric/concentric events.
* **training cohort** (``T01``…, sessions ``pre``/``post``): arms control / eccentric_only / mid_range /
  full_range; CMJ and SJ as one-column Fz text, step-up kinematics CSV, joint-position-sense error.
* **injury cohort** (exposures.csv, injuries.csv): teams, weekly exposure hours, ankle weights
  introduced early / late / never, knee strains from a Poisson process in exposure time with gamma
  frailty and team effects.
* ``truth.json`` (every generative parameter and the true value and definition of each claim's
  estimand) and ``truth_trials.csv`` (true per-trial quantities: envelope, %MVC, jump height, …).

All randomness comes from one ``numpy.random.Generator(PCG64(seed))``; the same seed gives
byte-identical files (ezc3d writes no dates). The study is built in a temporary sibling folder and
renamed into place, so a crash never leaves half a study.

Modules (one concern each):

* ``constants``: muscles, exercises, load grid, unit factors, sampling rates;
* ``scenarios``: every generative parameter of a scenario, one block per claim/modality; study sizes;
* ``design``: the C1 precision and P(supported) a study size gives;
* ``profiles``: closed-form squat (CoM) and knee-flexion profiles;
* ``emg``, ``forceplate``, ``kinematics``, ``injury``: each modality's signals and trials;
* ``builder``: the state of one study being generated (rng, tables, output folder);
* ``cohorts``: the acute and training cohorts (which trials, in which order: the order of the draws);
* ``truth``: truth.json (the claims' true estimands);
* ``writers``: file formats (C3D, Fz text, CSV);
* ``build``: :func:`simulate_study` (temporary folder, atomic rename, ``--force`` protection).
"""

from __future__ import annotations

# private names of the former single module analysis/simulate.py that tests and docs use ("X as X": re-exported)
from analysis.simulate.build import _is_simulated_study as _is_simulated_study  # the --force guard
from analysis.simulate.build import simulate_study
from analysis.simulate.constants import (
    C1_COMPOUND_EXERCISES,
    C1_FIT_MAX_LOAD_LB,
    EMG_FS_HZ,
    EXERCISES_EMG,
    FORCE_FS_HZ,
    G_M_S2,
    KIN_FS_HZ,
    LB_KG,
    LOADS_PCT_BW,
    MUSCLES,
    POINT_RATE_HZ,
    SEASON_START,
)
from analysis.simulate.design import (
    ENVELOPE_MEAN_LOG_SD,
    c1_window_loads_pct_bw,
)
from analysis.simulate.design import _c1_design_note as _c1_design_note  # tests, docs/demo-design.md
from analysis.simulate.emg import emg_spectrum, shaped_emg_noise, two_phase_envelope
from analysis.simulate.forceplate import (
    RFD_REACH_FRACTION,
    JumpCurve,
    c6_mid_range_ratios,
    jump_force,
)
from analysis.simulate.profiles import knee_profile, squat_profile
from analysis.simulate.scenarios import (
    SCENARIOS,
    SIZE_LOADS_PCT_BW,
    SIZES,
    SIZES_SPEC,
    scenario_parameters,
)
from analysis.simulate.truth import _claim_truth as _claim_truth
from analysis.simulate.writers import (
    PLATE_CENTRES_M,
    PLATE_HALF_SIZE_M,
    PLATE_ORIGIN_DEPTH_M,
    plate_channels,
    write_emg_c3d,
    write_forceplate_c3d,
    write_fz_text,
    write_generic_csv,
)

__all__ = [
    "SCENARIOS",
    "SIZES",
    "MUSCLES",
    "EXERCISES_EMG",
    "LOADS_PCT_BW",
    "G_M_S2",
    "LB_KG",
    "scenario_parameters",
    "emg_spectrum",
    "shaped_emg_noise",
    "two_phase_envelope",
    "jump_force",
    "squat_profile",
    "c6_mid_range_ratios",
    "plate_channels",
    "simulate_study",
    # also public in the former single module analysis/simulate.py; tests, notebooks and docs use them
    "C1_COMPOUND_EXERCISES",
    "C1_FIT_MAX_LOAD_LB",
    "EMG_FS_HZ",
    "FORCE_FS_HZ",
    "KIN_FS_HZ",
    "POINT_RATE_HZ",
    "SEASON_START",
    "RFD_REACH_FRACTION",
    "SIZES_SPEC",
    "SIZE_LOADS_PCT_BW",
    "ENVELOPE_MEAN_LOG_SD",
    "c1_window_loads_pct_bw",
    "JumpCurve",
    "knee_profile",
    "PLATE_CENTRES_M",
    "PLATE_HALF_SIZE_M",
    "PLATE_ORIGIN_DEPTH_M",
    "write_emg_c3d",
    "write_forceplate_c3d",
    "write_fz_text",
    "write_generic_csv",
]
