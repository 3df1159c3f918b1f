# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 — Injury rates, rate ratios and claim C8
#
# This notebook turns an exposure table (who trained or played, for how long) and an injury table (who got
# hurt, when, for how many days) into the numbers sports-medicine papers report: **incidence** (injuries per
# unit of exposure), **burden** (days lost per unit of exposure), **prevalence** (share of athletes injured in a
# season), **rate ratios** between groups, and **time-to-first-injury** curves. It then tests the article's
# claim C8 and asks, honestly, what a single team could ever show about it.
#
# **Why per exposure, not per athlete?** An athlete who trains 400 h has twice the opportunity to get hurt of one
# who trains 200 h. Dividing injuries by the summed time at risk (ΔT) makes groups with different training
# volumes comparable; that is why every rate below has a unit such as "per 1000 h" or "per 100 player-matches"
# (one player-match = 90 min). This follows injurytools (Zumeta-Olaskoaga et al.), whose vignette numbers
# this suite reproduces on the Liverpool FC data.

# %% tags=["parameters"]
study_dir: str = ""  # study folder; empty: $ANKLELAB_STUDY or the embedded demo study
reports_dir: str = ""  # where tables/figures are written; empty: $ANKLELAB_REPORTS_DIR or reports/
summary_unit: str = "auto"  # auto: per 1000 h for hours, per 100 player-matches (90 min) when all exposure is in minutes
body_region: str = "knee"  # injuries counted for C8 and the group comparisons (injuries.csv body_region)
n_boot: int = 200  # athlete-cluster bootstrap resamples for the burden CI (use 2000 for a final report)
nb_dispersion: float = 0.5  # NB2 alpha for the single-team power section (docs/design/statistics.md §11 frailty variance)
seed: int = 0  # seed for bootstraps and the type-M simulation

# %%
import math
import warnings

import matplotlib.pyplot as plt
import pandas as pd

from analysis import injury
from analysis import notebook as nbk
from analysis.plots.tables import feature_tables_quietly
from analysis.claims import CLAIMS, VERDICTS, evaluate_claims
from analysis.io import save_table
from analysis.plots import claims as claim_plots
from analysis.plots import injury as injplots
from analysis.plots import tables as report_tables


def show_table(df, **kwargs):
    """A display table (units in the column names, rounded, no index) as HTML."""
    nbk.show_html(report_tables.html_table(df, **kwargs))


ctx = nbk.setup(study_dir, reports_dir)
features = feature_tables_quietly(ctx)
tables = nbk.claim_tables(ctx, features)
out_dir = ctx.reports_dir / "05_injury_rates"
out_dir.mkdir(parents=True, exist_ok=True)

has_injury_data = tables.exposures is not None and tables.injuries is not None
if has_injury_data:
    # the study loader writes absent optional columns (group, body_region, ...) as empty text: treat as missing
    exposures = injury.prepare_exposures(tables.exposures.replace({"": pd.NA}))
    injuries = injury.prepare_injuries(tables.injuries.replace({"": pd.NA}))
    unit_key = injplots.resolve_summary_unit(exposures, summary_unit)
    unit_label = injury.SUMMARY_UNITS[unit_key][2]
    nbk.show_html(f"<p>{len(exposures)} exposure rows for {exposures['athlete_id'].nunique()} athletes "
                  f"(exposure unit: {', '.join(sorted(exposures['exposure_unit'].unique()))}); "
                  f"{len(injuries)} injuries. Rates are reported <b>{unit_label}</b> "
                  f"(summary_unit = {unit_key!r}).</p>")
else:
    exposures = injuries = None
    unit_key, unit_label = None, None
    nbk.show_html("<p style='color:#b00'><b>C8: not testable — the study has no exposures.csv/injuries.csv.</b> "
                  "Every injury section below says so instead of computing; add both files (data/README.md) "
                  "to run them.</p>")

# %% [markdown]
# ## 1. Incidence and burden for the whole study
#
# Two intervals are shown for each rate:
#
# * the **Wald** interval injurytools prints, rate ± 1.96·√n / ΔT — reproduced for comparability; it can dip
#   below zero with few injuries;
# * the **exact Poisson** (Garwood) interval, which never does and keeps its 95 % coverage with few events.
#
# Burden treats every day lost as an independent event, which it is not: one ruptured ligament gives 200 days
# from one athlete. Its Wald interval is therefore far too narrow; the **athlete-cluster bootstrap** (resample
# athletes, not days) is the honest one (docs/design/statistics.md §6).

# %%
overall = None
if has_injury_data:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", injury.ZeroExposureWarning)
        inc = injury.incidence_rate(exposures, injuries, summary_unit=unit_key, n_boot=n_boot, seed=seed)
        bur = injury.burden_rate(exposures, injuries, summary_unit=unit_key, n_boot=n_boot, seed=seed)
    overall = pd.DataFrame([
        {"measure": r.measure, "estimate": r.estimate, "unit": r.unit, "events": r.n, "athletes": r.n_athletes,
         "exposure": r.exposure, "exposure_unit": r.exposure_unit,
         "wald_low": r.ci_wald[0], "wald_high": r.ci_wald[1], "exact_low": r.ci_exact[0], "exact_high": r.ci_exact[1],
         "bootstrap_low": (r.ci_bootstrap or (math.nan, math.nan))[0],
         "bootstrap_high": (r.ci_bootstrap or (math.nan, math.nan))[1]} for r in (inc, bur)])
    show_table(injplots.overall_rates_display([inc, bur], unit_label), wrap_em=14)
    nbk.show_html(f"<p><b>Incidence {inc.estimate:.2f} [{inc.ci_wald[0]:.2f}, {inc.ci_wald[1]:.2f}]</b> and "
                  f"<b>burden {bur.estimate:.1f} [{bur.ci_wald[0]:.1f}, {bur.ci_wald[1]:.1f}]</b> {unit_label} "
                  f"(Wald, as injurytools prints them). Burden, athlete-cluster bootstrap ({n_boot} resamples): "
                  f"[{bur.ci_bootstrap[0]:.1f}, {bur.ci_bootstrap[1]:.1f}] — "
                  f"{(bur.ci_bootstrap[1] - bur.ci_bootstrap[0]) / max(bur.ci_wald[1] - bur.ci_wald[0], 1e-12):.0f}× "
                  "wider, because days lost cluster within athletes.</p>")
    _ = save_table(overall, out_dir / "overall_rates.csv")
else:
    print("Not available: the study has no exposures.csv/injuries.csv.")

# %% [markdown]
# ## 2. By injury type and body region
#
# Splitting by an *injury* column (type, body region) splits only the numerator: every row uses the same total
# exposure, so the rows add up to the overall rate.

# %%
by_tables = {}
if has_injury_data:
    for column in ("injury_type", "body_region"):
        if injuries[column].notna().any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", injury.ZeroExposureWarning)
                t = injury.rate_table(exposures, injuries, column, summary_unit=unit_key)
            by_tables[column] = t
            show_table(injplots.rate_table_display(t, column, unit_label), wrap_em=14)
            _ = save_table(t, out_dir / f"rates_by_{column}.csv")
            fig = injplots.plot_rate_forest(t, column, measure="incidence")
            plt.show()
            plt.close(fig)
        else:
            print(f"injuries.csv has no {column} values: no table by {column}.")
else:
    print("Not available: the study has no exposures.csv/injuries.csv.")

# %% [markdown]
# ## 3. Season prevalence
#
# Prevalence answers a different question from incidence: *what share of the squad* had at least one new injury
# in the season, regardless of how long they played. It is easy to communicate to coaches but ignores exposure.

# %%
prevalence = None
if has_injury_data and "season" in exposures.columns:
    prevalence = injury.season_prevalence(exposures, injuries)
    show_table(injplots.prevalence_display(prevalence))
    _ = save_table(prevalence, out_dir / "season_prevalence.csv")
    fig = injplots.plot_season_prevalence(prevalence)
    plt.show()
    plt.close(fig)
else:
    print("Not available: " + ("no season column in exposures.csv." if has_injury_data
                               else "the study has no exposures.csv/injuries.csv."))

# %% [markdown]
# ## 4. Groups: early vs late vs never introduction of ankle weights
#
# The article's claim C8 is quoted below (from `analysis.claims.CLAIMS`). Comparing groups needs a `group` column in `exposures.csv` (`early`, `late`, `never`). Rate ratios use the
# **score** interval (`confint_poisson_2indep`), which behaves well with few events; the regression below adds
# a Poisson model with log-exposure offset and switches to negative binomial (NB2) when athletes differ more than
# Poisson allows (Pearson χ²/df > 1.5).

# %%
nbk.show_html(f"<blockquote><i>“{CLAIMS['C8'].quote}”</i></blockquote>")
has_groups = has_injury_data and "group" in exposures.columns and exposures["group"].notna().any()
case_injuries = None
if has_groups:
    region = injuries["body_region"].astype("string").str.lower().str.strip()
    case_injuries = injuries[region == body_region.lower()]
    nbk.show_html(f"<p>Cases: {len(case_injuries)} <b>{body_region}</b> injuries of {len(injuries)}.</p>")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", injury.ZeroExposureWarning)
        by_group = injury.rate_table(exposures, case_injuries, "group", summary_unit=unit_key)
        ratios = injplots.group_rate_ratios(exposures, case_injuries, summary_unit=unit_key)
    show_table(injplots.group_rates_display(by_group, unit_label, cases=f"{body_region} injuries"))
    if len(ratios):
        show_table(injplots.rate_ratios_display(ratios))
        _ = save_table(ratios, out_dir / "rate_ratios_by_group.csv")
        fig = injplots.plot_rate_ratios(ratios, xlabel=f"{body_region} injury rate ratio (log scale)")
        plt.show()
        plt.close(fig)
    if ratios.attrs.get("skipped"):
        print("Skipped (a group is absent):", ", ".join(ratios.attrs["skipped"]))
elif has_injury_data:
    nbk.show_html("<p><b>No <code>group</code> column in exposures.csv</b>: early/late/never comparisons "
                  "(and C8) need it. As an illustration of a rate ratio, the seasons are compared instead.</p>")
    if "season" in exposures.columns and exposures["season"].nunique() >= 2:
        seasons = sorted(exposures["season"].dropna().astype(str).unique())
        season_ratio = injury.rate_ratio(exposures, injuries, by="season", group=seasons[-1], reference=seasons[0],
                                         summary_unit=unit_key)
        ratios = injplots.rate_ratio_frame([season_ratio])
        show_table(injplots.rate_ratios_display(ratios))
        fig = injplots.plot_rate_ratios(ratios, window=None, point=None,
                                        xlabel="all-injury rate ratio between seasons (log scale)")
        plt.show()
        plt.close(fig)
else:
    print("Not available: the study has no exposures.csv/injuries.csv.")

# %% [markdown]
# ### Count model per athlete
#
# One row per athlete: number of cases and exposure. The model is log(rate) = β₀ + β·group, fitted with the
# exposure as offset, so exp(β) is a rate ratio. If athletes are more different than a Poisson process allows
# (some are simply injury-prone), the Poisson standard errors are too small; NB2 estimates that extra variance.

# %%
athletes = None
if has_groups:
    athletes = injury.athlete_table(exposures, case_injuries, summary_unit="hours")
    athletes = athletes[athletes["group"].notna()]
    reference = "late" if "late" in set(athletes["group"]) else sorted(athletes["group"].unique())[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", injury.ZeroExposureWarning)
        count_model = injury.fit_rate_model(athletes, f"n_injuries ~ C(group, Treatment('{reference}'))",
                                            exposure="exposure")
    nbk.show_html(f"<p>Model: <b>{count_model.model}</b> — {count_model.reason}.</p>")
    show_table(injplots.model_terms_display(count_model.table, "irr"))
    _ = save_table(count_model.table.reset_index(names="term"), out_dir / "count_model.csv")
else:
    print("Not available: " + ("no group column in exposures.csv." if has_injury_data
                               else "the study has no exposures.csv/injuries.csv."))

# %% [markdown]
# ## 5. Time to first injury: Kaplan–Meier and Cox
#
# The clock here is **exposure** (hours or minutes at risk), not the calendar: an athlete who sits out three
# weeks is not "at risk" then. Kaplan–Meier curves show the share still injury-free; the Cox model gives a
# hazard ratio, comparable to the rate ratio if the hazard is roughly constant. Efron ties, as R's `coxph`.

# %%
km_tables = {}
if has_injury_data:
    km_injuries = case_injuries if has_groups else injuries
    what = f"{body_region} injury" if has_groups else "any injury"
    exposure_key = "hours" if unit_key in ("hours", "minutes") else unit_key
    at = injury.athlete_table(exposures, km_injuries, summary_unit=exposure_key)
    label = f"exposure ({at['exposure_unit'].iloc[0]})"
    groups = sorted(at["group"].dropna().unique()) if has_groups else []
    if groups:
        km_tables = {g: injury.kaplan_meier(at[at["group"] == g]) for g in groups}
    else:
        km_tables = {"all athletes": injury.kaplan_meier(at)}
    longest = at.groupby("group")["time_first"].max().to_dict() if groups else {"all athletes": at["time_first"].max()}
    fig = injplots.plot_kaplan_meier({k: v["curve"] for k, v in km_tables.items()}, exposure_label=label,
                                     follow_up=longest, title=f"Free of {what} over exposure time")
    plt.show()
    plt.close(fig)
    show_table(injplots.km_medians_display(km_tables, at["exposure_unit"].iloc[0]))
    if groups and at["status_first"].sum() >= 2 and len(groups) >= 2:
        reference = "late" if "late" in groups else groups[0]
        cox = injury.fit_cox_first_injury(at[at["group"].notna()], f"C(group, Treatment('{reference}'))")
        nbk.show_html(f"<p>Cox model ({cox.attrs['method']}; {cox.attrs['n']} athletes, {cox.attrs['events']} "
                      "first injuries): hazard ratios vs the reference group.</p>")
        show_table(injplots.model_terms_display(cox, "hr"))
        _ = save_table(cox.reset_index(names="term"), out_dir / "cox_first_injury.csv")
    else:
        print("Cox model by group: not available (needs a group column with ≥ 2 groups and ≥ 2 first injuries).")
else:
    print("Not available: the study has no exposures.csv/injuries.csv.")

# %% [markdown]
# ## 6. Claim C8 verdict
#
# The verdict comes from the 95 % CI of the rate ratio early vs late, compared with a pre-declared window around
# the claimed +19 % (IRR 1.10–1.30; docs/design/statistics.md §3): **supported** only if the 90 % CI lies inside the window,
# **contradicted** if the 95 % CI lies wholly outside it, otherwise **inconclusive**. A design that cannot
# separate the arms from team or season (a single team before/after) is *inconclusive whatever the CI*.

# %%
claims_c8 = evaluate_claims(tables, only=["C8"], seed=seed, power=False)
c8 = claims_c8.iloc[0]
if c8["verdict"] == "not testable":
    reason = str(c8["notes"]).removeprefix("not testable: ")
    if not has_injury_data:
        reason = "the study has no exposures.csv/injuries.csv"
    elif not has_groups:
        reason = f"exposures.csv has no group column (no early/late introduction groups to compare); {reason}"
    nbk.show_html(f"<p style='font-size:1.1em'><b>C8: not testable — {reason}</b></p>")
else:
    nbk.show_html(f"<p style='font-size:1.1em'><b>C8: {c8['verdict']}</b> — IRR {c8['estimate']:.2f}, 95 % CI "
                  f"[{c8['ci95_low']:.2f}, {c8['ci95_high']:.2f}], 90 % CI [{c8['ci90_low']:.2f}, "
                  f"{c8['ci90_high']:.2f}]; compatible with 1.19: {c8['compatible_with_point']}.</p>")
show_table(claim_plots.claims_display_table(claims_c8, notes=False), wrap_em=16)
nbk.show_html(report_tables.claim_notes_html(claims_c8))
_ = save_table(claims_c8, out_dir / "claim_c8.csv")

# %% [markdown]
# ## 7. What a single team can and cannot show
#
# Knee injuries are rare (≈ 1.2 per 1000 h). A team of 25–30 athletes over six months produces a handful of
# cases per arm, so the rate-ratio interval spans from "protective" to "triples the risk". Two consequences
# (docs/design/statistics.md §8.4):
#
# * **Power**: the chance that a study of this size even detects a true +19 % is close to the 5 % false-alarm rate;
#   about 1,500–2,000 athletes *per arm* are needed for 80 %.
# * **Type-M (magnitude) error**: when such a small study *does* reach p < 0.05, the estimate it reports must be huge
#   to clear the bar — a "significant" single-team finding exaggerates the true effect several-fold. A
#   published "+19 %" from one team is therefore not evidence of a 19 % effect.
#
# The table uses this study's knee-injury rate and hours per athlete when they exist, otherwise the design
# values of docs/design/statistics.md §11 (1.2 per 1000 h, 260 h per athlete in six months).

# %%
rate_ref_per_h, hours_per_athlete, source = 1.2 / 1000, 260.0, "docs/design/statistics.md §11 design values"
observed_per_arm = None
if has_groups and athletes is not None and len(case_injuries) > 0:
    rate_ref_per_h = float(athletes["n_injuries"].sum() / athletes["exposure"].sum())
    hours_per_athlete = float(athletes["exposure"].mean())
    observed_per_arm = int(athletes.groupby("group").size().median())
    source = f"this study ({body_region} injuries, all groups; exposure over the whole observation period)"
power_table = injplots.single_team_power_table(rate_ref_per_h, hours_per_athlete,
                                               sorted({observed_per_arm or 30, 60, 250, 1000, 2000}),
                                               dispersion=nb_dispersion, seed=seed)
nbk.show_html(f"<p>Reference rate {1000 * rate_ref_per_h:.2f} per 1000 h, {hours_per_athlete:.0f} h per athlete "
              f"({source}); NB2 α = {nb_dispersion:g}.</p>")
show_table(injplots.single_team_power_display(power_table, cases=f"{body_region} injuries"), wrap_em=10)
fig = injplots.plot_power_by_team_size(power_table, observed_n_per_arm=observed_per_arm)
plt.show()
plt.close(fig)
needed = injury.athletes_needed_per_arm(rate_ref_per_h, hours_per_athlete, dispersion=nb_dispersion)
nbk.show_html(f"<p>Athletes per arm for 80 % power to detect IRR 1.19 (two-sided 5 %): <b>{needed:,}</b>. "
              "What a single team <i>can</i> show: its own incidence and burden with honest intervals, and "
              "whether a claimed effect is <i>compatible</i> with its data. What it cannot show: that ankle "
              "weights raise knee-injury risk by 19 %.</p>")
_ = save_table(power_table, out_dir / "single_team_power.csv")

# %% [markdown]
# ## Checks
# The report is only trusted if its key tables exist where the data exist and the verdict is one of the four
# allowed words.

# %%
assert c8["verdict"] in VERDICTS, c8["verdict"]
if has_injury_data:
    assert overall is not None and len(overall) == 2 and overall["estimate"].notna().all()
    assert km_tables, "Kaplan–Meier curves missing"
    assert overall.loc[0, "exact_low"] <= overall.loc[0, "estimate"] <= overall.loc[0, "exact_high"]
else:
    assert c8["verdict"] == "not testable"
assert len(power_table) >= 4 and power_table["power_at_claim"].between(0, 1).all()
print("checks passed; tables written to", out_dir)
