"""Sections of report 03 (force plate: jumps, squats and claims C6, C7)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import AnalysisError
from analysis.sections.section import Section

__all__ = [
    "ForceData",
    "JUMPS",
    "EXAMPLE_METRICS",
    "prepare",
    "example_trial",
    "weighing",
    "metrics_by_load",
    "verdicts",
]

#: Exercise -> jump type analysed by analysis.forceplate.analyse_jump (drop landings as drop jumps, hops as CMJ).
JUMPS = {"cmj": "cmj", "sj": "sj", "dj": "dj", "drop_landing": "dj", "hop": "cmj"}
#: Metrics shown for the example trial.
EXAMPLE_METRICS = (
    "body_weight_n",
    "flight_time_s",
    "jump_height_flight_m",
    "jump_height_impulse_m",
    "peak_force_n",
    "peak_force_bw",
    "rfd_0_100ms_n_per_s",  # squat jumps only (a static start); a CMJ shows braking / propulsive RFD instead
    "braking_rfd_n_per_s",
    "propulsive_rfd_n_per_s",
    "peak_propulsive_power_w_per_kg",
    "takeoff_velocity_m_s",
    "rsi_modified_m_per_s",
    "time_to_takeoff_s",
    "contact_time_s",
    "mid_range_mean_force_bw",
)


@dataclass
class ForceData:
    """What every section of report 03 reads."""

    ctx: Any
    tables: Any  # analysis.claims.ClaimTables
    force: pd.DataFrame | None
    force_trials: pd.DataFrame
    failures: pd.DataFrame
    settings: Any  # analysis.forceplate.ForcePlateSettings
    intro: Section = field(default_factory=Section)


def prepare(ctx: Any, *, takeoff_threshold_n: float, onset_sd: float) -> ForceData:
    """Feature tables (warnings summarised), the force-plate trials and failures, the event settings."""
    from analysis import forceplate as fp
    from analysis import notebook as nbk

    features = nbk.feature_tables_quietly(ctx)
    tables = nbk.claim_tables(ctx, features)
    study = ctx.study
    trials = study.trials
    force_trials = trials[trials["kind"].isin(["forceplate", "combined"]) & ~trials["is_mvc"].astype(bool)]
    failures = features.failures[features.failures["trial_id"].isin(force_trials["trial_id"])]
    settings = fp.ForcePlateSettings.from_dict(
        {
            **study.processing.get("forceplate", {}),
            "takeoff_threshold_n": takeoff_threshold_n,
            "landing_threshold_n": takeoff_threshold_n,
            "onset_sd": onset_sd,
        }
    )
    data = ForceData(ctx, tables, tables.force, force_trials, failures, settings)
    if data.force is None:
        data.intro.html(
            "<p><b>No force-plate data in this study</b>: every section below says so, and claims C6 "
            "and C7 are “not testable”.</p>"
        )
    return data


def _example_trial_id(data: ForceData, example_trial: str) -> str | None:
    if example_trial:
        return example_trial
    ids = data.force_trials["trial_id"].tolist()
    if data.force is not None:
        ok = set(data.force["trial_id"])
        ids = [t for t in ids if t in ok]
    jumps = [t for t in ids if data.ctx.study.trial(t)["exercise"] in JUMPS]
    return (jumps or ids or [None])[0]


def example_trial(data: ForceData, example_trial: str = "") -> Section:
    """One trial's force-time curve with its phases and events, and its metrics."""
    from analysis import forceplate as fp
    from analysis.plots import forceplate as fplots

    section = Section()
    example_id = _example_trial_id(data, example_trial)
    if example_id is None:
        return section.note("No force-plate trial to draw.")
    study = data.ctx.study
    row = study.trial(example_id)
    recording = study.trial_recording(example_id)
    force_n = fp.vertical_force_from_recording(recording, roles=study.roles)
    fs_hz = recording.sampling_rate_hz
    supplied_bw = None
    try:  # a jump weighs the quiet stance just before its movement, a squat its own quiet start
        if row["exercise"] in JUMPS:
            fp.analyse_jump(force_n, fs_hz, JUMPS[row["exercise"]], settings=data.settings, source=str(row["path"]))
        else:
            fp.analyse_squat(force_n, fs_hz, settings=data.settings, source=str(row["path"]))
    except AnalysisError as exc:  # documented refusal: no quiet stance -> body mass from subjects.csv
        supplied_bw = float(row["body_mass_kg"]) * fp.G_M_S2
        section.html(
            f"<p style='color:#b00'>Trial {html.escape(example_id)}: {html.escape(str(exc))}<br>"
            f"Using the body mass from subjects.csv instead: {row['body_mass_kg']:.1f} kg × g = "
            f"{supplied_bw:.0f} N (recorded as <code>bw=supplied</code>).</p>"
        )
    result: Any
    if row["exercise"] in JUMPS:
        result = fp.analyse_jump(
            force_n,
            fs_hz,
            JUMPS[row["exercise"]],
            body_weight_n=supplied_bw,
            settings=data.settings,
            source=str(row["path"]),
        )
        phases, events = dict(result.phases), result.events
    else:
        result = fp.analyse_squat(
            force_n, fs_hz, body_weight_n=supplied_bw, settings=data.settings, source=str(row["path"])
        )
        phases, events = {**result.phases, "mid_range": result.mid_range}, {}
    title = (
        f"{example_id}: {row['exercise']}, {row['load_kg']:.2f} kg ({row['load_lb']:.1f} lb) per ankle, "
        f"{row['load_phase']}"
    )
    section.figure(
        fplots.force_time_figure(force_n, fs_hz, phases, events, body_weight_n=result.body_weight_n, title=title)
    )
    section.table(fplots.example_metrics_table(result.to_rows(row.to_dict()), list(EXAMPLE_METRICS)), wrap_em=40)
    section.values["result"] = result
    return section


def weighing(data: ForceData, out_dir: Path) -> Section:
    """How every trial was weighed: the summary, trials weighed from subjects.csv, trials excluded."""
    from analysis import forceplate as fp
    from analysis.io import save_table
    from analysis.plots import forceplate as fplots

    section = Section()
    table = fplots.weighing_table(data.force)
    section.tables["weighing"] = table
    if table.empty:
        section.note("No force-plate trials were analysed.")
    else:
        n_supplied = int(table["supplied"].sum())
        section.html(
            f"<p><b>{n_supplied}</b> of {len(table)} force-plate trials had no quiet stance and use the "
            "body mass from subjects.csv (<code>bw=supplied</code>).</p>"
        )
        section.table(fplots.weighing_summary(table, data.failures))
        supplied = table[table["supplied"]]
        if len(supplied):
            shown = supplied.assign(body_weight_kg=supplied["body_weight_n"] / fp.G_M_S2)[
                ["subject_id", "trial_id", "exercise", "body_weight_n", "body_weight_kg", "method"]
            ].rename(columns={"body_weight_n": "body weight (N)", "body_weight_kg": "body weight (kg)"})
            section.html("<p><b>Trials weighed from subjects.csv</b> (no quiet stance found):</p>")
            section.table(shown, decimals={"body weight (N)": 0, "body weight (kg)": 1}, max_rows=40)
        save_table(table, Path(out_dir) / "force_weighing.csv")
    if len(data.failures):
        section.html("<p style='color:#b00'><b>Force-plate trials excluded</b> (could not be analysed):</p>")
        section.table(data.failures[["subject_id", "trial_id", "stage", "error"]], wrap_em=45)
    return section


def metrics_by_load(data: ForceData, out_dir: Path) -> Section:
    """Mean ± SD of every metric by load level and load phase, and the figures by exercise group."""
    from analysis.io import save_table
    from analysis.plots import forceplate as fplots

    section = Section()
    summary = fplots.metric_summary_table(data.force, metrics=tuple(fplots.REPORT_METRICS))
    section.tables["summary"] = summary
    if summary.empty or data.force is None:
        return section.note("No force-plate metrics to summarise.")
    save_table(summary, Path(out_dir) / "force_metrics_by_load.csv")
    section.table(fplots.metric_summary_wide(summary), wrap_em=12)
    jump_exercises = sorted(set(data.force["exercise"]) & set(JUMPS))
    other_exercises = sorted(set(data.force["exercise"]) - set(JUMPS))
    for names, title in (
        (jump_exercises, "Jumps (" + ", ".join(jump_exercises) + ")"),
        (other_exercises, "Squats and other movements (" + ", ".join(other_exercises) + ")"),
    ):
        if names:
            section.figure(fplots.metrics_by_load_figure(data.force, exercises=names, title=title))
    for exercise in jump_exercises:  # one figure per jump type: a CMJ's and a squat jump's timing differ by design
        section.figure(
            fplots.metrics_by_load_figure(
                data.force,
                metrics=tuple(fplots.JUMP_KINETICS_METRICS),
                exercises=[exercise],
                title=f"Jump kinetics of the {exercise}: propulsive power, take-off velocity, RSI-mod, phase RFD",
            )
        )
    definitions = fplots.metric_definitions_table(data.force)
    section.tables["definitions"] = definitions
    if not definitions.empty:
        section.html("<p><b>What each jump metric means</b> (one definition per metric, with its source):</p>")
        section.table(definitions, wrap_em=40)
    return section


def verdicts(data: ForceData, out_dir: Path, *, seed: int = 0) -> Section:
    """Claims C6 and C7 from the run's shared claims table."""
    from analysis.sections.verdicts import claim_verdicts

    return claim_verdicts(
        data.ctx, data.tables, ["C6", "C7"], Path(out_dir) / "claims_force_plate.csv", seed=seed, power=False
    )
