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
reports_dir: str = ""  # where tables/figures are written; empty: $ANKLELAB_REPORTS_DIR or reports/
takeoff_threshold_n: float = 20.0  # take-off / landing threshold for the example trial (N; Gidiel-Machado et al. 2025)
onset_sd: float = 5.0  # movement onset: body weight -/+ this many SD of quiet standing (Owen et al. 2014)
example_trial: str = ""  # trial_id to draw; empty: first jump (cmj, sj, dj) else first force-plate trial
seed: int = 0  # seed for the claim analyses (bootstrap / simulation)

# %%
from analysis import notebook as nbk
from analysis.plots.tables import feature_tables_quietly

ctx = nbk.setup(study_dir, reports_dir)
features = feature_tables_quietly(ctx)
tables = nbk.claim_tables(ctx, features)

# %%
import html

import matplotlib.pyplot as plt
import pandas as pd

from analysis import forceplate as fp
from analysis.claims import CLAIMS, VERDICTS, evaluate_claims
from analysis.io import save_table
from analysis.plots import forceplate as fplots
from analysis.plots import tables as report_tables

study = ctx.study
force = tables.force
force_trials = study.trials[study.trials["kind"].isin(["forceplate", "combined"]) & ~study.trials["is_mvc"].astype(bool)]
failures = features.failures[features.failures["trial_id"].isin(force_trials["trial_id"])]
JUMPS = {"cmj": "cmj", "sj": "sj", "dj": "dj", "drop_landing": "dj", "hop": "cmj"}
settings = fp.ForcePlateSettings.from_dict({**study.processing.get("forceplate", {}),
                                            "takeoff_threshold_n": takeoff_threshold_n,
                                            "landing_threshold_n": takeoff_threshold_n, "onset_sd": onset_sd})
if force is None:
    nbk.show_html("<p><b>No force-plate data in this study</b>: every section below says so, and claims C6 "
                  "and C7 are “not testable”.</p>")

# %% [markdown]
# ## 1 · One trial, phase by phase
#
# McMahon et al. (2018) split a countermovement jump into phases that each answer a different question:
# **weighing** (quiet standing: body weight, and the noise that sets the onset threshold), **unweighting**
# (force drops below body weight; the centre of mass accelerates down), **braking** (force rises and stops
# the descent), **propulsion** (the centre of mass moves up until take-off), **flight** (force ≈ 0 N;
# its duration gives jump height h = g·t²/8) and **landing**. Jump height is computed two ways: from flight
# time, and from the take-off velocity by impulse–momentum (v = ∫(F − BW)/m dt, h = v²/2g). Agreement of
# the two is a check that body weight and the events are right. Squats are split into an eccentric
# (lowering) and a concentric (rising) phase, with the **mid-range** window of claim C6 marked.

# %%
def _example_trial_id() -> str | None:
    if example_trial:
        return example_trial
    ids = force_trials["trial_id"].tolist()
    if force is not None:
        ok = set(force["trial_id"])
        ids = [t for t in ids if t in ok]
    jumps = [t for t in ids if study.trial(t)["exercise"] in JUMPS]
    return (jumps or ids or [None])[0]


example_id = _example_trial_id()
example_result = None
if example_id is None:
    nbk.show_html("<p>No force-plate trial to draw.</p>")
else:
    row = study.trial(example_id)
    recording = study.trial_recording(example_id)
    force_n = fp.vertical_force_from_recording(recording, roles=study.roles)
    fs_hz = recording.sampling_rate_hz
    supplied_bw = None
    try:
        fp.weigh(force_n.sum(axis=1) if force_n.ndim == 2 else force_n, fs_hz, settings)
    except Exception as exc:  # documented refusal: no quiet stance -> body mass from subjects.csv
        supplied_bw = float(row["body_mass_kg"]) * fp.G_M_S2
        nbk.show_html(f"<p style='color:#b00'>Trial {html.escape(example_id)}: {html.escape(str(exc))}<br>"
                      f"Using the body mass from subjects.csv instead: {row['body_mass_kg']:.1f} kg × g = "
                      f"{supplied_bw:.0f} N (recorded as <code>bw=supplied</code>).</p>")
    if row["exercise"] in JUMPS:
        example_result = fp.analyse_jump(force_n, fs_hz, JUMPS[row["exercise"]], body_weight_n=supplied_bw,
                                         settings=settings, source=str(row["path"]))
        phases, events = dict(example_result.phases), example_result.events
    else:
        example_result = fp.analyse_squat(force_n, fs_hz, body_weight_n=supplied_bw, settings=settings,
                                          source=str(row["path"]))
        phases, events = {**example_result.phases, "mid_range": example_result.mid_range}, {}
    fig = fplots.force_time_figure(force_n, fs_hz, phases, events, body_weight_n=example_result.body_weight_n,
                                   title=f"{example_id}: {row['exercise']}, {row['load_kg']:.2f} kg "
                                         f"({row['load_lb']:.1f} lb) per ankle, {row['load_phase']}")
    plt.show()
    plt.close(fig)
    shown = ["body_weight_n", "flight_time_s", "jump_height_flight_m", "jump_height_impulse_m", "peak_force_n",
             "peak_force_bw", "rfd_0_100ms_n_per_s", "contact_time_s", "mid_range_mean_force_bw"]
    nbk.show_html(report_tables.html_table(fplots.example_metrics_table(example_result.to_rows(row.to_dict()), shown),
                                           wrap_em=40))

# %% [markdown]
# ## 2 · How every trial was weighed
#
# Every integrated metric divides by body mass, so a body weight a few percent off turns a 10 cm jump into
# a 50 cm one. The analysis therefore **refuses to weigh** a trial without a quiet second (or half second)
# of standing and then uses the body mass from `subjects.csv` instead; those trials are marked
# `bw=supplied`. The summary counts every trial; below it are listed only the trials a reader should
# check: those weighed from `subjects.csv` and those that could not be analysed at all.

# %%
weighing = fplots.weighing_table(force)
if weighing.empty:
    nbk.show_html("<p>No force-plate trials were analysed.</p>")
else:
    n_supplied = int(weighing["supplied"].sum())
    nbk.show_html(f"<p><b>{n_supplied}</b> of {len(weighing)} force-plate trials had no quiet stance and use the "
                  "body mass from subjects.csv (<code>bw=supplied</code>).</p>")
    nbk.show_html(report_tables.html_table(fplots.weighing_summary(weighing, failures)))
    supplied = weighing[weighing["supplied"]]
    if len(supplied):
        nbk.show_html("<p><b>Trials weighed from subjects.csv</b> (no quiet stance found):</p>"
                      + report_tables.html_table(
                          supplied.assign(body_weight_kg=supplied["body_weight_n"] / fp.G_M_S2)
                          [["subject_id", "trial_id", "exercise", "body_weight_n", "body_weight_kg", "method"]]
                          .rename(columns={"body_weight_n": "body weight (N)", "body_weight_kg": "body weight (kg)"}),
                          decimals={"body weight (N)": 0, "body weight (kg)": 1}, max_rows=40))
    save_table(weighing, ctx.reports_dir / "force_weighing.csv")
if len(failures):
    nbk.show_html("<p style='color:#b00'><b>Force-plate trials excluded</b> (could not be analysed):</p>"
                  + report_tables.html_table(failures[["subject_id", "trial_id", "stage", "error"]], wrap_em=45))

# %% [markdown]
# ## 3 · Metrics by load and load phase
#
# Loads are per ankle and grouped by the design's **nominal level**: a load prescribed as 6 %BW is a
# different number of kg for every subject, and a load prescribed as 5 lb a different %BW, so grouping by
# the exact kg would leave one trial per row. The table gives each level's kg and lb range; `load phase`
# says where in the range of motion the weight acted (`unloaded` = no weight). Each cell is mean ± SD over
# trials. RFD 0–100 ms is the force rise in the first 100 ms after movement onset divided by 0.1 s
# (Aagaard 2002), the early, neural part of force development that claim C7 is about. In the figure dots
# are trials and the bars mean ± SD.

# %%
summary = fplots.metric_summary_table(force)
if summary.empty:
    nbk.show_html("<p>No force-plate metrics to summarise.</p>")
else:
    save_table(summary, ctx.reports_dir / "force_metrics_by_load.csv")
    nbk.show_html(report_tables.html_table(fplots.metric_summary_wide(summary), wrap_em=12))
    jump_exercises = sorted(set(force["exercise"]) & set(JUMPS))
    other_exercises = sorted(set(force["exercise"]) - set(JUMPS))
    for names, title in ((jump_exercises, "Jumps (" + ", ".join(jump_exercises) + ")"),
                         (other_exercises, "Squats and other movements (" + ", ".join(other_exercises) + ")")):
        if names:
            fig = fplots.metrics_by_load_figure(force, exercises=names, title=title)
            plt.show()
            plt.close(fig)

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
claims = evaluate_claims(tables, only=["C6", "C7"], seed=seed, power=False)
nbk.show_html(report_tables.claim_verdicts_html(claims, CLAIMS))
nbk.show_html(report_tables.html_table(report_tables.claim_parts_table(claims), wrap_em=22))
nbk.show_html(report_tables.claim_notes_html(claims))
_ = save_table(claims.drop(columns=["parts", "fit_diagnostics"]), ctx.reports_dir / "claims_force_plate.csv")

# %%
assert set(claims["verdict"]) <= set(VERDICTS), claims["verdict"].tolist()
assert list(claims["claim_id"]) == ["C6", "C7"]
if force is not None:
    assert not summary.empty and not weighing.empty
    assert weighing["body_weight_n"].gt(0).all()
if force is None:
    assert (claims["verdict"] == "not testable").all()
