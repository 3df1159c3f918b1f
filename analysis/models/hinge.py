"""Hinge (segmented) models: breakpoint psi profiled on a grid with a likelihood-ratio interval and a
subject-cluster bootstrap interval (docs/design/statistics.md §9)."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def _within_crossproducts(y, x, h, subject_codes, n_subjects):
    """Per-subject within-centred cross-products of [x, h, y] for each hinge column of h (n_rows, n_grid).

    Returns array (n_grid, n_subjects, 3, 3).
    """
    counts = np.bincount(subject_codes, minlength=n_subjects).astype(float)

    def centre(v):  # v: (n_rows,) or (n_rows, k)
        v2 = v if v.ndim == 2 else v[:, None]
        sums = np.zeros((n_subjects, v2.shape[1]))
        np.add.at(sums, subject_codes, v2)
        return v2 - (sums / counts[:, None])[subject_codes]

    yc, xc, hc = centre(y)[:, 0], centre(x)[:, 0], centre(h)
    n_grid = h.shape[1]
    out = np.zeros((n_grid, n_subjects, 3, 3))
    cols = {"x": np.broadcast_to(xc[:, None], hc.shape), "h": hc, "y": np.broadcast_to(yc[:, None], hc.shape)}
    names = ("x", "h", "y")
    for i, a in enumerate(names):
        for j, b in enumerate(names[i:], start=i):
            prod = cols[a] * cols[b]
            acc = np.zeros((n_subjects, n_grid))
            np.add.at(acc, subject_codes, prod)
            out[:, :, i, j] = acc.T
            out[:, :, j, i] = acc.T
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
    n_boot: int = 200,
    rng: np.random.Generator | None = None,
) -> tuple[HingeProfile, float]:
    """C9: breakpoint linear in body mass, psi(m) = psi0 + psi1·(m − centre_kg); profile (psi0, psi1).

    Returns the profile of psi1 (maximised over psi0) with its bootstrap interval, and the joint
    maximum-likelihood psi0.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    g0 = np.asarray(psi0_grid if psi0_grid is not None else np.arange(5.0, 15.01, 0.5), dtype=float)  # [assumption]
    g1 = np.asarray(psi1_grid if psi1_grid is not None else np.arange(-0.25, 0.2501, 0.01), dtype=float)  # [assumption]
    P0, P1 = np.meshgrid(g0, g1, indexing="ij")
    L = data[load].to_numpy(float)
    mc = data[mass].to_numpy(float) - centre_kg
    psi_rows = P0.ravel()[None, :] + P1.ravel()[None, :] * mc[:, None]
    h = np.clip(L[:, None] - psi_rows, 0.0, None)
    cp, llf, codes, n_sub, n_rows = _profile_from_hinges(data[y].to_numpy(float), L, h, data[groups].to_numpy())
    prof = _finish_profile(
        "psi1",
        g1,
        P1.ravel(),
        cp,
        llf,
        n_sub,
        n_rows,
        n_boot,
        rng,
        f"hinge OLS with subject intercepts, psi(m) = psi0 + psi1*(m - {centre_kg:g}); "
        "psi1 profiled over psi0 (LR chi2_1) + subject-cluster bootstrap",
    )
    psi0_hat = float(P0.ravel()[np.nanargmax(llf)])
    return prof, psi0_hat


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
