"""Vertical ground-reaction-force channels of a Recording: which channels are vertical force, and their samples."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np

from analysis.errors import AnalysisError
from analysis.forceplate.checks import ForcePlateWarning
from analysis.recording import Recording

__all__ = ["is_vertical_force_role", "vertical_force_from_recording"]


def is_vertical_force_role(role: str) -> bool:
    """A study.yaml role that marks a vertical ground-reaction-force channel: ``fz`` or ``vertical_force``,
    optionally with a side or plate suffix (``fz_left``, ``fz_2``, ``vertical_force_right``)."""
    base = str(role).strip().lower()
    return any(base == stem or base.startswith(stem + "_") for stem in ("fz", "vertical_force"))


def vertical_force_from_recording(
    recording: Recording, channels: Sequence[str] | None = None, roles: Mapping[str, str] | None = None
) -> np.ndarray:
    """Vertical force columns of a :class:`~analysis.recording.Recording` as (n, n_plates).

    ``channels`` names them explicitly (needed e.g. when y is vertical). Otherwise the channels whose
    study.yaml ``roles:`` entry is a vertical-force role (``fz``, ``fz_left``, ``vertical_force_2``, ...; see
    :func:`is_vertical_force_role`) are used; failing that, every ``force`` channel whose name ends in
    ``z``/``Fz`` (case-insensitive) and has no other role. Channels must be in newtons (AnalysisError otherwise:
    ADC counts are never taken for force); a force platform the reader declared un-tared gives a
    :class:`~analysis.forceplate.ForcePlateWarning`.
    """
    if channels is None:
        roles = dict(roles or {})
        channels = [n for n in recording.channel_names if n in roles and is_vertical_force_role(roles[n])]
        if not channels:
            channels = [
                n
                for n, k in zip(recording.channel_names, recording.channel_kinds)
                if k == "force" and n not in roles and n.lower().rstrip("0123456789 _").endswith("z")
            ]
        if not channels:
            raise AnalysisError(
                f"{recording.source}: no vertical force channel found among "
                f"{recording.channel_names}; name it in study.yaml roles: (e.g. "
                f'"{recording.channel_names[0] if recording.channel_names else "Fz"}": fz) '
                "or pass channels=[...] explicitly"
            )
    idx = [recording.channel_index(c) for c in channels]
    counts = [c for c, i in zip(channels, idx) if str(recording.units[i]).upper() == "ADC"]
    if counts:
        raise AnalysisError(
            f"{recording.source}: channel(s) {counts} hold ADC counts, not newtons; convert them first (OpenSignals "
            "force platforms: read_recording(..., force_platform={'calibration_kg_mv_per_v': C, 'tare': ...}))"
        )
    not_newtons = [(c, recording.units[i]) for c, i in zip(channels, idx) if recording.units[i] != "N"]
    if not_newtons:  # the reader converts every unit it knows to N; anything else would be read as newtons
        raise AnalysisError(
            f"{recording.source}: vertical force channel(s) {[c for c, _ in not_newtons]} are in "
            f"{sorted({str(u) for _, u in not_newtons})}, not newtons; label the column with a unit the readers "
            "convert (N, kN, lbf, kgf) or give study.yaml units: {force: ...}"
        )
    platform = recording.metadata.get("force_platform") if isinstance(recording.metadata, Mapping) else None
    if isinstance(platform, Mapping) and not platform.get("tared", True):
        warnings.warn(
            f"{recording.source}: force platform declared un-tared: the unloaded plate's reading is in every sample, "
            "so quiet-stance weighing includes it (body weight, body mass, W/kg and impulse jump height are biased by "
            "it, and the take-off threshold must exceed it); tare it (tare: unloaded_minimum or [t0, t1]) if you can",
            ForcePlateWarning,
            stacklevel=2,
        )
    return recording.samples[:, idx]
