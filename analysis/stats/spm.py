"""Statistical parametric mapping of whole curves (spm1d; Pataky 2012, 2016) from the tidy curves table.

Three designs, each on subject-mean curves (one curve per subject and condition; docs/design/metrics-and-reliability.md
§4.2: trials are averaged within subject first, J = subjects):
- :func:`spm_paired`: paired SPM{t}, loaded vs unloaded (``spm1d.stats.ttest_paired``);
- :func:`spm_regression`: SPM{t} regression of the curve on load (%BW), either a two-level random-effects analysis
  of per-subject slopes (Pataky's rfx examples; default) or ``spm1d.stats.regress`` on all subject x load curves;
- :func:`spm_anova_rm`: one-way repeated-measures SPM{F} across load levels (``spm1d.stats.anova1rm``).
Each has a non-parametric permutation option (``spm1d.stats.nonparam``; Nichols & Holmes 2002, Pataky et al. 2015).

spm1d is GPL-3.0 and an optional extra (``pip install anklelab[spm]``; the project lock installs it): it is imported
only inside these functions, never at import time of :mod:`analysis`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError

# the curves-table columns that make one curve comparable with another (curves contract: /CURVES.md)
CURVE_SELECTION = ("exercise", "curve", "channel", "unit", "basis")
# α of the field's reporting convention (Pataky 2012; spm1d examples)
DEFAULT_ALPHA = 0.05
# permutations when all of them are too many (docs/design/metrics-and-reliability.md §4.1: iterations=10000)
DEFAULT_ITERATIONS = 10_000
# spm1d needs residual smoothness from more than 2 curves per condition to estimate the FWHM (Pataky 2016)
MIN_SUBJECTS = 3


class SpmUnavailableError(AnalysisError):
    """spm1d (the optional GPL-3.0 extra) is not installed."""


def import_spm1d() -> ModuleType:
    """Import spm1d lazily; raise :class:`SpmUnavailableError` saying how to install it when it is missing."""
    try:
        import spm1d
    except ImportError as exc:
        raise SpmUnavailableError(
            "whole-curve statistics (SPM) need the optional spm1d package (GPL-3.0): "
            "`pip install anklelab[spm]`, or `make env`, which installs it from requirements.lock"
        ) from exc
    return spm1d


@dataclass
class SpmResult:
    """One SPM test on one curve selection: the inference, its clusters and the curves behind the figure.

    ``z`` is the test-statistic curve over ``pct``; ``threshold`` the critical value (t* or F*) at ``alpha``;
    ``clusters`` one row per supra-threshold cluster (``start_pct``, ``end_pct``, ``extent_pct``, ``p``,
    ``sign``: +1 above +t*, -1 below -t*); ``groups`` maps a condition label to its J x Q subject-mean curves
    (for the mean ± SD panel); ``selection`` names exercise/curve/channel/unit/basis.
    """

    test: str
    statistic: str
    nonparametric: bool
    alpha: float
    two_tailed: bool
    threshold: float
    h0reject: bool
    p_set: float
    df: tuple[float, ...]
    fwhm: float
    resels: float
    iterations: int
    n_subjects: int
    pct: np.ndarray
    z: np.ndarray
    clusters: pd.DataFrame
    groups: dict[str, np.ndarray]
    selection: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Tidy table: one row per supra-threshold cluster, or one row with empty cluster columns when none."""
        base = {
            **self.selection,
            "test": self.test,
            "statistic": self.statistic,
            "nonparametric": self.nonparametric,
            "alpha": self.alpha,
            "two_tailed": self.two_tailed,
            "threshold": self.threshold,
            "h0reject": self.h0reject,
            "p_set": self.p_set,
            "n_subjects": self.n_subjects,
            "df": ", ".join(f"{d:g}" for d in self.df),
            "fwhm": self.fwhm,
            "iterations": self.iterations,
        }
        clusters = self.clusters if len(self.clusters) else pd.DataFrame([{c: np.nan for c in _CLUSTER_COLUMNS}])
        return pd.concat([pd.DataFrame([base] * len(clusters)), clusters.reset_index(drop=True)], axis=1)


_CLUSTER_COLUMNS = ["cluster", "start_pct", "end_pct", "extent_pct", "centroid_pct", "p", "sign"]


def spm_cluster_table(results: Iterable[SpmResult]) -> pd.DataFrame:
    """Concatenate :meth:`SpmResult.summary` of several results (e.g. one per muscle) into one tidy table."""
    tables = [r.summary() for r in results]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=_CLUSTER_COLUMNS)


def select_curves(
    curves: pd.DataFrame,
    *,
    curve: str,
    channel: str,
    unit: str | None = None,
    basis: str | None = None,
    exercise: str | None = None,
) -> pd.DataFrame:
    """Rows of one comparable curve (one exercise, curve, channel, unit and basis) from the curves table.

    Filters left as None must be unambiguous in the table; otherwise :class:`AnalysisError` names the choices.
    """
    wanted = {"exercise": exercise, "curve": curve, "channel": channel, "unit": unit, "basis": basis}
    missing = [c for c in [*CURVE_SELECTION, "subject_id", "pct", "value"] if c not in curves.columns]
    if missing:
        raise AnalysisError(f"the curves table lacks column(s) {missing}: it must follow the curves contract")
    keep = np.ones(len(curves), dtype=bool)
    for column, value in wanted.items():
        if value is not None:
            keep &= (curves[column] == value).to_numpy()
    selected = curves.loc[keep]
    if selected.empty:
        raise AnalysisError(f"no curves match { ({k: v for k, v in wanted.items() if v is not None}) }")
    for column in CURVE_SELECTION:
        levels = selected[column].dropna().unique()
        if len(levels) > 1:
            raise AnalysisError(
                f"curves for {curve}/{channel} come in several {column} values {sorted(map(str, levels))}: "
                f"pass {column}= to compare like with like"
            )
    return selected


def _selection(selected: pd.DataFrame) -> dict[str, Any]:
    return {c: selected[c].iloc[0] for c in CURVE_SELECTION}


def subject_mean_curves(selected: pd.DataFrame, by: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Average trials within subject x ``by``: (keys table, J x Q matrix, pct axis). Incomplete curves dropped."""
    keys = ["subject_id", *by]
    wide = selected.groupby([*keys, "pct"], sort=True)["value"].mean().unstack("pct").dropna(how="any")
    if wide.empty:
        raise AnalysisError("no complete subject-mean curve (every curve misses some % points)")
    pct = wide.columns.to_numpy(dtype=float)
    return wide.index.to_frame(index=False), wide.to_numpy(dtype=float), pct


def _clusters(spmi: Any, pct: np.ndarray) -> pd.DataFrame:
    """Supra-threshold clusters of an spm1d inference object, endpoints mapped from nodes to % of movement."""
    nodes = np.arange(pct.size, dtype=float)
    rows = []
    for i, c in enumerate(spmi.clusters):
        start, end = (float(np.interp(e, nodes, pct)) for e in c.endpoints)
        rows.append(
            {
                "cluster": i + 1,
                "start_pct": start,
                "end_pct": end,
                "extent_pct": end - start,
                "centroid_pct": float(np.interp(c.centroid[0], nodes, pct)),
                "p": float(c.P),
                "sign": int(getattr(c, "csign", 1)),
            }
        )
    return pd.DataFrame(rows, columns=_CLUSTER_COLUMNS)


def _iterations(snpm: Any, iterations: int) -> int:
    """All permutations (-1) when there are no more than ``iterations`` of them, else ``iterations``."""
    n_unique = getattr(snpm, "nPermUnique", np.inf)
    return -1 if iterations < 0 or n_unique <= iterations else int(iterations)


def _infer(
    spm1d: ModuleType,
    design: str,
    args: tuple,
    *,
    alpha: float,
    two_tailed: bool | None,
    nonparametric: bool,
    iterations: int,
    seed: int | None,
) -> tuple[Any, int, list[str]]:
    """Run one spm1d test and its inference; warnings spm1d raises are returned as notes, not printed."""
    try:
        spmi, n_done, caught = _run_spm1d(spm1d, design, args, alpha, two_tailed, nonparametric, iterations, seed)
    except ValueError as exc:
        # spm1d refuses data it cannot test with a ValueError (its SPM1DError: zero variance at some nodes, i.e.
        # identical curves; or, non-parametric, alpha below 1 / the number of permutations, e.g. 4 subjects =
        # 16 sign flips < 1/0.05); a report then says why instead of failing
        reason = " ".join(str(exc).split())
        raise AnalysisError(f"spm1d cannot test these curves ({reason[:160]})") from exc
    notes = list(dict.fromkeys(" ".join(str(w.message).split()) for w in caught))  # unique, in order
    return spmi, n_done, notes


def _run_spm1d(
    spm1d: ModuleType,
    design: str,
    args: tuple,
    alpha: float,
    two_tailed: bool | None,
    nonparametric: bool,
    iterations: int,
    seed: int | None,
) -> tuple[Any, int, list[warnings.WarningMessage]]:
    """One spm1d test and its inference, with the warnings it raised (recorded, not printed)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tails = {} if two_tailed is None else {"two_tailed": two_tailed}
        if nonparametric:
            snpm = getattr(spm1d.stats.nonparam, design)(*args)
            n_iter = _iterations(snpm, iterations)
            state = np.random.get_state()  # spm1d permutes with the global generator: seed it, then restore
            try:
                if seed is not None:
                    np.random.seed(seed)
                spmi = snpm.inference(alpha, iterations=n_iter, **tails)
            finally:
                np.random.set_state(state)
            n_done = int(getattr(snpm, "nPermUnique", n_iter)) if n_iter == -1 else n_iter
        else:
            extra = {"equal_var": True} if design == "anova1rm" else {}
            spmi = getattr(spm1d.stats, design)(*args, **extra).inference(alpha, interp=True, **tails)
            n_done = 0
    return spmi, n_done, list(caught)


def _result(
    spmi: Any,
    *,
    test: str,
    statistic: str,
    nonparametric: bool,
    iterations: int,
    pct: np.ndarray,
    groups: dict[str, np.ndarray],
    selected: pd.DataFrame,
    n_subjects: int,
    notes: list[str],
) -> SpmResult:
    resels = getattr(spmi, "resels", None)
    return SpmResult(
        test=test,
        statistic=statistic,
        nonparametric=nonparametric,
        alpha=float(spmi.alpha),
        two_tailed=bool(spmi.two_tailed),
        threshold=float(spmi.zstar),
        h0reject=bool(spmi.h0reject),
        p_set=float(getattr(spmi, "p_set", np.nan)),
        df=tuple(float(d) for d in getattr(spmi, "df", ())),
        fwhm=float(getattr(spmi, "fwhm", np.nan)),
        resels=float(resels[1]) if resels is not None else float("nan"),
        iterations=iterations,
        n_subjects=n_subjects,
        pct=pct,
        z=np.asarray(spmi.z, dtype=float).ravel(),
        clusters=_clusters(spmi, pct),
        groups=groups,
        selection=_selection(selected),
        notes=notes,
    )


def _enough(n_subjects: int, what: str) -> None:
    if n_subjects < MIN_SUBJECTS:
        raise AnalysisError(f"{what} needs at least {MIN_SUBJECTS} subjects with complete curves, got {n_subjects}")


def spm_paired(
    curves: pd.DataFrame,
    *,
    curve: str,
    channel: str,
    unit: str | None = None,
    basis: str | None = None,
    exercise: str | None = None,
    condition: str = "load_phase",
    reference: str = "none",
    treatment: str | None = None,
    alpha: float = DEFAULT_ALPHA,
    two_tailed: bool = True,
    nonparametric: bool = False,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int | None = 0,
) -> SpmResult:
    """Paired SPM{t}, loaded minus unloaded subject-mean curves (``spm1d.stats.ttest_paired``; Pataky 2012).

    ``condition`` rows equal to ``reference`` are unloaded; ``treatment`` names the loaded level (None = every
    other level, pooled as "loaded"). Only subjects with both conditions enter. Positive t = loaded > unloaded.
    ``nonparametric`` runs the permutation test (``spm1d.stats.nonparam.ttest_paired``) with all sign flips when
    there are at most ``iterations``, else ``iterations`` random ones drawn with ``seed``.
    """
    spm1d = import_spm1d()
    selected = select_curves(curves, curve=curve, channel=channel, unit=unit, basis=basis, exercise=exercise)
    if condition not in selected.columns:
        raise AnalysisError(f"the curves table has no {condition!r} column to tell loaded from unloaded trials")
    loaded_label = treatment or "loaded"
    arm = np.where(selected[condition] == reference, reference, selected[condition].astype(str))
    if treatment is not None:
        keep = (arm == reference) | (arm == treatment)
        selected, arm = selected.loc[keep], arm[keep]
    arm = np.where(arm == reference, reference, loaded_label)
    keys, y, pct = subject_mean_curves(selected.assign(_arm=arm), ["_arm"])
    row_of = {
        label: pd.Series(np.flatnonzero(keys["_arm"] == label), index=keys.loc[keys["_arm"] == label, "subject_id"])
        for label in (reference, loaded_label)
    }
    subjects = row_of[reference].index.intersection(row_of[loaded_label].index)
    _enough(len(subjects), f"paired SPM of {channel} ({loaded_label} vs {reference})")
    y_loaded = y[row_of[loaded_label].loc[subjects].to_numpy()]
    y_reference = y[row_of[reference].loc[subjects].to_numpy()]
    spmi, n_iter, notes = _infer(
        spm1d,
        "ttest_paired",
        (y_loaded, y_reference),
        alpha=alpha,
        two_tailed=two_tailed,
        nonparametric=nonparametric,
        iterations=iterations,
        seed=seed,
    )
    return _result(
        spmi,
        test=f"paired t ({loaded_label} - {reference})",
        statistic="t",
        nonparametric=nonparametric,
        iterations=n_iter,
        pct=pct,
        groups={reference: y_reference, loaded_label: y_loaded},
        selected=selected,
        n_subjects=len(subjects),
        notes=notes,
    )


def _groups_by(keys: pd.DataFrame, y: np.ndarray, column: str) -> dict[str, np.ndarray]:
    """Subject-mean curves per level of ``column`` (sorted levels; missing levels left out) for the figure."""
    labels = keys[column]
    return {
        f"{column}={level:g}" if isinstance(level, float) else f"{column}={level}": y[(labels == level).to_numpy()]
        for level in sorted(labels.dropna().unique())
    }


def spm_regression(
    curves: pd.DataFrame,
    *,
    curve: str,
    channel: str,
    unit: str | None = None,
    basis: str | None = None,
    exercise: str | None = None,
    x: str = "load_pct_bw",
    model: Literal["subject_slopes", "pooled"] = "subject_slopes",
    display_by: str | None = "load_kg",
    alpha: float = DEFAULT_ALPHA,
    two_tailed: bool = True,
    nonparametric: bool = False,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int | None = 0,
) -> SpmResult:
    """SPM{t} of the curve's linear dependence on load ``x`` (default %BW), from subject x load mean curves.

    ``model="subject_slopes"`` (default, repeated measures): each subject's least-squares slope curve dY/dx, then a
    one-sample SPM{t} of the slopes against 0 (two-level random-effects analysis, spm1d's rfx examples; subjects
    need >= 2 distinct x). ``model="pooled"``: ``spm1d.stats.regress`` on every subject x load curve as if
    independent (the between-observation regression of spm1d's SpeedGRF example). ``display_by`` groups the
    curves for the mean ± SD panel (nominal load; falls back to ``x``). Non-parametric: ``spm1d.stats.nonparam``.
    """
    spm1d = import_spm1d()
    selected = select_curves(curves, curve=curve, channel=channel, unit=unit, basis=basis, exercise=exercise)
    if x not in selected.columns:
        raise AnalysisError(f"the curves table has no {x!r} column to regress on")
    selected = selected[np.isfinite(selected[x].to_numpy(dtype=float))]
    if selected.empty:
        raise AnalysisError(f"no {channel} curve has a {x} value (for %BW the body mass must be known)")
    display = display_by if display_by in selected.columns and display_by != x else None
    keys, y, pct = subject_mean_curves(selected, [x] if display is None else [x, display])
    groups = _groups_by(keys, y, display or x)
    if model == "pooled":
        n_subjects = int(keys["subject_id"].nunique())
        _enough(len(keys), f"SPM regression of {channel} on {x}")
        design, args = "regress", (y, keys[x].to_numpy(dtype=float))
        test = f"regression on {x} (pooled curves)"
    elif model == "subject_slopes":
        xs = keys[x].to_numpy(dtype=float)
        subject = keys["subject_id"].to_numpy()
        x_centred = xs - pd.Series(xs).groupby(subject).transform("mean").to_numpy()
        y_centred = y - pd.DataFrame(y).groupby(subject).transform("mean").to_numpy()
        sxx = pd.Series(x_centred**2).groupby(subject).sum()
        sxy = pd.DataFrame(x_centred[:, None] * y_centred).groupby(subject).sum()
        varies = sxx[sxx > 0].index
        slopes = sxy.loc[varies].to_numpy() / sxx.loc[varies].to_numpy()[:, None]
        n_subjects = len(varies)
        _enough(n_subjects, f"SPM regression of {channel} on {x} (subjects with >= 2 distinct {x})")
        design, args = "ttest", (slopes, 0.0)
        test = f"regression on {x} (subject slopes, one-sample t)"
    else:
        raise AnalysisError(f"model must be 'subject_slopes' or 'pooled', got {model!r}")
    spmi, n_iter, notes = _infer(
        spm1d,
        design,
        args,
        alpha=alpha,
        two_tailed=two_tailed,
        nonparametric=nonparametric,
        iterations=iterations,
        seed=seed,
    )
    return _result(
        spmi,
        test=test,
        statistic="t",
        nonparametric=nonparametric,
        iterations=n_iter,
        pct=pct,
        groups=groups,
        selected=selected,
        n_subjects=n_subjects,
        notes=notes,
    )


def spm_anova_rm(
    curves: pd.DataFrame,
    *,
    curve: str,
    channel: str,
    unit: str | None = None,
    basis: str | None = None,
    exercise: str | None = None,
    factor: str = "load_kg",
    alpha: float = DEFAULT_ALPHA,
    nonparametric: bool = False,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int | None = 0,
) -> SpmResult:
    """One-way repeated-measures SPM{F} across the levels of ``factor`` (``spm1d.stats.anova1rm``, equal variance).

    One subject-mean curve per subject x level; only subjects with every level enter (spm1d needs a balanced
    design; there is no sphericity correction). Non-parametric: ``spm1d.stats.nonparam.anova1rm``.
    """
    spm1d = import_spm1d()
    selected = select_curves(curves, curve=curve, channel=channel, unit=unit, basis=basis, exercise=exercise)
    if factor not in selected.columns:
        raise AnalysisError(f"the curves table has no {factor!r} column with the load levels")
    keys, y, pct = subject_mean_curves(selected, [factor])
    levels = pd.unique(keys[factor])
    if len(levels) < 2:
        raise AnalysisError(f"RM ANOVA of {channel} needs at least 2 levels of {factor}, got {list(levels)}")
    per_subject = keys.groupby("subject_id")[factor].nunique()
    complete = per_subject[per_subject == len(levels)].index
    keep = keys["subject_id"].isin(complete).to_numpy()
    keys, y = keys.loc[keep].reset_index(drop=True), y[keep]
    _enough(len(complete), f"RM ANOVA of {channel} across {factor} (subjects with all {len(levels)} levels)")
    level_code = pd.Categorical(keys[factor], categories=sorted(levels)).codes.astype(int)
    subject_code = pd.Categorical(keys["subject_id"]).codes.astype(int)
    try:
        spmi, n_iter, notes = _infer(
            spm1d,
            "anova1rm",
            (y, level_code, subject_code),
            alpha=alpha,
            two_tailed=None,
            nonparametric=nonparametric,
            iterations=iterations,
            seed=seed,
        )
    except (TypeError, AttributeError) as exc:
        if not nonparametric:
            raise
        # spm1d 0.4.55 routes nonparam.anova1rm to its legacy nonparam_old code, which calls np.percentile(
        # interpolation=) and np.trapz, both removed in NumPy 2 (checked with numpy 2.4.6)
        raise AnalysisError(
            f"the permutation RM ANOVA of spm1d {getattr(spm1d, '__version__', '?')} does not run with NumPy "
            f"{np.__version__} ({exc}); use the parametric test (nonparametric=False) or the non-parametric "
            "paired / regression tests"
        ) from exc
    dropped = int(per_subject.size - complete.size)
    if dropped:
        notes.append(f"{dropped} subject(s) without every level of {factor} left out (balanced design)")
    return _result(
        spmi,
        test=f"one-way RM ANOVA across {factor}",
        statistic="F",
        nonparametric=nonparametric,
        iterations=n_iter,
        pct=pct,
        groups=_groups_by(keys, y, factor),
        selected=selected,
        n_subjects=len(complete),
        notes=notes,
    )


SPM_TESTS: dict[str, Callable[..., SpmResult]] = {
    "paired": spm_paired,
    "regression": spm_regression,
    "anova_rm": spm_anova_rm,
}


def spm_by_channel(
    curves: pd.DataFrame,
    test: Literal["paired", "regression", "anova_rm"],
    *,
    curve: str,
    unit: str | None = None,
    basis: str | None = None,
    **options: Any,
) -> tuple[list[SpmResult], pd.DataFrame]:
    """Run one SPM design for every exercise x channel of ``curve`` (e.g. every muscle's EMG envelope).

    ``options`` go to :func:`spm_paired`, :func:`spm_regression` or :func:`spm_anova_rm`. Returns the results and
    a table of the exercise/channel combinations that were skipped with the reason (too few subjects, one load
    level, ...), so a report can say why instead of failing. A missing spm1d still raises
    :class:`SpmUnavailableError`.
    """
    if test not in SPM_TESTS:
        raise AnalysisError(f"test must be one of {sorted(SPM_TESTS)}, got {test!r}")
    run = SPM_TESTS[test]
    import_spm1d()
    rows = curves[curves["curve"] == curve] if "curve" in curves.columns else curves.iloc[0:0]
    for column, wanted in (("unit", unit), ("basis", basis)):
        if wanted is not None and column in rows.columns:
            rows = rows[rows[column] == wanted]
    results: list[SpmResult] = []
    skipped: list[dict[str, Any]] = []
    if rows.empty:
        skipped.append({"exercise": None, "channel": None, "reason": f"no {curve} curves in the table"})
    for (exercise, channel), _ in rows.groupby(["exercise", "channel"], sort=True):
        try:
            results.append(
                run(curves, curve=curve, channel=channel, unit=unit, basis=basis, exercise=exercise, **options)
            )
        except SpmUnavailableError:
            raise
        except AnalysisError as exc:
            skipped.append({"exercise": exercise, "channel": channel, "reason": str(exc)})
    return results, pd.DataFrame(skipped, columns=["exercise", "channel", "reason"])
