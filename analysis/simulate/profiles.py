"""Closed-form movement profiles of a squat: the centre-of-mass depth and its acceleration, and the knee flexion
(shared by the force-plate and kinematics generators)."""

from __future__ import annotations

import numpy as np


def _quintic(t: np.ndarray) -> np.ndarray:
    """Smoothstep 10t^3 - 15t^4 + 6t^5 on [0, 1] (zero velocity and acceleration at both ends)."""
    t = np.clip(t, 0.0, 1.0)
    return t**3 * (10 - 15 * t + 6 * t**2)


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
