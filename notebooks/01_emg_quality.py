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
# # 01 · EMG quality: from raw signal to envelope, flags, MVC references and exclusions
#
# Surface EMG is a noisy, microvolt-to-millivolt signal. Before any claim about “muscle activation” can be
# judged, each channel must be shown to contain muscle activity and not movement artefact, mains hum or a
# clipped amplifier. This report shows (1) example trials channel by channel, raw → filtered → envelope,
# (2) the automatic quality flags of every trial, (3) the MVC references used to express EMG in %MVC, and
# (4) what was excluded and why.

# %% tags=["parameters"]
study_dir: str = ""  # study folder; empty: $ANKLELAB_STUDY or the embedded demo study
reports_dir: str = ""  # where tables/figures are written; empty: $ANKLELAB_REPORTS_DIR, else a temporary folder
example_trials: str = ""  # trial_ids to draw, separated by commas; empty: the first EMG trial of each exercise
bandpass_low_hz: float = 20.0  # band-pass low cut-off for the views (Hz; De Luca et al. 2010)
bandpass_high_hz: float = 450.0  # band-pass high cut-off for the views (Hz; De Luca et al. 2010)
envelope_lowpass_hz: float = 6.0  # linear-envelope low-pass for the views (Hz; Winter 2009)
notch_hz: float = 0.0  # mains notch for the views (Hz; 0 turns it off, De Luca 2010 advises against)
max_examples: int = 4  # at most this many example trials are drawn (keeps the report short)

# %%
from analysis import notebook as nbk

ctx = nbk.setup(study_dir, reports_dir)
features = nbk.feature_tables_quietly(ctx)
tables = nbk.claim_tables(ctx, features)

# %%
import html

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis import emg
from analysis.io import save_table
from analysis.plots import emg as eplots
from analysis.plots import tables as report_tables

study = ctx.study
emg_table = tables.emg
emg_trials = study.trials[study.trials["kind"].isin(["emg", "combined"])]
view_settings = emg.EMGSettings.from_dict({**study.processing.get("emg", {}),
                                           "bandpass_hz": (bandpass_low_hz, bandpass_high_hz),
                                           "envelope_lowpass_hz": envelope_lowpass_hz,
                                           "notch_hz": notch_hz or None})
if emg_table is None:
    nbk.show_html("<p><b>No EMG features in this study</b> (no EMG trials, or none could be processed): the "
                  "EMG sections below say so; the EMG claims (C1, C5) are “not testable”.</p>")

# %% [markdown]
# ## 1 · Example trials: raw, filtered, envelope
#
# * **DC removal and a zero-phase band-pass (20–450 Hz, 4th-order Butterworth run forwards and backwards).**
#   Below ~20 Hz surface EMG is dominated by movement artefact and cable motion; above ~450 Hz there is
#   little muscle power left (De Luca et al. 2010). Running the filter twice in opposite directions cancels
#   its phase delay, so bursts are not shifted in time relative to the force plate or joint angle.
# * **No mains notch by default.** A 50/60 Hz notch also removes real EMG power in the middle of its band;
#   the `powerline` flag tells you when a channel actually carries hum.
# * **Full-wave rectification and a 6 Hz low-pass** give the *linear envelope*: the smooth activation
#   profile that is averaged and normalised later (Winter 2009).
#
# The views below use this notebook's filter parameters; the feature tables use the study's
# `processing: emg` settings (see the settings record in each feature row).

# %%
def _example_ids() -> list[str]:
    if example_trials.strip():
        return [t.strip() for t in example_trials.split(",") if t.strip()]
    dynamic = emg_trials[~emg_trials["is_mvc"].astype(bool)]
    if emg_table is not None:
        dynamic = dynamic[dynamic["trial_id"].isin(set(emg_table["trial_id"]))]
    return dynamic.drop_duplicates("exercise")["trial_id"].tolist()[:max_examples]


channel_map = dict(study.channel_map)
for trial_id in _example_ids():
    row = study.trial(trial_id)
    recording = study.trial_recording(trial_id)
    result = emg.process(recording, view_settings)
    raw_v = np.column_stack([recording.channel(c) for c in result.channel_names])
    scale = np.array([{"V": 1.0, "mV": 1e-3, "uV": 1e-6}.get(recording.units[recording.channel_index(c)], 1.0)
                      for c in result.channel_names])
    raw_v = (raw_v - raw_v.mean(axis=0)) * scale
    keep = [i for i, c in enumerate(result.channel_names) if c in channel_map] or list(range(len(result.channel_names)))
    names = [result.channel_names[i] for i in keep]
    fig = eplots.emg_channels_figure(
        result.time_s, raw_v[:, keep], None if result.filtered is None else result.filtered[:, keep],
        result.envelope[:, keep], names, labels=[channel_map.get(c, c) for c in names], flags=result.quality_flags,
        title=f"{trial_id}: {row['exercise']}, {row['load_kg']:.2f} kg ({row['load_lb']:.1f} lb) per ankle, "
              f"{row['load_phase']}")
    plt.show()
    plt.close(fig)
if not _example_ids():
    nbk.show_html("<p>No EMG trial to draw.</p>")

# %% [markdown]
# ## 2 · Quality flags
#
# `analysis.emg.quality_flags` checks every channel of every trial: **clipping** (the amplifier saturated:
# many samples sit at the channel's extreme), **flat** (below 1 µV peak-to-peak: electrode off or channel
# dead), **powerline** (a 50/60 Hz peak 10 dB above its neighbourhood), **low_snr** (the envelope's 95th
# percentile is less than 6 dB above its 5th: no visible activation). `no_mvc_reference` means the muscle
# had no MVC trial in that session, so its %MVC values are empty. Only flagged records are listed (all
# records, flagged or not, are in `emg_quality_flags.csv`).

# %%
flag_table = eplots.quality_flag_table(emg_table)
if flag_table.empty:
    nbk.show_html("<p>No EMG feature rows: nothing to flag.</p>")
else:
    n_flagged = int((flag_table["n_flags"] > 0).sum())
    nbk.show_html(f"<p><b>{n_flagged}</b> of {len(flag_table)} trial × muscle records carry at least one flag.</p>")
    flagged_rows = flag_table[flag_table["n_flags"] > 0]
    if len(flagged_rows):
        nbk.show_html(report_tables.html_table(flagged_rows, max_rows=30))
    save_table(flag_table, ctx.reports_dir / "emg_quality_flags.csv")
    fig = eplots.flag_counts_figure(emg_table)
    plt.show()
    plt.close(fig)

# %% [markdown]
# ## 3 · MVC references (mV)
#
# Raw EMG amplitude depends on skin, fat and electrode placement as much as on effort, so amplitudes are
# only comparable after dividing by a **reference contraction of the same muscle on the same day**: the
# maximal voluntary contraction (MVC), taken as the peak 500 ms moving average of the envelope (Besomi et al.
# 2020, CEDE). It must come from **separate MVC trials**, never from the maximum of the conditions being
# compared: a per-condition maximum would make every condition reach 100 % and erase exactly the load
# effect under study.

# %%
mvc_table = eplots.mvc_reference_table(features.mvc)
if mvc_table.empty:
    protocol = (study.config.get("mvc") or {}).get("protocol", "") if isinstance(study.config.get("mvc"), dict) else ""
    nbk.show_html("<p><b>No MVC references</b>: this study has no MVC trials"
                  + (f" (study.yaml: <i>{html.escape(str(protocol))}</i>)" if protocol else "")
                  + ". EMG is reported in mV only and every claim stated in %MVC is “not testable”.</p>")
else:
    display(mvc_table.pivot_table(index=["subject_id", "session"], columns="muscle", values="mvc_reference_mv")
            .round(3))
    save_table(mvc_table, ctx.reports_dir / "emg_mvc_references.csv")
    fig = eplots.mvc_reference_figure(features.mvc)
    plt.show()
    plt.close(fig)

# %% [markdown]
# ## 4 · What was excluded, and why
#
# A trial that cannot be processed is never dropped silently: it is listed with the stage and error. Flagged
# channels are kept in the tables (the flag travels with every row) so that each analysis can decide and
# report what it excludes.

# %%
emg_failures = features.failures[features.failures["trial_id"].isin(emg_trials["trial_id"])]
if len(emg_failures):
    nbk.show_html("<p style='color:#b00'><b>EMG trials that could not be processed:</b></p>"
                  + report_tables.html_table(emg_failures[["subject_id", "trial_id", "stage", "error"]], wrap_em=45))
else:
    nbk.show_html("<p>No EMG trial failed to process.</p>")
flagged = flag_table[flag_table["n_flags"] > 0] if not flag_table.empty else flag_table
if len(flagged):
    nbk.show_html("<p><b>Flagged channels</b> (trial × muscle, with flags):</p>")
    display(flagged.groupby(["muscle", "quality_flags"]).size().rename("n_records").reset_index())

# %%
from analysis.claims import VERDICTS  # noqa: E402

if emg_table is not None:
    assert not flag_table.empty
    assert {"muscle", "quality_flags", "mean_envelope_mv"} <= set(emg_table.columns)
    assert (emg_table["mean_envelope_mv"].dropna() >= 0).all()
if not mvc_table.empty:
    assert (mvc_table["mvc_reference_mv"] > 0).all()
assert "not testable" in VERDICTS

# %% [markdown]
# ## 5 · Reliability of the EMG amplitudes
#
# An amplitude that changes a lot between two trials of the same person under the same condition cannot show
# a small load effect. For each muscle's mean and peak %MVC over the movement, with repeated trials (same
# subject, exercise, load and session): the intraclass correlation (relative reliability) and the typical
# error, CV %, SEM, the smallest change beyond measurement error between two trials (MDC95) and the smallest
# worthwhile change (absolute reliability, in %MVC). A study with one trial per condition says so.

# %%
from analysis.sections import reliability as reliability_sections

emg_reliability = reliability_sections.emg_reliability(emg_table, out_dir=ctx.reports_dir)
emg_reliability

# %%
table = emg_reliability.tables.get("reliability")
if table is not None and len(table) and "icc_3_1" in table:
    done = table.dropna(subset=["icc_3_1"])
    assert ((done["icc_3_1_ci_low"] <= done["icc_3_1"]) & (done["icc_3_1"] <= done["icc_3_1_ci_high"])).all()
