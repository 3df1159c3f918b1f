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
# # 00 · Ankle weights: what the article claims, and what the data say
#
# The article makes nine numeric claims about ankle weights. This report tests each one against the study
# data and gives a **verdict decided by an interval, not a p-value**: a p-value only says whether an effect
# is "not zero"; the article claims *sizes* ("12–18 %", "27 %", "19 %"), and only an interval can say whether
# the data agree with a size, contradict it, or are too imprecise to tell.
#
# - **supported**: the 90 % interval lies inside the claimed range (or beyond the smallest effect that would matter);
# - **contradicted**: the 95 % interval lies outside it (or shows a trivially small or opposite effect);
# - **inconclusive**: neither: more subjects are needed (the table says how many);
# - **not testable**: the data lack something the claim needs (named in the notes).

# %% tags=["parameters"]
study_dir: str = ""  # study folder; empty: $ANKLELAB_STUDY or the embedded demo study
reports_dir: str = ""  # where tables/figures are written; empty: $ANKLELAB_REPORTS_DIR, else a temporary folder
seed: int = 0  # seed for every simulation (power loops, bootstraps)
compute_power: bool = True  # simulate "n needed" for inconclusive claims (slower)
power_reps: int = 100  # simulated studies per sample size in the n-needed search

# %%
from analysis import notebook as nbk

ctx = nbk.setup(study_dir, reports_dir)
features = nbk.feature_tables_quietly(ctx)
tables = nbk.claim_tables(ctx, features)

# %%
import matplotlib.pyplot as plt

from analysis.claims import CLAIMS, VERDICTS, write_claims_table
from analysis.plots import claims as claim_plots
from analysis.plots import tables as report_tables
from analysis.reports.reasons import plain_reasons

claims = nbk.claims(ctx, tables, seed=seed, power=compute_power, power_reps=power_reps)  # once per reproduce run
csv_path, json_path = write_claims_table(claims, ctx.reports_dir)

# %% [markdown]
# ## 1 · The claims table
# One row per claim. Estimates are in each claim's natural unit (the `unit` column): % change for EMG, force
# and velocity ratios, a rate ratio for injuries, degrees for joint angles, %BW per kg for the body-mass
# claim. **MDE** (minimum detectable effect) is the smallest true effect this study would detect with 80 %
# power; **n needed** is the size of a study that would reach a conclusive verdict, with its unit (subjects;
# athletes per arm for C8), shown only where this one was inconclusive; **n** is the number of subjects
# (athletes for C8) whose data entered the estimate. *Why undecided* says, in plain words derived from the
# study's tables, what is missing or what more data would settle it. For a compound claim the row shows its
# first part; every part has its own row further down. How each claim was analysed (model, pre-declared
# windows, multiplicity) is in the notes below the table: click a claim to open them.

# %%
nbk.show_html(claim_plots.verdict_counts_html(claims, VERDICTS))
reasons = plain_reasons(claims, ctx.study)  # why a claim is undecided, in words derived from the study's tables
display_table = claim_plots.claims_display_table(claims, notes=False, reasons=reasons)
nbk.show_html(report_tables.html_table(display_table, wrap_em=16) + f"<p>{claim_plots.N_DEFINITION}.</p>")
nbk.show_html(report_tables.claim_notes_html(claims))
nbk.show_html(claim_plots.written_files_html(csv_path, json_path))

# %% [markdown]
# ## 2 · Estimates against the claimed ranges
# Each panel is one claim on its own scale. The green band is what the claim needs (its range, or
# beyond the smallest effect worth having); a dashed green line marks a claimed point value ("27 %",
# "19 %"); the grey line is "no effect". The thick bar is the 90 % interval (used for "supported"), the thin
# bar the 95 % interval (used for "contradicted"). A dot far from the band with a short bar is a clear
# contradiction; a long bar overlapping the band means the study is too small to tell.

# %%
fig = claim_plots.forest_figure(claims)
plt.show()
plt.close(fig)

# %% [markdown]
# ## 3 · What each claim says, and what testing it needs
# The quotes are exact (from `analysis.claims.CLAIMS`, checked against the article text). The *estimand*
# is the quantity the claim is about, defined before looking at the data; the *data needed* says which
# recordings must exist for the claim to be testable at all.

# %%
nbk.show_html(claim_plots.claim_requirements_html(claim_plots.claim_requirements()))

# %% [markdown]
# ## 4 · Parts of compound claims
# Claims such as C1 ("gluteus maximus **and** gastrocnemius") are supported only if every part is
# (intersection–union test); one contradicted part contradicts the claim.

# %%
parts = claim_plots.claim_parts(claims)
nbk.show_html(report_tables.html_table(report_tables.claim_parts_table(claims), wrap_em=22))

# %% [markdown]
# ## 5 · Detailed reports
# Each report explains the processing and models behind a group of claims.

# %%
nbk.show_html(claim_plots.report_links_html())

# %%
assert len(claims) == len(CLAIMS)
assert set(claims["verdict"]) <= set(VERDICTS)
assert csv_path.exists() and json_path.exists()
assert claims.loc[claims["verdict"] != "not testable", "estimate"].notna().all()
