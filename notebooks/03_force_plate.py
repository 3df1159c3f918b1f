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
# # 03 · Force plate: jumps, squats and the article's force claims (C6, C7)
#
# A force plate measures the **vertical ground-reaction force** (GRF, newtons) the body pushes into the
# floor. By Newton's second law the force above body weight accelerates the centre of mass, so one
# signal gives jump height, power, rate of force development and how the force is spread over a movement.
# This report shows (1) one trial's force–time curve with its phases, (2) how each trial was weighed,
# (3) the metrics by ankle load and load phase, and (4) the verdicts of claims C6 and C7.

# %% tags=["parameters"]
study_dir: str = ""  # study folder; empty: $ANKLELAB_STUDY or the embedded demo study
reports_dir: str = ""  # where tables/figures are written; empty: $ANKLELAB_REPORTS_DIR, else a temporary folder
takeoff_threshold_n: float = 20.0  # take-off / landing threshold for the example trial (N; Gidiel-Machado et al. 2025)
onset_sd: float = 5.0  # movement onset: body weight -/+ this many SD of quiet standing (Owen et al. 2014)
example_trial: str = ""  # trial_id to draw; empty: first jump (cmj, sj, dj) else first force-plate trial
seed: int = 0  # seed for the claim analyses (bootstrap / simulation)
spm_alpha: float = 0.05  # α of every whole-curve (SPM) test (Pataky 2012; spm1d's examples)
spm_nonparametric: bool = False  # SPM by permutation (spm1d nonparam) for small samples or non-normal curves
spm_iterations: int = 1000  # permutations when spm_nonparametric (all when fewer exist; Nichols & Holmes 2002)

# %%
from analysis import notebook as nbk
from analysis.sections import forceplate as sections

ctx = nbk.setup(study_dir, reports_dir)
data = sections.prepare(ctx, takeoff_threshold_n=takeoff_threshold_n, onset_sd=onset_sd)
data.intro

# %% [markdown]
# ## 1 · One trial, phase by phase
#
# McMahon et al. (2018) split a countermovement jump into phases that each answer a different question:
# **weighing** (quiet standing: body weight, and the noise that sets the onset threshold), **unweighting**
# (force drops below body weight; the centre of mass accelerates down), **braking** (force rises and stops
# the descent), **propulsion** (the centre of mass moves up until take-off), **flight** (force ≈ 0 N;
# its duration gives jump height h = g·t²/8) and **landing**. Jump height is computed two ways: from flight
# time, and from the take-off velocity by impulse–momentum (v = ∫(F − BW)/m dt, h = v²/2g). Agreement of
# the two is a check that body weight and the events are right: a trial whose two heights differ by more than
# 3 cm is warned about. Body weight comes from the quiet stance **just before the movement** (not the first
# quiet second of the file), and movement onset is searched backwards from the jump, so a long recording with
# the jump at its end is weighed and timed on the right stance. Squats are split into an eccentric
# (lowering) and a concentric (rising) phase, with the **mid-range** window of claim C6 marked.

# %%
example = sections.example_trial(data, example_trial)
example

# %% [markdown]
# ## 2 · How every trial was weighed
#
# Every integrated metric divides by body mass, so a body weight a few percent off turns a 10 cm jump into
# a 50 cm one. The analysis therefore **refuses to weigh** a trial without a quiet second (or half second)
# of standing and then uses the body mass from `subjects.csv` instead; those trials are marked
# `bw=supplied`. The summary counts every trial; below it are listed only the trials a reader should
# check: those weighed from `subjects.csv` and those that could not be analysed at all.

# %%
weighing = sections.weighing(data, ctx.reports_dir)
weighing

# %% [markdown]
# ## 3 · Metrics by load and load phase
#
# Loads are per ankle and grouped by the design's **nominal level**: a load prescribed as 6 %BW is a
# different number of kg for every subject, and a load prescribed as 5 lb a different %BW, so grouping by
# the exact kg would leave one trial per row. The table gives each level's kg and lb range; `load phase`
# says where in the range of motion the weight acted (`unloaded` = no weight). Each cell is mean ± SD over
# trials. RFD 0–100 ms (the force rise over the first 100 ms after force-rise onset, Maffiuletti et al.
# 2016) is reported **only for squat jumps**, which start from a static hold (claim C7 is about this early,
# neural part of force development); a countermovement jump starts by *unweighting*, so its first 100 ms are
# a force drop and an "RFD" there would be negative by construction. For jumps the report shows instead the
# **braking RFD** (start of braking → peak braking force) and **propulsive RFD** (start of propulsion → peak
# propulsive force), and **peak and mean propulsive power** (force × centre-of-mass velocity over the
# propulsive phase, velocity from impulse–momentum; W and W/kg), **take-off velocity**, **RSI-modified**
# (jump height / time to take-off) and **time to take-off**. The table under the figures defines each metric
# once, with its source. In the figures dots are trials and the bars mean ± SD.

# %%
metrics = sections.metrics_by_load(data, ctx.reports_dir)
metrics

# %% [markdown]
# ## 4 · What “ground-reaction force transfer” means here
#
# Claim C6 says ankle weights placed at mid-range shift “ground-reaction force transfer” without raising
# joint load, but the article **never defines the phrase**. A claim without a measurable definition cannot be
# tested, so the suite fixes one *before* looking at any data (`analysis.forceplate.analyse_squat`):
#
# * **GRF transfer = mid-range mean force** (`mid_range_mean_force_bw`): the mean vertical GRF, in multiples
#   of body weight, over the samples of the **concentric** (rising) phase whose position lies between
#   **25 % and 75 % of that phase's range of motion**. Position is the knee flexion angle when the trial has
#   one, otherwise the centre-of-mass displacement from double integration of (F − BW)/m.
# * **Joint load = knee joint-force proxy** (`mid_range_knee_joint_force_proxy_bw`): a quasi-static estimate
#   of tibiofemoral compression (axial GRF plus quadriceps force from a shank-length lever and a 4.5 cm
#   patellar-tendon moment arm), in BW. It is a proxy for comparing conditions of the same movement, **not**
#   inverse dynamics.
#
# The verdict compares mid-range with full-range loading at the same 4–6 lb load: the claim's 27 % is judged
# against a pre-declared tolerance of 20–35 %, and the joint-force part is a non-inferiority test (not more
# than 5 % higher).

# %% [markdown]
# ## 5 · Verdicts for C6 and C7
#
# A verdict comes from the **95 % confidence interval**, not from a p-value: *supported* when the whole
# interval lies inside the claimed range (or beyond the smallest effect that matters, in the claimed
# direction), *contradicted* when it lies entirely outside, *inconclusive* when it straddles the boundary,
# and *not testable* when the study lacks the data (the missing data are named).

# %%
verdicts = sections.verdicts(data, ctx.reports_dir, seed=seed)
verdicts

# %%
from analysis.claims import VERDICTS

claims = verdicts["claims"]
assert set(claims["verdict"]) <= set(VERDICTS), claims["verdict"].tolist()
assert list(claims["claim_id"]) == ["C6", "C7"]
if data.force is not None:
    assert not metrics["summary"].empty and not weighing["weighing"].empty
    assert weighing["weighing"]["body_weight_n"].gt(0).all()
else:
    assert (claims["verdict"] == "not testable").all()

# %% [markdown]
# ## 6 · Where in the movement: vertical force by load (SPM)
#
# The metrics above summarise each trial by a few numbers. **Statistical parametric mapping** (SPM; Pataky
# 2012, the spm1d package) tests the whole vertical-force curve, time-normalised to 0–100 % (a jump from
# movement onset to take-off, a squat over the whole trial), in multiples of body weight: the test statistic is
# computed at every point, with a critical threshold (t\* or F\*) that a smooth random curve crosses anywhere
# with probability α (random field theory; or, with `spm_nonparametric`, a permutation test). Where it is
# crossed is a **cluster**: the part of the movement where the load changes the force, with its p value.
# Designs per exercise on subject-mean curves: paired loaded (full range) vs unloaded, regression on load
# (%BW, subject slopes) and a repeated-measures ANOVA across load levels where there are at least 3.

# %%
from analysis.sections import curves as curve_sections

spm_options = curve_sections.SpmOptions(
    alpha=spm_alpha, nonparametric=spm_nonparametric, iterations=spm_iterations, seed=seed
)
curves = curve_sections.study_curves(ctx)
force_where = curve_sections.force_where_in_movement(curves, options=spm_options, out_dir=ctx.reports_dir)
force_where

# %% [markdown]
# ### Beside the verdict of C6: where the force differs
#
# C6's verdict (section 5) stays the verdict. Here the squat's whole force curve under mid-range loading is
# compared with full-range loading at the claim's 4–6 lb (paired SPM{t}).

# %%
c6_where = curve_sections.c6_where_in_movement(curves, options=spm_options)
c6_where

# %% [markdown]
# ## 7 · Effect sizes
#
# Beside every comparison of section 3: loaded (full range) vs unloaded per exercise and metric, and
# mid-range vs full-range loading at 4–6 lb (C6's comparison), as the percent change and the paired
# standardised effect sizes Cohen's d_z and d_av, each with its 95 % interval, from subject means. Claim C7
# compares independent groups (trained with ankle weights vs control, pre to post): Hedges' g instead.

# %%
from analysis.plots.forceplate import C6_C7_METRICS
from analysis.sections import effect_sizes as effect_sections

force_effects = effect_sections.force_load_effects(data.force, metrics=list(C6_C7_METRICS), out_dir=ctx.reports_dir)
force_effects

# %% [markdown]
# ## 8 · Reliability of the jump metrics
#
# Before a change between conditions can be read, the metric must be repeatable: how much does it vary
# between two trials of the same person under the same condition? For every jump metric with repeated
# trials (same subject, exercise, load and session): the intraclass correlation (relative reliability: can the
# metric rank people?) and the typical error, CV %, SEM, the smallest change beyond measurement error between
# two trials (MDC95) and the smallest worthwhile change (absolute reliability, in the metric's unit).
# Between sessions (test–retest) only the control group counts: the trained groups changed on purpose.

# %%
from analysis.sections import reliability as reliability_sections

force_reliability = reliability_sections.force_reliability(data.force, out_dir=ctx.reports_dir)
force_reliability

# %%
for section in (force_where, c6_where):
    assert set(section["skipped"].columns) == {"design", "exercise", "channel", "reason"}
    assert section["clusters"].empty or section["clusters"]["alpha"].eq(spm_alpha).all()
table = force_reliability.tables.get("reliability")
if table is not None and len(table) and "icc_3_1" in table:
    done = table.dropna(subset=["icc_3_1"])
    assert ((done["icc_3_1_ci_low"] <= done["icc_3_1"]) & (done["icc_3_1"] <= done["icc_3_1_ci_high"])).all()
