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
# # 05 · Injury rates, rate ratios and claim C8
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
reports_dir: str = ""  # where tables/figures are written; empty: $ANKLELAB_REPORTS_DIR, else a temporary folder
summary_unit: str = "auto"  # auto: per 1000 h for hours, per 100 player-matches (90 min) when all exposure is in minutes
body_region: str = "knee"  # injuries counted for C8 and the group comparisons (injuries.csv body_region)
n_boot: int = 200  # athlete-cluster bootstrap resamples for the burden CI (use 2000 for a final report)
nb_dispersion: float = 0.5  # NB2 alpha for the single-team power section (docs/design/statistics.md §11 frailty variance)
seed: int = 0  # seed for bootstraps and the type-M simulation

# %%
from analysis import notebook as nbk
from analysis.sections import injury as sections

ctx = nbk.setup(study_dir, reports_dir)
data = sections.prepare(ctx, summary_unit=summary_unit, body_region=body_region)
data.intro

# %% [markdown]
# ## 1 · Incidence and burden for the whole study
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
overall = sections.overall_rates(data, n_boot=n_boot, seed=seed)
overall

# %% [markdown]
# ## 2 · By injury type and body region
#
# Splitting by an *injury* column (type, body region) splits only the numerator: every row uses the same total
# exposure, so the rows add up to the overall rate.

# %%
by_injury = sections.rates_by_injury(data)
by_injury

# %% [markdown]
# ## 3 · Season prevalence
#
# Prevalence answers a different question from incidence: *what share of the squad* had at least one new injury
# in the season, regardless of how long they played. It is easy to communicate to coaches but ignores exposure.

# %%
prevalence = sections.season_prevalence(data)
prevalence

# %% [markdown]
# ## 4 · Groups: early vs late vs never introduction of ankle weights
#
# The article's claim C8 is quoted below (from `analysis.claims.CLAIMS`). Comparing groups needs a `group` column in `exposures.csv` (`early`, `late`, `never`). Rate ratios use the
# **score** interval (`confint_poisson_2indep`), which behaves well with few events; the regression below adds
# a Poisson model with log-exposure offset and switches to negative binomial (NB2) when athletes differ more than
# Poisson allows (Pearson χ²/df > 1.5).

# %%
by_group = sections.groups(data)
by_group

# %% [markdown]
# ### Count model per athlete
#
# One row per athlete: number of cases and exposure. The model is log(rate) = β₀ + β·group, fitted with the
# exposure as offset, so exp(β) is a rate ratio. If athletes are more different than a Poisson process allows
# (some are simply injury-prone), the Poisson standard errors are too small; NB2 estimates that extra variance.

# %%
counts = sections.count_model(data)
counts

# %% [markdown]
# ## 5 · Time to first injury: Kaplan–Meier and Cox
#
# The clock here is **exposure** (hours or minutes at risk), not the calendar: an athlete who sits out three
# weeks is not "at risk" then. Kaplan–Meier curves show the share still injury-free; the Cox model gives a
# hazard ratio, comparable to the rate ratio if the hazard is roughly constant. Efron ties, as R's `coxph`.

# %%
first_injury = sections.time_to_first_injury(data)
first_injury

# %% [markdown]
# ## 6 · Claim C8 verdict
#
# The verdict comes from the 95 % CI of the rate ratio early vs late, compared with a pre-declared window around
# the claimed +19 % (IRR 1.10–1.30; docs/design/statistics.md §3): **supported** only if the 90 % CI lies inside the window,
# **contradicted** if the 95 % CI lies wholly outside it, otherwise **inconclusive**. A design that cannot
# separate the arms from team or season (a single team before/after) is *inconclusive whatever the CI*.

# %%
c8 = sections.c8_verdict(data, seed=seed)
c8

# %% [markdown]
# ## 7 · What a single team can and cannot show
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
single_team = sections.single_team(data, counts, nb_dispersion=nb_dispersion, seed=seed, c8=c8)
single_team

# %% [markdown]
# ## 8 · Checks
# The report is only trusted if its key tables exist where the data exist and the verdict is one of the four
# allowed words.

# %%
from analysis.claims import VERDICTS

verdict = c8["claims"].iloc[0]["verdict"]
assert verdict in VERDICTS, verdict
if data.has_data:
    rates = overall["overall"]
    assert len(rates) == 2 and rates["estimate"].notna().all()
    assert first_injury["km_tables"], "Kaplan–Meier curves missing"
    assert rates.loc[0, "exact_low"] <= rates.loc[0, "estimate"] <= rates.loc[0, "exact_high"]
else:
    assert verdict == "not testable"
power = single_team["power"]
assert len(power) >= 4 and power["power_at_claim"].between(0, 1).all()
