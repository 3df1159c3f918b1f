"""Mixed models, hinge (segmented) models and sensitivity fits used by the claim verdicts.

Design reference: docs/design/statistics.md (§4 small-sample inference, §5 fitting robustness,
§10 statsmodels pitfalls). Every estimate is returned as an :class:`Estimate` on the analysis scale
(log scale for multiplicative outcomes) with t-based 95 % and 90 % intervals and the method that made it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

from analysis.errors import AnalysisError

__all__ = [
    "Estimate",
    "MixedFit",
    "HingeProfile",
    "DEFAULT_METHOD_LISTS",
    "t_estimate",
    "pct_change",
    "fit_mixedlm_robust",
    "hinge_term",
    "profile_hinge",
    "profile_hinge_mass",
    "two_stage_slopes",
    "per_subject_coefficients",
    "one_sample_t",
    "two_group_t",
    "cluster_robust_ols",
    "fit_ancova",
    "fit_condition_contrast",
    "fit_muscle_protocol",
]

#: Optimiser method lists tried in order; best llf over 100 fits: powell+lbfgs 67, bfgs+lbfgs 26,
#: cg+lbfgs 6 (docs/design/statistics.md §5 [checked]).
DEFAULT_METHOD_LISTS: tuple[tuple[str, ...], ...] = (
    ("powell", "lbfgs"),
    ("lbfgs",),
    ("bfgs", "lbfgs"),
    ("cg", "lbfgs"),
)


# --------------------------------------------------------------------------- estimates
@dataclass(frozen=True)
class Estimate:
    """One effect on the analysis scale with t-based intervals."""

    name: str
    estimate: float
    se: float
    df: float
    ci95: tuple[float, float]
    ci90: tuple[float, float]
    p_value: float
    method: str
    scale: str = "log"  # "log" (report 100*(exp-1) %) or "additive"

    def natural(self) -> dict:
        """Estimate and intervals in natural units (% change for log-scale effects)."""
        f = pct_change if self.scale == "log" else (lambda v: v)
        return {
            "estimate": float(f(self.estimate)),
            "ci95_low": float(f(self.ci95[0])),
            "ci95_high": float(f(self.ci95[1])),
            "ci90_low": float(f(self.ci90[0])),
            "ci90_high": float(f(self.ci90[1])),
        }


def pct_change(log_effect):
    """Log-scale effect -> % change, 100*(exp(b) - 1) (docs/design/statistics.md §1)."""
    return 100.0 * (np.exp(log_effect) - 1.0)


def t_estimate(name: str, estimate: float, se: float, df: float, method: str, scale: str = "log") -> Estimate:
    """t-reference intervals (df = n_subjects - 1 for mixed models; docs/design/statistics.md §4)."""
    estimate, se = float(estimate), float(se)
    if not (np.isfinite(se) and se > 0 and df > 0):
        nan = (math.nan, math.nan)
        return Estimate(name, estimate, se, float(df), nan, nan, math.nan, method, scale)
    q95 = float(stats.t.ppf(0.975, df))
    q90 = float(stats.t.ppf(0.95, df))
    p = 2.0 * stats.t.sf(abs(estimate / se), df)
    return Estimate(
        name,
        estimate,
        se,
        float(df),
        (estimate - q95 * se, estimate + q95 * se),
        (estimate - q90 * se, estimate + q90 * se),
        float(p),
        method,
        scale,
    )


def one_sample_t(values, name: str = "mean", method: str = "two-stage one-sample t", scale: str = "log") -> Estimate:
    """Mean of per-subject summaries with a t interval (the exact, fast two-stage estimator, §4)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        raise AnalysisError(f"{name}: {v.size} subject summaries; need at least 2 subjects with data")
    return t_estimate(name, v.mean(), v.std(ddof=1) / math.sqrt(v.size), v.size - 1, method, scale)


def two_group_t(
    treated, control, name: str = "difference", method: str = "two-group pooled t", scale: str = "log"
) -> Estimate:
    """Difference of group means with the pooled-variance t interval (df = n1 + n2 - 2)."""
    a = np.asarray(treated, dtype=float)
    b = np.asarray(control, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        raise AnalysisError(f"{name}: {a.size} treated and {b.size} control subjects; need at least 2 per group")
    df = a.size + b.size - 2
    sp2 = ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / df
    se = math.sqrt(sp2 * (1 / a.size + 1 / b.size))
    return t_estimate(name, a.mean() - b.mean(), se, df, method, scale)


# --------------------------------------------------------------------------- MixedLM
@dataclass
class MixedFit:
    """A MixedLM fit plus what it took to get it (structure, optimiser, warnings, attempts)."""

    result: Any  # statsmodels MixedLMResults (untyped)
    formula: str
    structure: str  # "full", "uncorrelated", "intercept"
    re_formula: str | None
    vc_formula: dict | None
    optimiser: tuple[str, ...]
    n_groups: int
    n_obs: int
    reml: bool
    warnings: list[str] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)
    fallback_reason: str | None = None

    @property
    def df(self) -> int:
        return self.n_groups - 1

    def estimate(self, contrast, name: str | None = None, scale: str = "log") -> Estimate:
        """Linear combination of fixed effects (a term name, or a {term: weight} dict) with a t(n-1) interval.

        Uses numeric vectors over ``fe_params`` (string ``t_test`` fails on MixedLM, §10.1).
        """
        fe = self.result.fe_params
        if isinstance(contrast, str):
            contrast = {contrast: 1.0}
        missing = [k for k in contrast if k not in fe.index]
        if missing:
            raise AnalysisError(f"model '{self.formula}' has no term(s) {missing}; terms are {list(fe.index)}")
        r = np.array([contrast.get(k, 0.0) for k in fe.index], dtype=float)
        cov = self.result.cov_params().loc[fe.index, fe.index].to_numpy()
        est = float(r @ fe.to_numpy())
        se = float(math.sqrt(max(r @ cov @ r, 0.0)))
        label = name or " + ".join(f"{w:g}*{k}" for k, w in contrast.items())
        method = f"MixedLM ({'REML' if self.reml else 'ML'}, {self.structure} RE, {'+'.join(self.optimiser)}), t(df={self.df})"
        return t_estimate(label, est, se, self.df, method, scale)

    def diagnostics(self) -> dict:
        return {
            "formula": self.formula,
            "structure": self.structure,
            "re_formula": self.re_formula,
            "vc_formula": self.vc_formula,
            "optimiser": list(self.optimiser),
            "llf": float(self.result.llf),
            "converged": bool(self.result.converged),
            "n_groups": self.n_groups,
            "n_obs": self.n_obs,
            "reml": self.reml,
            "fallback_reason": self.fallback_reason,
            "warnings": sorted(set(self.warnings)),
            "n_attempts": len(self.attempts),
        }


def _slope_terms(re_formula: str | None) -> list[str]:
    if not re_formula:
        return []
    terms = [t.strip() for t in re_formula.replace("~", "").split("+")]
    return [t for t in terms if t and t not in ("1", "0")]


def _fit_once(formula, data, groups, re_formula, vc_formula, reml, methods):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = smf.mixedlm(formula, data, groups=data[groups], re_formula=re_formula, vc_formula=vc_formula)
        result = model.fit(reml=reml, method=list(methods))
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]


def _usable(result) -> bool:
    bse = np.asarray(result.bse_fe, dtype=float)
    return bool(result.converged) and bool(np.all(np.isfinite(bse))) and bool(np.isfinite(result.llf))


def fit_mixedlm_robust(
    formula: str,
    data: pd.DataFrame,
    groups: str,
    re_formula: str | None = None,
    vc_formula: dict | None = None,
    *,
    reml: bool = True,
    method_lists: Sequence[Sequence[str]] = DEFAULT_METHOD_LISTS,
) -> MixedFit:
    """Fit a MixedLM robustly (docs/design/statistics.md §5).

    The caller rescales covariates so variance parameters are O(1) (e.g. ``load_lb4 = load_lb / 4``).
    For each random-effects structure in turn -- the requested one, then uncorrelated random slopes
    (``re_formula="1"`` + ``vc_formula={"slope_x": "0 + x"}``), then random intercept only -- every
    optimiser list is tried; the converged fit with finite fixed-effect SEs and the highest llf is kept.
    Warnings are recorded (never silenced); a fallback is stated in ``fallback_reason``.
    """
    if groups not in data.columns:
        raise AnalysisError(f"mixed model '{formula}': grouping column '{groups}' is missing from the data")
    base_vc = dict(vc_formula or {})
    slopes = _slope_terms(re_formula)
    structures = [("full", re_formula, base_vc or None)]
    if slopes:
        uncorrelated = dict(base_vc)
        uncorrelated.update({f"slope_{s}": f"0 + {s}" for s in slopes})
        structures.append(("uncorrelated", "1", uncorrelated))
        structures.append(("intercept", "1", base_vc or None))
    attempts: list[dict] = []
    all_warnings: list[str] = []
    reasons: list[str] = []
    for structure, re_f, vc_f in structures:
        best = None
        for methods in method_lists:
            try:
                result, caught = _fit_once(formula, data, groups, re_f, vc_f, reml, methods)
            except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
                attempts.append({"structure": structure, "optimiser": list(methods), "error": repr(exc)})
                continue
            all_warnings.extend(caught)
            ok = _usable(result)
            attempts.append(
                {
                    "structure": structure,
                    "optimiser": list(methods),
                    "converged": bool(result.converged),
                    "llf": float(result.llf),
                    "usable": ok,
                }
            )
            if ok and (best is None or result.llf > best[0].llf):
                best = (result, tuple(methods))
        if best is not None:
            fallback = None
            if structure != "full":
                fallback = f"fell back to {structure} random effects: " + "; ".join(reasons)
            return MixedFit(
                result=best[0],
                formula=formula,
                structure=structure,
                re_formula=re_f,
                vc_formula=vc_f,
                optimiser=best[1],
                n_groups=int(data[groups].nunique()),
                n_obs=int(len(data)),
                reml=reml,
                warnings=all_warnings,
                attempts=attempts,
                fallback_reason=fallback,
            )
        reasons.append(
            f"{structure} structure (re_formula={re_f!r}, vc_formula={vc_f!r}) gave no converged fit "
            f"with finite SEs over {len(method_lists)} optimiser lists"
        )
    raise AnalysisError(f"mixed model '{formula}' did not converge with any structure: " + "; ".join(reasons))


# --------------------------------------------------------------------------- sensitivity fits
def two_stage_slopes(data: pd.DataFrame, y: str, x: str, groups: str, strata: Sequence[str] = ()) -> pd.Series:
    """Per-subject within-stratum OLS slope of ``y`` on ``x`` (stage one of the two-stage estimator).

    Centring within subject x stratum (e.g. phase x exercise) is the fixed-effects regression with
    stratum dummies; vectorised with groupby. Subjects without variation in ``x`` get NaN.
    """
    keys = [groups, *strata]
    g = data.groupby(keys, sort=False, observed=True)
    xc = data[x] - g[x].transform("mean")
    yc = data[y] - g[y].transform("mean")
    sxy = (xc * yc).groupby(data[groups], sort=True).sum()
    sxx = (xc * xc).groupby(data[groups], sort=True).sum()
    return (sxy / sxx.where(sxx > 0)).rename(f"slope_{x}")


def per_subject_coefficients(data: pd.DataFrame, y: str, xcols: Sequence[str], groups: str) -> pd.DataFrame:
    """Per-subject OLS coefficients (intercept + ``xcols``); rank-deficient subjects get NaN."""
    rows = {}
    for subject, d in data.groupby(groups, sort=True):
        X = np.column_stack([np.ones(len(d)), d[list(xcols)].to_numpy(float)])
        if np.linalg.matrix_rank(X) < X.shape[1]:
            rows[subject] = [math.nan] * X.shape[1]
            continue
        rows[subject] = np.linalg.lstsq(X, d[y].to_numpy(float), rcond=None)[0]
    return pd.DataFrame.from_dict(rows, orient="index", columns=["intercept", *xcols])


def cluster_robust_ols(formula: str, data: pd.DataFrame, groups: str, term: str, scale: str = "log") -> Estimate:
    """OLS with a subject-cluster sandwich covariance, t(n_clusters - 1) (sensitivity, §4)."""
    codes = pd.factorize(data[groups])[0]
    res = smf.ols(formula, data).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
    n_clusters = int(codes.max() + 1)
    return t_estimate(
        term,
        res.params[term],
        res.bse[term],
        n_clusters - 1,
        f"cluster-robust OLS ({n_clusters} clusters), t(df={n_clusters - 1})",
        scale,
    )


def fit_ancova(
    per_subject: pd.DataFrame, post: str, pre: str, treated: str, *, log: bool, name: str, cov_type: str = "HC3"
) -> tuple[Estimate, object]:
    """ANCOVA ``post ~ pre + treated`` (logs if ``log``) with ``cov_type`` (default HC3) SEs and t(df_resid)
    (docs/design/statistics.md §2, C2/C7; the claims use HC2, §13.6).

    ``treated`` is a 0/1 column. Returns the treated coefficient and the fitted OLS result.
    """
    d = per_subject[[post, pre, treated]].dropna().copy()
    if log:
        if (d[[post, pre]] <= 0).any().any():
            raise AnalysisError(f"{name}: non-positive values cannot be log-transformed; check '{post}'/'{pre}'")
        d[post], d[pre] = np.log(d[post]), np.log(d[pre])
    n_t = int(d[treated].sum())
    if n_t < 2 or len(d) - n_t < 2:
        raise AnalysisError(
            f"{name}: {n_t} treated and {len(d) - n_t} control subjects with pre and post; need >= 2 each"
        )
    res = smf.ols(f"{post} ~ {pre} + {treated}", d).fit(cov_type=cov_type, use_t=True)
    est = t_estimate(
        name,
        res.params[treated],
        res.bse[treated],
        res.df_resid,
        f"ANCOVA OLS{' on log' if log else ''}, {cov_type}, t(df={int(res.df_resid)})",
        "log" if log else "additive",
    )
    return est, res


def fit_condition_contrast(
    data: pd.DataFrame,
    y: str,
    condition: str,
    test_level: str,
    ref_level: str,
    groups: str,
    *,
    covariates: Sequence[str] = (),
    scale: str = "log",
    method_lists=DEFAULT_METHOD_LISTS,
) -> tuple[Estimate, MixedFit, Estimate]:
    """Within-subject contrast ``test_level`` vs ``ref_level`` of ``y`` (already on the analysis scale).

    MixedLM ``y ~ is_test + covariates``, random intercept per subject (crossover, C4/C6), plus the
    two-stage sensitivity (per-subject mean difference, one-sample t).
    """
    d = data[data[condition].isin([test_level, ref_level])].copy()
    d["is_test"] = (d[condition] == test_level).astype(float)
    formula = " + ".join([f"{y} ~ is_test", *covariates])
    fit = fit_mixedlm_robust(formula, d, groups, re_formula="1", method_lists=method_lists)
    est = fit.estimate("is_test", name=f"{test_level} vs {ref_level}", scale=scale)
    means = d.groupby([groups, "is_test"])[y].mean().unstack()
    two_stage = one_sample_t((means[1.0] - means[0.0]).dropna(), name=f"{test_level} vs {ref_level}", scale=scale)
    return est, fit, two_stage


def fit_muscle_protocol(
    data: pd.DataFrame,
    y: str,
    muscle: str,
    protocol: str,
    test_level: str,
    groups: str,
    *,
    method_lists=DEFAULT_METHOD_LISTS,
) -> tuple[dict[str, Estimate], MixedFit]:
    """Muscle x protocol model with a subject x muscle variance component (C5, docs/design/statistics.md §2).

    Cell-means parametrisation ``y ~ 0 + mus_m + sus_m`` so each Δ_m = E[y | m, test] - E[y | m, other]
    is one named coefficient ``sus_m``.
    """
    d = data.copy()
    muscles = sorted(d[muscle].unique())
    is_test = (d[protocol] == test_level).astype(float)
    for m in muscles:
        d[f"mus_{m}"] = (d[muscle] == m).astype(float)
        d[f"sus_{m}"] = d[f"mus_{m}"] * is_test
    formula = f"{y} ~ 0 + " + " + ".join([f"mus_{m}" for m in muscles] + [f"sus_{m}" for m in muscles])
    fit = fit_mixedlm_robust(
        formula, d, groups, re_formula="1", vc_formula={"subj_muscle": f"0 + C({muscle})"}, method_lists=method_lists
    )
    return {m: fit.estimate(f"sus_{m}", name=f"delta_{m}") for m in muscles}, fit


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
