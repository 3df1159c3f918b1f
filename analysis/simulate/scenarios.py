"""Scenario parameters: every generative parameter of a scenario (claims, null, realistic), and the study sizes.

:func:`scenario_parameters` assembles one block per cohort or modality; each block is a small function, so a
claim's parameters are read in one place. Sources: docs/design/statistics.md §11 unless marked.
"""

from __future__ import annotations

import math
from typing import Any

from analysis.errors import AnkleLabError
from analysis.simulate.constants import EMG_FS_HZ, EXERCISES_EMG, KIN_FS_HZ, LOADS_PCT_BW, MUSCLES

SCENARIOS = ("claims", "null", "realistic")


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
    p: dict[str, Any] = {
        "scenario": scenario,
        "subjects": _subject_parameters(),
        "emg": _emg_parameters(scenario),
        "c5": _c5_parameters(scenario),
        "cmj": _cmj_parameters(),
        "sj": _sj_parameters(),
        "c6": _c6_parameters(scenario),
        "kinematics": _kinematics_parameters(scenario),
        "training": _training_parameters(scenario),
        "injury": _injury_parameters(scenario),
    }
    return p


def _c1_slopes(scenario: str) -> dict[str, dict[str, float]]:
    """C1 slopes: log EMG per 4 lb per ankle, per muscle and exercise."""
    log = math.log
    claims = scenario == "claims"
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
    return c1


def _subject_parameters() -> dict[str, Any]:
    return {
        "body_mass_kg": {"mean": 75.0, "sd": 12.0, "clip": [55.0, 110.0]},  # §11 [assumption]
        "height_m": {"mean_at_75kg": 1.75, "per_kg": 0.004, "sd": 0.05},  # [assumption]
        "p_female": 0.4,  # [assumption]
        "age_years": {"low": 18, "high": 35},  # [assumption] athletes
        "training_age_years": {"mean": 5.0, "sd": 2.5, "clip": [0.5, 15.0]},  # [assumption]
    }


def _emg_parameters(scenario: str) -> dict[str, Any]:
    c1 = _c1_slopes(scenario)
    return {
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
    }


def _c5_parameters(scenario: str) -> dict[str, Any]:
    """C5: EMG trials of one exercise under two protocols; Δ_m = log E[%MVC | sustained_low] - log E[%MVC | brief_high]."""
    log = math.log
    claims, null = scenario == "claims", scenario == "null"
    return {
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
    }


def _cmj_parameters() -> dict[str, Any]:
    return {
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
    }


def _sj_parameters() -> dict[str, Any]:
    return {
        "eur": {"median": 1.08, "log_sd": 0.03},  # CMJ/SJ height ratio (eccentric utilisation) [assumption]
        "peak_force_bw": {"mean": 2.0, "sd": 0.2},  # [assumption]
        "rfd_0_100_n_per_s": {"median": 8000.0, "log_sd": 0.35},  # §11
        "trial_log_sd_rfd": 0.129,  # CV 12.9 % (PMC7039490)
    }


def _c6_parameters(scenario: str) -> dict[str, Any]:
    """Squats with 4-6 lb, mid-range vs full-range loading (claim C6)."""
    claims = scenario == "claims"
    return {
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
    }


def _kinematics_parameters(scenario: str) -> dict[str, Any]:
    """Knee valgus (C3, C9), knee-extension velocity and pelvic obliquity."""
    claims, null = scenario == "claims", scenario == "null"
    return {
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
    }


def _training_parameters(scenario: str) -> dict[str, Any]:
    """C2, C4, C7: randomised pre/post, unloaded tests."""
    log = math.log
    claims, null = scenario == "claims", scenario == "null"
    return {
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
    }


def _injury_parameters(scenario: str) -> dict[str, Any]:
    """C8: injury cohort."""
    claims = scenario == "claims"
    return {
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
    }
