"""Injury-epidemiology figures and the small presentation tables behind them (notebook 05, claim C8).

Every plot takes the tidy outputs of :mod:`analysis.injury` (``rate_table``, ``season_prevalence``,
``kaplan_meier`` curves, rate ratios) and returns a matplotlib Figure whose axes carry the rate unit.
The tables they draw are computed in :mod:`analysis.models.rate_ratios` (rate ratios per group pair,
single-team power); this module only draws and formats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.errors import AnalysisError
from analysis.plots.layout import legend_outside

__all__ = [
    "resolve_summary_unit",
    "plot_rate_forest",
    "plot_season_prevalence",
    "plot_rate_ratios",
    "plot_kaplan_meier",
    "plot_power_by_team_size",
    "exposure_unit_short",
    "overall_rates_display",
    "rate_table_display",
    "prevalence_display",
    "group_rates_display",
    "rate_ratios_display",
    "model_terms_display",
    "km_medians_display",
    "single_team_power_display",
]

#: C8 verdict window and claimed point (docs/design/statistics.md §3: 19 % -> IRR [1.10, 1.30] [assumption]).
C8_WINDOW = (1.10, 1.30)
C8_POINT = 1.19


def resolve_summary_unit(exposures: pd.DataFrame, summary_unit: str = "auto") -> str:
    """``"auto"``: per 1000 h when any exposure is in hours, per 100 player-matches (90 min) when every row is in
    minutes (how injurytools reports match data); any other value is returned unchanged."""
    if summary_unit != "auto":
        return summary_unit
    if exposures is None or "exposure_unit" not in exposures.columns:
        raise AnalysisError(
            "exposures.csv has no exposure_unit column: cannot choose a summary unit "
            "(pass summary_unit='hours' or 'matches_minutes')"
        )
    units = set(exposures["exposure_unit"].astype(str).str.strip().str.lower())
    return "matches_minutes" if units == {"minutes"} else "hours"


# ------------------------------------------------------------------------------------------------ figures


def plot_rate_forest(table: pd.DataFrame, by: str, *, measure: str = "incidence", title: str | None = None) -> Figure:
    """Rates by level of ``by`` (a :func:`analysis.injury.rate_table`): point, Wald CI (thick, as injurytools)
    and exact Poisson CI (thin; incidence only — days lost are not independent Poisson events)."""
    if measure not in ("incidence", "burden"):
        raise AnalysisError(f"measure must be 'incidence' or 'burden', not {measure!r}")
    if table is None or table.empty:
        raise AnalysisError("rate table is empty: nothing to plot")
    t = table.sort_values(measure).reset_index(drop=True)
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(t) + 1.6))
    ax.hlines(
        y,
        t[f"{measure}_wald_low"].clip(lower=0),
        t[f"{measure}_wald_high"],
        lw=5,
        color="#9ecae1",
        label="95 % Wald CI (injurytools)",
    )
    if measure == "incidence":
        ax.hlines(
            y + 0.18,
            t["incidence_exact_low"],
            t["incidence_exact_high"],
            lw=1.5,
            color="#08519c",
            label="95 % exact Poisson CI",
        )
    ax.plot(t[measure], y, "o", color="#08306b", zorder=3, label=measure)
    ax.set_yticks(y, [f"{_words(lvl)} (n={n})" for lvl, n in zip(t[by], t["n_injuries"])])
    what = "injuries" if measure == "incidence" else "days lost"
    ax.set_xlabel(f"{what} {t['unit'].iloc[0]}")
    ax.set_xlim(left=0)
    ax.set_title(title or f"Injury {measure} by {_words(by)}")
    legend_outside(ax)
    fig.tight_layout()
    return fig


def plot_season_prevalence(prevalence: pd.DataFrame, by: str = "season") -> Figure:
    """Stacked bars: athletes with ≥ 1 new injury vs injury-free, per period (a ``season_prevalence`` table)."""
    if prevalence is None or prevalence.empty:
        raise AnalysisError("prevalence table is empty: nothing to plot")
    # one bar per period, each about 1.2 in wide; a lone bar keeps that width instead of filling the axes
    fig, ax = plt.subplots(figsize=(max(4.5, 2.2 + 1.2 * len(prevalence)), 3.6))
    x = np.arange(len(prevalence))
    ax.bar(x, prevalence["n_injured"], width=0.6, color="#de2d26", label="≥ 1 injury")
    ax.bar(
        x, prevalence["n_injury_free"], width=0.6, bottom=prevalence["n_injured"], color="#bdbdbd", label="injury-free"
    )
    ax.set_xlim(-0.5 - 0.5 * (len(prevalence) < 3), len(prevalence) - 0.5 + 0.5 * (len(prevalence) < 3))
    for xi, (inj, tot, pct) in enumerate(
        zip(prevalence["n_injured"], prevalence["n_athletes"], prevalence["pct_injured"])
    ):
        ax.text(xi, tot + 0.3, f"{inj}/{tot} ({pct:.1f} %)", ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, prevalence[by].astype(str))
    ax.set_ylabel("athletes (n)")
    ax.set_ylim(0, prevalence["n_athletes"].max() * 1.2)
    ax.set_title(f"Period prevalence of injury by {by}")
    legend_outside(ax)
    fig.tight_layout()
    return fig


def _sparse_log_label(value: float, _pos=None) -> str:
    """Minor log-axis tick label: only 2, 3 and 5 times a power of ten, so labels do not collide."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
    return f"{value:g}" if any(abs(mantissa - m) < 1e-6 for m in (2, 3, 5)) else ""


def plot_rate_ratios(
    ratios: pd.DataFrame,
    *,
    window: tuple[float, float] | None = C8_WINDOW,
    point: float | None = C8_POINT,
    xlabel: str = "incidence rate ratio (log scale)",
) -> Figure:
    """Forest plot of rate ratios (a :func:`rate_ratio_frame`) on a log axis, with the C8 window shaded and the
    claimed IRR marked (pass ``window=None, point=None`` for comparisons that are not C8)."""
    if ratios is None or ratios.empty:
        raise AnalysisError("no rate ratios to plot")
    r = ratios.reset_index(drop=True)
    y = np.arange(len(r))[::-1]
    fig, ax = plt.subplots(figsize=(9.5, 0.55 * len(r) + 1.8))
    if window is not None:
        ax.axvspan(*window, color="#fdd0a2", alpha=0.6, label=f"claim window IRR {window[0]:g}–{window[1]:g}")
    if point is not None:
        ax.axvline(point, color="#d94801", ls="--", lw=1, label=f"claimed IRR {point:g} (+{100 * (point - 1):.0f} %)")
    ax.axvline(1.0, color="0.3", lw=1)
    finite = np.isfinite(r["ci_low"]) & np.isfinite(r["ci_high"]) & (r["ci_low"] > 0)
    lows = r["ci_low"].where(finite, np.nan)
    ax.hlines(y, lows, r["ci_high"].where(finite, np.nan), lw=2, color="#08519c", label="95 % score CI")
    ax.plot(r["irr"].where(r["irr"] > 0), y, "o", color="#08306b", zorder=3)
    ax.set_yticks(
        y, [f"{c}\n{a}/{b} injuries" for c, a, b in zip(r["comparison"], r["injuries"], r["injuries_reference"])]
    )
    ax.set_xscale("log")
    values = np.concatenate([r["ci_low"][finite], r["ci_high"][finite], r["irr"][r["irr"] > 0], [0.8, 1.4]])
    values = values[np.isfinite(values) & (values > 0)]
    ax.set_xlim(values.min() / 1.15, values.max() * 1.15)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(plt.FuncFormatter(_sparse_log_label))  # not 4×10⁻¹ on a short log axis
    ax.set_xlabel(xlabel)
    legend_outside(ax)
    ax.set_title("Rate ratios (score CI)")
    fig.tight_layout()
    return fig


def plot_kaplan_meier(
    curves: Mapping[str, pd.DataFrame],
    *,
    exposure_label: str = "exposure (h)",
    follow_up: Mapping[str, float] | None = None,
    title: str = "Injury-free survival over exposure time",
) -> Figure:
    """Kaplan–Meier step curves (``analysis.injury.kaplan_meier(...)["curve"]`` per group) with pointwise 95 %
    bands (Greenwood SE, clipped to [0, 1]); time is exposure, not calendar days. ``follow_up`` (longest exposure
    per group) extends each curve flat to its last censored athlete, as survival plots do."""
    if not curves:
        raise AnalysisError("no Kaplan–Meier curves to plot")
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for label, curve in curves.items():
        t = np.concatenate([[0.0], curve["time"].to_numpy(float)])
        s = np.concatenate([[1.0], curve["survival"].to_numpy(float)])
        se = np.concatenate([[0.0], np.nan_to_num(curve["se"].to_numpy(float))])
        end = (follow_up or {}).get(label)
        if end is not None and end > t[-1]:
            t, s, se = np.append(t, end), np.append(s, s[-1]), np.append(se, se[-1])
        (line,) = ax.step(t, s, where="post", label=f"{label} (first injuries: {int(curve['n_events'].sum())})")
        ax.fill_between(
            t,
            np.clip(s - 1.96 * se, 0, 1),
            np.clip(s + 1.96 * se, 0, 1),
            step="post",
            color=line.get_color(),
            alpha=0.15,
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(exposure_label)
    ax.set_ylabel("proportion without injury")
    ax.set_title(title)
    legend_outside(ax)
    fig.tight_layout()
    return fig


def plot_power_by_team_size(table: pd.DataFrame, *, observed_n_per_arm: int | None = None) -> Figure:
    """Left: power to detect the claimed IRR vs athletes per arm. Right: the IRR a *significant* study typically
    reports (type-M exaggeration) vs the true one. Input: :func:`single_team_power_table`."""
    if table is None or table.empty:
        raise AnalysisError("power table is empty")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    n = table["n_per_arm"]
    a1.plot(n, table["power_at_claim"], "o-", color="#08519c")
    a1.axhline(0.8, color="0.4", ls=":", lw=1, label="80 % power")
    a1.set_xscale("log")
    a1.set_ylim(0, 1)
    a1.set_xlabel("athletes per arm (log scale)")
    a1.set_ylabel("power at the claimed IRR")
    a2.plot(n, table["typical_significant_irr"], "o-", color="#a50f15", label="typical significant estimate")
    true_irr = float(table.attrs.get("irr", C8_POINT))
    a2.set_yscale("log")
    a2.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    a2.yaxis.set_minor_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))  # not 2.4×10⁰ on a short log axis
    a2.axhline(true_irr, color="#d94801", ls="--", lw=1, label=f"true IRR {true_irr:.2f}")
    a2.set_xscale("log")
    a2.set_xlabel("athletes per arm (log scale)")
    a2.set_ylabel("IRR reported when p < 0.05")
    for ax in (a1, a2):
        if observed_n_per_arm:
            ax.axvline(observed_n_per_arm, color="0.2", lw=1, ls="-.", label=f"this study ({observed_n_per_arm}/arm)")
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
        legend_outside(ax)
    fig.suptitle("What a single team can show (docs/design/statistics.md §8.4)")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------------ tables for reading
# Display tables: units in the column names, intervals as "[low, high]" text at the rate's precision, levels as
# words, no index. The notebook saves the machine-readable tables (raw column names) as CSV.

_EXPOSURE_UNIT_SHORT = {
    "hours": "h",
    "minutes": "min",
    "matches_num": "matches",
    "days": "days",
    "activity_days": "activity days",
}
#: Decimals per measure: incidence to 0.01 and burden to 0.1 injuries/days per summary unit, as injurytools
#: prints them (Liverpool vignette: 9.88 and 246.9 per 100 player-matches).
RATE_DECIMALS = {"incidence": 2, "burden": 1}


def exposure_unit_short(unit: str) -> str:
    """``hours`` -> ``h``, ``minutes`` -> ``min``; other units unchanged."""
    return _EXPOSURE_UNIT_SHORT.get(str(unit), str(unit))


def _ci(low: float, high: float, decimals: int) -> str:
    def one(v):
        v = float(v)
        return "∞" if v == math.inf else ("–" if not math.isfinite(v) else f"{v:,.{decimals}f}")

    if not math.isfinite(float(low)) and not math.isfinite(float(high)):
        return "–"  # nothing to estimate (e.g. no cases in either group)
    return f"{one(low)} to {one(high)}"  # every interval of the suite reads "a to b" (analysis.plots.format)


def _with_decimals(df: pd.DataFrame, decimals: Mapping[str, int]) -> pd.DataFrame:
    """Attach the decimals each numeric column is shown with (read by ``html_table(df, decimals=...)``)."""
    df.attrs["decimals"] = {c: d for c, d in decimals.items() if c in df.columns}
    return df


def _words(value) -> str:
    return str(value).replace("_", " ")


def overall_rates_display(rates: Sequence, unit_label: str) -> pd.DataFrame:
    """Incidence and burden (:class:`analysis.injury.RateEstimate`) for reading: one row per measure, the rate
    ``unit_label`` (e.g. "per 1000 h") with its Wald, exact and athlete-bootstrap 95 % intervals as text."""
    rows = []
    for r in rates:
        d = RATE_DECIMALS.get(r.measure, 2)
        what = "injuries" if r.measure == "incidence" else "days lost"
        boot = r.ci_bootstrap or (math.nan, math.nan)
        rows.append(
            {
                "measure": f"{r.measure} ({what})",
                f"rate {unit_label}": f"{float(r.estimate):,.{d}f}",
                "95 % CI Wald (injurytools)": _ci(r.ci_wald[0], r.ci_wald[1], d),
                "95 % CI exact Poisson": _ci(r.ci_exact[0], r.ci_exact[1], d),
                "95 % CI athlete bootstrap": _ci(boot[0], boot[1], d),
                "events (injuries or days lost)": round(float(r.n)),
                "athletes (n)": int(r.n_athletes),
                f"exposure ({exposure_unit_short(r.exposure_unit)})": round(float(r.exposure)),
            }
        )
    # one column holds both measures, so the rate is text at each measure's own precision
    return _with_decimals(pd.DataFrame(rows), {c: 0 for c in ("athletes (n)",)})


def rate_table_display(table: pd.DataFrame, by: str, unit_label: str) -> pd.DataFrame:
    """A :func:`analysis.injury.rate_table` for reading: level, counts, share, median days lost, incidence with
    its exact 95 % CI and burden, each rate named with ``unit_label``."""
    t = table
    return _with_decimals(
        pd.DataFrame(
            {
                _words(by): t[by].map(_words),
                "injuries (n)": t["n_injuries"].astype(int),
                "days lost": t["days_lost"].round().astype(int),
                "% of injuries": t["pct_injuries"].round(1),
                "median days lost": t["median_days_lost"].round(1),
                f"incidence {unit_label}": t["incidence"].round(2),
                "incidence 95 % CI (exact)": [
                    _ci(lo, hi, 2) for lo, hi in zip(t["incidence_exact_low"], t["incidence_exact_high"])
                ],
                f"burden (days lost) {unit_label}": t["burden"].round(1),
            }
        ).reset_index(drop=True),
        {
            "% of injuries": 1,
            "median days lost": 1,
            f"incidence {unit_label}": 2,
            f"burden (days lost) {unit_label}": 1,
        },
    )


def prevalence_display(prevalence: pd.DataFrame, by: str = "season") -> pd.DataFrame:
    """A :func:`analysis.injury.season_prevalence` table for reading (counts and % of the squad injured)."""
    p = prevalence
    return _with_decimals(
        pd.DataFrame(
            {
                _words(by): p[by].astype(str),
                "athletes (n)": p["n_athletes"].astype(int),
                "with ≥ 1 new injury (n)": p["n_injured"].astype(int),
                "injury-free (n)": p["n_injury_free"].astype(int),
                "injured (% of athletes)": p["pct_injured"].round(1),
            }
        ).reset_index(drop=True),
        {"injured (% of athletes)": 1},
    )


def group_rates_display(table: pd.DataFrame, unit_label: str, cases: str = "injuries") -> pd.DataFrame:
    """Incidence of ``cases`` by exposure group (a ``rate_table(..., "group")``) with exposure and exact CI."""
    t = table
    unit = exposure_unit_short(t["exposure_unit"].iloc[0]) if len(t) else ""
    return _with_decimals(
        pd.DataFrame(
            {
                "group": t["group"].map(_words),
                f"{cases} (n)": t["n_injuries"].astype(int),
                f"exposure ({unit})": t["exposure"].round().astype(int),
                f"incidence {unit_label}": t["incidence"].round(2),
                "95 % CI (exact)": [
                    _ci(lo, hi, 2) for lo, hi in zip(t["incidence_exact_low"], t["incidence_exact_high"])
                ],
            }
        ).reset_index(drop=True),
        {f"incidence {unit_label}": 2},
    )


def rate_ratios_display(ratios: pd.DataFrame) -> pd.DataFrame:
    """A :func:`rate_ratio_frame` for reading: comparison, injuries in each arm, IRR with score and Wald
    95 % CIs, p of the score test."""
    r = ratios
    out = pd.DataFrame(
        {
            "comparison": r["comparison"].map(_words),
            "injuries (group / reference)": [f"{a} / {b}" for a, b in zip(r["injuries"], r["injuries_reference"])],
            "rate ratio (IRR)": r["irr"].round(2),
            "95 % CI (score)": [_ci(lo, hi, 2) for lo, hi in zip(r["ci_low"], r["ci_high"])],
            "95 % CI (Wald)": [_ci(lo, hi, 2) for lo, hi in zip(r["wald_low"], r["wald_high"])],
            "p (score test)": r["p_value"].round(3),
        }
    ).reset_index(drop=True)
    return _with_decimals(out, {"rate ratio (IRR)": 2, "p (score test)": 3})


_TREATMENT_TERM = re.compile(r"^C\((\w+)(?:,\s*Treatment\(['\"]?([^'\")]+)['\"]?\))?\)\[T\.(.+)\]$")


def _term_words(term: str) -> str:
    m = _TREATMENT_TERM.match(str(term))
    if m:
        column, reference, level = m.groups()
        return f"{_words(level)} vs {_words(reference)}" if reference else f"{column} {_words(level)}"
    return "baseline (reference group)" if str(term) == "Intercept" else _words(term)


def model_terms_display(table: pd.DataFrame, ratio: str = "irr") -> pd.DataFrame:
    """Model terms (index = statsmodels term names; columns ``coef, se, <ratio>, <ratio>_low, <ratio>_high,
    p_value``, as :func:`analysis.injury.fit_rate_model` and ``fit_cox_first_injury`` return) for reading:
    ``C(group, Treatment('late'))[T.early]`` -> ``early vs late``, the ratio with its 95 % CI. The intercept is
    a baseline rate per unit of exposure, not a ratio, so it is left out."""
    t = table[[str(i) != "Intercept" for i in table.index]]
    name = {"irr": "rate ratio (IRR)", "hr": "hazard ratio (HR)"}.get(ratio, ratio)
    out = pd.DataFrame(
        {
            "term": [_term_words(i) for i in t.index],
            name: t[ratio].round(2).to_numpy(),
            "95 % CI": [_ci(lo, hi, 2) for lo, hi in zip(t[f"{ratio}_low"], t[f"{ratio}_high"])],
            "log ratio (coef)": t["coef"].round(3).to_numpy(),
            "SE": t["se"].round(3).to_numpy(),
            "p": t["p_value"].round(3).to_numpy(),
        }
    )
    return _with_decimals(out, {name: 2, "log ratio (coef)": 3, "SE": 3, "p": 3})


def km_medians_display(km_tables: Mapping[str, dict], exposure_unit: str) -> pd.DataFrame:
    """Median exposure to first injury per group (``analysis.injury.kaplan_meier`` results) with its 95 % CI;
    a median not reached (fewer than half injured) or an open upper bound is said in words."""
    unit = exposure_unit_short(exposure_unit)

    def value(v):
        return f"{v:,.0f}" if math.isfinite(v) else ("∞" if v == math.inf else "–")

    return pd.DataFrame(
        [
            {
                "group": _words(k),
                "first injuries (n)": int(v["curve"]["n_events"].sum()),
                f"median exposure to first injury ({unit})": "not reached (< 50 % injured)"
                if math.isnan(v["median"])
                else value(v["median"]),
                f"95 % CI ({unit})": f"{value(v['median_ci'][0])} to {value(v['median_ci'][1])}",
            }
            for k, v in km_tables.items()
        ]
    )


def single_team_power_display(table: pd.DataFrame, cases: str = "injuries") -> pd.DataFrame:
    """A :func:`single_team_power_table` for reading: power in %, detectable and typically reported IRRs."""
    t = table
    irr = float(t.attrs.get("irr", C8_POINT))
    out = pd.DataFrame(
        {
            "athletes per arm": t["n_per_arm"].astype(int),
            f"expected {cases} per arm": t["expected_cases_per_arm"].round(1),
            f"power to detect IRR {irr:g} (%)": (100 * t["power_at_claim"]).round(1),
            "IRR detectable with 80 % power": t["mde_irr_80"].round(2),
            "SE of log IRR": t["se_log_irr"].round(3),
            "type-M exaggeration (× on log scale)": t["type_m_log"].round(2),
            "IRR a significant study typically reports": t["typical_significant_irr"].round(2),
        }
    )
    return _with_decimals(
        out,
        {
            f"expected {cases} per arm": 1,
            f"power to detect IRR {irr:g} (%)": 1,
            "IRR detectable with 80 % power": 2,
            "SE of log IRR": 3,
            "type-M exaggeration (× on log scale)": 2,
            "IRR a significant study typically reports": 2,
        },
    )


#: Old public names whose computation moved out of plots/ (issue 13: plots only draw), kept importable from
#: here for existing callers; resolved lazily, so importing this module still loads no model code.
_MOVED = {
    "rate_ratio_frame": "analysis.models.rate_ratios",
    "group_rate_ratios": "analysis.models.rate_ratios",
    "single_team_power_table": "analysis.models.rate_ratios",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
