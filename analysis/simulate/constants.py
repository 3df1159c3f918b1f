"""Constants every part of the simulator shares: muscles, exercises, the load grid, unit factors and sampling
rates (each with its source)."""

from __future__ import annotations

from analysis.units import KG_PER_LB

MUSCLES = (
    "gluteus_maximus",
    "gastrocnemius_medialis",
    "soleus",
    "vastus_lateralis",
    "rectus_femoris",
    "biceps_femoris",
)
#: exercises with EMG in the acute cohort
EXERCISES_EMG = ("squat", "split_squat", "step_up", "cmj", "walk")
#: the compound exercises the C1 estimand pools (as claims.COMPOUND_EXERCISES; docs/design/statistics.md §2 C1)
C1_COMPOUND_EXERCISES = ("squat", "split_squat", "step_up")
#: per-ankle loads, % of body weight (issue 6; > 12 %BW raises safety concerns, docs/design/statistics.md §2 C3)
LOADS_PCT_BW = (0, 2, 4, 6, 8, 10, 12)
#: upper end of the C1 log-linear fit, lb per ankle (claims.analyse_c1 default ``c1_max_load_lb``)
C1_FIT_MAX_LOAD_LB = 12.0
G_M_S2 = 9.80665  # standard gravity (as forceplate.G_M_S2)
LB_KG = KG_PER_LB  # 1 lb in kg, exact (analysis.units)
EMG_FS_HZ = 2000.0  # typical surface-EMG rate (docs/design/signal-processing.md §2)
FORCE_FS_HZ = 1000.0  # force-plate rate of the anchors (Owen et al. 2014; vertical_jumps_fz)
KIN_FS_HZ = 200.0  # kinematics export rate (issue 6: 100-200 Hz)
POINT_RATE_HZ = 100.0  # C3D frame rate; analogs are stored as subframes of it
SEASON_START = "2025-08-04"  # a Monday; six months = 26 weeks
