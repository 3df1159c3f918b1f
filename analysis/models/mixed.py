"""MixedLM fitting with fallbacks (docs/design/statistics.md §5, §10) and the sensitivity fits (two-stage
slopes, cluster-robust OLS, ANCOVA, condition contrasts)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from analysis.errors import AnalysisError
from analysis.models.estimates import Estimate, one_sample_t, t_estimate

#: Optimiser method lists tried in order; best llf over 100 fits: powell+lbfgs 67, bfgs+lbfgs 26,
#: cg+lbfgs 6 (docs/design/statistics.md §5 [checked]).
DEFAULT_METHOD_LISTS: tuple[tuple[str, ...], ...] = (
    ("powell", "lbfgs"),
    ("lbfgs",),
    ("bfgs", "lbfgs"),
    ("cg", "lbfgs"),
)


# --------------------------------------------------------------------------- MixedLM
@dataclass
class MixedFit:
    """A MixedLM fit plus what it took to get it (structure, optimiser, warnings, attempts)."""

    result: Any  # statsmodels MixedLMResults
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
    return bool(result.converged and np.all(np.isfinite(bse)) and np.isfinite(result.llf))


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
