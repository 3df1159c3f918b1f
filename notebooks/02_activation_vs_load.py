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
# # 02 · Muscle activation against ankle load (claims C1, C4, C5)
#
# Surface EMG measures how strongly a muscle is driven. Raw EMG amplitude (mV) depends on electrode
# placement, skin and fat, so it cannot be compared between people or sessions. Each muscle's envelope
# is therefore divided by the same muscle's **maximal voluntary contraction (MVC)**, recorded in a
# separate standardised isometric trial: the result is **%MVC**. A separate MVC trial matters: dividing by
# the largest value *within the condition being compared* would erase exactly the load effect we want
# to see.
#
# Loads are shown per ankle in **lb** (the article's unit) and in **% body weight** (%BW), because the same
# 4 lb is 3 %BW for a 60 kg athlete and 2 %BW for a 90 kg one.

# %% tags=["parameters"]
study_dir: str = ""  # study folder; empty: $ANKLELAB_STUDY or the embedded demo study
reports_dir: str = ""  # where tables/figures are written; empty: $ANKLELAB_REPORTS_DIR, else a temporary folder
muscles: str = "gluteus_maximus,gastrocnemius_medialis"  # comma-separated muscles to plot (C1's two muscles)
exercises: str = "squat,split_squat,step_up"  # comma-separated exercises (C1's compound movements)
envelope_trials_per_load: int = 1  # example trials per load level in the envelope figure
seed: int = 0  # seed for the claims' bootstraps and simulations
spm_alpha: float = 0.05  # α of every whole-curve (SPM) test (Pataky 2012; spm1d's examples)
spm_nonparametric: bool = False  # SPM by permutation (spm1d nonparam) for small samples or non-normal curves
spm_iterations: int = 1000  # permutations when spm_nonparametric (all when fewer exist; Nichols & Holmes 2002)

# %%
from analysis import notebook as nbk
from analysis.notebook import feature_tables_quietly

ctx = nbk.setup(study_dir, reports_dir)
features = feature_tables_quietly(ctx)
tables = nbk.claim_tables(ctx, features)

# %%
import matplotlib.pyplot as plt
import pandas as pd

from analysis.claims import CLAIMS, VERDICTS, emg_amplitude_rows
from analysis.plots import claims as claim_plots
from analysis.models import load_effects
from analysis.plots import emg_load
from analysis.plots import tables as report_tables

muscle_list = [m.strip() for m in muscles.split(",") if m.strip()]
exercise_list = [e.strip() for e in exercises.split(",") if e.strip()]
emg = tables.emg
if emg is None:
    nbk.show_html("<p style='color:#b00'><b>No EMG features in this study</b>: the activation figures and the "
                  "EMG claims (C1, C5) are not testable. The verdict rows below say what is missing.</p>")
else:
    present = sorted(set(emg["muscle"]) & set(muscle_list))
    absent = sorted(set(muscle_list) - set(present))
    if absent:
        nbk.show_html(f"<p>Muscles not recorded in this study, skipped: {', '.join(absent)}</p>")
    muscle_list = present

# %% [markdown]
# ## 1 · Each subject's activation against load, and the population effect
# Grey lines are individual subjects (mean %MVC per load, repetitions averaged). The blue curve is a
# **mixed model** fitted to log %MVC: each subject gets their own baseline (random intercept) *and* their
# own response to load (random slope); the blue curve is the average response, and the band its 95 %
# interval. Modelling the log means the effect is a **% change per 4 lb** (or per 5 %BW), the way the
# article states it. Only unloaded and full-range-loaded trials are used here, so the load acts the same way
# throughout the movement.
#
# Each trial is summarised over the **movement** (from the start of the lowering to the end of the
# lifting, rest excluded), the same rows claim C1 uses: the standing rest before and after a repetition
# does not scale with load and would dilute the effect. A trial without movement events falls back to its
# eccentric + concentric windows, then to the whole record (the note below says how many trials used which).

# %%
fits = pd.DataFrame()
if emg is not None and muscle_list:
    amplitude_rows, amplitude_note = emg_amplitude_rows(emg)
    nbk.show_html(f"<p style='font-size:.9em;color:#555'>{amplitude_note}.</p>")
    fits = pd.concat([load_effects.fit_load_effects(amplitude_rows, muscle_list, exercise_list, x)
                      for x in load_effects.LOAD_AXES], ignore_index=True)
    for x in load_effects.LOAD_AXES:
        means = load_effects.subject_load_means(amplitude_rows, muscle_list, exercise_list, x)
        if len(means):
            fig = emg_load.activation_load_figure(means, fits, muscle_list, x)
            plt.show()
            plt.close(fig)

# %% [markdown]
# ## 2 · Eccentric and concentric phases
# Does the extra load change the lowering (eccentric) and the lifting (concentric) phase alike? The same
# model is fitted to each phase's rows (load in lb); the movement effect from above is shown for reference.
# Overlapping intervals mean the data cannot tell the phases apart.

# %%
if emg is not None and muscle_list and emg["phase"].isin(["eccentric", "concentric"]).any():
    phase_rows = emg[emg["phase"].isin(["eccentric", "concentric"])]
    phase_fits = load_effects.fit_load_effects(phase_rows, muscle_list, exercise_list, "load_lb")
    fits = pd.concat([fits, phase_fits], ignore_index=True)
    if phase_fits["effect_pct"].notna().any():
        fig = emg_load.phase_effects_figure(fits, muscle_list, "load_lb")
        plt.show()
        plt.close(fig)
    else:
        nbk.show_html("<p>No eccentric/concentric fits (too few subjects or load levels per phase).</p>")
else:
    nbk.show_html("<p>No eccentric/concentric phase rows in this study (the EMG files carry no phase "
                  "events), so the phases cannot be compared.</p>")

# %% [markdown]
# ## 3 · Mixed-model table
# One model per muscle × exercise × phase: `log %MVC ~ load`, random intercept and load slope per subject,
# REML, t interval with (subjects − 1) degrees of freedom (few subjects: a normal interval would be too
# narrow). The effect is the % change in mean EMG per 4 lb (and per 5 %BW) per ankle. `model` says whether
# the full random-effects structure converged or a simpler one was used (why: in the collapsed list).

# %%
if len(fits):
    nbk.show_html(report_tables.html_table(emg_load.load_effects_table(fits), wrap_em=18))
    nbk.show_html(emg_load.fit_notes_html(fits))
else:
    nbk.show_html("<p>No population fits (no EMG for the chosen muscles and exercises).</p>")

# %% [markdown]
# ## 4 · Envelopes over the movement by load
# The tables above summarise each trial by one number (mean %MVC): the average rectified value of the band-passed
# EMG over the movement windows, divided by the MVC reference. Not the mean of the envelope: the 6 Hz low-pass
# smears each burst about 0.1 s past its window, so a short repetition's envelope mean reads low (a 0.8 s rep by
# about 0.8 %, a 2 s rep by 0.3 %), which would bias any fast-versus-slow comparison such as C5. The envelope shows
# *when* in the movement the extra activation appears. Feature extraction keeps each trial's envelope from the same EMG
# chain (DC removal, zero-phase 20–450 Hz band-pass so filtering does not shift activity in time,
# full-wave rectification, 6 Hz low-pass), scaled by the same MVC reference, cut into its movement cycles
# (repetitions), each resampled to 0–100 % of the cycle so cycles of different duration can be averaged,
# and averaged per trial (the curves table). A few example trials per load level are drawn; a trial without
# movement events has no curve, and the warnings summary above says which.

# %%
envelopes = pd.DataFrame()
curves = features.curves
if emg is not None and muscle_list and len(curves):
    for exercise in [e for e in exercise_list if (curves["exercise"] == e).any()][:1]:
        ids = emg_load.select_envelope_trials(curves, exercise, envelope_trials_per_load)
        envelopes = emg_load.envelope_curves(curves, ids, muscle_list)
        if len(envelopes):
            nbk.show_html(f"<p>Exercise: <b>{exercise}</b></p>")
            fig = emg_load.envelope_figure(envelopes)
            plt.show()
            plt.close(fig)

# %% [markdown]
# ## 5 · Verdicts for C1, C4 and C5
# The claims, quoted exactly:

# %%
for cid in ("C1", "C4", "C5"):
    nbk.show_html(f"<p><b>{cid}</b>: “{CLAIMS[cid].quote}”</p>")
verdicts = nbk.claims(ctx, tables, only=["C1", "C4", "C5"], seed=seed, power=False)  # the run's shared claims table
nbk.show_html(report_tables.html_table(claim_plots.claims_display_table(verdicts, notes=False), wrap_em=16))
nbk.show_html(report_tables.html_table(report_tables.claim_parts_table(verdicts), wrap_em=22))
nbk.show_html(report_tables.claim_notes_html(verdicts))
fig = claim_plots.forest_figure(verdicts)
plt.show()
plt.close(fig)

# %% [markdown]
# C1's verdict uses one model per muscle over all compound exercises (load in lb, up to 6 lb, phase and
# exercise as fixed effects), so it can differ from the per-exercise curves above, which are descriptive.
# C4 tests its claimed consequences (eccentric utilisation ratio of jumps, joint-position sense), C5 the
# acute EMG response under a sustained low-load versus a brief high-load protocol: see the notes column.

# %%
assert set(verdicts["verdict"]) <= set(VERDICTS)
assert list(verdicts["claim_id"]) == ["C1", "C4", "C5"]
if emg is not None and muscle_list:
    assert len(fits) > 0

# %% [markdown]
# ## 6 · Where in the movement: whole-curve statistics (SPM)
#
# The verdicts above judge one number per trial (mean %MVC over the movement). **Statistical parametric
# mapping** (SPM; Pataky 2012, the spm1d package) tests the whole 0–100 % envelope instead: the test
# statistic is computed at every point of the cycle, and the critical threshold (t\* or F\*) is set so that
# the chance of *any* point of a smooth random curve crossing it is α (random field theory; or, with
# `spm_nonparametric`, a permutation test). Where the statistic crosses the threshold is a **supra-threshold
# cluster**: the part of the movement where load changes activation, with its own p value. Three designs per
# muscle, each on subject-mean curves (a subject's trials averaged first):
#
# * **paired SPM{t}**, full-range loaded vs unloaded (the loaded levels averaged per subject);
# * **SPM{t} regression on load (%BW)**: each subject's slope curve, tested against zero;
# * **one-way repeated-measures SPM{F}** across the nominal load levels, where there are at least 3.
#
# In the figures the upper panel is mean ± SD per condition, the lower the SPM statistic with its threshold
# (red dashes) and the clusters shaded. A design that cannot run on this study is listed with the reason.

# %%
from analysis.sections import curves as curve_sections

spm_options = curve_sections.SpmOptions(
    alpha=spm_alpha, nonparametric=spm_nonparametric, iterations=spm_iterations, seed=seed
)
where = curve_sections.emg_where_in_movement(
    features.curves, exercises=exercise_list, figure_muscles=muscle_list, options=spm_options,
    out_dir=ctx.reports_dir,
)
where

# %% [markdown]
# ### Beside the verdicts of C1 and C5: where the effect lies
#
# The scalar verdicts of section 5 stay the verdicts. These notes say *where* in the movement the curves
# differ: for C1 from the paired loaded-vs-unloaded SPM of C1's muscles; for C5 from a paired SPM of the brief
# high-load against the sustained low-load protocol (the claim's own definitions of the two protocols).

# %%
c1_where = curve_sections.c1_where(where["tests"], muscles=muscle_list, exercises=exercise_list)
c1_where

# %%
c5_where = curve_sections.c5_where_in_movement(features.curves, emg, options=spm_options)
c5_where

# %% [markdown]
# ## 7 · Effect sizes: loaded vs unloaded, per exercise and muscle
#
# How large is the difference the sections above describe? For each exercise and muscle: the percent change
# in mean %MVC over the movement from unloaded to full-range loaded, and the standardised paired effect sizes
# Cohen's d_z and d_av, each with its 95 % interval, from subject means (the same movement rows as C1).

# %%
from analysis.sections import effect_sizes as effect_sections

effects = effect_sections.emg_load_effects(emg, exercises=exercise_list, out_dir=ctx.reports_dir)
effects

# %%
for section in (where, c5_where):
    assert set(section["skipped"].columns) == {"design", "exercise", "channel", "reason"}
    assert section["clusters"].empty or section["clusters"]["alpha"].eq(spm_alpha).all()
if emg is not None and len(effects.tables.get("effects", [])):
    done = effects["effects"].dropna(subset=["d_z"])
    assert ((done["d_z_ci_low"] <= done["d_z"]) & (done["d_z"] <= done["d_z_ci_high"])).all()
