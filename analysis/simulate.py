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
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import brentq

from analysis.errors import AnkleLabError

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
]

SCENARIOS = ("claims", "null", "realistic")
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
LB_KG = 0.45359237  # 1 lb in kg, exact (international avoirdupois pound)
EMG_FS_HZ = 2000.0  # typical surface-EMG rate (docs/design/signal-processing.md §2)
FORCE_FS_HZ = 1000.0  # force-plate rate of the anchors (Owen et al. 2014; vertical_jumps_fz)
KIN_FS_HZ = 200.0  # kinematics export rate (issue 6: 100-200 Hz)
POINT_RATE_HZ = 100.0  # C3D frame rate; analogs are stored as subframes of it
SEASON_START = "2025-08-04"  # a Monday; six months = 26 weeks
#: largest RFD 0-100 ms a jump's first-order force rise is asked to reach, as a fraction of (plateau - BW)/0.1 s
#: (rise constant 0.1/ln 10 = 43 ms) [assumption]
RFD_REACH_FRACTION = 0.9
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)  # E|x| of a unit-variance Gaussian

#: Study sizes (docs/demo-design.md). "demo" is what make reproduce runs: <= 100 MB, <= 30 s to build, and
#: C1 supported for both muscles in the claims scenario with P ~ 0.98 (_c1_design_note). "small" is for CI.
#: * loads_pct_bw: load grid of the compound exercises (squat, split squat, step-up) and their kinematics;
#: * sparse_loads_pct_bw: load grid of the CMJ (EMG + force plates) and walking EMG (not in C1);
#: * set_reps: repetitions per compound-exercise EMG file at loads <= C1_FIT_MAX_LOAD_LB (the C1 window;
#:   docs/design/statistics.md §2 C1: ">= 3 trials per condition"); heavier loads get one repetition, so the
#:   dose-response still spans 0-12 %BW;
#: * c6_reps: squats per C6 condition; the rest: acute subjects, training subjects per arm, injury cohort.
SIZES_SPEC: dict[str, dict[str, Any]] = {
    "demo": {
        "n_acute": 12,
        "n_training_per_arm": 6,
        "n_teams": 4,
        "athletes_per_team": 40,
        "c6_reps": 1,
        "loads_pct_bw": LOADS_PCT_BW,
        "sparse_loads_pct_bw": (0, 6, 12),
        "set_reps": 3,
    },
    "small": {
        "n_acute": 4,
        "n_training_per_arm": 1,
        "n_teams": 2,
        "athletes_per_team": 12,
        "c6_reps": 1,
        "loads_pct_bw": (0, 4, 8, 12),
        "sparse_loads_pct_bw": (0, 12),
        "set_reps": 3,
    },
}
SIZES = tuple(SIZES_SPEC)
#: load grid per size (compound exercises)
SIZE_LOADS_PCT_BW = {name: spec["loads_pct_bw"] for name, spec in SIZES_SPEC.items()}


# ------------------------------------------------------------------------------------------------
# parameters (docs/design/statistics.md §11 unless marked)
# ------------------------------------------------------------------------------------------------
def scenario_parameters(scenario: str = "claims") -> dict[str, Any]:
    """Every generative parameter of a scenario, as plain JSON-able values (written to truth.json)."""
    if scenario not in SCENARIOS:
        raise AnkleLabError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    log = math.log
    claims, null = scenario == "claims", scenario == "null"
    # C1 slopes: log EMG per 4 lb per ankle, per muscle and exercise
    c1 = {m: {ex: 0.0 for ex in EXERCISES_EMG} for m in MUSCLES}
    if claims:
        for m in ("gluteus_maximus", "gastrocnemius_medialis"):
            for ex in EXERCISES_EMG:
                c1[m][ex] = log(1.15)  # the article: +12-18 % at 3-5 lb; +15 % at 4 lb
    elif scenario == "realistic":
        for m in MUSCLES:
            for ex in EXERCISES_EMG:
                c1[m][ex] = 0.01  # closed chain: ~1 % per 4 lb ("small" 0.004 per %BW, §11)
        for m in ("rectus_femoris", "biceps_femoris"):
            for ex in ("walk", "step_up"):
                c1[m][ex] = log(1.06)  # open-chain swing effects (Browning et al. 2007; Omuro et al. 2011) [assumption]
    p: dict[str, Any] = {
        "scenario": scenario,
        "subjects": {
            "body_mass_kg": {"mean": 75.0, "sd": 12.0, "clip": [55.0, 110.0]},  # §11 [assumption]
            "height_m": {"mean_at_75kg": 1.75, "per_kg": 0.004, "sd": 0.05},  # [assumption]
            "p_female": 0.4,  # [assumption]
            "age_years": {"low": 18, "high": 35},  # [assumption] athletes
            "training_age_years": {"mean": 5.0, "sd": 2.5, "clip": [0.5, 15.0]},  # [assumption]
        },
        "emg": {
            "fs_hz": EMG_FS_HZ,
            # baseline task amplitude, %MVIC geometric mean (docs/design/statistics.md §11)
            "baseline_pct_mvc": {
                "gluteus_maximus": 20.0,
                "gastrocnemius_medialis": 15.0,
                "soleus": 18.0,
                "vastus_lateralis": 45.0,
                "rectus_femoris": 20.0,
                "biceps_femoris": 12.0,
            },
            "exercise_log_effect": {
                "squat": 0.0,
                "split_squat": 0.1,
                "step_up": 0.05,
                "cmj": 0.4,
                "walk": -0.5,
            },  # [assumption]
            "mvc_arv_v": {"median": 2.5e-4, "log_sd": 0.3},  # MVC mean rectified value [assumption]
            "subject_log_sd": 0.4,  # between-subject intercept (§11: 0.35-0.45)
            "subject_muscle_log_sd": 0.15,  # §11
            "trial_log_sd": 0.08,  # low end of §11's 0.08-0.20 (JSSM 2018 17:101: CV 8.8-13.7 %)
            "slope_per_4lb": c1,
            "slope_sd_per_pct_bw": 0.005,  # §11 [assumption]; converted to per 4 lb at 75 kg
            "concentric_eccentric_ratio": 1.4,  # §11 [assumption]
            "spectrum": {
                "model": "Shwedyk et al. 1977 / De Luca",
                "f_low_hz": 60.0,
                "f_high_hz": 120.0,
                "band_hz": [15.0, 480.0],
            },
            "electrode_noise_rms_v": 3e-6,  # [assumption] amplifier + skin noise
            "powerline_amplitude_v": 1e-6,  # optional 50 Hz interference [assumption]
            "dc_offset_sd_v": 1e-5,  # [assumption]
            "rest_level_frac_mvc": 0.01,  # tonic activity at rest [assumption]
            "durations_s": {
                "squat": [0.8, 0.8],
                "split_squat": [0.8, 0.8],
                "step_up": [0.7, 0.9],
                "cmj": [0.5, 0.4],
                "walk": [0.6, 0.5],
                "mvc": [2.0, 0.0],
            },  # eccentric, concentric
            "rest_s": 0.3,
            "set_pause_s": 0.2,  # between reps of a set: longer than the 0.08 s envelope ramp, so each rep window holds only its rep [assumption]
            "mvc_trial_s": 2.4,
        },
        "c5": {  # EMG trials of one exercise under two protocols; Δ_m = log E[%MVC | sustained_low] - log E[%MVC | brief_high]
            "delta": {
                "soleus": log(1.15) if claims else (0.0 if null else -0.05),
                "gastrocnemius_medialis": log(1.15) if claims else (0.0 if null else -0.05),
                "vastus_lateralis": -log(1.15) if claims else (0.0 if null else -0.05),
            },
            # Δ_m is the whole protocol contrast (the C1 load slope is not added on top) [assumption]
            "exercise": "lunge",  # not one of the C1 compound exercises, so C1 and C5 trials never mix
            "exercise_log_effect": 0.1,  # as split_squat [assumption]
            "subject_muscle_log_sd": 0.1,  # protocol-independent subject x muscle offset; cancels in Δ [assumption]
            "rep_log_sd": 0.08,  # per-repetition noise = the EMG trial_log_sd (JSSM 2018 17:101)
            # sustained low load: slow reps, >= 10 s under load; brief high load: a few fast reps, <= 5 s (§2 C5) [assumption]
            "protocols": {
                "sustained_low": {"load_pct_bw": 3.0, "reps": 6, "eccentric_s": 1.0, "concentric_s": 1.0},
                "brief_high": {"load_pct_bw": 10.0, "reps": 3, "eccentric_s": 0.4, "concentric_s": 0.4},
            },
            "pause_s": 0.2,  # between reps: longer than the envelope ramp, so each rep window holds only its rep
        },
        "cmj": {
            "jump_height_m": {"median": 0.35, "log_sd": 0.17},  # §11: 0.35 ± 0.06 m
            "load_exponent_k": 1.5,  # h ∝ (m/(m+2a))^k (§11)
            "trial_log_sd_height": 0.058,  # CV 5.8 % (PMC7039490)
            "peak_force_bw": {"mean": 2.3, "sd": 0.25},  # §11
            "trial_log_sd_peak_force": 0.025,  # CV 2.5 % (PMC7039490)
            "unweighting_depth_bw": 0.6,
            "unweighting_s": 0.3,
            "drop_s": 0.1,  # [assumption]
            # quiet stance to weigh (Owen et al. 2014: 1 s); after the 0.4 s landing pulse 0.3 s of stance
            # [assumption]: nothing reads later samples (docs/demo-design.md: keeps the demo <= 100 MB)
            "quiet_s": 1.2,
            "after_s": 0.3,
            "force_noise_n": 2.0,  # docs/design/signal-processing.md §9 synthetic CMJ
        },
        "sj": {
            "eur": {"median": 1.08, "log_sd": 0.03},  # CMJ/SJ height ratio (eccentric utilisation) [assumption]
            "peak_force_bw": {"mean": 2.0, "sd": 0.2},  # [assumption]
            "rfd_0_100_n_per_s": {"median": 8000.0, "log_sd": 0.35},  # §11
            "trial_log_sd_rfd": 0.129,  # CV 12.9 % (PMC7039490)
        },
        "c6": {  # squats with 4-6 lb, mid-range vs full-range loading
            "load_lb": 5.0,
            "com_depth_m": 0.45,
            "quiet_s": 1.2,
            "after_s": 0.5,  # weigh on 1 s of quiet stance (Owen et al. 2014); 0.5 s after the rise [assumption]
            "knee_flexion_max_deg": 95.0,
            "brake_g": 0.8,
            "push_s": 0.5,
            "eccentric_s": 1.0,
            "concentric_s": 1.0,
            "grf_ratio_mid_full": 1.27 if claims else 1.0,  # article: +27 %
            "jrf_ratio_mid_full": 1.0,  # article: "not increased"
            "mid_range_pct": [25.0, 75.0],  # forceplate.analyse_squat definition
            "shank_length_m": 0.43,
            "patellar_tendon_moment_arm_m": 0.045,  # forceplate.knee_joint_force_proxy_bw
        },
        "kinematics": {
            "fs_hz": KIN_FS_HZ,
            "fppa_deg": {"mean": 8.0, "sd": 5.0, "residual_sd": 2.0},  # §11
            "fppa_slope_deg_per_pct_bw": 0.0 if null else 0.05,  # §11
            "hinge_slope_deg_per_pct_bw": 0.45 if claims else 0.0,  # §11: +0.3-0.6 above ψ
            "psi0_pct_bw": 10.0 - 0.066 * (90.7 - 75.0),  # ψ(90.7 kg) = 10 -> ψ0 = 8.96
            "psi1_pct_bw_per_kg": 0.066 if claims else 0.0,  # ψ(68 kg) ≈ 8.5 (article C9)
            "knee_ext_velocity_log_per_pct_bw": -0.01 if scenario == "realistic" else 0.0,  # §9: heavier shank, slower
            "knee_flexion_max_deg": {"squat": 95.0, "step_up": 70.0},
            "pelvic_obliquity_deg": {"mean": 5.0, "sd": 1.5, "residual_sd": 0.8},  # hip hiking in step-ups [assumption]
            "noise_deg": 0.1,
        },
        "training": {  # C2, C4, C7: randomised pre/post, unloaded tests
            "arms": ["control", "eccentric_only", "mid_range", "full_range"],
            "training_load_pct_bw": [5.0, 8.0],  # article C2: 5-8 %BW
            "knee_ext_velocity_log_change": {
                "trained": log(1.08) if claims else (0.0 if null else log(1.01)),
                "control": 0.0,
            },
            "hip_hike_change_deg": {"trained": -2.0 if claims else 0.0, "control": 0.0},
            "cmj_log_change": {
                "eccentric_only": log(1.08) if claims else (0.0 if null else log(1.02)),
                "mid_range": 0.0 if claims or null else log(1.02),
                "full_range": 0.0 if claims or null else log(1.02),
                "control": 0.0,
            },
            "sj_log_change": {
                "eccentric_only": 0.0 if claims or null else log(1.02),
                "mid_range": 0.0 if claims or null else log(1.02),
                "full_range": 0.0 if claims or null else log(1.02),
                "control": 0.0,
            },
            "rfd_log_change": {"trained": log(1.20) if claims else (0.0 if null else log(1.03)), "control": 0.0},
            "jps_abs_error_deg": {"mean": 4.0, "sd": 1.0, "residual_sd": 0.8},  # [assumption]
            "jps_change_deg": {
                "mid_range": 2.0 if claims else 0.0,
                "eccentric_only": 0.0,
                "full_range": 0.0,
                "control": 0.0,
            },
            "velocity_trial_log_sd": 0.05,
            "subject_velocity_log_sd": 0.15,  # [assumption]
            "peak_knee_ext_velocity_deg_s": 300.0,  # step-up concentric [assumption]
        },
        "injury": {
            "knee_rate_per_1000h": 1.2,  # §11
            "other_rate_per_1000h": 2.0,  # non-knee injuries, unaffected by ankle weights [assumption]
            "weekly_hours": {"mean": 10.0, "sd": 2.0, "clip": [4.0, 16.0]},  # §11
            "weeks": 26,
            "frailty_variance": 0.5,  # gamma frailty = NB2 alpha (§11)
            "team_log_sd": 0.2,  # §11
            "irr": {"early": 1.19 if claims else 1.0, "late": 1.0, "never": 1.0},
            "groups": ["early", "late", "never"],
            "days_lost": {"median": 14.0, "log_sd": 0.8},  # [assumption]
            "minutes_teams": [1],  # team indices whose exposures are written in minutes (unit conversion)
        },
    }
    return p


#: relative SD of the movement-window mean of one rep's rectified band-limited EMG (1.6 s at ~100 Hz
#: bandwidth: sqrt(1 - 2/pi)/sqrt(2/pi) / sqrt(2 x 100 Hz x 1.6 s) ~ 0.04); measured 0.03-0.04 in
#: tests/test_end_to_end_emg.py
ENVELOPE_MEAN_LOG_SD = 0.04


def c1_window_loads_pct_bw(design: dict[str, Any], body_mass_kg: float = 75.0) -> list[float]:
    """The design's compound-exercise loads (%BW) inside the C1 fit window (<= C1_FIT_MAX_LOAD_LB) at a body mass."""
    return [pct for pct in design["loads_pct_bw"] if pct * body_mass_kg / 100 / LB_KG <= C1_FIT_MAX_LOAD_LB + 1e-9]


def _c1_design_note(
    n: int, params: dict[str, Any], design: dict[str, Any] | None = None, body_mass_kg: float = 75.0
) -> dict[str, Any]:
    """Expected C1 precision and P(supported) of a design, for the claims analysis (truth.json; docs/demo-design.md).

    Per subject and muscle, at ``body_mass_kg``: OLS slope of log movement-phase %MVC on x = load_lb/4 with
    exercise as a factor, over the C1 compound exercises and the loads <= C1_FIT_MAX_LOAD_LB (claims.analyse_c1).
    A file of r reps averages r rep windows, so its residual log SD is hypot(trial_log_sd, ENVELOPE_MEAN_LOG_SD)
    / sqrt(r). SD of a subject's slope: sqrt(slope_sd^2 + resid^2 / Sxx), slope_sd = 0.005/%BW in x units.
    Verdict (claims.verdict_range): the 90 % t(n-1) CI of the mean slope inside [log 1.12, log 1.18]; its
    probability is integrated exactly over the sample SD (chi-square quantile grid), so it is the two-stage
    estimator's; the MixedLM of claims is as precise on this balanced design. The two claimed muscles have
    independent slope and trial noise, so P(both) = P(one)^2.
    """
    from scipy import stats

    design = design or SIZES_SPEC["demo"]
    e = params["emg"]
    reps = int(design.get("set_reps", 1))
    resid = math.hypot(e["trial_log_sd"], ENVELOPE_MEAN_LOG_SD) / math.sqrt(reps)
    x = np.array(c1_window_loads_pct_bw(design, body_mass_kg)) * body_mass_kg / 100 / LB_KG / 4
    sxx = len(C1_COMPOUND_EXERCISES) * float(np.sum((x - x.mean()) ** 2))
    slope_sd = e["slope_sd_per_pct_bw"] / (75 / 100 / LB_KG / 4)
    sd_subject_slope = math.sqrt(slope_sd**2 + resid**2 / sxx) if sxx > 0 else math.inf
    se = sd_subject_slope / math.sqrt(n)
    t90 = float(stats.t.ppf(0.95, n - 1))
    low, high = math.log(1.12), math.log(1.18)
    margin = min(math.log(1.15) - low, high - math.log(1.15))
    slopes = {
        m: float(np.mean([e["slope_per_4lb"][m][ex] for ex in C1_COMPOUND_EXERCISES]))
        for m in ("gluteus_maximus", "gastrocnemius_medialis")
    }
    # sample SD s = sigma sqrt(chi2_{n-1}/(n-1)) on a quantile grid; given s, supported iff the mean lies in
    # [low + t s/sqrt(n), high - t s/sqrt(n)]
    q = (np.arange(4000) + 0.5) / 4000
    s_grid = sd_subject_slope * np.sqrt(stats.chi2.ppf(q, n - 1) / (n - 1))
    p_sup = {}
    for m, beta in slopes.items():
        lo_ok, hi_ok = low + t90 * s_grid / math.sqrt(n), high - t90 * s_grid / math.sqrt(n)
        p = stats.norm.cdf((hi_ok - beta) / se) - stats.norm.cdf((lo_ok - beta) / se)
        p_sup[m] = float(np.mean(np.clip(p, 0.0, None)))
    return {
        "estimator": "two-stage: per-subject OLS slope of log movement %MVC on load_lb/4 (exercise as factor), one-sample t",
        "n_subjects": n,
        "body_mass_kg": body_mass_kg,
        "reps_per_file_in_window": reps,
        "loads_in_window_pct_bw": c1_window_loads_pct_bw(design, body_mass_kg),
        "residual_log_sd_per_file": resid,
        "sxx_per_subject": sxx,
        "sd_of_subject_slopes": sd_subject_slope,
        "se_mean_slope": se,
        "ci90_half_width": t90 * se,
        "margin_to_claim_window": margin,
        "z_margin": (margin - t90 * se) / se,
        "p_supported": p_sup,
        "p_supported_both": float(np.prod(list(p_sup.values()))),
        "conclusion": "P(supported) per muscle: P(90 % CI of the mean slope inside [log 1.12, log 1.18]) at the "
        "scenario's slopes; 0 for slopes outside the window",
    }


# ------------------------------------------------------------------------------------------------
# signal generators (pure functions of their arguments; randomness only through ``rng``)
# ------------------------------------------------------------------------------------------------
def emg_spectrum(
    freqs_hz: np.ndarray, f_low_hz: float = 60.0, f_high_hz: float = 120.0, band_hz: tuple[float, float] = (15.0, 480.0)
) -> np.ndarray:
    """Surface-EMG power spectrum shape (Shwedyk et al. 1977, as used by De Luca), band-limited.

    P(f) = f_h^4 f^2 / ((f^2 + f_l^2)(f^2 + f_h^2)^2), times smooth 2nd-order edges at ``band_hz`` so the
    pipeline's 20-450 Hz band-pass keeps almost all of the power. Peak power ~60-90 Hz, median ~100 Hz.
    """
    f = np.asarray(freqs_hz, dtype=float)
    p = f_high_hz**4 * f**2 / ((f**2 + f_low_hz**2) * (f**2 + f_high_hz**2) ** 2)
    lo, hi = band_hz
    edges = (f / lo) ** 4 / (1 + (f / lo) ** 4) / (1 + (f / hi) ** 8)
    return p * edges


def shaped_emg_noise(
    rng: np.random.Generator, n_samples: int, n_channels: int, fs_hz: float, **spectrum: Any
) -> np.ndarray:
    """Unit-variance Gaussian noise with the EMG spectrum, ``(n_samples, n_channels)`` float64.

    White noise shaped in the frequency domain (rfft along axis 0, multiply by sqrt(P), irfft);
    vectorised over channels.
    """
    white = rng.standard_normal((n_samples, n_channels))
    spec = np.fft.rfft(white, axis=0)
    freqs = np.fft.rfftfreq(n_samples, 1.0 / fs_hz)
    gain = np.sqrt(emg_spectrum(freqs, **spectrum))
    gain /= math.sqrt(np.mean(gain[1:] ** 2))  # white noise of unit variance -> output of unit variance
    out = np.fft.irfft(spec * gain[:, None], n=n_samples, axis=0)
    return out / out.std(axis=0, keepdims=True)


def _raised_cosine_step(t: np.ndarray, t0: float, ramp_s: float) -> np.ndarray:
    """0 before t0, 1 after t0 + ramp_s, half-cosine in between."""
    u = np.clip((t - t0) / ramp_s, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


def two_phase_envelope(
    t_s: np.ndarray,
    start_s: float,
    eccentric_s: float,
    concentric_s: float,
    mean_level: float,
    conc_ecc_ratio: float = 1.4,
    rest_level: float = 0.0,
    ramp_s: float = 0.08,
) -> np.ndarray:
    """Activation envelope of one repetition: rest, eccentric, concentric (``conc_ecc_ratio`` x), rest.

    Scaled so that its mean over the movement window [start, start + ecc + conc] is exactly
    ``mean_level`` (the per-trial truth). Smooth raised-cosine transitions.
    """
    end = start_s + eccentric_s + concentric_s
    on = _raised_cosine_step(t_s, start_s - ramp_s / 2, ramp_s) - _raised_cosine_step(t_s, end - ramp_s / 2, ramp_s)
    if concentric_s > 0:
        conc = _raised_cosine_step(t_s, start_s + eccentric_s - ramp_s / 2, ramp_s) * on
        shape = on * 1.0 + conc * (conc_ecc_ratio - 1.0)
    else:
        shape = on
    window = (t_s >= start_s) & (t_s <= end)
    active = shape * (mean_level - rest_level) / shape[window].mean()
    return rest_level + active


def _set_envelope(
    t_s: np.ndarray,
    starts_s: np.ndarray,
    eccentric_s: float,
    concentric_s: float,
    amp: np.ndarray,
    rest_level: np.ndarray,
    conc_ecc_ratio: float,
) -> np.ndarray:
    """Envelope ``(n_samples, n_muscles)`` of a set: ``rest_level`` plus one two-phase rep per start, scaled so that
    rep r's movement-window mean is exactly ``amp[r]`` (reps must not overlap within a ramp)."""
    env = np.tile(np.asarray(rest_level, dtype=float), (t_s.size, 1))
    for r, t0 in enumerate(starts_s):
        unit = two_phase_envelope(t_s, t0, eccentric_s, concentric_s, 1.0, conc_ecc_ratio)  # window mean 1, rest 0
        env += unit[:, None] * (np.asarray(amp[r], dtype=float) - rest_level)[None, :]
    return env


def _rep_events(starts_s: np.ndarray, eccentric_s: float, concentric_s: float) -> list[tuple[str, float]]:
    """movement/eccentric/concentric start and end events of every rep (no phase events without a concentric phase)."""
    rep_s = eccentric_s + concentric_s
    names = [("movement_start", 0.0), ("movement_end", rep_s)]
    if concentric_s > 0:
        names += [
            ("eccentric_start", 0.0),
            ("eccentric_end", eccentric_s),
            ("concentric_start", eccentric_s),
            ("concentric_end", rep_s),
        ]
    return [(name, float(t0 + off)) for t0 in starts_s for name, off in names]


def _quintic(t: np.ndarray) -> np.ndarray:
    """Smoothstep 10t^3 - 15t^4 + 6t^5 on [0, 1] (zero velocity and acceleration at both ends)."""
    t = np.clip(t, 0.0, 1.0)
    return t**3 * (10 - 15 * t + 6 * t**2)


@dataclass
class JumpCurve:
    """Noise-free vertical force of one jump and its exact quantities."""

    force_n: np.ndarray
    onset_index: int
    takeoff_index: int
    landing_index: int
    takeoff_velocity_m_s: float
    jump_height_m: float
    peak_propulsive_force_n: float
    rfd_0_100_n_per_s: float
    flight_time_s: float


def jump_force(
    system_mass_kg: float,
    takeoff_velocity_m_s: float,
    peak_force_bw: float,
    rfd_0_100_n_per_s: float | None = None,
    *,
    countermovement: bool = True,
    fs_hz: float = FORCE_FS_HZ,
    quiet_s: float = 1.2,
    unweighting_depth_bw: float = 0.6,
    unweighting_s: float = 0.3,
    drop_s: float = 0.1,
    after_s: float = 0.8,
) -> JumpCurve:
    """Vertical GRF of a CMJ (``countermovement``) or SJ that obeys impulse-momentum exactly.

    Force after onset: (CMJ only) an unweighting dip W - U sin^2; then a rise W + dF (1 - e^(-t/tau))
    held for T_p, a quarter-cosine drop to 0 (take-off), flight 2 v/g at 0 N, and a landing pulse whose
    impulse stops the body, then quiet stance. tau gives the requested RFD over 0-100 ms from the rise
    start; T_p is solved so that the net impulse / mass equals ``takeoff_velocity_m_s``; so the jump
    height v^2/2g and the flight time 2v/g both follow from the force. A requested RFD above
    ``RFD_REACH_FRACTION`` x dF / 0.1 s raises the plateau dF so the RFD is met exactly.
    """
    m, w = system_mass_kg, system_mass_kg * G_M_S2
    dF = (peak_force_bw - 1.0) * w
    if rfd_0_100_n_per_s is None:
        tau = 0.08
    else:
        target = float(rfd_0_100_n_per_s)
        # A first-order rise gains less than dF in 100 ms, so RFD 0-100 ms < dF / 0.1 s. A requested RFD above
        # RFD_REACH_FRACTION of that bound raises the plateau instead of silently missing the target (strong,
        # fast subjects have both; a missed target would erase training effects on RFD from the truth).
        dF = max(dF, target * 0.1 / RFD_REACH_FRACTION)
        g = lambda tau: dF * (1 - math.exp(-0.1 / tau)) / 0.1 - target  # noqa: E731
        if not g(1e-4) > 0 > g(50.0):
            raise AnkleLabError(
                f"jump_force: RFD 0-100 ms of {target:g} N/s is not reachable with a plateau {dF:g} N above body weight"
            )
        tau = brentq(g, 1e-4, 50.0)
    u_depth = unweighting_depth_bw * w if countermovement else 0.0
    t_u = unweighting_s if countermovement else 0.0
    imp_u = -u_depth * t_u / 2  # ∫ -U sin^2(pi t / T_u)

    def net_impulse(t_p: float) -> float:
        rise = dF * (t_p - tau * (1 - math.exp(-t_p / tau)))
        f_top = w + dF * (1 - math.exp(-t_p / tau))
        return imp_u + rise + f_top * drop_s * 2 / math.pi - w * drop_s

    target_imp = m * takeoff_velocity_m_s
    t_p = brentq(lambda x: net_impulse(x) - target_imp, 1e-3, 5.0)
    dt = 1.0 / fs_hz
    t_flight = 2 * takeoff_velocity_m_s / G_M_S2
    land_s, land_tau = 0.4, 0.01
    n_quiet = int(round(quiet_s * fs_hz))
    # continuous-time segments sampled on the grid; the impulse is matched on the continuous curve and
    # the sampled curve's trapezoid impulse differs by O(dt^2)
    seg_t = [t_u, t_p, drop_s, t_flight, land_s, after_s]
    edges = np.cumsum([0.0] + seg_t)
    n_total = n_quiet + int(math.ceil(edges[-1] * fs_hz))
    t = (np.arange(n_total) - n_quiet) * dt
    f = np.full(n_total, w)
    s = t - edges[0]
    sel = (t >= 0) & (t < edges[1])
    f[sel] = w - u_depth * np.sin(np.pi * s[sel] / max(t_u, 1e-9)) ** 2
    sel = (t >= edges[1]) & (t < edges[2])
    f[sel] = w + dF * (1 - np.exp(-(t[sel] - edges[1]) / tau))
    f_top = w + dF * (1 - math.exp(-t_p / tau))
    sel = (t >= edges[2]) & (t < edges[3])
    # quarter cosine: reaches 0 N with a finite slope, as real take-offs do (a flat tail would make the
    # 20 N take-off threshold fire early and bias the impulse jump height)
    f[sel] = f_top * np.cos(0.5 * np.pi * (t[sel] - edges[2]) / drop_s)
    sel = (t >= edges[3]) & (t < edges[4])
    f[sel] = 0.0
    # landing: W (1 - e^(-s/tau_l)) + P sin^2(pi s / T_l) with impulse of (F - W) = m v
    w_part = w * (land_s - land_tau * (1 - math.exp(-land_s / land_tau)))
    p_amp = (m * takeoff_velocity_m_s + w * land_s - w_part) / (land_s / 2)
    sel = (t >= edges[4]) & (t < edges[5])
    sl = t[sel] - edges[4]
    f[sel] = w * (1 - np.exp(-sl / land_tau)) + p_amp * np.sin(np.pi * sl / land_s) ** 2
    # RFD 0-100 ms of the curve as sampled: equals the target unless take-off starts within 100 ms of onset
    # (then the window reaches the drop to take-off and the RFD is lower; rare: very high RFD, low jump)
    k100 = int(round(0.1 * fs_hz))
    rfd = float((f[n_quiet + k100] - w) / 0.1) if n_quiet + k100 < n_total else float("nan")
    return JumpCurve(
        force_n=f,
        onset_index=n_quiet,
        takeoff_index=n_quiet + int(math.ceil(edges[3] * fs_hz)),
        landing_index=n_quiet + int(math.ceil(edges[4] * fs_hz)),
        takeoff_velocity_m_s=takeoff_velocity_m_s,
        jump_height_m=takeoff_velocity_m_s**2 / (2 * G_M_S2),
        peak_propulsive_force_n=float(f_top),
        rfd_0_100_n_per_s=float("nan") if countermovement else rfd,
        flight_time_s=t_flight,
    )


def _sin2_segment(
    s: np.ndarray, duration_s: float, accel: float, v0: float, y0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Position and acceleration of a segment with acceleration ``accel`` sin^2(pi s / T) (closed form)."""
    w = 2 * np.pi / duration_s
    acc = accel * np.sin(np.pi * s / duration_s) ** 2
    pos = y0 + v0 * s + accel / 2 * (s**2 / 2 + (np.cos(w * s) - 1) / w**2)
    return pos, acc


def squat_profile(
    t_s: np.ndarray, eccentric_s: float, concentric: float | tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised depth q(t) in [0, 1] (0 standing, 1 bottom) and its second derivative, t from onset.

    Eccentric: quintic smoothstep down over ``eccentric_s``. Concentric: a float is a quintic up over
    that time (symmetric: the mid-range mean force equals body weight); a pair (T1, T2) is a "push"
    profile: upward acceleration A1 sin^2 over T1, then braking A2 sin^2 over T2, with A1 T1 = A2 T2
    (at rest at the top) and the whole depth covered (A1 = 4 / (T1 (T1 + T2)) in depth units). All
    closed form; multiply qdd by the CoM depth (m) for the CoM acceleration.
    """
    t = np.asarray(t_s, dtype=float)
    q = np.zeros_like(t)
    qdd = np.zeros_like(t)
    ecc = (t >= 0) & (t < eccentric_s)
    u = t[ecc] / eccentric_s
    q[ecc] = _quintic(u)
    qdd[ecc] = (60 * u - 180 * u**2 + 120 * u**3) / eccentric_s**2
    if isinstance(concentric, tuple):
        t1, t2 = concentric
        a1 = 4.0 / (t1 * (t1 + t2))
        a2 = a1 * t1 / t2
        v1 = a1 * t1 / 2
        seg1 = (t >= eccentric_s) & (t < eccentric_s + t1)
        y, a = _sin2_segment(t[seg1] - eccentric_s, t1, a1, 0.0, 0.0)
        q[seg1], qdd[seg1] = 1 - y, -a
        y1 = v1 * t1 / 2
        seg2 = (t >= eccentric_s + t1) & (t < eccentric_s + t1 + t2)
        y, a = _sin2_segment(t[seg2] - eccentric_s - t1, t2, -a2, v1, y1)
        q[seg2], qdd[seg2] = 1 - y, -a
    else:
        con = (t >= eccentric_s) & (t < eccentric_s + concentric)
        u = (t[con] - eccentric_s) / concentric
        q[con] = 1 - _quintic(u)
        qdd[con] = -(60 * u - 180 * u**2 + 120 * u**3) / concentric**2
    return q, qdd


def _concentric_duration(concentric: float | tuple[float, float]) -> float:
    return float(sum(concentric)) if isinstance(concentric, tuple) else float(concentric)


def knee_profile(
    t_s: np.ndarray,
    eccentric_s: float,
    concentric: float | tuple[float, float],
    knee_window: tuple[float, float] | None = None,
) -> np.ndarray:
    """Normalised knee flexion (1 = maximal) over a squat, t from onset.

    Without ``knee_window`` the knee follows the CoM (:func:`squat_profile`). With a window (start, end),
    in s from the start of the concentric phase, the knee stays flexed until ``start`` and extends with a
    quintic until ``end`` (a hip-first rise: the CoM starts up by hip extension while the knee lags).
    """
    q, _ = squat_profile(t_s, eccentric_s, concentric)
    if knee_window is None:
        return q
    t = np.asarray(t_s, dtype=float)
    start, end = knee_window
    con = t >= eccentric_s
    u = (t[con] - eccentric_s - start) / (end - start)
    q[con] = 1 - _quintic(u)
    return q


def _squat_mid_range(
    system_mass_kg: float,
    depth_m: float,
    knee_max_deg: float,
    eccentric_s: float,
    concentric: float | tuple[float, float],
    fs_hz: float,
    c6: dict,
    knee_window: tuple[float, float] | None = None,
) -> tuple[float, float, float]:
    """(mid-range mean GRF in BW, mid-range knee joint-force proxy in BW, minimum force in BW) of a squat.

    Definitions of forceplate.analyse_squat: concentric samples whose knee flexion lies between 25 and 75 %
    of the concentric range of motion; proxy of forceplate.knee_joint_force_proxy_bw (two legs).
    """
    t = np.arange(0, eccentric_s + _concentric_duration(concentric), 1 / fs_hz)
    q, qdd = squat_profile(t, eccentric_s, concentric)
    bw = system_mass_kg * G_M_S2
    f = system_mass_kg * (G_M_S2 - depth_m * qdd)
    q = knee_profile(t, eccentric_s, concentric, knee_window)
    bottom = int(np.argmax(q))
    frac = (q[bottom] - q[bottom:]) / q[bottom] * 100
    lo, hi = c6["mid_range_pct"]
    idx = bottom + np.flatnonzero((frac >= lo) & (frac <= hi))
    theta = np.deg2rad(knee_max_deg * q)
    f_leg = f / 2
    proxy = (
        f_leg * np.cos(theta / 2)
        + f_leg * c6["shank_length_m"] * np.sin(theta / 2) / c6["patellar_tendon_moment_arm_m"]
    ) / bw
    return float(f[idx].mean() / bw), float(proxy[idx].mean()), float(f.min() / bw)


def _push_concentric(t1: float, depth_m: float, brake_g: float) -> tuple[float, float]:
    """(T1, T2) of the push profile with braking peak ``brake_g`` g: A2 = 2 V / T2, V = 2 D / (T1 + T2)."""
    # A2 (m/s^2) = 4 D / (T2 (T1 + T2)) = brake_g g  ->  T2^2 + T1 T2 - 4 D / (brake_g g) = 0
    k = 4 * depth_m / (brake_g * G_M_S2)
    return t1, (-t1 + math.sqrt(t1 * t1 + 4 * k)) / 2


def c6_mid_range_ratios(body_mass_kg: float, c6: dict, *, fs_hz: float = FORCE_FS_HZ) -> dict[str, Any]:
    """Solve the mid-range-loading squat for the scenario's ratios mid/full (noise-free, exact).

    Full range: symmetric quintic squat (mid-range mean force = body weight). Mid range, when the GRF
    ratio differs from 1: a "push" concentric phase (accelerate through the mid-range, brake at
    ``brake_g`` = 0.8 g near the top so the force stays >= 0.2 BW) whose push time T1 is solved for the
    GRF ratio; then the knee flexion depth is solved so that the knee joint-force proxy ratio equals
    ``jrf_ratio_mid_full``.
    """
    system = body_mass_kg + 2 * c6["load_lb"] * LB_KG
    depth, ecc = c6["com_depth_m"], c6["eccentric_s"]
    full_grf, full_jrf, _ = _squat_mid_range(
        system, depth, c6["knee_flexion_max_deg"], ecc, c6["concentric_s"], fs_hz, c6
    )
    target = c6["grf_ratio_mid_full"]
    window: tuple[float, float] | None = None
    if abs(target - 1.0) < 1e-12:
        conc: float | tuple[float, float] = float(c6["concentric_s"])
    else:
        conc = _push_concentric(c6["push_s"], depth, c6["brake_g"])
        centre = conc[0] / 2  # peak upward acceleration of the push

        def ratio(width: float) -> float:
            w = (max(centre - width / 2, 0.0), centre + width / 2)
            return (
                _squat_mid_range(system, depth, c6["knee_flexion_max_deg"], ecc, conc, fs_hz, c6, w)[0] / full_grf
                - target
            )

        if ratio(0.02) < 0:
            raise AnkleLabError(
                f"C6: a mid-range GRF ratio of {target} is not reachable (push {c6['push_s']} s, "
                f"depth {depth} m): shorten push_s or lower grf_ratio_mid_full"
            )
        widths = np.linspace(0.02, 2 * sum(conc), 60)
        signs = np.array([ratio(w) for w in widths])
        k = int(np.flatnonzero(signs < 0)[0]) if np.any(signs < 0) else -1
        if k < 0:
            raise AnkleLabError(f"C6: no knee timing gives a mid-range GRF ratio of {target}")
        width = brentq(ratio, widths[k - 1], widths[k])
        window = (max(centre - width / 2, 0.0), centre + width / 2)
    knee = brentq(
        lambda k: (
            _squat_mid_range(system, depth, k, ecc, conc, fs_hz, c6, window)[1] / full_jrf - c6["jrf_ratio_mid_full"]
        ),
        5.0,
        170.0,
    )
    mid_grf, mid_jrf, fmin = _squat_mid_range(system, depth, knee, ecc, conc, fs_hz, c6, window)
    return {
        "concentric": list(conc) if isinstance(conc, tuple) else conc,
        "knee_flexion_max_deg": knee,
        "knee_window_s": None if window is None else list(window),
        "full_knee_flexion_max_deg": c6["knee_flexion_max_deg"],
        "grf_ratio": mid_grf / full_grf,
        "jrf_ratio": mid_jrf / full_jrf,
        "full_mid_grf_bw": full_grf,
        "full_mid_jrf_bw": full_jrf,
        "mid_min_force_bw": fmin,
    }


# ------------------------------------------------------------------------------------------------
# file writers
# ------------------------------------------------------------------------------------------------
def _ezc3d_int_parameter(c3d, group: str, name: str, values, shape) -> None:
    """Add an INT parameter (ezc3d's ``add_parameter`` stores ints as floats; FORCE_PLATFORM needs INT)."""
    from ezc3d import ezc3d as swig

    p = swig.Parameter(name, "")
    p.set(swig.VecInt([int(v) for v in np.ravel(values, order="F")]), [int(s) for s in shape])
    c3d._storage["parameters"].add_parameter(group, p)


def _new_c3d(analog_rate_hz: float, labels: list[str], units: list[str], analogs: np.ndarray, point_units: str = "mm"):
    import ezc3d

    n = analogs.shape[0]
    sub = int(round(analog_rate_hz / POINT_RATE_HZ))
    if n % sub:
        raise ValueError(f"{n} analog samples is not a multiple of {sub} subframes")
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [POINT_RATE_HZ]
    c["parameters"]["POINT"]["UNITS"]["value"] = [point_units]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [analog_rate_hz]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = labels
    c["parameters"]["ANALOG"]["UNITS"]["value"] = units
    c["data"]["points"] = np.zeros((4, 0, n // sub))
    c["data"]["analogs"] = np.ascontiguousarray(analogs.T[None, :, :], dtype=np.float64)
    return c


def _atomic_c3d_write(c, path: Path) -> None:
    # the study is built in a temporary folder renamed into place at the end: that is the atomic step
    path.parent.mkdir(parents=True, exist_ok=True)
    c.write(str(path))


def write_emg_c3d(
    path: Path,
    emg_v: np.ndarray,
    channel_labels: list[str],
    fs_hz: float = EMG_FS_HZ,
    events: list[tuple[str, float]] | None = None,
) -> None:
    """EMG analogs (V, stored as C3D float32) without points; ``events`` (label, seconds from the first
    sample) go to the EVENT group (USED, LABELS, CONTEXTS "General", TIMES as minutes/seconds rows)."""
    c = _new_c3d(fs_hz, channel_labels, ["V"] * len(channel_labels), emg_v)
    if events:
        _ezc3d_int_parameter(c, "EVENT", "USED", [len(events)], [1])
        c.add_parameter("EVENT", "LABELS", [label for label, _ in events])
        c.add_parameter("EVENT", "CONTEXTS", ["General"] * len(events))
        c.add_parameter("EVENT", "TIMES", np.array([[0.0] * len(events), [float(ts) for _, ts in events]]))
    _atomic_c3d_write(c, path)


#: two 500 x 600 mm plates side by side, lab z up (C3D type 2: Fx, Fy, Fz, Mx, My, Mz per plate)
PLATE_CENTRES_M = ((0.25, 0.30), (0.75, 0.30))
PLATE_HALF_SIZE_M = (0.25, 0.30)
PLATE_ORIGIN_DEPTH_M = 0.040  # sensor origin below the top surface [assumption; AMTI-like]


def plate_channels(
    fz_n: np.ndarray, fx_n: np.ndarray, fy_n: np.ndarray, cop_xy_m: np.ndarray, tz_nm: np.ndarray | None = None
) -> np.ndarray:
    """Type-2 plate analogs (Fx, Fy, Fz, Mx, My, Mz in N and N·m, plate frame) for a force at a CoP.

    Moments about the sensor origin at depth h below the surface, chosen so that the C3D User Guide
    formula COPx = (-h Fx - My)/Fz, COPy = (-h Fy + Mx)/Fz (ezc3d's) returns ``cop_xy_m`` exactly.
    """
    h = PLATE_ORIGIN_DEPTH_M
    px, py = cop_xy_m
    my = -h * fx_n - px * fz_n
    mx = py * fz_n + h * fy_n
    mz = px * fy_n - py * fx_n + (0.0 if tz_nm is None else tz_nm)
    return np.column_stack([fx_n, fy_n, fz_n, mx, my, mz])


def write_forceplate_c3d(
    path: Path,
    plates: list[np.ndarray],
    fs_hz: float = FORCE_FS_HZ,
    *,
    units: str = "mm",
    extra_analogs: dict[str, tuple[str, np.ndarray]] | None = None,
) -> None:
    """Two type-2 force platforms; ``units`` "mm" stores moments in N·mm and corners in mm, "m" in N·m and m.

    (ezc3d computes the CoP from CORNERS/ORIGIN in POINT:UNITS and moments in N·<POINT:UNITS>, so the
    two are always written consistently.) ``extra_analogs`` ``{label: (unit, samples)}`` adds analog
    channels after the plates' (e.g. an electrogoniometer ``knee_flexion`` in ``deg``, as labs record
    goniometers on the force plate's A/D board).
    """
    k = 1000.0 if units == "mm" else 1.0
    n_plates = len(plates)
    data = np.column_stack([np.column_stack([p[:, :3], p[:, 3:] * k]) for p in plates])
    labels = [f"{q}{i + 1}" for i in range(n_plates) for q in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")]
    m_unit = "Nmm" if units == "mm" else "Nm"
    analog_units = (["N"] * 3 + [m_unit] * 3) * n_plates
    for label, (unit, samples) in (extra_analogs or {}).items():
        data = np.column_stack([data, np.asarray(samples, dtype=float)])
        labels.append(label)
        analog_units.append(unit)
    c = _new_c3d(fs_hz, labels, analog_units, data, point_units=units)
    corners = np.zeros((3, 4, n_plates))
    hx, hy = PLATE_HALF_SIZE_M
    for p in range(n_plates):
        cx, cy = PLATE_CENTRES_M[p]
        corners[:, :, p] = (
            k * np.array([[cx + hx, cy + hy, 0], [cx - hx, cy + hy, 0], [cx - hx, cy - hy, 0], [cx + hx, cy - hy, 0]]).T
        )
    _ezc3d_int_parameter(c, "FORCE_PLATFORM", "USED", [n_plates], [1])
    _ezc3d_int_parameter(c, "FORCE_PLATFORM", "TYPE", [2] * n_plates, [n_plates])
    _ezc3d_int_parameter(c, "FORCE_PLATFORM", "ZERO", [1, 0], [2])
    _ezc3d_int_parameter(
        c, "FORCE_PLATFORM", "CHANNEL", np.arange(1, 6 * n_plates + 1).reshape(n_plates, 6).T, [6, n_plates]
    )
    c.add_parameter("FORCE_PLATFORM", "CORNERS", corners)
    c.add_parameter(
        "FORCE_PLATFORM", "ORIGIN", np.tile(np.array([[0.0], [0.0], [-PLATE_ORIGIN_DEPTH_M * k]]), (1, n_plates))
    )
    _atomic_c3d_write(c, path)


def write_fz_text(path: Path, fz_n: np.ndarray) -> None:
    """One-column vertical force text (N, 3 decimals, no header), as the vertical_jumps_fz files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{v:.3f}\n" for v in np.round(fz_n, 3)), encoding="utf-8")


def write_generic_csv(path: Path, fs_hz: float, columns: dict[str, np.ndarray]) -> None:
    """Generic export ``time_s,<name> [<unit>],...`` (names given with their unit)."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame(
        {"time_s": np.round(np.arange(n) / fs_hz, 6), **{k: np.round(v, 4) for k, v in columns.items()}}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


# ------------------------------------------------------------------------------------------------
# the study
# ------------------------------------------------------------------------------------------------
class _Builder:
    """Holds the rng, the tables and the output folder while one study is generated."""

    def __init__(self, root: Path, params: dict[str, Any], rng: np.random.Generator, progress: Callable[[int], None]):
        self.root, self.p, self.rng, self.progress = root, params, rng, progress
        self.subjects: list[dict] = []
        self.trials: list[dict] = []
        self.measures: list[dict] = []
        self.truth_rows: list[dict] = []
        self.n_files = 0

    # -- helpers --------------------------------------------------------------------------------
    def _trial(self, **row: Any) -> None:
        base = {
            "subject_id": "",
            "session": "",
            "trial_id": "",
            "exercise": "",
            "load_per_ankle": 0.0,
            "load_unit": "",
            "load_phase": "none",
            "kind": "",
            "file": "",
            "is_mvc": "false",
            "mvc_muscle": "",
            "notes": "",
            "sampling_rate_hz": "",
            "format": "",
        }
        base.update(row)
        self.trials.append(base)
        self.n_files += 1
        self.progress(1)

    def _truth(
        self, trial_id: str, quantity: str, value: float, unit: str, muscle: str = "", definition: str = ""
    ) -> None:
        self.truth_rows.append(
            {
                "trial_id": trial_id,
                "muscle": muscle,
                "quantity": quantity,
                "value": float(value),
                "unit": unit,
                "definition": definition,
            }
        )

    def _new_subjects(self, prefix: str, n: int, group: Callable[[int], str]) -> list[dict]:
        sp = self.p["subjects"]
        rng = self.rng
        mass = np.clip(rng.normal(sp["body_mass_kg"]["mean"], sp["body_mass_kg"]["sd"], n), *sp["body_mass_kg"]["clip"])
        height = (
            sp["height_m"]["mean_at_75kg"]
            + sp["height_m"]["per_kg"] * (mass - 75)
            + rng.normal(0, sp["height_m"]["sd"], n)
        )
        female = rng.random(n) < sp["p_female"]
        age = rng.integers(sp["age_years"]["low"], sp["age_years"]["high"] + 1, n)
        ta = np.clip(
            rng.normal(sp["training_age_years"]["mean"], sp["training_age_years"]["sd"], n),
            *sp["training_age_years"]["clip"],
        )
        ta = np.minimum(ta, age - 10)
        rows = []
        for i in range(n):
            rows.append(
                {
                    "subject_id": f"{prefix}{i + 1:02d}",
                    "body_mass_kg": round(float(mass[i]), 1),
                    "height_m": round(float(np.clip(height[i], 1.5, 2.1)), 2),
                    "sex": "female" if female[i] else "male",
                    "age": int(age[i]),
                    "training_age_years": round(float(ta[i]), 1),
                    "group": group(i),
                }
            )
        self.subjects.extend(rows)
        return rows

    @staticmethod
    def _load_cell(load_kg: float, unit: str) -> tuple[float, str, float]:
        """(value written, unit, exact kg the written value stands for)."""
        if load_kg == 0:
            return 0.0, "", 0.0
        if unit == "lb":
            v = round(load_kg / LB_KG, 1)
            return v, "lb", v * LB_KG
        v = round(load_kg, 2)
        return v, "kg", v

    # -- acute cohort -----------------------------------------------------------------------------
    def acute(self, n: int) -> None:
        rng, p = self.rng, self.p
        e, kin, cmj = p["emg"], p["kinematics"], p["cmj"]
        subjects = self._new_subjects("A", n, lambda i: "acute")
        n_m = len(MUSCLES)
        labels = [f"EMG {i + 1}" for i in range(n_m)]
        # subject-level random effects, drawn in blocks
        u_subj = rng.normal(0, e["subject_log_sd"], n)
        u_sm = rng.normal(0, e["subject_muscle_log_sd"], (n, n_m))
        mvc_amp = e["mvc_arv_v"]["median"] * np.exp(rng.normal(0, e["mvc_arv_v"]["log_sd"], (n, n_m)))
        slope_sd_x = e["slope_sd_per_pct_bw"] / (75 / 100 / LB_KG / 4)
        u_slope = rng.normal(0, slope_sd_x, (n, n_m))
        fppa0 = rng.normal(kin["fppa_deg"]["mean"], kin["fppa_deg"]["sd"], n)
        po0 = rng.normal(kin["pelvic_obliquity_deg"]["mean"], kin["pelvic_obliquity_deg"]["sd"], n)
        h0 = cmj["jump_height_m"]["median"] * np.exp(rng.normal(0, cmj["jump_height_m"]["log_sd"], n))
        pf0 = rng.normal(cmj["peak_force_bw"]["mean"], cmj["peak_force_bw"]["sd"], n)
        c5 = p["c5"]
        c5_u = rng.normal(0, c5["subject_muscle_log_sd"], (n, n_m))  # per muscle, protocol-independent
        for si, subj in enumerate(subjects):
            sid, mass = subj["subject_id"], subj["body_mass_kg"]
            unit = "lb" if si % 2 == 0 else "kg"
            c3d_units = "mm" if si % 2 == 0 else "m"
            session = "acute"
            # MVC trials: the target muscle at its MVC plateau, the others at 10-30 %
            dur = e["mvc_trial_s"]
            ns = int(round(dur * EMG_FS_HZ))
            t = np.arange(ns) / EMG_FS_HZ
            mvc_plateau = np.zeros(n_m)
            for mi, muscle in enumerate(MUSCLES):
                level = rng.uniform(0.1, 0.3, n_m) * mvc_amp[si]
                level[mi] = mvc_amp[si, mi]
                env = np.column_stack(
                    [
                        two_phase_envelope(
                            t,
                            e["rest_s"],
                            e["durations_s"]["mvc"][0],
                            0.0,
                            level[k],
                            1.0,
                            rest_level=e["rest_level_frac_mvc"] * mvc_amp[si, k],
                            ramp_s=0.2,
                        )
                        for k in range(n_m)
                    ]
                )
                # the plateau (not the window mean) is the MVC reference: the window mean includes ramps
                tid = f"{sid}-{session}-mvc-{muscle}"
                raw = self._emg_raw(env, t)
                f = f"raw/{sid}/{tid}.c3d"
                write_emg_c3d(self.root / f, raw, labels)
                plateau = float(
                    env[(t > e["rest_s"] + 0.3) & (t < e["rest_s"] + e["durations_s"]["mvc"][0] - 0.3), mi].mean()
                )
                mvc_plateau[mi] = plateau
                self._truth(
                    tid,
                    "mvc_reference_arv_v",
                    plateau,
                    "V",
                    muscle,
                    "plateau mean rectified value of the MVC contraction",
                )
                self._trial(
                    subject_id=sid,
                    session=session,
                    trial_id=tid,
                    exercise="mvc",
                    kind="emg",
                    file=f,
                    is_mvc="true",
                    mvc_muscle=muscle,
                    notes="synthetic isometric MVC, 2 s plateau",
                )
            # dynamic trials: compound exercises on the full grid, as sets of `set_reps` reps inside the C1 window;
            # CMJ (EMG + plates) and walking on the sparse grid, one rep
            design = self.p["design"]
            for ex in EXERCISES_EMG:
                ecc_s, con_s = e["durations_s"][ex]
                compound = ex in C1_COMPOUND_EXERCISES
                for pct in design["loads_pct_bw"] if compound else design["sparse_loads_pct_bw"]:
                    value, u_written, load_kg = self._load_cell(pct * mass / 100, unit)
                    load_lb = load_kg / LB_KG
                    x = load_lb / 4
                    reps = int(design["set_reps"]) if compound and load_lb <= C1_FIT_MAX_LOAD_LB + 1e-9 else 1
                    phase = "none" if load_kg == 0 else "full_range"
                    tid = f"{sid}-{session}-{ex}-L{pct:02d}"
                    slope = np.array([e["slope_per_4lb"][m][ex] for m in MUSCLES]) + u_slope[si]
                    log_pct = (
                        np.log([e["baseline_pct_mvc"][m] for m in MUSCLES])
                        + e["exercise_log_effect"][ex]
                        + u_subj[si]
                        + u_sm[si]
                        + slope * x
                        + rng.normal(0, e["trial_log_sd"], (reps, n_m))
                    )
                    amp = np.exp(log_pct) / 100 * mvc_amp[si]  # (reps, muscles), V: each rep's movement-window mean
                    rep_s = ecc_s + con_s
                    starts = e["rest_s"] + np.arange(reps) * (rep_s + e["set_pause_s"])
                    ns = int(round((starts[-1] + rep_s + e["rest_s"]) * EMG_FS_HZ / 20)) * 20
                    t = np.arange(ns) / EMG_FS_HZ
                    env = _set_envelope(
                        t,
                        starts,
                        ecc_s,
                        con_s,
                        amp,
                        e["rest_level_frac_mvc"] * mvc_amp[si],
                        e["concentric_eccentric_ratio"],
                    )
                    raw = self._emg_raw(env, t)
                    f = f"raw/{sid}/{tid}-emg.c3d"
                    write_emg_c3d(self.root / f, raw, labels, events=_rep_events(starts, ecc_s, con_s))
                    set_mean = amp.mean(axis=0)  # equal rep windows: the movement-phase mean is the mean over reps
                    what = ("movement window" if reps == 1 else f"{reps} rep windows") + f" ({rep_s:.2f} s each)"
                    for k, muscle in enumerate(MUSCLES):
                        self._truth(
                            f"{tid}-emg",
                            "mean_envelope_v",
                            set_mean[k],
                            "V",
                            muscle,
                            f"mean rectified EMG over the {what}",
                        )
                        self._truth(
                            f"{tid}-emg",
                            "mean_pct_mvc",
                            100 * set_mean[k] / mvc_plateau[k],
                            "%MVC",
                            muscle,
                            f"mean envelope over the {what} / MVC plateau x 100",
                        )
                    for r, t0 in enumerate(starts):  # one movement window per rep
                        self._truth(f"{tid}-emg", "movement_start_s", t0, "s", definition=f"rep {r + 1} of {reps}")
                        self._truth(
                            f"{tid}-emg", "movement_end_s", t0 + rep_s, "s", definition=f"rep {r + 1} of {reps}"
                        )
                    self._trial(
                        subject_id=sid,
                        session=session,
                        trial_id=f"{tid}-emg",
                        exercise=ex,
                        load_per_ankle=value,
                        load_unit=u_written,
                        load_phase=phase,
                        kind="emg",
                        file=f,
                        notes="one repetition"
                        if reps == 1
                        else f"set of {reps} repetitions ({e['set_pause_s']:g} s pauses)",
                    )
                    if ex in ("squat", "step_up"):
                        self._kinematics_trial(
                            sid,
                            session,
                            f"{tid}-kin",
                            ex,
                            value,
                            u_written,
                            phase,
                            load_kg,
                            mass,
                            fppa0[si],
                            po0[si],
                            1.0,
                            0.0,
                            note=f"same repetition as {tid}-emg"
                            if reps == 1
                            else f"first repetition of the set {tid}-emg",
                        )
                    if ex == "cmj":
                        system = mass + 2 * load_kg
                        h = (
                            h0[si]
                            * (mass / system) ** cmj["load_exponent_k"]
                            * math.exp(rng.normal(0, cmj["trial_log_sd_height"]))
                        )
                        pf = pf0[si] * math.exp(rng.normal(0, cmj["trial_log_sd_peak_force"]))
                        curve = jump_force(
                            system,
                            math.sqrt(2 * G_M_S2 * h),
                            pf,
                            None,
                            countermovement=True,
                            quiet_s=cmj["quiet_s"],
                            unweighting_depth_bw=cmj["unweighting_depth_bw"],
                            unweighting_s=cmj["unweighting_s"],
                            drop_s=cmj["drop_s"],
                            after_s=cmj["after_s"],
                        )
                        f = f"raw/{sid}/{tid}-fp.c3d"
                        self._write_jump_plates(f, curve.force_n, c3d_units)
                        self._jump_truth(f"{tid}-fp", curve)
                        self._trial(
                            subject_id=sid,
                            session=session,
                            trial_id=f"{tid}-fp",
                            exercise="cmj",
                            load_per_ankle=value,
                            load_unit=u_written,
                            load_phase=phase,
                            kind="forceplate",
                            file=f,
                            notes=f"same jump as {tid}-emg; moments in N·{c3d_units}",
                        )
            self._c6_squats(sid, session, mass, unit, c3d_units, fppa0[si], po0[si])
            # C5: EMG sets of one exercise under a sustained low-load and a brief high-load protocol
            self._c5_sets(sid, session, mass, unit, labels, u_subj[si] + u_sm[si] + c5_u[si], mvc_amp[si], mvc_plateau)

    def _c5_sets(
        self,
        sid: str,
        session: str,
        mass: float,
        unit: str,
        labels: list[str],
        u_log: np.ndarray,
        mvc_amp: np.ndarray,
        mvc_plateau: np.ndarray,
    ) -> None:
        """One set per protocol: reps with per-rep amplitudes, movement/eccentric/concentric events per rep."""
        rng, e, c5 = self.rng, self.p["emg"], self.p["c5"]
        ex = c5["exercise"]
        for proto, spec in c5["protocols"].items():
            sign = 0.5 if proto == "sustained_low" else -0.5
            shift = np.array([sign * c5["delta"].get(m, 0.0) for m in MUSCLES])
            value, u_written, load_kg = self._load_cell(spec["load_pct_bw"] * mass / 100, unit)
            ecc_s, con_s, reps = spec["eccentric_s"], spec["concentric_s"], spec["reps"]
            rep_s = ecc_s + con_s
            starts = e["rest_s"] + np.arange(reps) * (rep_s + c5["pause_s"])
            dur_s = starts[-1] + rep_s + e["rest_s"]
            ns = int(round(dur_s * EMG_FS_HZ / 20)) * 20
            t = np.arange(ns) / EMG_FS_HZ
            log_pct = (
                np.log([e["baseline_pct_mvc"][m] for m in MUSCLES])
                + c5["exercise_log_effect"]
                + u_log
                + shift
                + rng.normal(0, c5["rep_log_sd"], (reps, len(MUSCLES)))
            )
            amp = np.exp(log_pct) / 100 * mvc_amp  # (reps, muscles), V
            # each rep's window mean is exactly amp (rest level included), as for the C1 sets
            env = _set_envelope(
                t, starts, ecc_s, con_s, amp, e["rest_level_frac_mvc"] * mvc_amp, e["concentric_eccentric_ratio"]
            )
            raw = self._emg_raw(env, t)
            tid = f"{sid}-{session}-c5-{proto}-emg"
            f = f"raw/{sid}/{tid}.c3d"
            write_emg_c3d(self.root / f, raw, labels, events=_rep_events(starts, ecc_s, con_s))
            set_mean = amp.mean(axis=0)  # equal rep windows: the movement-phase mean is the mean over reps
            for k, muscle in enumerate(MUSCLES):
                self._truth(
                    tid,
                    "mean_pct_mvc",
                    100 * set_mean[k] / mvc_plateau[k],
                    "%MVC",
                    muscle,
                    f"C5 {proto}: mean envelope over the {reps} rep windows / MVC plateau x 100",
                )
            self._truth(tid, "time_under_load_s", reps * rep_s, "s", "", f"C5 {proto}: summed rep windows")
            self._trial(
                subject_id=sid,
                session=session,
                trial_id=tid,
                exercise=ex,
                load_per_ankle=value,
                load_unit=u_written,
                load_phase="full_range",
                kind="emg",
                file=f,
                notes=f"C5 {proto.replace('_', ' ')} set: {reps} reps of {ecc_s:g} s + {con_s:g} s",
            )

    def _emg_raw(self, env: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Raw EMG (V): shaped noise x envelope / E|x|, plus electrode noise, 50 Hz hum and DC offset."""
        e, rng = self.p["emg"], self.rng
        ns, nc = env.shape
        spec = e["spectrum"]
        noise = shaped_emg_noise(
            rng,
            ns,
            nc,
            EMG_FS_HZ,
            f_low_hz=spec["f_low_hz"],
            f_high_hz=spec["f_high_hz"],
            band_hz=tuple(spec["band_hz"]),
        )
        raw = env * noise / _SQRT_2_OVER_PI
        raw += rng.normal(0, e["electrode_noise_rms_v"], (ns, nc))
        phase = rng.uniform(0, 2 * np.pi, nc)
        raw += e["powerline_amplitude_v"] * np.sin(2 * np.pi * 50.0 * t[:, None] + phase)
        raw += rng.normal(0, e["dc_offset_sd_v"], nc)
        return raw.astype(np.float32)

    def _kinematics_trial(
        self,
        sid,
        session,
        tid,
        ex,
        value,
        u_written,
        phase,
        load_kg,
        mass,
        fppa_subj,
        po_subj,
        velocity_factor,
        hip_hike_shift,
        note="",
        knee_max=None,
        durations=None,
        rest_s=None,
        knee_window=None,
        after_s=None,
    ):
        kin, e, rng = self.p["kinematics"], self.p["emg"], self.rng
        pct = 100 * load_kg / mass
        psi = kin["psi0_pct_bw"] + kin["psi1_pct_bw_per_kg"] * (mass - 75.0)
        fppa_peak = (
            fppa_subj
            + kin["fppa_slope_deg_per_pct_bw"] * pct
            + kin["hinge_slope_deg_per_pct_bw"] * max(pct - psi, 0.0)
            + rng.normal(0, kin["fppa_deg"]["residual_sd"])
        )
        ecc_s, con = durations or e["durations_s"][ex]
        if not isinstance(con, tuple):
            con = con / (velocity_factor * math.exp(kin["knee_ext_velocity_log_per_pct_bw"] * pct))
        knee_max = knee_max or kin["knee_flexion_max_deg"][ex]
        rest = e["rest_s"] if rest_s is None else rest_s
        after = rest if after_s is None else after_s
        ns = int(round((rest + ecc_s + _concentric_duration(con) + after) * KIN_FS_HZ))
        t = np.arange(ns) / KIN_FS_HZ
        q = knee_profile(t - rest, ecc_s, con, knee_window)
        knee = knee_max * q
        vel = np.gradient(knee, 1 / KIN_FS_HZ)
        # exact peak extension velocity on a fine grid (quintic: 1.875 ROM / T)
        tf = np.linspace(ecc_s, ecc_s + _concentric_duration(con), 4001)
        qf = knee_profile(tf, ecc_s, con, knee_window)
        peak_ext_vel = float(np.max(-np.diff(qf) / np.diff(tf)) * knee_max)
        po_peak = po_subj + hip_hike_shift + rng.normal(0, kin["pelvic_obliquity_deg"]["residual_sd"])
        noise = lambda: rng.normal(0, kin["noise_deg"], ns)  # noqa: E731
        f = f"raw/{sid}/{tid}.csv"
        write_generic_csv(
            self.root / f,
            KIN_FS_HZ,
            {
                "knee_flexion [deg]": knee + noise(),
                "knee_flexion_velocity [deg/s]": vel,
                "knee_fppa [deg]": fppa_peak * q + noise(),
                "pelvic_obliquity [deg]": po_peak * q + noise(),
            },
        )
        self._truth(tid, "peak_knee_fppa_deg", fppa_peak, "deg", definition="FPPA at maximal knee flexion (noise-free)")
        self._truth(
            tid,
            "peak_knee_extension_velocity_deg_s",
            peak_ext_vel,
            "deg/s",
            definition="max of -d(knee flexion)/dt in the concentric phase (noise-free)",
        )
        self._truth(tid, "peak_pelvic_obliquity_deg", po_peak, "deg", definition="peak pelvic obliquity (hip hiking)")
        self._truth(tid, "knee_valgus_threshold_pct_bw", psi, "%BW", definition="ψ(m) = ψ0 + ψ1 (m - 75 kg)")
        self._trial(
            subject_id=sid,
            session=session,
            trial_id=tid,
            exercise=ex,
            load_per_ankle=value,
            load_unit=u_written,
            load_phase=phase,
            kind="kinematics",
            file=f,
            notes=note,
        )
        return knee

    def _plates_from_total(self, fz: np.ndarray, fs_hz: float) -> list[np.ndarray]:
        """Split a total vertical force over two plates (subject asymmetry), add shear, CoP sway and noise."""
        rng = self.rng
        n = fz.size
        share = 0.5 + rng.normal(0, 0.02)
        plates = []
        t = np.arange(n) / fs_hz
        for k, s in enumerate((share, 1 - share)):
            fzk = fz * s + rng.normal(0, self.p["cmj"]["force_noise_n"] / math.sqrt(2), n)
            fx = 0.01 * fzk * np.sin(2 * np.pi * 0.7 * t + k) + rng.normal(0, 0.5, n)
            fy = 0.02 * fzk * np.sin(2 * np.pi * 0.5 * t + k) + rng.normal(0, 0.5, n)
            cop = np.vstack([0.01 * np.sin(2 * np.pi * 0.3 * t + k), 0.02 * np.sin(2 * np.pi * 0.2 * t) - 0.03])
            plates.append(plate_channels(fzk, fx, fy, cop, tz_nm=rng.normal(0, 0.2, n)))
        return plates

    def _write_jump_plates(self, f: str, force: np.ndarray, c3d_units: str) -> None:
        n = int(math.ceil(force.size / 10)) * 10
        force = np.concatenate([force, np.full(n - force.size, force[-1])])
        write_forceplate_c3d(self.root / f, self._plates_from_total(force, FORCE_FS_HZ), units=c3d_units)

    def _jump_truth(self, tid: str, curve: JumpCurve) -> None:
        self._truth(
            tid,
            "jump_height_m",
            curve.jump_height_m,
            "m",
            definition="v_takeoff^2 / 2g (impulse-momentum = flight time here)",
        )
        self._truth(tid, "takeoff_velocity_m_s", curve.takeoff_velocity_m_s, "m/s")
        self._truth(
            tid, "peak_propulsive_force_n", curve.peak_propulsive_force_n, "N", definition="max vGRF before take-off"
        )
        self._truth(tid, "flight_time_s", curve.flight_time_s, "s")
        self._truth(tid, "onset_s", curve.onset_index / FORCE_FS_HZ, "s", definition="true movement onset")
        if not math.isnan(curve.rfd_0_100_n_per_s):
            self._truth(
                tid,
                "rfd_0_100ms_n_per_s",
                curve.rfd_0_100_n_per_s,
                "N/s",
                definition="(F(onset+100 ms) - BW)/0.1 s from the true onset",
            )

    def _c6_squats(
        self, sid: str, session: str, mass: float, unit: str, c3d_units: str, fppa_subj: float, po_subj: float
    ) -> None:
        """C6 squats (mid- and full-range loading at c6.load_lb); the kinematics trials carry the subject's own
        FPPA and pelvic-obliquity levels, so their FPPA rows belong to the same valgus model (C3/C9)."""
        c6, rng = self.p["c6"], self.rng
        sol = c6_mid_range_ratios(mass, c6)
        value, u_written, load_kg = self._load_cell(c6["load_lb"] * LB_KG, unit)
        system = mass + 2 * load_kg
        for cond in ("full_range", "mid_range"):
            if cond == "full_range":
                conc, knee_max, window = float(c6["concentric_s"]), c6["knee_flexion_max_deg"], None
            else:
                conc = tuple(sol["concentric"]) if isinstance(sol["concentric"], list) else sol["concentric"]
                knee_max = sol["knee_flexion_max_deg"]
                window = tuple(sol["knee_window_s"]) if sol["knee_window_s"] else None
            for rep in range(self.p["design"]["c6_reps"]):
                tid = f"{sid}-{session}-squat-c6-{cond}-r{rep + 1}"
                rest, after = c6["quiet_s"], c6["after_s"]
                total_s = rest + c6["eccentric_s"] + _concentric_duration(conc) + after
                n = int(math.ceil(total_s * FORCE_FS_HZ / 10)) * 10
                t = np.arange(n) / FORCE_FS_HZ
                depth = c6["com_depth_m"] * math.exp(rng.normal(0, 0.03))
                _, qdd = squat_profile(t - rest, c6["eccentric_s"], conc)
                fz = system * (G_M_S2 - depth * qdd)
                # knee flexion (electrogoniometer on the plate's A/D board, deg) in the same file, so the
                # mid-range window and the joint-force proxy use the knee angle as truth.json defines them
                knee_deg = knee_max * knee_profile(t - rest, c6["eccentric_s"], conc, window)
                knee_deg = knee_deg + rng.normal(0, self.p["kinematics"]["noise_deg"], n)
                f = f"raw/{sid}/{tid}-fp.c3d"
                write_forceplate_c3d(
                    self.root / f,
                    self._plates_from_total(fz, FORCE_FS_HZ),
                    units=c3d_units,
                    extra_analogs={"knee_flexion": ("deg", knee_deg)},
                )
                grf, jrf, _ = _squat_mid_range(
                    system, depth, knee_max, c6["eccentric_s"], conc, FORCE_FS_HZ, c6, window
                )
                self._truth(
                    f"{tid}-fp",
                    "mid_range_mean_force_bw",
                    grf,
                    "BW",
                    definition="forceplate.analyse_squat: concentric 25-75 % of knee-flexion ROM",
                )
                self._truth(
                    f"{tid}-fp",
                    "mid_range_knee_joint_force_proxy_bw",
                    jrf,
                    "BW",
                    definition="forceplate.knee_joint_force_proxy_bw over the same samples",
                )
                self._truth(f"{tid}-fp", "movement_start_s", rest, "s")
                self._trial(
                    subject_id=sid,
                    session=session,
                    trial_id=f"{tid}-fp",
                    exercise="squat",
                    load_per_ankle=value,
                    load_unit=u_written,
                    load_phase=cond,
                    kind="forceplate",
                    file=f,
                    notes=f"C6 squat with knee_flexion goniometer channel; kinematics also in {tid}-kin",
                )
                # kinematics at 200 Hz with the same 1.2 s of quiet stance first, so both files share the onset
                self._kinematics_trial(
                    sid,
                    session,
                    f"{tid}-kin",
                    "squat",
                    value,
                    u_written,
                    cond,
                    load_kg,
                    mass,
                    fppa_subj,
                    po_subj,
                    1.0,
                    0.0,
                    note=f"C6 squat; force in {tid}-fp",
                    knee_max=knee_max,
                    durations=(c6["eccentric_s"], conc),
                    rest_s=rest,
                    knee_window=window,
                    after_s=after,
                )

    # -- training cohort (C2, C4, C7) -------------------------------------------------------------
    def training(self, n_per_arm: int) -> None:
        rng, p = self.rng, self.p
        tr, cmj, sj, kin = p["training"], p["cmj"], p["sj"], p["kinematics"]
        arms = tr["arms"]
        n = n_per_arm * len(arms)
        allocation = np.repeat(arms, n_per_arm)
        rng.shuffle(allocation)
        subjects = self._new_subjects("T", n, lambda i: str(allocation[i]))
        h0 = cmj["jump_height_m"]["median"] * np.exp(rng.normal(0, cmj["jump_height_m"]["log_sd"], n))
        eur0 = sj["eur"]["median"] * np.exp(rng.normal(0, sj["eur"]["log_sd"], n))
        rfd0 = sj["rfd_0_100_n_per_s"]["median"] * np.exp(rng.normal(0, sj["rfd_0_100_n_per_s"]["log_sd"], n))
        pf_cmj = rng.normal(cmj["peak_force_bw"]["mean"], cmj["peak_force_bw"]["sd"], n)
        pf_sj = rng.normal(sj["peak_force_bw"]["mean"], sj["peak_force_bw"]["sd"], n)
        vel0 = np.exp(rng.normal(0, tr["subject_velocity_log_sd"], n))
        po0 = rng.normal(kin["pelvic_obliquity_deg"]["mean"], kin["pelvic_obliquity_deg"]["sd"], n)
        jps0 = rng.normal(tr["jps_abs_error_deg"]["mean"], tr["jps_abs_error_deg"]["sd"], n)
        load_pct = rng.uniform(*tr["training_load_pct_bw"], n)
        for si, subj in enumerate(subjects):
            sid, mass, arm = subj["subject_id"], subj["body_mass_kg"], subj["group"]
            trained = arm != "control"
            self.measures.append(
                {
                    "subject_id": sid,
                    "session": "pre",
                    "measure": "training_load_pct_bw",
                    "value": round(float(load_pct[si]) if trained else 0.0, 2),
                    "unit": "%BW",
                    "condition": arm,
                    "notes": "per-ankle load used in the 8-week training block",
                }
            )
            for session in ("pre", "post"):
                post = session == "post"
                d_cmj = tr["cmj_log_change"][arm] if post else 0.0
                d_sj = tr["sj_log_change"][arm] if post else 0.0
                d_rfd = tr["rfd_log_change"]["trained" if trained else "control"] if post else 0.0
                d_vel = tr["knee_ext_velocity_log_change"]["trained" if trained else "control"] if post else 0.0
                d_hh = tr["hip_hike_change_deg"]["trained" if trained else "control"] if post else 0.0
                d_jps = tr["jps_change_deg"][arm] if post else 0.0
                for kind, h_base, pf, countermovement in (
                    ("cmj", h0[si] * math.exp(d_cmj), pf_cmj[si], True),
                    ("sj", h0[si] / eur0[si] * math.exp(d_sj), pf_sj[si], False),
                ):
                    for rep in (1, 2):
                        tid = f"{sid}-{session}-{kind}-r{rep}"
                        h = h_base * math.exp(rng.normal(0, cmj["trial_log_sd_height"]))
                        rfd = (
                            rfd0[si] * math.exp(d_rfd + rng.normal(0, sj["trial_log_sd_rfd"]))
                            if not countermovement
                            else None
                        )
                        curve = jump_force(
                            mass,
                            math.sqrt(2 * G_M_S2 * h),
                            pf * math.exp(rng.normal(0, cmj["trial_log_sd_peak_force"])),
                            rfd,
                            countermovement=countermovement,
                            quiet_s=cmj["quiet_s"],
                            unweighting_depth_bw=cmj["unweighting_depth_bw"],
                            unweighting_s=cmj["unweighting_s"],
                            drop_s=cmj["drop_s"],
                            after_s=cmj["after_s"],
                        )
                        fz = curve.force_n + rng.normal(0, cmj["force_noise_n"], curve.force_n.size)
                        f = f"raw/{sid}/{tid}-fz.txt"
                        write_fz_text(self.root / f, fz)
                        self._jump_truth(tid, curve)
                        self._trial(
                            subject_id=sid,
                            session=session,
                            trial_id=tid,
                            exercise=kind,
                            kind="forceplate",
                            file=f,
                            sampling_rate_hz=f"{FORCE_FS_HZ:g}",
                            format="fz_text",
                            notes="unloaded test jump",
                        )
                vf = vel0[si] * math.exp(d_vel + rng.normal(0, tr["velocity_trial_log_sd"]))
                self._kinematics_trial(
                    sid,
                    session,
                    f"{sid}-{session}-step_up-kin",
                    "step_up",
                    0.0,
                    "",
                    "none",
                    0.0,
                    mass,
                    0.0,
                    po0[si],
                    vf,
                    d_hh,
                    note="unloaded step-up test",
                )
                jps = max(0.2, jps0[si] + d_jps + rng.normal(0, tr["jps_abs_error_deg"]["residual_sd"]))
                self.measures.append(
                    {
                        "subject_id": sid,
                        "session": session,
                        "measure": "jps_abs_error_deg",
                        "value": round(jps, 3),
                        "unit": "deg",
                        "condition": arm,
                        "notes": "knee joint-position sense, absolute angular error",
                    }
                )

    # -- injury cohort (C8) -----------------------------------------------------------------------
    def injuries(self, n_teams: int, per_team: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        rng, inj = self.rng, self.p["injury"]
        weeks = inj["weeks"]
        start = pd.Timestamp(SEASON_START)
        n = n_teams * per_team
        team = np.repeat(np.arange(n_teams), per_team)
        groups = np.array(inj["groups"])
        group = np.concatenate([rng.permutation(np.resize(groups, per_team)) for _ in range(n_teams)])
        team_eff = np.exp(rng.normal(0, inj["team_log_sd"], n_teams))
        a = inj["frailty_variance"]
        frailty = rng.gamma(1 / a, a, n) if a > 0 else np.ones(n)
        hours = np.clip(
            rng.normal(inj["weekly_hours"]["mean"], inj["weekly_hours"]["sd"], (n, weeks)), *inj["weekly_hours"]["clip"]
        )
        irr = np.array([inj["irr"][g] for g in group])
        knee_rate = inj["knee_rate_per_1000h"] / 1000 * frailty * team_eff[team] * irr
        other_rate = inj["other_rate_per_1000h"] / 1000 * team_eff[team]
        knee_n = rng.poisson(knee_rate[:, None] * hours)
        other_n = rng.poisson(other_rate[:, None] * hours)
        ids = [f"P{k + 1:03d}" for k in range(n)]
        exp_rows, inj_rows = [], []
        for k in range(n):
            minutes = team[k] in inj["minutes_teams"]
            for wk in range(weeks):
                d0 = start + pd.Timedelta(days=7 * wk)
                exp_rows.append(
                    {
                        "athlete_id": ids[k],
                        "team": f"team_{team[k] + 1}",
                        "season": "2025/2026",
                        "date_start": d0.date().isoformat(),
                        "date_end": (d0 + pd.Timedelta(days=6)).date().isoformat(),
                        "exposure_time": round(float(hours[k, wk] * (60 if minutes else 1)), 2),
                        "exposure_unit": "minutes" if minutes else "hours",
                        "group": str(group[k]),
                        "position": "",
                    }
                )
        for kind, counts in (("knee", knee_n), ("other", other_n)):
            ks, wks = np.nonzero(counts)
            for k, wk in zip(ks, wks):
                for _ in range(int(counts[k, wk])):
                    day = start + pd.Timedelta(days=7 * int(wk) + int(rng.integers(0, 7)))
                    lost = max(
                        1, int(round(inj["days_lost"]["median"] * math.exp(rng.normal(0, inj["days_lost"]["log_sd"]))))
                    )
                    region, tissue, typ = (
                        ("knee", "muscle_tendon", "strain")
                        if kind == "knee"
                        else (str(rng.choice(["thigh", "ankle", "hip_groin"])), "muscle_tendon", "strain")
                    )
                    inj_rows.append(
                        {
                            "athlete_id": ids[k],
                            "date_injured": day.date().isoformat(),
                            "date_recovered": (day + pd.Timedelta(days=lost)).date().isoformat(),
                            "days_lost": lost,
                            "body_region": region,
                            "tissue_type": tissue,
                            "injury_type": typ,
                            "notes": "knee strain" if kind == "knee" else "",
                        }
                    )
        exposures = pd.DataFrame(exp_rows)
        injuries = pd.DataFrame(
            inj_rows,
            columns=[
                "athlete_id",
                "date_injured",
                "date_recovered",
                "days_lost",
                "body_region",
                "tissue_type",
                "injury_type",
                "notes",
            ],
        )
        injuries = injuries.sort_values(["date_injured", "athlete_id"], kind="stable").reset_index(drop=True)
        return exposures, injuries


def _claim_truth(p: dict[str, Any], c6_example: dict[str, float]) -> dict[str, Any]:
    """True value and definition of every claim's estimand (docs/design/statistics.md §2)."""
    e, kin, tr, inj, c5 = p["emg"], p["kinematics"], p["training"], p["injury"], p["c5"]
    c1 = {
        m: 100 * (math.exp(float(np.mean([e["slope_per_4lb"][m][ex] for ex in C1_COMPOUND_EXERCISES]))) - 1)
        for m in MUSCLES
    }
    return {
        "C1": {
            "estimand": "per muscle, % change of EMG amplitude at 4 lb per ankle vs 0, within subject, pooled over "
            f"compound exercises {list(C1_COMPOUND_EXERCISES)}: 100 (exp(beta) - 1), beta the mean log slope per 4 lb "
            "(median subject; random slopes are symmetric on the log scale)",
            "value_pct": c1,
            "claim_window_pct": [12, 18],
            "muscles_claimed": ["gluteus_maximus", "gastrocnemius_medialis"],
            "per_exercise_log_slope_per_4lb": e["slope_per_4lb"],
        },
        "C2": {
            "estimand": "training effect (trained 5-8 %BW vs control) on post/pre ratio of unloaded peak knee-extension "
            "velocity (step-up), and on the change of peak pelvic obliquity (hip hiking, deg)",
            "velocity_ratio": math.exp(
                tr["knee_ext_velocity_log_change"]["trained"] - tr["knee_ext_velocity_log_change"]["control"]
            ),
            "hip_hike_difference_deg": tr["hip_hike_change_deg"]["trained"] - tr["hip_hike_change_deg"]["control"],
            "acute_velocity_log_per_pct_bw": kin["knee_ext_velocity_log_per_pct_bw"],
        },
        "C3": {
            "estimand": "hinge model of peak knee FPPA on load (%BW): slope change above psi; psi at 75 kg",
            "psi_pct_bw_at_75kg": kin["psi0_pct_bw"],
            "hinge_slope_deg_per_pct_bw": kin["hinge_slope_deg_per_pct_bw"],
            "linear_slope_deg_per_pct_bw": kin["fppa_slope_deg_per_pct_bw"],
            "claimed_psi_pct_bw": 10.0,
        },
        "C4": {
            "estimand": "EUR = CMJ/SJ height: post/pre ratio, eccentric_only vs control; JPS abs error change (deg), mid_range vs control",
            "eur_ratio_eccentric_vs_control": math.exp(
                (tr["cmj_log_change"]["eccentric_only"] - tr["sj_log_change"]["eccentric_only"])
                - (tr["cmj_log_change"]["control"] - tr["sj_log_change"]["control"])
            ),
            "jps_difference_deg_mid_range_vs_control": tr["jps_change_deg"]["mid_range"]
            - tr["jps_change_deg"]["control"],
        },
        "C5": {
            "estimand": "Δ_m = log E[movement-phase mean %MVC | sustained_low set] - log E[... | brief_high set], same "
            f"exercise ({c5['exercise']}); sustained_low = {c5['protocols']['sustained_low']['load_pct_bw']:g} %BW, "
            f"{c5['protocols']['sustained_low']['reps']} slow reps; brief_high = "
            f"{c5['protocols']['brief_high']['load_pct_bw']:g} %BW, {c5['protocols']['brief_high']['reps']} fast reps; "
            "claim: Δ_sol > 0, Δ_MG > 0, Δ_VL < 0 (acute EMG proxy, docs/design/statistics.md §2 C5)",
            "delta_log": dict(c5["delta"]),
        },
        "C6": {
            "estimand": "ratio mid/full of the concentric mid-range (25-75 % ROM) mean vGRF and of the knee joint-force proxy, squats at "
            f"{p['c6']['load_lb']} lb per ankle",
            "rho_grf": c6_example["grf_ratio"],
            "rho_jrf": c6_example["jrf_ratio"],
            "claim": "rho_grf ~ 1.27 (tolerance [1.20, 1.35]), rho_jrf <= 1.05",
        },
        "C7": {
            "estimand": "training effect (trained vs control) on post/pre ratio of SJ RFD 0-100 ms",
            "rfd_ratio": math.exp(tr["rfd_log_change"]["trained"] - tr["rfd_log_change"]["control"]),
        },
        "C8": {
            "estimand": "IRR of knee strain injuries per 1000 h, early vs late introduction of ankle weights, same 26-week window "
            "(marginal over gamma frailty and team effects, both mean-1 multiplicative and independent of group)",
            "irr_early_vs_late": inj["irr"]["early"] / inj["irr"]["late"],
            "knee_rate_per_1000h_late": inj["knee_rate_per_1000h"] * inj["irr"]["late"],
        },
        "C9": {
            "estimand": "psi(m) = psi0 + psi1 (m - 75 kg), the valgus threshold in %BW as a function of body mass",
            "psi0_pct_bw": kin["psi0_pct_bw"],
            "psi1_pct_bw_per_kg": kin["psi1_pct_bw_per_kg"],
            "psi_at_90_7kg": kin["psi0_pct_bw"] + kin["psi1_pct_bw_per_kg"] * 15.7,
            "psi_at_68kg": kin["psi0_pct_bw"] + kin["psi1_pct_bw_per_kg"] * (68 - 75),
        },
    }


def _study_yaml(scenario: str, seed: int, size: str) -> dict[str, Any]:
    return {
        "name": f"demo_{scenario}" if size == "demo" else f"sim_{scenario}_{size}",
        "description": (
            f"Simulated ankle-weight study, scenario '{scenario}', seed {seed}, size '{size}' "
            "(anklelab simulate). Synthetic data with known truth: see truth.json and README.txt."
        ),
        "synthetic": True,
        "units": {"emg": "V", "force": "N"},
        "channels": {f"EMG {i + 1}": m for i, m in enumerate(MUSCLES)},
        "muscles": list(MUSCLES),
        "mvc": {
            "protocol": "synthetic standardised isometric MVC, one 2 s plateau per muscle",
            "window_ms": 500,
            "required": True,
        },
    }


_README = """SYNTHETIC STUDY -- NOT REAL DATA
===============================

This folder was generated by `anklelab simulate` (analysis/simulate.py), scenario '{scenario}', seed {seed},
size '{size}'. Every number in it comes from a random-number generator driven by the parameters written
in truth.json. It exists to show what the article's claims would look like if they were {meaning},
and to prove that the analysis pipeline recovers known effects. Do not cite any result from it.

Contents
- subjects.csv    acute cohort A.. (group 'acute') and training cohort T.. (groups control,
                  eccentric_only, mid_range, full_range)
- trials.csv      one row per file in raw/: EMG C3D (2 kHz, 6 muscles), force-plate C3D (1 kHz, two
                  type-2 plates), kinematics CSV (200 Hz), one-column Fz text (1 kHz) for training jumps
- measures.csv    knee joint-position sense, training load
- exposures.csv / injuries.csv  six-month injury cohort (several teams, weekly exposure)
- truth.json      generative parameters and the true value of each claim's estimand (C1-C9)
- truth_trials.csv true per-trial quantities (envelope amplitude, %MVC, jump height, peak force, ...)
"""


def _write_table(path: Path, rows: list[dict] | pd.DataFrame) -> None:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))


def _is_simulated_study(folder: Path) -> bool:
    """True for a folder this module wrote: truth.json beside a study.yaml that says ``synthetic: true``."""
    if not (folder.is_dir() and (folder / "truth.json").is_file() and (folder / "study.yaml").is_file()):
        return False
    try:
        config = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(config, dict) and config.get("synthetic") is True


def simulate_study(
    out_dir: str | Path,
    scenario: str = "claims",
    n_subjects: int | None = None,
    seed: int = 0,
    size: str = "demo",
    *,
    force: bool = False,
    progress: bool = True,
    design: dict[str, Any] | None = None,
) -> Path:
    """Write a complete synthetic study to ``out_dir`` and return its path.

    ``n_subjects``: acute-cohort size (default from ``size``: demo 12, small 4). ``design`` overrides
    other keys of :data:`SIZES_SPEC` (``n_training_per_arm``, ``n_teams``, ``athletes_per_team``, ``c6_reps``,
    ``loads_pct_bw``, ``sparse_loads_pct_bw``, ``set_reps``), for tests.
    Refuses to overwrite a non-empty folder unless ``force``. Built in a temporary sibling folder and
    renamed into place.
    """
    if size not in SIZES_SPEC:
        raise AnkleLabError(f"unknown size {size!r}; choose one of {', '.join(SIZES_SPEC)}")
    params = scenario_parameters(scenario)
    spec = dict(SIZES_SPEC[size])
    if n_subjects is not None:
        if int(n_subjects) < 2:
            raise AnkleLabError(f"--subjects must be at least 2, got {n_subjects}")
        spec["n_acute"] = int(n_subjects)
    spec.update(design or {})
    params["design"] = {
        **spec,
        "size": size,
        "loads_pct_bw": list(spec["loads_pct_bw"]),
        "sparse_loads_pct_bw": list(spec["sparse_loads_pct_bw"]),
        "exercises_emg": list(EXERCISES_EMG),
        "c1_compound_exercises": list(C1_COMPOUND_EXERCISES),
        "c1_fit_max_load_lb": C1_FIT_MAX_LOAD_LB,
    }
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not force:
            raise AnkleLabError(f"{out} exists and is not empty: choose another folder or pass --force to replace it")
        if not _is_simulated_study(out):
            # --force may only replace what the simulator itself wrote: never a real study or anything else
            raise AnkleLabError(
                f"{out} is not a study written by 'anklelab simulate' (no truth.json, or study.yaml "
                "does not say synthetic: true); --force only replaces simulated studies. "
                "Choose another folder."
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    n_loads, n_sparse = len(spec["loads_pct_bw"]), len(spec["sparse_loads_pct_bw"])
    # per acute subject: MVCs, compound EMG + squat/step-up kinematics, CMJ EMG + plates and walk EMG, C6 force +
    # kinematics, two C5 sets; per training subject and session: 2 CMJ, 2 SJ, a step-up
    n_expected = (
        spec["n_acute"]
        * (len(MUSCLES) + (len(C1_COMPOUND_EXERCISES) + 2) * n_loads + 3 * n_sparse + 4 * spec["c6_reps"] + 2)
        + spec["n_training_per_arm"] * 4 * 2 * 5
    )
    try:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_expected, desc=f"simulate {scenario}", unit="file", disable=not progress, file=sys.stderr)
        builder = _Builder(tmp, params, rng, bar.update)
        builder.acute(spec["n_acute"])
        builder.training(spec["n_training_per_arm"])
        exposures, injuries = builder.injuries(spec["n_teams"], spec["athletes_per_team"])
        bar.close()
        c6_example = c6_mid_range_ratios(75.0, params["c6"])
        truth = {
            "synthetic": True,
            "generator": "analysis.simulate",
            "scenario": scenario,
            "seed": int(seed),
            "size": size,
            "rng": "numpy.random.Generator(PCG64(seed))",
            "parameters": params,
            "claims": _claim_truth(params, c6_example),
            "c1_design": _c1_design_note(spec["n_acute"], params, spec),
            "c6_solution_at_75kg": c6_example,
            "per_trial_truth": "truth_trials.csv",
            "notes": [
                "EMG: a two-phase (eccentric, concentric x1.4) envelope per repetition for every exercise; compound "
                f"exercises are sets of {spec['set_reps']} reps (independent rep noise, trial_log_sd) at loads <= "
                f"{C1_FIT_MAX_LOAD_LB:g} lb per ankle (the C1 fit window) and single reps above; CMJ and walking at "
                f"{list(spec['sparse_loads_pct_bw'])} %BW; muscle-specific timing within a gait cycle is not modelled.",
                "C5 is an acute EMG proxy: movement-phase %MVC of lunge sets under a sustained low-load and a brief "
                "high-load protocol (raw EMG files; the suite derives the response).",
                "C6 mid-range loading in the claims scenario is a 'push' concentric phase (accelerate, then brake at 0.8 g near "
                "the top) with a hip-first rise: the knee passes its mid-range exactly while the CoM accelerates most. With a "
                "knee that follows the CoM no smooth squat reaches +27 % (max ~ +11 %): the claim needs this contrived "
                "movement under impulse-momentum. The knee flexes less so the joint-force proxy is not increased.",
                "Injured athletes keep their exposure (no removal from risk while injured).",
            ],
        }
        _write_table(tmp / "subjects.csv", builder.subjects)
        _write_table(tmp / "trials.csv", builder.trials)
        _write_table(tmp / "measures.csv", builder.measures)
        _write_table(tmp / "exposures.csv", exposures)
        _write_table(tmp / "injuries.csv", injuries)
        _write_table(tmp / "truth_trials.csv", builder.truth_rows)
        (tmp / "truth.json").write_text(
            json.dumps(truth, indent=2, sort_keys=True, default=_json_default) + "\n", encoding="utf-8"
        )
        (tmp / "study.yaml").write_text(
            yaml.safe_dump(_study_yaml(scenario, seed, size), sort_keys=False), encoding="utf-8"
        )
        meaning = {
            "claims": "true at their stated sizes",
            "null": "false (no effects at all)",
            "realistic": "as physics suggests (docs/design/statistics.md §9)",
        }[scenario]
        (tmp / "README.txt").write_text(
            _README.format(scenario=scenario, seed=seed, size=size, meaning=meaning), encoding="utf-8"
        )
        if out.exists():
            trash = out.parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, trash)
            os.replace(tmp, out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files = [f for f in out.rglob("*") if f.is_file()]
    mb = sum(f.stat().st_size for f in files) / 1e6
    if progress:
        print(f"simulated {scenario} study: {len(files)} files, {mb:.1f} MB, {time.perf_counter() - t0:.1f} s -> {out}")
    return out
