"""Centre of pressure from plate forces and moments, multi-plate CoP, and sway metrics of quiet standing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from analysis.errors import AnalysisError
from analysis.forceplate._inputs import _check_fs
from analysis.metric_rows import Metric, MetricsMixin

__all__ = ["center_of_pressure", "combine_cop", "BalanceResult", "analyse_balance"]


def center_of_pressure(
    forces_n: ArrayLike,
    moments_nm: ArrayLike,
    *,
    origin_offset_m: Sequence[float] = (0.0, 0.0, 0.0),
    min_fz_n: float = 20.0,
) -> np.ndarray:
    """CoP (x, y) in metres on the plate surface from forces (n, 3) and moments (n, 3) about the plate origin.

    ``origin_offset_m = (x0, y0, h)``: position (x0, y0) of the plate's measurement origin in the
    output frame, and h = height of the plate surface above that origin (AMTI-style plates give the
    origin *below* the surface; their manual's offset ``c`` is −h). From M = r × F + (0, 0, Tz) with
    r = (x, y, h): x = (h·Fx − My)/Fz + x0, y = (Mx + h·Fy)/Fz + y0. Samples with Fz < ``min_fz_n``
    are NaN (the CoP is undefined off the plate). Moments must be in N·m (C3D files often store N·mm).
    """
    f = np.asarray(forces_n, dtype=float)
    mo = np.asarray(moments_nm, dtype=float)
    if f.ndim != 2 or f.shape[1] != 3 or mo.shape != f.shape:
        raise AnalysisError(f"forces and moments must both be (n_samples, 3); got {f.shape} and {mo.shape}")
    x0, y0, h = (float(v) for v in origin_offset_m)
    fz = f[:, 2]
    loaded = fz >= min_fz_n
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(loaded, (h * f[:, 0] - mo[:, 1]) / fz + x0, np.nan)
        y = np.where(loaded, (mo[:, 0] + h * f[:, 1]) / fz + y0, np.nan)
    return np.column_stack([x, y])


def combine_cop(cops_m: Sequence[ArrayLike], fz_n: Sequence[ArrayLike]) -> np.ndarray:
    """Net CoP of several plates (in a common frame): Fz-weighted mean of the plate CoPs."""
    cops = np.stack([np.nan_to_num(np.asarray(c, dtype=float)) for c in cops_m])  # (k, n, 2)
    w = np.stack([np.clip(np.asarray(f, dtype=float), 0, None) for f in fz_n])[..., None]  # (k, n, 1)
    total = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (cops * w).sum(axis=0) / total, np.nan)


@dataclass
class BalanceResult(MetricsMixin):
    fs_hz: float
    metrics: dict[str, Metric]


def analyse_balance(cop_xy_m: ArrayLike, fs_hz: float) -> BalanceResult:
    """Sway metrics of a CoP trajectory (n, 2) in metres (Prieto et al. 1996, IEEE TBME 43:956).

    Path length (sum of sample-to-sample distances), mean velocity (path / duration), RMS distance
    and ranges per axis about the mean, and the 95 % confidence-ellipse area
    2π·F.05[2, n−2]·sqrt(s_x² s_y² − s_xy²). No filtering is applied here (filter beforehand if wanted).
    """
    fs = _check_fs(fs_hz)
    cop = np.asarray(cop_xy_m, dtype=float)
    if cop.ndim != 2 or cop.shape[1] != 2 or cop.shape[0] < 4:
        raise AnalysisError(f"CoP must be (n_samples >= 4, 2), got {cop.shape}")
    if not np.all(np.isfinite(cop)):
        raise AnalysisError(
            f"CoP has {int((~np.isfinite(cop)).any(axis=1).sum())} undefined samples "
            "(subject off the plate?): trim the trial to the standing part"
        )
    n = cop.shape[0]
    step = np.linalg.norm(np.diff(cop, axis=0), axis=1)
    path = float(step.sum())
    dur = (n - 1) / fs
    c = cop - cop.mean(axis=0)
    cov = np.cov(c.T, ddof=1)
    f95 = stats.f.ppf(0.95, 2, n - 2)
    area = 2 * np.pi * f95 * np.sqrt(max(cov[0, 0] * cov[1, 1] - cov[0, 1] ** 2, 0.0))
    tag = "prieto1996"
    m = {
        "cop_path_length_m": Metric(path, "m", f"{tag}:sum_step_distance"),
        "cop_mean_velocity_m_s": Metric(path / dur, "m/s", f"{tag}:path/duration"),
        "cop_rms_distance_m": Metric(float(np.sqrt((c**2).sum(axis=1).mean())), "m", f"{tag}:rms_about_mean"),
        "cop_range_x_m": Metric(float(np.ptp(cop[:, 0])), "m", f"{tag}:range"),
        "cop_range_y_m": Metric(float(np.ptp(cop[:, 1])), "m", f"{tag}:range"),
        "cop_ellipse_area_95_m2": Metric(float(area), "m^2", f"{tag}:2pi*F95(2,n-2)*sqrt(det cov)"),
    }
    return BalanceResult(fs, m)
