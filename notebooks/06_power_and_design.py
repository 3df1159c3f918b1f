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
import html
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.claims import CLAIMS, VERDICTS
from analysis.models import power_curves as power_sim
from analysis.plots import power as power_plots
from analysis.plots import tables as report_tables

grid = sorted({int(v) for v in n_grid.split(",") if v.strip()})
claims = nbk.claims(ctx, tables, seed=seed, power=False)  # the run's shared claims table

# %% [markdown]
# ## 1 · Power curves per claim
# Left: the claim is true; right: no effect. A good design pushes the green line (supported) above the
# dotted 80 % line on the left and the red line (contradicted) above it on the right. The dashed line is
# this study's number of subjects.

# %%
summary, details = [], {}
for cid in CLAIMS:
    row = claims.set_index("claim_id").loc[cid]
    nbk.show_html(f"<h3>{cid}: {html.escape(str(row['verdict']))}</h3><blockquote>“{html.escape(CLAIMS[cid].quote)}”</blockquote>")
    designs, why = power_sim.claim_designs(tables, cid, seed=seed, n_boot=n_boot)
    if not designs:
        closed = row["mde"] if np.isfinite(row["mde"]) else None
        text = f"Power curves not computed: {why}."
        if closed is not None:
            text += f" Closed-form MDE from the claim's analysis: {closed:.3g} ({power_plots.mde_unit(row['unit'])})."
        nbk.show_html(f"<p><em>{html.escape(text)}</em></p>")
        summary.append({"claim": cid, "verdict": row["verdict"], "subjects (n)": int(row["n_subjects"]),
                        "n needed (simulated)": "not computed", "MDE": row["mde"],
                        "MDE unit": power_plots.mde_unit(row["unit"]), "how": power_plots.short_reason(why)})
        details[cid] = ("not simulated", [why])
        continue
    rng = np.random.default_rng([seed, int(cid[1:])])
    curves = power_sim.power_curves(designs, grid, reps, rng)
    needed = power_sim.n_needed_from_curves(curves)
    fig = power_plots.power_curve_figure(curves, cid, needed, int(row["n_subjects"]) or None)
    plt.show()
    plt.close(fig)
    summary.append({"claim": cid, "verdict": row["verdict"], "subjects (n)": int(row["n_subjects"]),
                    "n needed (simulated)": str(needed) if needed else f"> {max(grid)}", "MDE": row["mde"],
                    "MDE unit": power_plots.mde_unit(row["unit"]),
                    "how": power_plots.short_reason("", len(designs))})
    details[cid] = (f"simulated from {len(designs)} part(s)", power_plots.design_details(designs))

# %% [markdown]
# ## 2 · Summary: sample size for a conclusive study
# `n needed (simulated)` is read off the curves above (total subjects; two-group claims split them
# equally). "not computed" means the claim could not be simulated here; `how` says why in a few words
# (missing data, or a claim whose power is computed in closed form by its own analysis, e.g. injury rates)
# and the collapsed notes below give the details: the between-subject SD each simulation used and the
# effect assumed true. The MDE (minimum detectable effect at this study's size) is in the claim's unit.

# %%
summary = pd.DataFrame(summary)
nbk.show_html(report_tables.html_table(summary, wrap_em=18))
nbk.show_html(power_plots.power_details_html(details))

# %%
assert len(summary) == len(CLAIMS)
assert set(claims["verdict"]) <= set(VERDICTS)
assert summary["n needed (simulated)"].map(lambda v: v == "not computed" or v.startswith(">") or v.isdigit()).all()
