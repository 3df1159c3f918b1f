"""Sections of report 05 (injury rates, rate ratios and claim C8)."""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.sections.section import Section, quote_html

__all__ = [
    "InjuryData",
    "DESIGN_RATE_PER_H",
    "DESIGN_HOURS_PER_ATHLETE",
    "prepare",
    "overall_rates",
    "rates_by_injury",
    "season_prevalence",
    "groups",
    "count_model",
    "time_to_first_injury",
    "c8_verdict",
    "single_team",
]

#: Knee-injury rate and hours per athlete in six months when the study has none (docs/design/statistics.md §11).
DESIGN_RATE_PER_H = 1.2 / 1000
DESIGN_HOURS_PER_ATHLETE = 260.0
_NO_DATA = "Not available: the study has no exposures.csv/injuries.csv."


@dataclass
class InjuryData:
    """What every section of report 05 reads; exposures/injuries are None when the study has none."""

    ctx: Any
    tables: Any  # analysis.claims.ClaimTables
    out_dir: Path
    body_region: str
    exposures: pd.DataFrame | None = None
    injuries: pd.DataFrame | None = None
    unit_key: str | None = None
    unit_label: str | None = None
    intro: Section = field(default_factory=Section)

    @property
    def unit(self) -> str:
        """The summary unit key (set by :func:`prepare` whenever the study has injury data)."""
        return self.unit_key or "hours"

    @property
    def has_data(self) -> bool:
        return self.exposures is not None and self.injuries is not None

    @property
    def has_groups(self) -> bool:
        return bool(
            self.exposures is not None and "group" in self.exposures.columns and self.exposures["group"].notna().any()
        )

    @property
    def cases(self) -> pd.DataFrame | None:
        """Injuries of the counted body region (C8's cases)."""
        if self.injuries is None:
            return None
        region = self.injuries["body_region"].astype("string").str.lower().str.strip()
        return self.injuries[region == self.body_region.lower()]


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from analysis import injury

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", injury.ZeroExposureWarning)
        return fn(*args, **kwargs)


def prepare(ctx: Any, *, summary_unit: str, body_region: str) -> InjuryData:
    """Feature tables (warnings summarised), the prepared exposure and injury tables and the rate unit."""
    from analysis import injury
    from analysis import notebook as nbk
    from analysis.plots import injury as injplots

    features = nbk.feature_tables_quietly(ctx)
    tables = nbk.claim_tables(ctx, features)
    out_dir = ctx.reports_dir / "05_injury_rates"
    out_dir.mkdir(parents=True, exist_ok=True)
    data = InjuryData(ctx, tables, out_dir, body_region)
    if tables.exposures is None or tables.injuries is None:
        data.intro.html(
            "<p style='color:#b00'><b>C8: not testable — the study has no exposures.csv/injuries.csv.</b> "
            "Every injury section below says so instead of computing; add both files (data/README.md) "
            "to run them.</p>"
        )
        return data
    # the study loader writes absent optional columns (group, body_region, ...) as empty text: treat as missing
    data.exposures = injury.prepare_exposures(tables.exposures.replace({"": pd.NA}))
    data.injuries = injury.prepare_injuries(tables.injuries.replace({"": pd.NA}))
    data.unit_key = injplots.resolve_summary_unit(data.exposures, summary_unit)
    if data.unit_key not in injury.SUMMARY_UNITS:
        from analysis.errors import AnalysisError

        raise AnalysisError(f"summary_unit {summary_unit!r} is not one of auto, {', '.join(injury.SUMMARY_UNITS)}")
    data.unit_label = injury.SUMMARY_UNITS[data.unit_key][2]
    exposures = data.exposures
    data.intro.html(
        f"<p>{len(exposures)} exposure rows for {exposures['athlete_id'].nunique()} athletes "
        f"(exposure unit: {', '.join(sorted(exposures['exposure_unit'].unique()))}); "
        f"{len(data.injuries)} injuries. Rates are reported <b>{data.unit_label}</b> "
        f"(summary_unit = {data.unit_key!r}).</p>"
    )
    return data


def overall_rates(data: InjuryData, *, n_boot: int, seed: int) -> Section:
    """Incidence and burden for the whole study with Wald, exact and athlete-cluster bootstrap intervals."""
    from analysis import injury
    from analysis.io import save_table
    from analysis.plots import injury as injplots

    section = Section()
    if not data.has_data:
        return section.note(_NO_DATA)
    kw = {"summary_unit": data.unit_key, "n_boot": n_boot, "seed": seed}
    inc = _quiet(injury.incidence_rate, data.exposures, data.injuries, **kw)
    bur = _quiet(injury.burden_rate, data.exposures, data.injuries, **kw)
    nan2 = (math.nan, math.nan)
    overall = pd.DataFrame(
        [
            {
                "measure": r.measure,
                "estimate": r.estimate,
                "unit": r.unit,
                "events": r.n,
                "athletes": r.n_athletes,
                "exposure": r.exposure,
                "exposure_unit": r.exposure_unit,
                "wald_low": r.ci_wald[0],
                "wald_high": r.ci_wald[1],
                "exact_low": r.ci_exact[0],
                "exact_high": r.ci_exact[1],
                "bootstrap_low": (r.ci_bootstrap or nan2)[0],
                "bootstrap_high": (r.ci_bootstrap or nan2)[1],
            }
            for r in (inc, bur)
        ]
    )
    section.tables["overall"] = overall
    section.table(injplots.overall_rates_display([inc, bur], data.unit_label or ""), wrap_em=14)
    boot = bur.ci_bootstrap or nan2
    widening = (boot[1] - boot[0]) / max(bur.ci_wald[1] - bur.ci_wald[0], 1e-12)
    section.html(
        f"<p><b>Incidence {inc.estimate:.2f} ({inc.ci_wald[0]:.2f} to {inc.ci_wald[1]:.2f})</b> and "
        f"<b>burden {bur.estimate:.1f} ({bur.ci_wald[0]:.1f} to {bur.ci_wald[1]:.1f})</b> {data.unit_label} "
        f"(Wald, as injurytools prints them). Burden, athlete-cluster bootstrap ({n_boot} resamples): "
        f"{boot[0]:.1f} to {boot[1]:.1f} — {widening:.0f}× wider, because days lost cluster within athletes.</p>"
    )
    save_table(overall, data.out_dir / "overall_rates.csv")
    return section


def rates_by_injury(data: InjuryData) -> Section:
    """Rates by injury type and by body region (numerator split, same exposure)."""
    from analysis import injury
    from analysis.io import save_table
    from analysis.plots import injury as injplots

    section = Section()
    if data.injuries is None or data.exposures is None:
        return section.note(_NO_DATA)
    for column in ("injury_type", "body_region"):
        if not data.injuries[column].notna().any():
            section.note(f"injuries.csv has no {column} values: no table by {column}.")
            continue
        table = _quiet(injury.rate_table, data.exposures, data.injuries, column, summary_unit=data.unit_key)
        section.tables[column] = table
        section.table(injplots.rate_table_display(table, column, data.unit_label or ""), wrap_em=14)
        save_table(table, data.out_dir / f"rates_by_{column}.csv")
        section.figure(injplots.plot_rate_forest(table, column, measure="incidence"))
    return section


def season_prevalence(data: InjuryData) -> Section:
    """Share of athletes with at least one new injury per season."""
    from analysis import injury
    from analysis.io import save_table
    from analysis.plots import injury as injplots

    section = Section()
    if data.exposures is None or data.injuries is None or "season" not in data.exposures.columns:
        return section.note(_NO_DATA if not data.has_data else "Not available: no season column in exposures.csv.")
    prevalence = injury.season_prevalence(data.exposures, data.injuries)
    section.tables["prevalence"] = prevalence
    section.table(injplots.prevalence_display(prevalence))
    save_table(prevalence, data.out_dir / "season_prevalence.csv")
    return section.figure(injplots.plot_season_prevalence(prevalence))


def groups(data: InjuryData) -> Section:
    """Early / late / never: rates by group and rate ratios (seasons compared when there are no groups)."""
    from analysis import injury
    from analysis.claims import CLAIMS
    from analysis.io import save_table
    from analysis.models.rate_ratios import group_rate_ratios, rate_ratio_frame
    from analysis.plots import injury as injplots

    section = Section().html(quote_html(CLAIMS["C8"].quote))
    exposures, injuries, cases = data.exposures, data.injuries, data.cases
    if exposures is None or injuries is None or cases is None:
        return section.note(_NO_DATA)
    if data.has_groups:
        section.html(f"<p>Cases: {len(cases)} <b>{data.body_region}</b> injuries of {len(injuries)}.</p>")
        by_group = _quiet(injury.rate_table, exposures, cases, "group", summary_unit=data.unit_key)
        ratios = _quiet(group_rate_ratios, exposures, cases, summary_unit=data.unit_key)
        section.table(
            injplots.group_rates_display(by_group, data.unit_label or "", cases=f"{data.body_region} injuries")
        )
        if len(ratios):
            section.tables["ratios"] = ratios
            section.table(injplots.rate_ratios_display(ratios))
            save_table(ratios, data.out_dir / "rate_ratios_by_group.csv")
            xlabel = f"{data.body_region} injury rate ratio (log scale)"
            section.figure(injplots.plot_rate_ratios(ratios, xlabel=xlabel))
        if ratios.attrs.get("skipped"):
            section.note("Skipped (a group is absent): " + ", ".join(ratios.attrs["skipped"]))
        return section
    section.html(
        "<p><b>No <code>group</code> column in exposures.csv</b>: early/late/never comparisons "
        "(and C8) need it. As an illustration of a rate ratio, the seasons are compared instead.</p>"
    )
    if "season" in exposures.columns and exposures["season"].nunique() >= 2:
        seasons = sorted(exposures["season"].dropna().astype(str).unique())
        season_ratio = injury.rate_ratio(
            exposures, injuries, by="season", group=seasons[-1], reference=seasons[0], summary_unit=data.unit
        )
        ratios = rate_ratio_frame([season_ratio])
        section.table(injplots.rate_ratios_display(ratios))
        xlabel = "all-injury rate ratio between seasons (log scale)"
        section.figure(injplots.plot_rate_ratios(ratios, window=None, point=None, xlabel=xlabel))
    return section


def _athletes(data: InjuryData) -> pd.DataFrame | None:
    from analysis import injury

    if not data.has_groups or data.exposures is None or data.cases is None:
        return None
    athletes = injury.athlete_table(data.exposures, data.cases, summary_unit="hours")
    return athletes[athletes["group"].notna()]


def count_model(data: InjuryData) -> Section:
    """Poisson (or NB2 when over-dispersed) count model per athlete with log-exposure offset."""
    from analysis import injury
    from analysis.io import save_table
    from analysis.plots import injury as injplots

    section = Section()
    athletes = _athletes(data)
    section.values["athletes"] = athletes
    if athletes is None:
        return section.note("Not available: no group column in exposures.csv." if data.has_data else _NO_DATA)
    reference = "late" if "late" in set(athletes["group"]) else sorted(athletes["group"].unique())[0]
    model = _quiet(
        injury.fit_rate_model, athletes, f"n_injuries ~ C(group, Treatment('{reference}'))", exposure="exposure"
    )
    section.html(f"<p>Model: <b>{model.model}</b> — {model.reason}.</p>")
    section.table(injplots.model_terms_display(model.table, "irr"))
    save_table(model.table.reset_index(names="term"), data.out_dir / "count_model.csv")
    return section


def time_to_first_injury(data: InjuryData) -> Section:
    """Kaplan–Meier curves over exposure time by group, and a Cox model when there are enough first injuries."""
    from analysis import injury
    from analysis.io import save_table
    from analysis.plots import injury as injplots

    section = Section()
    section.values["km_tables"] = {}
    if data.exposures is None or data.injuries is None:
        return section.note(_NO_DATA)
    km_injuries = data.cases if data.has_groups else data.injuries
    what = f"{data.body_region} injury" if data.has_groups else "any injury"
    exposure_key = "hours" if data.unit in ("hours", "minutes") else data.unit
    at = injury.athlete_table(data.exposures, km_injuries, summary_unit=exposure_key)
    label = f"exposure ({at['exposure_unit'].iloc[0]})"
    group_names = sorted(at["group"].dropna().unique()) if data.has_groups else []
    if group_names:
        km_tables = {g: injury.kaplan_meier(at[at["group"] == g]) for g in group_names}
        longest = at.groupby("group")["time_first"].max().to_dict()
    else:
        km_tables = {"all athletes": injury.kaplan_meier(at)}
        longest = {"all athletes": at["time_first"].max()}
    section.values["km_tables"] = km_tables
    section.figure(
        injplots.plot_kaplan_meier(
            {k: v["curve"] for k, v in km_tables.items()},
            exposure_label=label,
            follow_up=longest,
            title=f"Free of {what} over exposure time",
        )
    )
    section.table(injplots.km_medians_display(km_tables, at["exposure_unit"].iloc[0]))
    if group_names and at["status_first"].sum() >= 2 and len(group_names) >= 2:
        reference = "late" if "late" in group_names else group_names[0]
        cox = injury.fit_cox_first_injury(at[at["group"].notna()], f"C(group, Treatment('{reference}'))")
        section.html(
            f"<p>Cox model ({cox.attrs['method']}; {cox.attrs['n']} athletes, {cox.attrs['events']} "
            "first injuries): hazard ratios vs the reference group.</p>"
        )
        section.table(injplots.model_terms_display(cox, "hr"))
        save_table(cox.reset_index(names="term"), data.out_dir / "cox_first_injury.csv")
    else:
        section.note("Cox model by group: not available (needs a group column with ≥ 2 groups and ≥ 2 first injuries).")
    return section


def c8_verdict(data: InjuryData, *, seed: int) -> Section:
    """C8 from the run's shared claims table, with what is missing when it is not testable."""
    from analysis import notebook as nbk
    from analysis.io import save_table
    from analysis.plots import claims as claim_plots
    from analysis.plots import tables as report_tables

    claims = nbk.claims(data.ctx, data.tables, only=["C8"], seed=seed, power=False)
    c8 = claims.iloc[0]
    section = Section(tables={"claims": claims})
    if c8["verdict"] == "not testable":
        reason = str(c8["notes"]).removeprefix("not testable: ")
        if not data.has_data:
            reason = "the study has no exposures.csv/injuries.csv"
        elif not data.has_groups:
            reason = f"exposures.csv has no group column (no early/late introduction groups to compare); {reason}"
        headline = f"<b>C8: not testable — {html.escape(reason)}</b>"
    else:
        headline = (
            f"<b>C8: {c8['verdict']}</b> — IRR {c8['estimate']:.2f}, 95 % CI {c8['ci95_low']:.2f} to "
            f"{c8['ci95_high']:.2f}, 90 % CI {c8['ci90_low']:.2f} to {c8['ci90_high']:.2f}; "
            f"compatible with 1.19: {c8['compatible_with_point']}."
        )
    section.html(f"<p style='font-size:1.1em'>{headline}</p>")
    section.table(claim_plots.claims_display_table(claims, notes=False), wrap_em=16)
    section.html(report_tables.claim_notes_html(claims))
    save_table(claims, data.out_dir / "claim_c8.csv")
    return section


def single_team(
    data: InjuryData, counts: Section, *, nb_dispersion: float, seed: int, c8: Section | None = None
) -> Section:
    """Power and type-M error of a single-team study of C8, at this study's rate when it has one. The athletes per
    arm a conclusive study needs is the claims table's C8 ``n_needed`` (``c8``: the :func:`c8_verdict` section)
    whenever the claim computed one, so index, report 00 and this report show one number from one computation."""
    from analysis import injury
    from analysis.io import save_table
    from analysis.models.rate_ratios import single_team_power_table
    from analysis.plots import injury as injplots

    rate_ref_per_h, hours_per_athlete = DESIGN_RATE_PER_H, DESIGN_HOURS_PER_ATHLETE
    source = "docs/design/statistics.md §11 design values"
    observed_per_arm = None
    athletes = counts.values.get("athletes")
    cases = data.cases
    if data.has_groups and athletes is not None and cases is not None and len(cases) > 0:
        rate_ref_per_h = float(athletes["n_injuries"].sum() / athletes["exposure"].sum())
        hours_per_athlete = float(athletes["exposure"].mean())
        observed_per_arm = int(athletes.groupby("group").size().median())
        source = f"this study ({data.body_region} injuries, all groups; exposure over the whole observation period)"
    n_per_arm = sorted({observed_per_arm or 30, 60, 250, 1000, 2000})
    power = single_team_power_table(rate_ref_per_h, hours_per_athlete, n_per_arm, dispersion=nb_dispersion, seed=seed)
    section = Section(tables={"power": power})
    section.html(
        f"<p>Reference rate {1000 * rate_ref_per_h:.2f} per 1000 h, {hours_per_athlete:.0f} h per athlete "
        f"({source}); NB2 α = {nb_dispersion:g}.</p>"
    )
    section.table(injplots.single_team_power_display(power, cases=f"{data.body_region} injuries"), wrap_em=10)
    section.figure(injplots.plot_power_by_team_size(power, observed_n_per_arm=observed_per_arm))
    from analysis.plots.format import format_n_needed

    claimed = c8["claims"].iloc[0].get("n_needed") if c8 is not None and "claims" in c8.tables else None
    if claimed is not None and pd.notna(claimed):
        needed, basis = claimed, "the claims table's C8 computation: this study's rate, exposure and dispersion"
    else:
        needed = injury.athletes_needed_per_arm(rate_ref_per_h, hours_per_athlete, dispersion=nb_dispersion)
        basis = f"the rate above, NB2 α = {nb_dispersion:g}; the claims table computed none for this study"
    section.values["n_needed_per_arm"] = needed
    section.html(
        f"<p>Athletes per arm for 80 % power to detect IRR 1.19 (two-sided 5 %): "
        f"<b>{format_n_needed(needed, 'athletes per arm')}</b> ({basis}). "
        "What a single team <i>can</i> show: its own incidence and burden with honest intervals, and "
        "whether a claimed effect is <i>compatible</i> with its data. What it cannot show: that ankle "
        "weights raise knee-injury risk by 19 %.</p>"
    )
    save_table(power, data.out_dir / "single_team_power.csv")
    return section
