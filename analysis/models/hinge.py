"""Hinge (segmented) models: breakpoint psi profiled on a grid with a likelihood-ratio interval and a
subject-cluster bootstrap interval (docs/design/statistics.md §9)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.errors import AnalysisError


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
    critical_values: dict[float, float] = field(default_factory=dict)  # level -> largest LR cut-off used (C9)
    #: level -> the confidence set as segments (C9: the LR test inverted; ``intervals`` holds its hull)
    confidence_sets: dict[float, list[tuple[float, float]]] = field(default_factory=dict)


def _within_crossproducts(y, x, h, subject_codes, n_subjects):
    """Per-subject within-centred cross-products of [x, h, y] for each hinge column of h (n_rows, n_grid).

    Returns array (n_grid, n_subjects, 3, 3). Sums over a subject's rows are products with the subject indicator
    matrix (one BLAS call per product instead of an unbuffered ``np.add.at``).
    """
    counts = np.bincount(subject_codes, minlength=n_subjects).astype(float)
    indicator = np.zeros((n_subjects, len(subject_codes)))
    indicator[subject_codes, np.arange(len(subject_codes))] = 1.0

    yc, xc = _centred(y, indicator, counts, subject_codes), _centred(x, indicator, counts, subject_codes)
    hc = _centred(h, indicator, counts, subject_codes)
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


#: the LR reference distributions profile_hinge_mass offers (docs/design/statistics.md, "C9 interval")
LR_REFERENCES = ("bootstrap", "chi2_2", "chi2_1")
#: grid values whose LR exceeds this are outside every interval without a bootstrap: the largest 97.5 % cut-off in
#: 900 demo-design studies was 12.3 (docs/design/statistics.md §13.3); when a study's largest cut-off exceeds
#: two thirds of the cap, the cap is raised to 1.5 x that cut-off and the missing values are bootstrapped too
BOOTSTRAP_LR_CAP = 18.0
#: bootstrap cut-offs are computed at every 8th psi1 grid value (0.04 %BW/kg) and interpolated between ...
BOOTSTRAP_NODE_STEP = 8
#: ... and exactly next to every change of decision and wherever the LR is within 0.25 of the interpolated cut-off
#: [assumption]. Measured (review, 2026-12-02): with one set of draws, neighbouring grid values' 95 % cut-offs differ
#: by SD ~0.2; across independent sets of draws a cut-off varies by SD ~0.6 at B = 199. In 1 of 36 studies the
#: interpolated set differed from the exact one (node step 1) by a one-grid-step island that is bootstrap noise.
BOOTSTRAP_REFINE = 0.25


def _centred(v: np.ndarray, indicator: np.ndarray, counts: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Within-subject centred copy of ``v`` (n_rows,) or (n_rows, k)."""
    v2 = v if v.ndim == 2 else v[:, None]
    out = v2 - ((indicator @ v2) / counts[:, None])[codes]
    return out if v.ndim == 2 else out[:, 0]


def _order_statistic_quantiles(values: np.ndarray, levels) -> dict[float, float]:
    """The ceil(level·(B + 1))-th smallest of B bootstrap statistics for each level (B = 199: the 180th, 190th and
    195th; Davison & Hinkley 1997, §4.2.1), so that the test of the true value rejects with probability ≤ 1 − level."""
    v = np.sort(values)
    b = len(v)
    return {lv: float(v[min(b, math.ceil(lv * (b + 1))) - 1]) for lv in levels}


class _ParametricBootstrapLR:
    """Parametric bootstrap of the psi1 LR statistic under psi1 = p, for any grid value p: the test inverted over the
    grid ("grid bootstrap", Hansen 1999 REStat 81:594; for threshold models Hidalgo, Lee & Seo 2019, J Econometrics
    210:291).

    At p, y* = fitted_p + sigma_p · e (e iid N(0, 1), the model the profile likelihood assumes) with fitted_p the ML
    fit restricted to psi1 = p (best psi0; within-centred, so subject intercepts are implied) and sigma_p² its
    residual variance on n − n_subjects − 3 degrees of freedom. Each hinge column g is orthogonalised against load
    and scaled to unit length (k_g), so RSS_g(y) = base(y) − (k_gᵀy)² with base = yᵀy − (xᵀy)²/xᵀx, and for a draw
    k_gᵀy* = k_gᵀfitted_p + sigma_p·(k_gᵀe): the (G, B) matrix Kᵀe is formed once for every p, and each p costs
    one pass over it (the largest |k_gᵀy*| per draw). ``lr_star(p)`` returns LR*_b = n·(log RSS*_b restricted to
    psi1 = p − log RSS*_b over all columns), (B,). Written by hand: no library bootstraps a profiled breakpoint on a
    grid.
    """

    _CHUNK = 128  # columns per pass: (128, B) blocks stay in cache (2.7x faster than one (G, B) pass at G = 4,000)

    def __init__(self, y, x, h, codes, psi1_per_col, llf, draws):
        """``y``, ``x`` (load) (n_rows,), ``h`` hinge columns (n_rows, G), ``codes`` subject index per row,
        ``psi1_per_col``/``llf`` per column, ``draws`` N(0, 1) (n_rows, B). Everything is centred within subjects
        here (subject intercepts are profiled out of y and of y*)."""
        n_sub = int(codes.max()) + 1
        counts = np.bincount(codes, minlength=n_sub).astype(float)
        indicator = np.zeros((n_sub, len(codes)))
        indicator[codes, np.arange(len(codes))] = 1.0
        yc, xc, hc = (_centred(np.asarray(v, float), indicator, counts, codes) for v in (y, x, h))
        self.sxx = float(xc @ xc)
        perp = hc - np.outer(xc, (xc @ hc) / self.sxx)  # hinge columns orthogonal to load
        norm2 = np.einsum("rg,rg->g", perp, perp)
        ok = norm2 > 1e-12 * np.einsum("rg,rg->g", hc, hc)  # singular: no row above (or below) the breakpoint
        self.k = perp[:, ok] / np.sqrt(norm2[ok])
        self.psi1, self.llf = psi1_per_col[ok], np.where(np.isfinite(llf[ok]), llf[ok], -np.inf)
        self.yc, self.xc, self.n_rows = yc, xc, len(yc)
        self.df_resid = max(len(yc) - n_sub - 3, 1)
        self.ky = self.k.T @ yc
        self.draws = draws
        # xc and the k_g are centred within subjects, so xcᵀe = xcᵀe_c and Kᵀe = Kᵀe_c (e_c: e centred per subject);
        # (G, B) in float32: k_g is unit length and orthogonal to load, so k_gᵀy* is O(sigma): no cancellation
        self.ke = (self.k.T @ draws).astype(np.float32)
        self.xe = xc @ draws
        self._e_c = _centred(draws, indicator, counts, codes)
        self.ee = np.einsum("rb,rb->b", self._e_c, self._e_c)

    def lr_star(self, p: float) -> np.ndarray:
        restricted = np.flatnonzero(self.psi1 == p)
        b = self.draws.shape[1]
        if restricted.size == 0:  # every column at this psi1 is singular: nothing to calibrate
            return np.zeros(b)
        g = restricted[int(np.argmax(self.llf[restricted]))]
        fitted = (self.xc @ self.yc / self.sxx) * self.xc + self.ky[g] * self.k[:, g]
        resid = self.yc - fitted
        sigma = math.sqrt(float(resid @ resid) / self.df_resid)
        syy = fitted @ fitted + 2.0 * sigma * (fitted @ self._e_c) + sigma**2 * self.ee
        sxy = self.xc @ fitted + sigma * self.xe
        base = syy - sxy**2 / self.sxx
        kf = (self.k.T @ fitted).astype(np.float32)  # (G,)
        sigma32 = np.float32(sigma)
        best_all = np.zeros(b, np.float32)
        for i in range(0, len(kf), self._CHUNK):
            z = self.ke[i : i + self._CHUNK] * sigma32
            z += kf[i : i + self._CHUNK, None]
            np.abs(z, out=z)
            np.maximum(best_all, z.max(axis=0), out=best_all)
        z_r = np.abs(kf[restricted, None] + sigma * self.ke[restricted])
        rss_min = np.maximum(base - best_all.astype(float) ** 2, 1e-300)
        rss_restricted = np.maximum(base - z_r.max(axis=0) ** 2, 1e-300)
        # >= 0 by construction (the restricted minimum is over a subset); float32 rounding can leave -1e-6
        return np.maximum(self.n_rows * (np.log(rss_restricted) - np.log(rss_min)), 0.0)


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
    lr_reference: str = "bootstrap",
    n_calibration: int = 199,  # (B + 1)·level is whole at 0.90/0.95/0.975: exact-size tests (Davison & Hinkley 1997)
    n_boot: int = 0,
    rng: np.random.Generator | None = None,
) -> tuple[HingeProfile, float]:
    """C9: breakpoint linear in body mass, psi(m) = psi0 + psi1·(m − centre_kg); profile likelihood of psi1.

    psi0 is profiled over the loads the data hold (0.5 %BW steps, a quarter of the 2 %BW load grid); psi1 over an
    **adaptive** range in ``psi1_step`` steps: it starts at the identifiable range capped at ±0.5 %BW/kg (±0.25 for
    the χ² references) and is widened on each side while the widest set reported (97.5 %) reaches the edge, up to
    where the breakpoints of the heaviest and lightest subjects differ by more than the whole load range (beyond that every psi1
    fits alike: the data cannot bound psi1 on that side, the bound is ±inf, said in ``at_grid_edge``/``method``).

    The confidence set is {psi1 : LR(psi1) ≤ c(psi1)}, LR = 2·(max log-lik − profile log-lik of psi1). The LR of a
    breakpoint parameter is not χ² (the hinge is not differentiable in psi: Hinkley 1969; Hansen 2017, JBES 35:228),
    so the cut-off comes from ``lr_reference``:

    * ``"bootstrap"`` (default): the test inverted over the grid, c(p) from ``n_calibration`` parametric bootstrap
      draws simulated with psi1 fixed at p (:class:`_ParametricBootstrapLR`; computed at every
      ``BOOTSTRAP_NODE_STEP``-th grid value, interpolated, and exactly next to every change of decision; coverage 0.949
      in the calibration benchmark, docs/design/statistics.md §13.3);
    * ``"chi2_2"``: χ²₂, the projection of the joint (psi0, psi1) region (conservative: coverage 0.972);
    * ``"chi2_1"``: χ²₁ (anti-conservative for a breakpoint: 0.90).

    ``confidence_sets`` holds each level's set as segments (it need not be one interval); ``intervals`` their hulls
    at 90, 95 and 97.5 % (95 % also in ``profile_ci95``, 90 % in ``bootstrap_ci90``'s place when ``n_boot`` = 0);
    ``critical_values`` the largest cut-off used per level. ``n_boot`` > 0 adds a subject-cluster percentile bootstrap
    of the estimate on the final grid. Returns the profile of psi1 and the joint maximum-likelihood psi0.
    """
    if lr_reference not in LR_REFERENCES:
        raise ValueError(f"lr_reference must be one of {LR_REFERENCES}, got {lr_reference!r}")
    rng = rng if rng is not None else np.random.default_rng(0)
    levels = (0.90, 0.95, 0.975)
    for column in (y, load, mass):
        values = pd.to_numeric(data[column], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            rows = ", ".join(str(data.index[i]) for i in bad[:5]) + (" ..." if bad.size > 5 else "")
            raise AnalysisError(f"{column}: {bad.size} missing or non-numeric value(s) (rows {rows}); fix or drop them")
    L = data[load].to_numpy(float)
    mc = data[mass].to_numpy(float) - centre_kg
    yv = data[y].to_numpy(float)
    subjects = data[groups].to_numpy()
    lo_load, hi_load = float(np.nanmin(L)), float(np.nanmax(L))
    g0 = np.asarray(psi0_grid, float) if psi0_grid is not None else _grid(lo_load, hi_load, 0.5)
    spread = float(np.nanmax(mc) - np.nanmin(mc))
    limit = (hi_load - lo_load) / spread if spread > 0 else 0.25  # |psi1| beyond this: no information
    codes, _ = pd.factorize(subjects)
    # one weight matrix for every range tried, so widening the range does not redraw (reproducible, explicit rng)
    draws = rng.standard_normal((len(codes), n_calibration)) if lr_reference == "bootstrap" else None
    chi2_crit = {lv: float(stats.chi2.ppf(lv, 2 if lr_reference == "chi2_2" else 1)) for lv in levels}

    def profile(g1):
        P0, P1 = np.meshgrid(g0, g1, indexing="ij")
        psi_rows = P0.ravel()[None, :] + P1.ravel()[None, :] * mc[:, None]
        h = np.clip(L[:, None] - psi_rows, 0.0, None)
        cp, llf, _, n_sub_, n_rows = _profile_from_hinges(yv, L, h, subjects)
        prof = np.nanmax(np.where(np.isfinite(llf), llf, -np.inf).reshape(len(g0), len(g1)), axis=0)
        lr = 2.0 * (np.max(prof) - prof)
        boot = _ParametricBootstrapLR(yv, L, h, codes, P1.ravel(), llf, draws) if draws is not None else None
        return P0, P1, cp, llf, n_sub_, n_rows, prof, lr, boot

    def cutoffs(g1, lr, boot):
        """Per grid value and level: the LR cut-off; NaN where the value is rejected whatever its cut-off."""
        crit = {lv: np.full(len(g1), chi2_crit[lv]) for lv in levels}
        if boot is None:
            return crit, 0
        done: dict[int, dict[float, float]] = {}

        def evaluate(idx) -> None:
            for i in idx:
                if int(i) not in done:
                    done[int(i)] = _order_statistic_quantiles(boot.lr_star(float(g1[i])), levels)

        cap = BOOTSTRAP_LR_CAP
        while True:
            need = np.flatnonzero(lr <= cap)  # values that any plausible cut-off could accept
            # nodes every BOOTSTRAP_NODE_STEP grid values (and the ends of the range that needs them), cut-offs
            # interpolated between; then every value next to a change of decision, or whose LR is within
            # BOOTSTRAP_REFINE of its interpolated cut-off, is bootstrapped on its own until no decision moves: the
            # decision is exact wherever it is close, and the set's ends are exact
            evaluate(need[(need % BOOTSTRAP_NODE_STEP == 0) | (need == need.min()) | (need == need.max())])
            for _ in range(8):
                nodes = np.array(sorted(done))
                todo = []
                for lv in levels:
                    cut = np.interp(need, nodes, [done[i][lv] for i in nodes])
                    acc = lr[need] <= cut
                    change = np.flatnonzero(acc[1:] != acc[:-1])
                    todo += [need[change], need[change + 1], need[np.abs(lr[need] - cut) < BOOTSTRAP_REFINE]]
                todo_idx = np.setdiff1d(np.concatenate(todo), nodes)
                if todo_idx.size == 0:
                    break
                evaluate(todo_idx)
            # the cap must stay well above every cut-off: if one comes within a third of it, widen and go again
            largest = max(c[max(levels)] for c in done.values())
            if largest * 1.5 <= cap or not (lr > cap).any():
                break
            cap = 1.5 * largest
        nodes = np.array(sorted(done))
        for lv in levels:
            crit[lv][:] = np.nan
            crit[lv][need] = np.interp(need, nodes, [done[i][lv] for i in nodes])
            crit[lv][nodes] = [done[i][lv] for i in nodes]
        best = int(np.argmin(lr))
        for lv in levels:  # LR = 0 at the estimate, inside every set (LR* >= 0: its cut-offs are >= 0)
            crit[lv][best] = max(crit[lv][best], 0.0)
        return crit, len(done)

    def accepted(lr, crit, level):
        """The confidence set: grid values whose LR is within their cut-off (boolean mask over the grid)."""
        return lr <= np.where(np.isfinite(crit[level]), crit[level], -1.0)

    if psi1_grid is not None:
        g1 = np.asarray(psi1_grid, float)
        P0, P1, cp, llf, n_sub, n_rows, prof, lr, boot = profile(g1)
        crit, n_evaluated = cutoffs(g1, lr, boot)
        open_lo = open_hi = False
    else:
        # the bootstrap starts on the whole identifiable range when it is small (one bootstrap set-up, no regrowth)
        lo1 = hi1 = min(limit + psi1_step, 0.5) if lr_reference == "bootstrap" else 0.25
        lo1 = -lo1
        while True:
            g1 = _grid(lo1, hi1, psi1_step)
            P0, P1, cp, llf, n_sub, n_rows, prof, lr, boot = profile(g1)
            crit, n_evaluated = cutoffs(g1, lr, boot)
            widest = accepted(lr, crit, max(levels))
            grow_lo = bool(widest[0]) and -lo1 < limit
            grow_hi = bool(widest[-1]) and hi1 < limit
            if not (grow_lo or grow_hi):
                break
            lo1 = -min(2 * -lo1, limit + psi1_step) if grow_lo else lo1
            hi1 = min(2 * hi1, limit + psi1_step) if grow_hi else hi1
        widest = accepted(lr, crit, max(levels))
        open_lo, open_hi = bool(widest[0]), bool(widest[-1])
    best = int(np.argmax(prof))

    def segments(level: float) -> list[tuple[float, float]]:
        """The confidence set as closed segments of grid values (±inf where it reaches an open end of the range)."""
        mask = accepted(lr, crit, level)
        edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
        out = []
        for start, stop in zip(edges[::2], edges[1::2] - 1):
            lo = -math.inf if start == 0 and open_lo else float(g1[start])
            hi = math.inf if stop == len(g1) - 1 and open_hi else float(g1[stop])
            out.append((lo, hi))
        return out

    def lr_interval(level: float) -> tuple[float, float]:
        segs = segments(level)
        return (segs[0][0], segs[-1][1])

    intervals = {level: lr_interval(level) for level in levels}
    sets = {level: segments(level) for level in levels}
    ci95, ci90 = intervals[0.95], intervals[0.90]
    boot95, boot90 = ci95, ci90
    if n_boot > 0:
        boots = _cluster_bootstrap(cp, n_sub, n_rows, n_boot, rng, P1.ravel())
        b95, b90 = np.percentile(boots, [2.5, 97.5]), np.percentile(boots, [5, 95])
        boot95, boot90 = (float(b95[0]), float(b95[1])), (float(b90[0]), float(b90[1]))
    unbounded = [side for side, flag in (("below", open_lo), ("above", open_hi)) if flag]
    crit95 = np.delete(crit[0.95], best)  # the estimate's 0 is not a cut-off
    crit95 = crit95[np.isfinite(crit95)] if np.isfinite(crit95).any() else np.array([math.nan])
    reference = {
        "bootstrap": f"LR test inverted with cut-offs from {n_calibration} parametric bootstrap draws at each "
        f"candidate psi1 ({n_evaluated} evaluated; 95 % cut-offs {crit95.min():.2f}–"
        f"{crit95.max():.2f}, chi2_1 3.84, chi2_2 5.99)",
        "chi2_2": "projected joint LR region, chi2_2",
        "chi2_1": "LR referred to chi2_1",
    }[lr_reference]
    method = (
        f"hinge OLS with subject intercepts, psi(m) = psi0 + psi1*(m - {centre_kg:g}); psi1 profiled over psi0 "
        f"({reference}; adaptive psi1 range [{g1[0]:g}, {g1[-1]:g}] step {psi1_step:g})"
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
        intervals=intervals,
        confidence_sets=sets,
        critical_values={lv: float(np.nanmax(c)) for lv, c in crit.items()},
    )
    psi0_hat = float(P0.ravel()[int(np.nanargmax(np.where(np.isfinite(llf), llf, -np.inf)))])
    return prof_out, psi0_hat


def _cluster_bootstrap(cp, n_sub, n_rows, n_boot, rng, param_per_col) -> np.ndarray:
    """Subject-cluster bootstrap of the profiled parameter: each draw resamples subjects (multinomial counts), its
    cross-products are the count-weighted sums of the per-subject ones ((n_boot, n_cols, 3, 3), no refit), and its
    estimate is the column of largest log-likelihood."""
    counts = rng.multinomial(n_sub, np.full(n_sub, 1.0 / n_sub), size=n_boot).astype(float)
    m = np.einsum("bs,gsij->bgij", counts, cp)
    bl = _loglik(_rss_from_crossproducts(m), n_rows)
    return np.asarray(param_per_col)[np.argmax(np.where(np.isfinite(bl), bl, -np.inf), axis=1)]


def _finish_profile(parameter, grid, param_per_col, cp, llf, n_sub, n_rows, n_boot, rng, method):
    # profile over the parameter: max llf over columns sharing the same parameter value
    prof = np.array([np.nanmax(np.where(param_per_col == g, llf, -np.inf)) for g in grid])
    best = int(np.nanargmax(prof))
    accept = prof >= prof[best] - stats.chi2.ppf(0.95, 1) / 2.0
    inside = grid[accept]
    profile_ci = (float(inside.min()), float(inside.max()))
    boots = _cluster_bootstrap(cp, n_sub, n_rows, n_boot, rng, param_per_col) if n_boot > 0 else np.full(0, np.nan)
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
