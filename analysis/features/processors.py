"""The suite's per-trial processors (thin: all signal processing lives in analysis.emg, analysis.forceplate
and analysis.kinematics) and :func:`default_pipeline`, which names them. Each processor turns one trial's
Recording into its rows of the tidy tables: ``emg`` / ``force`` / ``kinematics`` / ``mvc``, and ``curves``
(:mod:`analysis.features.curves`) from the same processed signals."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError, AnkleLabError
from analysis.features.curves import emg_envelope_curves, jump_force_curves, movement_cycles, vertical_force_curves
from analysis.features.tasks import Pipeline
from analysis.recording import Recording


class _Stage:
    """Tags an exception raised inside with the processing stage it came from (for the failures table)."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        if exc is not None and not hasattr(exc, "anklelab_stage"):
            try:
                exc.anklelab_stage = self.name
            except AttributeError:  # exceptions with __slots__
                pass
        return False


def read_trial(trial: Mapping[str, Any], context: Mapping[str, Any]) -> Recording:
    """Read a trial's file with the options its trials.csv row and study.yaml give (the same
    :func:`analysis.study.recordings.trial_read_options` as ``load_study``)."""
    from analysis.io import read_recording
    from analysis.study.recordings import trial_read_options

    options = trial_read_options(trial, {"units": context.get("units") or {}})
    options.update(context.get("read_options") or {})  # study.yaml: e.g. force_platforms (calibration constant)
    return read_recording(Path(str(trial["path"])), **options)


def _mvc_muscles(trial: Mapping[str, Any]) -> list[str]:
    cell = trial.get("mvc_muscle")
    return [m.strip() for m in str(cell).split(";") if m.strip()] if isinstance(cell, str) else []


def _has_kind(recording: Recording, kind: str) -> bool:
    return kind in recording.channel_kinds


def process_mvc_trial(
    trial: Mapping[str, Any], recording: Recording, context: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """One MVC trial -> its per-muscle peak (``emg.mvc_reference`` of this trial alone).

    Only the muscles named in ``mvc_muscle`` count (all mapped muscles when it is empty); the study
    reference is the maximum over the subject x session's MVC trials (:func:`combine_mvc_rows`), which is
    what ``emg.mvc_reference`` gives for all those trials at once.
    """
    from analysis import emg

    settings = context["settings"]["emg"]
    channel_map = dict(context["channel_map"])
    targets = _mvc_muscles(trial)
    if targets:
        channel_map = {c: m for c, m in channel_map.items() if m in targets}
    with _Stage("mvc"):
        result = emg.process(recording, settings, keep_filtered=False, with_onsets=False)  # peak envelope only
        reference = emg.mvc_reference([result], channel_map=channel_map, settings=settings)
    muscles = sorted(reference.values)
    return {
        "mvc": pd.DataFrame(
            {
                "subject_id": str(trial.get("subject_id")),
                "session": str(trial.get("session")),
                "trial_id": str(trial.get("trial_id")),
                "muscle": muscles,
                "mvc_reference": [reference.values[m] for m in muscles],
                "unit": "V",
                "window_ms": reference.window_ms,
                "method": reference.method,
                "cede_method": reference.cede_method,
            }
        )
    }


def combine_mvc_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """MVC rows of one subject x session -> one reference per muscle: the maximum over its MVC trials."""
    best = rows.loc[rows.groupby("muscle", sort=True)["mvc_reference"].idxmax()]
    counts = rows.groupby("muscle", sort=True)["trial_id"].agg(["count", lambda ids: ";".join(sorted(ids))])
    counts.columns = ["n_mvc_trials", "mvc_trial_ids"]
    out = best.set_index("muscle")[["mvc_reference", "unit", "window_ms", "method", "cede_method"]].join(counts)
    return out.reset_index()


def phases_from_events(events: pd.DataFrame) -> dict[str, list[tuple[float, float]]]:
    """Phase windows from events labelled ``<phase>_start`` / ``<phase>_end`` (paired in time order)."""
    phases: dict[str, list[tuple[float, float]]] = {}
    if events is None or events.empty or "label" not in events:
        return phases
    # plain numpy arrays: per-name pandas masks and .loc cost ~12 ms per trial, more than the curves
    labels = np.asarray(events["label"].astype(str).to_numpy(), dtype=object)
    times = events["time_s"].to_numpy(float)
    names = sorted({lab[:-6] for lab in labels.tolist() if lab.endswith("_start")})
    for name in names:
        starts = np.sort(times[labels == f"{name}_start"])
        ends = np.sort(times[labels == f"{name}_end"])
        if len(starts) != len(ends) or np.any(ends <= starts):
            raise AnalysisError(
                f"events {name}_start/{name}_end do not pair up ({len(starts)} starts, "
                f"{len(ends)} ends): fix the events in the file"
            )
        if len(starts):
            phases[name] = list(zip(starts.tolist(), ends.tolist()))
    return phases


def _emg_tables(trial: Mapping[str, Any], recording: Recording, context: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """EMG feature rows and the trial's mean cycle envelopes (one ``emg.process`` for both)."""
    from analysis import emg

    settings = context["settings"]["emg"]
    refs = context.get("mvc_refs") or {}
    reference = emg.MVCReference(dict(refs), window_ms=settings.mvc_window_ms) if refs else None
    with _Stage("emg"):
        result = emg.process(recording, settings, with_onsets=False)  # the feature rows use no onsets
        phases = phases_from_events(recording.events)
        out = {"emg": emg.trial_features(result, reference, trial, context["channel_map"], phases=phases or None)}
    with _Stage("curves"):
        curves = emg_envelope_curves(
            trial,
            result.envelope,
            result.fs_hz,
            result.channel_names,
            context["channel_map"],
            refs,
            movement_cycles(phases),
        )
    if curves is not None:
        out["curves"] = curves
    return out


_JUMP_EXERCISES = ("cmj", "sj", "dj", "drop_landing", "hop")
_GAIT_EXERCISES = ("walk", "gait", "run")


def _force_tables(
    trial: Mapping[str, Any], recording: Recording, context: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """Force-plate metrics by exercise: jumps (analyse_jump), gait, otherwise squat-like (analyse_squat); and
    the vertical-force curves (jumps: onset to take-off; squat-like: the whole trial; gait: none)."""
    from analysis import forceplate as fp

    settings = context["settings"]["forceplate"]
    exercise = str(trial.get("exercise"))
    source = str(trial.get("path"))
    with _Stage("forceplate"):
        force_n = fp.vertical_force_from_recording(recording, roles=context.get("roles"))
        fs = recording.sampling_rate_hz
        mass = trial.get("body_mass_kg")

        def analyse(body_weight_n):
            if exercise in _JUMP_EXERCISES:
                jump_type = "dj" if exercise in ("dj", "drop_landing") else ("sj" if exercise == "sj" else "cmj")
                return fp.analyse_jump(
                    force_n, fs, jump_type, body_weight_n=body_weight_n, settings=settings, source=source
                )
            if exercise in _GAIT_EXERCISES:
                return fp.analyse_gait(force_n, fs, body_weight_n=body_weight_n, settings=settings)
            knee = _knee_flexion(recording, context)
            return fp.analyse_squat(
                force_n, fs, body_weight_n=body_weight_n, knee_flexion_deg=knee, settings=settings, source=source
            )

        try:
            result = analyse(None)
        except AnalysisError:
            # forceplate.weigh refuses without quiet stance; its documented remedy is the body mass from
            # subjects.csv, which the result then records as ``bw=supplied``.
            if not (isinstance(mass, (int, float)) and mass > 0):
                raise
            result = analyse(float(mass) * fp.G_M_S2)
        out = {"force": result.to_rows(trial)}
    with _Stage("curves"):
        total_n = np.asarray(force_n, dtype=np.float64).reshape(len(force_n), -1).sum(axis=1)  # plates summed
        curves = None
        if isinstance(result, fp.JumpResult):
            curves = jump_force_curves(trial, total_n, result.events, result.body_weight_n)
        elif isinstance(result, fp.SquatResult):
            curves = vertical_force_curves(trial, total_n, 0, total_n.size - 1, "trial", result.body_weight_n)
    if curves is not None:
        out["curves"] = curves
    return out


def _knee_flexion(recording: Recording, context: Mapping[str, Any]):
    """The knee flexion channel of a force recording (e.g. a goniometer on the plate's A/D board), by the
    study's ``roles:`` or a recognised name (``kinematics.angle_channels``), else None."""
    from analysis import kinematics

    channel = kinematics.angle_channels(recording, context.get("roles") or {}).get("knee_flexion")
    return recording.channel(channel) if channel else None


def _kinematics_rows(trial: Mapping[str, Any], recording: Recording, context: Mapping[str, Any]) -> pd.DataFrame:
    """Knee flexion, knee FPPA and pelvic obliquity metrics from the angle channels, mapped by the study's
    ``roles:`` or by recognised names (``kinematics.angle_channels``; a lone angle channel is knee flexion)."""
    from analysis import kinematics

    with _Stage("kinematics"):
        result = kinematics.trial_kinematics_from_recording(
            recording, roles=context.get("roles") or {}, settings=context["settings"].get("kinematics")
        )
        return result.to_rows(trial)


def process_emg_trial(trial, recording, context) -> dict[str, pd.DataFrame]:
    """An EMG trial -> ``emg.process`` + ``emg.trial_features`` with the subject x session MVC references,
    and its mean cycle envelopes (curves)."""
    return _emg_tables(trial, recording, context)


def process_forceplate_trial(trial, recording, context) -> dict[str, pd.DataFrame]:
    return _force_tables(trial, recording, context)


def process_kinematics_trial(trial, recording, context) -> dict[str, pd.DataFrame]:
    return {"kinematics": _kinematics_rows(trial, recording, context)}


def process_combined_trial(trial, recording, context) -> dict[str, pd.DataFrame]:
    """A file with several signal kinds: every analysis whose channels are present."""
    out: dict[str, pd.DataFrame] = {}
    curves: list[pd.DataFrame] = []
    if _has_kind(recording, "emg") and context.get("channel_map"):
        emg_tables = _emg_tables(trial, recording, context)
        out["emg"] = emg_tables["emg"]
        curves += [emg_tables["curves"]] if "curves" in emg_tables else []
    if _has_kind(recording, "force"):
        force_tables = _force_tables(trial, recording, context)
        out["force"] = force_tables["force"]
        curves += [force_tables["curves"]] if "curves" in force_tables else []
    if _has_kind(recording, "angle") or _has_kind(recording, "marker"):
        out["kinematics"] = _kinematics_rows(trial, recording, context)
    if not out:
        raise AnalysisError(
            f"{trial.get('path')}: a combined trial without EMG, force or angle/marker channels "
            f"(kinds: {sorted(set(recording.channel_kinds))})"
        )
    if curves:
        out["curves"] = pd.concat(curves, ignore_index=True)
    return out


def resolve_settings(processing: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{stage: settings}``: documented defaults < study.yaml ``processing`` < ``overrides``."""
    from analysis.emg import EMGSettings
    from analysis.forceplate import ForcePlateSettings

    classes: dict[str, Any] = {"emg": EMGSettings, "forceplate": ForcePlateSettings}
    try:
        from analysis import kinematics

        settings_class = getattr(kinematics, "KinematicsSettings", None)
        if settings_class is not None:
            classes["kinematics"] = settings_class
    except ModuleNotFoundError as exc:
        if exc.name != "analysis.kinematics":
            raise
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(classes))
    if unknown:
        raise AnkleLabError(f"settings for unknown stage(s) {unknown}; stages are {sorted(classes)}")
    resolved: dict[str, Any] = {}
    for stage, cls in classes.items():
        override = overrides.get(stage)
        if isinstance(override, cls):
            resolved[stage] = override
            continue
        merged = {**dict(processing.get(stage) or {}), **dict(override or {})}
        resolved[stage] = cls.from_dict(merged) if hasattr(cls, "from_dict") else cls(**merged)
    return resolved


def default_pipeline() -> Pipeline:
    """The suite's processors: analysis.io readers, analysis.emg, analysis.forceplate, analysis.kinematics."""
    # the readers, and this module's helpers and the curves module (they shape every table too, not only the
    # processor functions whose own source salts the keys): a change in any of them misses the cache
    readers = (
        "analysis.io",
        "analysis.readers",
        "analysis.recording",
        "analysis.features.processors",
        "analysis.features.curves",
        "analysis.features.tables",  # CURVE_COLUMNS and the tables' column orders
        "analysis.metric_rows",  # KEY_COLUMNS: the key columns of every per-trial table (EMG included)
    )
    return Pipeline(
        read=read_trial,
        processors={
            "emg": process_emg_trial,
            "forceplate": process_forceplate_trial,
            "kinematics": process_kinematics_trial,
            "combined": process_combined_trial,
        },
        mvc_processor=process_mvc_trial,
        combine_mvc=combine_mvc_rows,
        resolve_settings=resolve_settings,
        code_modules={
            "emg": readers + ("analysis.emg",),
            "mvc": readers + ("analysis.emg",),
            # metric_rows shapes the force and kinematics rows (it was inside forceplate.py before the split)
            "forceplate": readers + ("analysis.forceplate", "analysis.metric_rows"),
            "kinematics": readers + ("analysis.kinematics", "analysis.metric_rows"),
            "combined": readers
            + ("analysis.emg", "analysis.forceplate", "analysis.kinematics", "analysis.metric_rows"),
        },
    )
