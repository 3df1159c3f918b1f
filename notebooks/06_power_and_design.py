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
# # 06 · Power and study design: how many subjects would settle each claim?
#
# An "inconclusive" verdict is not a failure of the claim or of the study: it says the interval is too wide
# to decide. This report asks how wide a study must be. For each claim it **simulates** many studies of n
# subjects with the variability measured in *this* study, analyses each one with the claim's own verdict
# rule, and counts how often the verdict is "supported", "contradicted" or "inconclusive":
#
# - if the claim is **true** (at the size the article states, or the assumed effect in `analysis.claims`);
# - if there is **no effect**.
#
# A conclusive design needs P(supported | true) ≥ 80 % **and** P(contradicted | no effect) ≥ 80 %. The
# smallest n on the grid that achieves both is the "n needed". Small simulation settings are the
# default so the report is quick; raise `reps` and extend `n_grid` for a design you intend to run.

# %% tags=["parameters"]
study_dir: str = ""  # study folder; empty: $ANKLELAB_STUDY or the embedded demo study
reports_dir: str = ""  # where tables/figures are written; empty: $ANKLELAB_REPORTS_DIR, else a temporary folder
n_grid: str = "8,16,32,64,128,256"  # comma-separated total sample sizes to simulate
reps: int = 60  # simulated studies per sample size and scenario (more: smoother curves)
n_boot: int = 30  # bootstrap resamples in hinge claims (C3) when fitting the designs (the verdicts use the suite's 200)
seed: int = 0  # seed for the simulations

# %%
from analysis import notebook as nbk

ctx = nbk.setup(study_dir, reports_dir)
features = nbk.feature_tables_quietly(ctx)
tables = nbk.claim_tables(ctx, features)

# %%
from analysis.claims import CLAIMS, VERDICTS
from analysis.sections import power as power_sections

grid = power_sections.parse_n_grid(n_grid)
claims = nbk.claims(ctx, tables, seed=seed)  # the run's shared claims table, with its n needed (suite settings)

# %% [markdown]
# ## 1 · Power curves per claim
# Left: the claim is true; right: no effect. A good design pushes the green line (supported) above the
# dotted 80 % line on the left and the red line (contradicted) above it on the right. The dashed line is
# this study's number of subjects.

# %%
curves_section, summary_section = power_sections.power_and_design(
    tables, claims, grid=grid, reps=reps, n_boot=n_boot, seed=seed
)
curves_section

# %% [markdown]
# ## 2 · Summary: sample size for a conclusive study
# `n needed (claims table)` is the number the index, `claims.csv` and the other reports give, from each claim's own
# analysis (for injury rates, athletes per arm in closed form). `n needed (simulated)` is read off the curves above
# (total subjects; two-group claims split them equally) with this report's quick settings (`reps`, `n_boot`), so
# the two can differ; raise `reps` before you trust the simulated one. "not computed" means the claim could not be
# simulated here; `how` says why in a few words (missing data, or a claim whose power is computed in closed form by
# its own analysis, e.g. injury rates) and the collapsed notes below give the details: the between-subject SD each simulation used and the
# effect assumed true. The MDE (minimum detectable effect at this study's size) is in the claim's unit.

# %%
summary_section

# %%
summary = summary_section["summary"]
assert len(summary) == len(CLAIMS)
assert set(claims["verdict"]) <= set(VERDICTS)
assert summary["n needed (simulated)"].map(lambda v: v == "not computed" or v.startswith(">") or v.isdigit()).all()
