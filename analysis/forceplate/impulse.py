"""Impulse–momentum and rate of force development of a vertical force–time curve.

The centre of mass is integrated from (F − BW)/m with the trapezoid rule from a start index with a known
velocity (0 from quiet stance); RFD is the secant slope ΔF/Δt over fixed windows or the steepest short secant.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import cumulative_trapezoid

from analysis.forceplate._inputs import _as_total_force, _check_fs

__all__ = ["G_M_S2", "com_kinematics", "rfd_windows", "peak_rfd"]

#: Standard gravity (CGPM 1901), as used by Linthorne 2001 and Moir 2008 for JH = v²/2g.
G_M_S2 = 9.80665


def com_kinematics(
    force_n: ArrayLike, fs_hz: float, body_weight_n: float, start_index: int = 0, initial_velocity_m_s: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CoM acceleration, velocity and displacement from vertical GRF (trapezoid integration).

    a = (F − BW)/m with m = BW/g; v and s are 0 (v = ``initial_velocity_m_s``) up to ``start_index``
    and integrated from there.
    """
    total, _ = _as_total_force(force_n)
    fs = _check_fs(fs_hz)
    mass = body_weight_n / G_M_S2
    acc = (total - body_weight_n) / mass
    vel = np.zeros_like(acc)
    disp = np.zeros_like(acc)
    vel[:start_index] = initial_velocity_m_s
    vel[start_index:] = initial_velocity_m_s + cumulative_trapezoid(acc[start_index:], dx=1 / fs, initial=0.0)
    disp[start_index:] = cumulative_trapezoid(vel[start_index:], dx=1 / fs, initial=0.0)
    return acc, vel, disp


def rfd_windows(
    force_n: ArrayLike, fs_hz: float, onset_index: int, windows_ms: Iterable[float] = (50.0, 100.0, 200.0)
) -> dict[float, float]:
    """Secant rate of force development ΔF/Δt from onset over 0–w ms, N/s (Aagaard 2002).

    Windows running past the record are NaN.
    """
    total, _ = _as_total_force(force_n)
    fs = _check_fs(fs_hz)
    out = {}
    for w in windows_ms:
        k = int(round(w / 1000 * fs))
        j = onset_index + k
        out[float(w)] = (
            float((total[j] - total[onset_index]) / (k / fs)) if (k > 0 and j < total.size) else float("nan")
        )
    return out


def peak_rfd(force_n: ArrayLike, fs_hz: float, start: int, stop: int, window_ms: float = 20.0) -> tuple[float, int]:
    """Steepest secant slope over ``window_ms`` within [start, stop): (N/s, index of window start)."""
    total, _ = _as_total_force(force_n)
    fs = _check_fs(fs_hz)
    k = max(1, int(round(window_ms / 1000 * fs)))
    seg = total[start:stop]
    if seg.size <= k:
        return float("nan"), start
    slope = (seg[k:] - seg[:-k]) * fs / k
    i = int(np.argmax(slope))
    return float(slope[i]), start + i
