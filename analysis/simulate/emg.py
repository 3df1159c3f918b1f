"""Surface EMG: the spectrum, envelopes of repetitions and sets, raw 2 kHz signals, and the EMG trials of the acute
cohort (MVCs, compound-exercise sets for C1, C5 protocol sets), each with its per-trial truth."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.simulate.builder import StudyBuilder
from analysis.simulate.constants import EMG_FS_HZ, MUSCLES
from analysis.simulate.writers import write_emg_c3d

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)  # E|x| of a unit-variance Gaussian


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


# ------------------------------------------------------------------------------------------------
# EMG trials of the acute cohort
# ------------------------------------------------------------------------------------------------
@dataclass
class SubjectEMG:
    """One acute subject's EMG: channel labels, random effects (log scale) and MVC amplitudes per muscle (V)."""

    labels: list[str]
    u_subject: float  # between-subject intercept
    u_subject_muscle: np.ndarray  # subject x muscle offsets
    u_slope: np.ndarray  # subject's C1 slope deviation per muscle, per 4 lb
    mvc_amp: np.ndarray  # MVC mean rectified value per muscle
    mvc_plateau: np.ndarray  # MVC reference (plateau of the written MVC trial) per muscle


def emg_raw(b: StudyBuilder, env: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Raw EMG (V): shaped noise x envelope / E|x|, plus electrode noise, 50 Hz hum and DC offset."""
    e, rng = b.p["emg"], b.rng
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


def mvc_trials(b: StudyBuilder, sid: str, session: str, mvc_amp: np.ndarray, labels: list[str]) -> np.ndarray:
    """One isometric MVC trial per muscle; returns the MVC plateau (the MVC reference, V) per muscle."""
    rng, e = b.rng, b.p["emg"]
    n_m = len(MUSCLES)
    # MVC trials: the target muscle at its MVC plateau, the others at 10-30 %
    dur = e["mvc_trial_s"]
    ns = int(round(dur * EMG_FS_HZ))
    t = np.arange(ns) / EMG_FS_HZ
    mvc_plateau = np.zeros(n_m)
    for mi, muscle in enumerate(MUSCLES):
        level = rng.uniform(0.1, 0.3, n_m) * mvc_amp
        level[mi] = mvc_amp[mi]
        env = np.column_stack(
            [
                two_phase_envelope(
                    t,
                    e["rest_s"],
                    e["durations_s"]["mvc"][0],
                    0.0,
                    level[k],
                    1.0,
                    rest_level=e["rest_level_frac_mvc"] * mvc_amp[k],
                    ramp_s=0.2,
                )
                for k in range(n_m)
            ]
        )
        # the plateau (not the window mean) is the MVC reference: the window mean includes ramps
        tid = f"{sid}-{session}-mvc-{muscle}"
        raw = emg_raw(b, env, t)
        f = f"raw/{sid}/{tid}.c3d"
        write_emg_c3d(b.root / f, raw, labels)
        plateau = float(env[(t > e["rest_s"] + 0.3) & (t < e["rest_s"] + e["durations_s"]["mvc"][0] - 0.3), mi].mean())
        mvc_plateau[mi] = plateau
        b.truth(
            tid,
            "mvc_reference_arv_v",
            plateau,
            "V",
            muscle,
            "plateau mean rectified value of the MVC contraction",
        )
        b.trial(
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
    return mvc_plateau


def exercise_set_trial(
    b: StudyBuilder,
    subject: SubjectEMG,
    sid: str,
    session: str,
    tid: str,
    ex: str,
    reps: int,
    x: float,
    value: float,
    u_written: str,
    phase: str,
) -> None:
    """EMG file of one exercise at one load (``x`` = load in lb / 4): a set of ``reps`` repetitions, with the
    true movement-window envelope and %MVC per muscle and each rep's movement window as truth."""
    rng, e = b.rng, b.p["emg"]
    ecc_s, con_s = e["durations_s"][ex]
    slope = np.array([e["slope_per_4lb"][m][ex] for m in MUSCLES]) + subject.u_slope
    log_pct = (
        np.log([e["baseline_pct_mvc"][m] for m in MUSCLES])
        + e["exercise_log_effect"][ex]
        + subject.u_subject
        + subject.u_subject_muscle
        + slope * x
        + rng.normal(0, e["trial_log_sd"], (reps, len(MUSCLES)))
    )
    amp = np.exp(log_pct) / 100 * subject.mvc_amp  # (reps, muscles), V: each rep's movement-window mean
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
        e["rest_level_frac_mvc"] * subject.mvc_amp,
        e["concentric_eccentric_ratio"],
    )
    raw = emg_raw(b, env, t)
    f = f"raw/{sid}/{tid}-emg.c3d"
    write_emg_c3d(b.root / f, raw, subject.labels, events=_rep_events(starts, ecc_s, con_s))
    set_mean = amp.mean(axis=0)  # equal rep windows: the movement-phase mean is the mean over reps
    what = ("movement window" if reps == 1 else f"{reps} rep windows") + f" ({rep_s:.2f} s each)"
    for k, muscle in enumerate(MUSCLES):
        b.truth(
            f"{tid}-emg",
            "mean_envelope_v",
            set_mean[k],
            "V",
            muscle,
            f"mean rectified EMG over the {what}",
        )
        b.truth(
            f"{tid}-emg",
            "mean_pct_mvc",
            100 * set_mean[k] / subject.mvc_plateau[k],
            "%MVC",
            muscle,
            f"mean envelope over the {what} / MVC plateau x 100",
        )
    for r, t0 in enumerate(starts):  # one movement window per rep
        b.truth(f"{tid}-emg", "movement_start_s", t0, "s", definition=f"rep {r + 1} of {reps}")
        b.truth(f"{tid}-emg", "movement_end_s", t0 + rep_s, "s", definition=f"rep {r + 1} of {reps}")
    b.trial(
        subject_id=sid,
        session=session,
        trial_id=f"{tid}-emg",
        exercise=ex,
        load_per_ankle=value,
        load_unit=u_written,
        load_phase=phase,
        kind="emg",
        file=f,
        notes="one repetition" if reps == 1 else f"set of {reps} repetitions ({e['set_pause_s']:g} s pauses)",
    )


def c5_sets(
    b: StudyBuilder,
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
    rng, e, c5 = b.rng, b.p["emg"], b.p["c5"]
    ex = c5["exercise"]
    for proto, spec in c5["protocols"].items():
        sign = 0.5 if proto == "sustained_low" else -0.5
        shift = np.array([sign * c5["delta"].get(m, 0.0) for m in MUSCLES])
        value, u_written, load_kg = b.load_cell(spec["load_pct_bw"] * mass / 100, unit)
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
        raw = emg_raw(b, env, t)
        tid = f"{sid}-{session}-c5-{proto}-emg"
        f = f"raw/{sid}/{tid}.c3d"
        write_emg_c3d(b.root / f, raw, labels, events=_rep_events(starts, ecc_s, con_s))
        set_mean = amp.mean(axis=0)  # equal rep windows: the movement-phase mean is the mean over reps
        for k, muscle in enumerate(MUSCLES):
            b.truth(
                tid,
                "mean_pct_mvc",
                100 * set_mean[k] / mvc_plateau[k],
                "%MVC",
                muscle,
                f"C5 {proto}: mean envelope over the {reps} rep windows / MVC plateau x 100",
            )
        b.truth(tid, "time_under_load_s", reps * rep_s, "s", "", f"C5 {proto}: summed rep windows")
        b.trial(
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
