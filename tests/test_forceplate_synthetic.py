"""Synthetic force-time curves with known truth (quintic CoM trajectories), shared by the force-plate tests."""

from __future__ import annotations

import numpy as np

G = 9.80665


def quintic(duration_s, start, end):
    """Coefficients c0..c5 of s(t) with s, s', s'' given at t=0 (start) and t=duration_s (end)."""
    T = duration_s
    A = np.array(
        [
            [1, 0, 0, 0, 0, 0],
            [0, 1, 0, 0, 0, 0],
            [0, 0, 2, 0, 0, 0],
            [1, T, T**2, T**3, T**4, T**5],
            [0, 1, 2 * T, 3 * T**2, 4 * T**3, 5 * T**4],
            [0, 0, 2, 6 * T, 12 * T**2, 20 * T**3],
        ],
        dtype=float,
    )
    return np.linalg.solve(A, [*start, *end])


def _poly(c, t, deriv=0):
    return np.polyval(np.polyder(c[::-1], deriv) if deriv else c[::-1], t)


def synthetic_cmj(
    mass_kg=75.0,
    fs_hz=1000.0,
    v_to=2.50,
    quiet_s=1.5,
    push_s=0.8,
    rise_m=0.05,
    land_s=0.4,
    land_depth_m=-0.3,
    after_s=1.0,
    noise_n=2.0,
    seed=0,
    ripple=False,
):
    """CMJ from quintic CoM trajectories. Returns (force_n, truth dict with sample indices)."""
    bw = mass_kg * G
    push = quintic(push_s, (0, 0, 0), (rise_m, v_to, -0.8 * G))  # force at take-off 0.2 BW, then 0
    flight_s = 2 * v_to / G
    land = quintic(land_s, (0, -v_to, -0.8 * G), (land_depth_m, 0, 0))
    t_to = quiet_s + push_s
    t_land = t_to + flight_s
    total_s = t_land + land_s + after_s
    n = int(np.floor(total_s * fs_hz))
    t = np.arange(n) / fs_hz
    f = np.full(n, bw)
    in_push = (t >= quiet_s) & (t < t_to)
    f[in_push] = mass_kg * (G + _poly(push, t[in_push] - quiet_s, 2))
    f[(t >= t_to) & (t < t_land)] = 0.0
    in_land = (t >= t_land) & (t < t_land + land_s)
    f[in_land] = mass_kg * (G + _poly(land, t[in_land] - t_land, 2))
    if ripple:  # deterministic, period 200 samples: every 1-s window at a multiple of 200 is identical
        idx = np.arange(n) % 200
        f = f + noise_n * np.sin(2 * np.pi * idx / 200)
    else:
        f = f + np.random.default_rng(seed).normal(0.0, noise_n, n)
    f[(t >= t_to) & (t < t_land)] = np.abs(f[(t >= t_to) & (t < t_land)])  # a plate reads ~0 in flight
    # true phase times: peak negative velocity (s''=0) and lowest CoM (s'=0) inside the push
    vel_roots = np.roots(np.polyder(push[::-1], 1))
    acc_roots = np.roots(np.polyder(push[::-1], 2))

    def inside(roots):
        r = roots[np.isreal(roots)].real
        return np.sort(r[(r > 1e-6) & (r < push_s - 1e-6)])

    t_zero_vel = inside(vel_roots)[0]
    t_peak_neg_vel = inside(acc_roots)[0]
    truth = {
        "body_weight_n": bw,
        "movement_start": int(round(quiet_s * fs_hz)),
        "takeoff": int(np.ceil(t_to * fs_hz - 1e-9)),
        "landing": int(np.ceil(t_land * fs_hz - 1e-9)),
        "zero_velocity_s": quiet_s + t_zero_vel,
        "peak_negative_velocity_s": quiet_s + t_peak_neg_vel,
        "jump_height_m": v_to**2 / (2 * G),
        "depth_m": float(_poly(push, np.linspace(0, push_s, 100001)).min()),
        "flight_time_s": flight_s,
    }
    return f, truth


def test_generator_truth_is_self_consistent():
    f, truth = synthetic_cmj()
    assert truth["jump_height_m"] == np.float64(2.5**2 / (2 * G))
    assert round(truth["jump_height_m"], 4) == 0.3187  # design §9: v_to 2.50 m/s -> JH 0.3186-0.3187 m
    assert (f[truth["takeoff"] : truth["landing"]] < 20).all() and f[truth["takeoff"] - 1] > 100
    assert f[truth["landing"]] > 20
