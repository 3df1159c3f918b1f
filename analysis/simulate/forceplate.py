"""Force plates: vertical jumps that obey impulse-momentum exactly (CMJ, SJ), C6 squats with mid-range vs
full-range loading, two-plate type-2 C3D and one-column Fz text trials, each with its per-trial truth."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from analysis.errors import AnkleLabError
from analysis.simulate.builder import StudyBuilder
from analysis.simulate.constants import FORCE_FS_HZ, G_M_S2, LB_KG
from analysis.simulate.kinematics import kinematics_trial
from analysis.simulate.profiles import _concentric_duration, knee_profile, squat_profile
from analysis.simulate.writers import plate_channels, write_forceplate_c3d, write_fz_text

#: largest RFD 0-100 ms a jump's first-order force rise is asked to reach, as a fraction of (plateau - BW)/0.1 s
#: (rise constant 0.1/ln 10 = 43 ms) [assumption]
RFD_REACH_FRACTION = 0.9


# ------------------------------------------------------------------------------------------------
# signal generators (pure functions of their arguments)
# ------------------------------------------------------------------------------------------------
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
# trials
# ------------------------------------------------------------------------------------------------
def plates_from_total(b: StudyBuilder, fz: np.ndarray, fs_hz: float) -> list[np.ndarray]:
    """Split a total vertical force over two plates (subject asymmetry), add shear, CoP sway and noise."""
    rng = b.rng
    n = fz.size
    share = 0.5 + rng.normal(0, 0.02)
    plates = []
    t = np.arange(n) / fs_hz
    for k, s in enumerate((share, 1 - share)):
        fzk = fz * s + rng.normal(0, b.p["cmj"]["force_noise_n"] / math.sqrt(2), n)
        fx = 0.01 * fzk * np.sin(2 * np.pi * 0.7 * t + k) + rng.normal(0, 0.5, n)
        fy = 0.02 * fzk * np.sin(2 * np.pi * 0.5 * t + k) + rng.normal(0, 0.5, n)
        cop = np.vstack([0.01 * np.sin(2 * np.pi * 0.3 * t + k), 0.02 * np.sin(2 * np.pi * 0.2 * t) - 0.03])
        plates.append(plate_channels(fzk, fx, fy, cop, tz_nm=rng.normal(0, 0.2, n)))
    return plates


def write_jump_plates(b: StudyBuilder, f: str, force: np.ndarray, c3d_units: str) -> None:
    """Write a jump's total force as a two-plate C3D at ``f`` (padded to whole C3D frames with the last sample)."""
    n = int(math.ceil(force.size / 10)) * 10
    force = np.concatenate([force, np.full(n - force.size, force[-1])])
    write_forceplate_c3d(b.root / f, plates_from_total(b, force, FORCE_FS_HZ), units=c3d_units)


def jump_truth(b: StudyBuilder, tid: str, curve: JumpCurve) -> None:
    """The truth rows of one jump: height, take-off velocity, peak force, flight time, onset (and SJ RFD)."""
    b.truth(
        tid,
        "jump_height_m",
        curve.jump_height_m,
        "m",
        definition="v_takeoff^2 / 2g (impulse-momentum = flight time here)",
    )
    b.truth(tid, "takeoff_velocity_m_s", curve.takeoff_velocity_m_s, "m/s")
    b.truth(tid, "peak_propulsive_force_n", curve.peak_propulsive_force_n, "N", definition="max vGRF before take-off")
    b.truth(tid, "flight_time_s", curve.flight_time_s, "s")
    b.truth(tid, "onset_s", curve.onset_index / FORCE_FS_HZ, "s", definition="true movement onset")
    if not math.isnan(curve.rfd_0_100_n_per_s):
        b.truth(
            tid,
            "rfd_0_100ms_n_per_s",
            curve.rfd_0_100_n_per_s,
            "N/s",
            definition="(F(onset+100 ms) - BW)/0.1 s from the true onset",
        )


def cmj_plates_trial(
    b: StudyBuilder,
    sid: str,
    session: str,
    tid: str,
    mass: float,
    load_kg: float,
    value: float,
    u_written: str,
    phase: str,
    h_subject: float,
    pf_subject: float,
    c3d_units: str,
) -> None:
    """The force plates of an acute CMJ (the same jump as its EMG file): height falls with the system mass."""
    rng, cmj = b.rng, b.p["cmj"]
    system = mass + 2 * load_kg
    h = h_subject * (mass / system) ** cmj["load_exponent_k"] * math.exp(rng.normal(0, cmj["trial_log_sd_height"]))
    pf = pf_subject * math.exp(rng.normal(0, cmj["trial_log_sd_peak_force"]))
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
    write_jump_plates(b, f, curve.force_n, c3d_units)
    jump_truth(b, f"{tid}-fp", curve)
    b.trial(
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


def fz_text_jump_trial(
    b: StudyBuilder,
    sid: str,
    session: str,
    kind: str,
    rep: int,
    mass: float,
    h_base: float,
    pf: float,
    rfd_subject: float,
    d_rfd: float,
    countermovement: bool,
) -> None:
    """One unloaded training-cohort test jump (CMJ or SJ) as one-column Fz text."""
    rng, cmj, sj = b.rng, b.p["cmj"], b.p["sj"]
    tid = f"{sid}-{session}-{kind}-r{rep}"
    h = h_base * math.exp(rng.normal(0, cmj["trial_log_sd_height"]))
    rfd = rfd_subject * math.exp(d_rfd + rng.normal(0, sj["trial_log_sd_rfd"])) if not countermovement else None
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
    write_fz_text(b.root / f, fz)
    jump_truth(b, tid, curve)
    b.trial(
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


def c6_squats(
    b: StudyBuilder, sid: str, session: str, mass: float, unit: str, c3d_units: str, fppa_subj: float, po_subj: float
) -> None:
    """C6 squats (mid- and full-range loading at c6.load_lb); the kinematics trials carry the subject's own
    FPPA and pelvic-obliquity levels, so their FPPA rows belong to the same valgus model (C3/C9)."""
    c6, rng = b.p["c6"], b.rng
    sol = c6_mid_range_ratios(mass, c6)
    value, u_written, load_kg = b.load_cell(c6["load_lb"] * LB_KG, unit)
    system = mass + 2 * load_kg
    for cond in ("full_range", "mid_range"):
        conc: float | tuple[float, float]
        window: tuple[float, float] | None
        if cond == "full_range":
            conc, knee_max, window = float(c6["concentric_s"]), c6["knee_flexion_max_deg"], None
        else:
            conc = tuple(sol["concentric"]) if isinstance(sol["concentric"], list) else sol["concentric"]
            knee_max = sol["knee_flexion_max_deg"]
            window = (sol["knee_window_s"][0], sol["knee_window_s"][1]) if sol["knee_window_s"] else None
        for rep in range(b.p["design"]["c6_reps"]):
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
            knee_deg = knee_deg + rng.normal(0, b.p["kinematics"]["noise_deg"], n)
            f = f"raw/{sid}/{tid}-fp.c3d"
            write_forceplate_c3d(
                b.root / f,
                plates_from_total(b, fz, FORCE_FS_HZ),
                units=c3d_units,
                extra_analogs={"knee_flexion": ("deg", knee_deg)},
            )
            grf, jrf, _ = _squat_mid_range(system, depth, knee_max, c6["eccentric_s"], conc, FORCE_FS_HZ, c6, window)
            b.truth(
                f"{tid}-fp",
                "mid_range_mean_force_bw",
                grf,
                "BW",
                definition="forceplate.analyse_squat: concentric 25-75 % of knee-flexion ROM",
            )
            b.truth(
                f"{tid}-fp",
                "mid_range_knee_joint_force_proxy_bw",
                jrf,
                "BW",
                definition="forceplate.knee_joint_force_proxy_bw over the same samples",
            )
            b.truth(f"{tid}-fp", "movement_start_s", rest, "s")
            b.trial(
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
            kinematics_trial(
                b,
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
