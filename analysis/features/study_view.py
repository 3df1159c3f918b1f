"""The study as feature extraction sees it: a duck-typed view of an ``analysis.study.Study`` (or anything
with ``root``/``trials``/``config``) and its trials.csv rows as plain JSON-safe dicts."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.features.encoding import _jsonable
from analysis.readers.opensignals_force import read_options_from_study


@dataclass
class _StudyView:
    root: Path
    trials: pd.DataFrame
    channels: dict[str, str]
    roles: dict[str, str]
    processing: dict[str, Any]
    units: dict[str, str]
    name: str
    #: read_recording options every trial gets from study.yaml (OpenSignals force platforms' calibration)
    read_options: dict[str, Any]


def _as_study_view(study_or_path: Any) -> _StudyView:
    if isinstance(study_or_path, (str, os.PathLike)):
        from analysis.study import load_study

        study_or_path = load_study(Path(study_or_path))
    study = study_or_path
    config = dict(getattr(study, "config", None) or {})
    root = Path(getattr(study, "root", None) or study.path)
    trials = study.trials.copy()
    if "path" not in trials.columns:
        trials["path"] = [str((root / f).resolve()) for f in trials["file"]]
    processing = {
        k: dict(v or {}) for k, v in dict(getattr(study, "processing", None) or config.get("processing") or {}).items()
    }
    mvc_window_ms = (config.get("mvc") or {}).get("window_ms") if isinstance(config.get("mvc"), Mapping) else None
    if mvc_window_ms is not None and "mvc_window_ms" not in processing.get("emg", {}):
        processing.setdefault("emg", {})["mvc_window_ms"] = float(mvc_window_ms)  # study.yaml mvc: window_ms
    return _StudyView(
        root=root,
        trials=trials.reset_index(drop=True),
        channels=dict(getattr(study, "channel_map", None) or config.get("channels") or {}),
        roles=dict(config.get("roles") or {}),
        processing=processing,
        units=dict(config.get("units") or {}),
        name=str(getattr(study, "name", None) or config.get("name") or root.name),
        read_options=read_options_from_study(config),
    )


def _row_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """trials.csv rows as plain JSON-safe dicts (NaN -> None); ``to_dict`` already gives Python scalars."""

    def plain(value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            return value
        if kind is float:
            return None if math.isnan(value) else value
        return _jsonable(value)

    columns = [str(c) for c in frame.columns]
    return [{c: plain(v) for c, v in zip(columns, values)} for values in frame.itertuples(index=False, name=None)]


def _needs_mvc(trial: Mapping[str, Any]) -> bool:
    return trial.get("kind") in ("emg", "combined") and not _truthy(trial.get("is_mvc"))


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    return bool(value) if value is not None else False
