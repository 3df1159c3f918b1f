"""Hinge (segmented) models: breakpoint psi profiled on a grid with a likelihood-ratio interval and a
subject-cluster bootstrap interval (docs/design/statistics.md §9)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


# --------------------------------------------------------------------------- hinge models
def hinge_term(load, psi):
    """(L - psi)_+ : the slope change above the breakpoint psi."""
    return np.clip(np.asarray(load, dtype=float) - psi, 0.0, None)


@dataclass
class HingeProfile:
    """Profiled breakpoint: grid, log-likelihood, LR interval and subject-cluster bootstrap interval."""

    parameter: str
    grid: np.ndarray
    loglik: np.ndarray
    estimate: float
    profile_ci95: tuple[float, float]
    bootstrap_ci95: tuple[float, float]
    bootstrap_ci90: tuple[float, float]
    n_boot: int
    at_grid_edge: bool
    method: str
    intervals: dict[float, tuple[float, float]] = field(default_factory=dict)  # level -> interval (C9: 0.975)


def _within_crossproducts(y, x, h, subject_codes, n_subjects):
    """Per-subject within-centred cross-products of [x, h, y] for each hinge column of h (n_rows, n_grid).

    Returns array (n_grid, n_subjects, 3, 3). Sums over a subject's rows are products with the subject indicator
    matrix (one BLAS call per product instead of an unbuffered ``np.add.at``).
    """
    counts = np.bincount(subject_codes, minlength=n_subjects).astype(float)
    indicator = np.zeros((n_subjects, len(subject_codes)))
    indicator[subject_codes, np.arange(len(subject_codes))] = 1.0

    def centre(v):  # v: (n_rows,) or (n_rows, k)
        v2 = v if v.ndim == 2 else v[:, None]
        return v2 - ((indicator @ v2) / counts[:, None])[subject_codes]

    yc, xc, hc = centre(y)[:, 0], centre(x)[:, 0], centre(h)
    n_grid = h.shape[1]
    out = np.zeros((n_grid, n_subjects, 3, 3))
    sxx = indicator @ (xc * xc)
    syy = indicator @ (yc * yc)
    sxy = indicator @ (xc * yc)
    sxh = (indicator @ (xc[:, None] * hc)).T
    shh = (indicator @ (hc * hc)).T
    shy = (indicator @ (hc * yc[:, None])).T
    out[:, :, 0, 0] = sxx[None, :]
    out[:, :, 2, 2] = syy[None, :]
    out[:, :, 0, 2] = out[:, :, 2, 0] = sxy[None, :]
    out[:, :, 0, 1] = out[:, :, 1, 0] = sxh
    out[:, :, 1, 1] = shh
    out[:, :, 1, 2] = out[:, :, 2, 1] = shy
    return out


def _rss_from_crossproducts(m):
    """RSS of y on [x, h] from summed cross-products m (..., 3, 3); NaN where singular."""
    xx = m[..., :2, :2]
    xy = m[..., :2, 2]
    det = xx[..., 0, 0] * xx[..., 1, 1] - xx[..., 0, 1] ** 2
    ok = det > 1e-12 * np.maximum(xx[..., 0, 0] * xx[..., 1, 1], 1e-300)
    safe = np.where(ok, det, 1.0)
    b0 = (xx[..., 1, 1] * xy[..., 0] - xx[..., 0, 1] * xy[..., 1]) / safe
    b1 = (xx[..., 0, 0] * xy[..., 1] - xx[..., 0, 1] * xy[..., 0]) / safe
    rss = m[..., 2, 2] - b0 * xy[..., 0] - b1 * xy[..., 1]
    return np.where(ok, rss, np.nan)


def _loglik(rss, n_rows):
    return -0.5 * n_rows * (np.log(2 * np.pi * np.maximum(rss, 1e-300) / n_rows) + 1.0)


def _profile_from_hinges(y, x, h, subjects):
    """Per-subject cross-products and the profile log-likelihood for every hinge column of ``h``."""
    codes, uniques = pd.factorize(subjects)
    n_sub = len(uniques)
    cp = _within_crossproducts(y, x, h, codes, n_sub)  # (n_grid, n_sub, 3, 3)
    n_rows = len(y)
    llf = _loglik(_rss_from_crossproducts(cp.sum(axis=1)), n_rows)
    return cp, llf, codes, n_sub, n_rows


def profile_hinge(
    data: pd.DataFrame,
    y: str,
    load: str,
    groups: str,
    *,
    psi_grid=None,
    n_boot: int = 200,
    rng: np.random.Generator | None = None,
) -> HingeProfile:
    """Profile the breakpoint psi of y = a_i + b·L + β_h·(L − psi)_+ on a grid (ML, subject intercepts).

    Subject intercepts are absorbed by within-subject centring (Gaussian profile likelihood); the LR
    interval uses χ²₁(0.95). The subject-cluster bootstrap re-profiles psi on resampled subjects
    (recommended over the irregular profile interval, docs/design/statistics.md §8.3). Explicit ``rng``.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    grid = np.asarray(psi_grid if psi_grid is not None else np.arange(4.0, 16.01, 0.25), dtype=float)  # [assumption]
    L = data[load].to_numpy(float)
    h = np.clip(L[:, None] - grid[None, :], 0.0, None)
    cp, llf, codes, n_sub, n_rows = _profile_from_hinges(data[y].to_numpy(float), L, h, data[groups].to_numpy())
    return _finish_profile(
        "psi",
        grid,
        grid,
        cp,
        llf,
        n_sub,
        n_rows,
        n_boot,
        rng,
        "hinge OLS with subject intercepts, profile LR (chi2_1) + subject-cluster bootstrap",
    )


def _grid(start: float, stop: float, step: float) -> np.ndarray:
    """start, start + step, ... <= stop as integer multiples of ``step``, rounded (no 2.2e-16 where 0 should be)."""
    k0, k1 = math.floor(start / step + 1e-9), math.ceil(stop / step - 1e-9)
    return np.round(np.arange(k0, k1 + 1) * step, 10)


def profile_hinge_mass(
    data: pd.DataFrame,
    y: str,
    load: str,
    groups: str,
    mass: str,
    *,
    centre_kg: float = 75.0,
    psi0_grid=None,
    psi1_grid=None,
    psi1_step: float = 0.005,
    n_boot: int = 0,
    rng: np.random.Generator | None = None,
) -> tuple[HingeProfile, float]:
    """C9: breakpoint linear in body mass, psi(m) = psi0 + psi1·(m − centre_kg); profile likelihood of psi1.

    psi0 is profiled over the loads the data hold (0.5 %BW steps, a quarter of the 2 %BW load grid); psi1 over an **adaptive** range: it starts at
    ±0.25 %BW/kg in ``psi1_step`` steps and is widened on each side until the LR acceptance region (chi2_1, 95 %) is
    closed, or until the breakpoints of the heaviest and lightest subjects differ by more than the whole load range
    (beyond that every psi1 fits alike: the data cannot bound psi1 on that side, and the interval's bound is ±inf,
    said in ``at_grid_edge``/``method``). The interval is the projection of the joint (psi0, psi1) LR region
    (chi2_2; 95 % in ``profile_ci95``, 90 % in ``bootstrap_ci90``'s place when ``n_boot`` = 0); ``n_boot`` > 0 adds a
    subject-cluster bootstrap on the final grid.
    Returns the profile of psi1 and the joint maximum-likelihood psi0.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    L = data[load].to_numpy(float)
    mc = data[mass].to_numpy(float) - centre_kg
    yv = data[y].to_numpy(float)
    subjects = data[groups].to_numpy()
    lo_load, hi_load = float(np.nanmin(L)), float(np.nanmax(L))
    g0 = np.asarray(psi0_grid, float) if psi0_grid is not None else _grid(lo_load, hi_load, 0.5)
    spread = float(np.nanmax(mc) - np.nanmin(mc))
    limit = (hi_load - lo_load) / spread if spread > 0 else 0.25  # |psi1| beyond this: no information
    # The LR of a breakpoint parameter is not chi2_1 (the hinge is not differentiable in psi: Hinkley 1969, Davies
    # 1987); referred to chi2_1, the psi1 interval covered 0.90 in 600 demo-design studies. The interval used is the
    # projection onto psi1 of the joint LR region of (psi0, psi1), chi2_2: conservative by construction
    # (docs/design/statistics.md, "C9 interval").
    lr_df = 2
    crit95 = stats.chi2.ppf(0.95, lr_df) / 2.0

    def profile(g1):
        P0, P1 = np.meshgrid(g0, g1, indexing="ij")
        psi_rows = P0.ravel()[None, :] + P1.ravel()[None, :] * mc[:, None]
        h = np.clip(L[:, None] - psi_rows, 0.0, None)
        cp, llf, _, n_sub, n_rows = _profile_from_hinges(yv, L, h, subjects)
        prof = np.nanmax(np.where(np.isfinite(llf), llf, -np.inf).reshape(len(g0), len(g1)), axis=0)
        return P0, P1, cp, llf, n_sub, n_rows, prof

    if psi1_grid is not None:
        g1 = np.asarray(psi1_grid, float)
        P0, P1, cp, llf, n_sub, n_rows, prof = profile(g1)
        open_lo = open_hi = False
    else:
        lo1, hi1 = -0.25, 0.25
        while True:
            g1 = _grid(lo1, hi1, psi1_step)
            P0, P1, cp, llf, n_sub, n_rows, prof = profile(g1)
            accept = prof >= np.max(prof) - crit95
            grow_lo = bool(accept[0]) and -lo1 < limit
            grow_hi = bool(accept[-1]) and hi1 < limit
            if not (grow_lo or grow_hi):
                break
            lo1 = -min(2 * -lo1, limit + psi1_step) if grow_lo else lo1
            hi1 = min(2 * hi1, limit + psi1_step) if grow_hi else hi1
        accept = prof >= np.max(prof) - crit95
        open_lo, open_hi = bool(accept[0]), bool(accept[-1])
    best = int(np.argmax(prof))

    def lr_interval(level: float) -> tuple[float, float]:
        ok = g1[prof >= prof[best] - stats.chi2.ppf(level, lr_df) / 2.0]
        return (-math.inf if open_lo else float(ok.min()), math.inf if open_hi else float(ok.max()))

    ci95, ci90 = lr_interval(0.95), lr_interval(0.90)
    boot95, boot90 = ci95, ci90
    if n_boot > 0:
        counts = rng.multinomial(n_sub, np.full(n_sub, 1.0 / n_sub), size=n_boot).astype(float)
        m = np.einsum("bs,gsij->bgij", counts, cp)
        bl = _loglik(_rss_from_crossproducts(m), n_rows)
        boots = P1.ravel()[np.argmax(np.where(np.isfinite(bl), bl, -np.inf), axis=1)]
        b95, b90 = np.percentile(boots, [2.5, 97.5]), np.percentile(boots, [5, 95])
        boot95, boot90 = (float(b95[0]), float(b95[1])), (float(b90[0]), float(b90[1]))
    unbounded = [side for side, flag in (("below", open_lo), ("above", open_hi)) if flag]
    method = (
        f"hinge OLS with subject intercepts, psi(m) = psi0 + psi1*(m - {centre_kg:g}); psi1 profiled over psi0 "
        f"(projected joint LR region, chi2_2; adaptive psi1 range [{g1[0]:g}, {g1[-1]:g}] step {psi1_step:g})"
        + (f"; the data cannot bound psi1 {' and '.join(unbounded)}" if unbounded else "")
    )
    prof_out = HingeProfile(
        parameter="psi1",
        grid=g1,
        loglik=prof,
        estimate=float(g1[best]),
        profile_ci95=ci95,
        bootstrap_ci95=boot95,
        bootstrap_ci90=boot90,
        n_boot=int(n_boot),
        at_grid_edge=bool(unbounded),
        method=method,
        intervals={level: lr_interval(level) for level in (0.90, 0.95, 0.975)},
    )
    psi0_hat = float(P0.ravel()[int(np.nanargmax(np.where(np.isfinite(llf), llf, -np.inf)))])
    return prof_out, psi0_hat


def _finish_profile(parameter, grid, param_per_col, cp, llf, n_sub, n_rows, n_boot, rng, method):
    # profile over the parameter: max llf over columns sharing the same parameter value
    prof = np.array([np.nanmax(np.where(param_per_col == g, llf, -np.inf)) for g in grid])
    best = int(np.nanargmax(prof))
    accept = prof >= prof[best] - stats.chi2.ppf(0.95, 1) / 2.0
    inside = grid[accept]
    profile_ci = (float(inside.min()), float(inside.max()))
    boots = np.full(n_boot, np.nan)
    if n_boot > 0:
        counts = rng.multinomial(n_sub, np.full(n_sub, 1.0 / n_sub), size=n_boot).astype(float)
        # (n_boot, n_cols, 3, 3): bootstrap sample cross-products = count-weighted sums over subjects
        m = np.einsum("bs,gsij->bgij", counts, cp)
        bl = _loglik(_rss_from_crossproducts(m), n_rows)
        bl = np.where(np.isfinite(bl), bl, -np.inf)
        boots = param_per_col[np.argmax(bl, axis=1)]
    boot95 = tuple(float(v) for v in np.nanpercentile(boots, [2.5, 97.5])) if n_boot else (math.nan, math.nan)
    boot90 = tuple(float(v) for v in np.nanpercentile(boots, [5, 95])) if n_boot else (math.nan, math.nan)
    return HingeProfile(
        parameter=parameter,
        grid=np.asarray(grid),
        loglik=prof,
        estimate=float(grid[best]),
        profile_ci95=profile_ci,
        bootstrap_ci95=boot95,
        bootstrap_ci90=boot90,
        n_boot=int(n_boot),
        at_grid_edge=bool(accept[0] or accept[-1]),
        method=method,
    )
