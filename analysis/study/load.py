"""The loaded study: :class:`Study` (tidy tables with derived load columns, paths, channel map) and
:func:`load_study`, which raises ``StudyError`` listing every error."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import StudyError
from analysis.paths import cache_dir_for
from analysis.recording import Recording
from analysis.study import recordings
from analysis.study.config import _analysed_muscles, _channel_map
from analysis.study.cross_checks import _inside
from analysis.study.problems import ROW_CONVENTION, Problem, _sorted
from analysis.study.validate import _parse
from analysis.units import KG_PER_LB


@dataclass
class Study:
    """A valid study folder as tidy tables. Build it with :func:`load_study`."""

    root: Path
    config: dict[str, Any]
    name: str
    synthetic: bool
    subjects: pd.DataFrame
    trials: pd.DataFrame
    measures: pd.DataFrame | None
    exposures: pd.DataFrame | None
    injuries: pd.DataFrame | None
    channel_map: dict[str, str]
    muscles: list[str]
    processing: dict[str, Any]
    derived_dir: Path
    roles: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def channels(self) -> dict[str, str]:
        """Alias of ``channel_map`` (EMG channel name -> muscle)."""
        return self.channel_map

    def trial(self, trial_id: str) -> pd.Series:
        """The trials.csv row (with derived columns) of ``trial_id``."""
        match = self.trials[self.trials["trial_id"] == str(trial_id)]
        if match.empty:
            raise StudyError(f"{self.root / 'trials.csv'}: no trial {trial_id!r}; check the trial_id column")
        return match.iloc[0]

    def trial_recording(self, trial_id: str) -> Recording:
        """Read the recording of ``trial_id`` with the options trials.csv gives (sampling_rate_hz, format)."""
        trial = self.trial(trial_id)
        return recordings._read_recording(
            Path(trial["path"]), **recordings._recording_options(trial.to_dict(), self.config)
        )

    def content_hash(self) -> str:
        """sha256 over every file of the study (sorted relative paths + contents, streamed), derived/ excluded."""
        root = self.root.resolve()
        derived = self.derived_dir.resolve()
        digest = hashlib.sha256()
        files = []
        for path in root.rglob("*"):
            relative = path.relative_to(root)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            if path.resolve().is_relative_to(derived):
                continue
            files.append((relative.as_posix(), path))
        for name, file_path in sorted(files):
            digest.update(name.encode("utf-8") + b"\0")
            with file_path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            digest.update(b"\0")
        return digest.hexdigest()

    def __repr__(self) -> str:
        return (
            f"Study({self.name!r}{', synthetic' if self.synthetic else ''}: {len(self.subjects)} subjects, "
            f"{len(self.trials)} trials, root={str(self.root)!r})"
        )


def _public(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame.rename(columns={"_row": "manifest_row"}).reset_index(drop=True)


def load_study(path: str | Path) -> Study:
    """Load a study folder into a :class:`Study`; raises ``StudyError`` listing every error (warnings kept)."""
    parsed = _parse(Path(path))
    errors = [p for p in parsed.problems if p.severity == "error"]
    if errors:
        listing = "\n".join(f"  - {p}" for p in _sorted(errors))
        raise StudyError(
            f"{path}: the study has {len(errors)} error(s) ({ROW_CONVENTION}):\n{listing}\n"
            f"Run 'anklelab validate {path}' for the full report.",
            _sorted(list(parsed.problems)),
        )
    root = Path(path).resolve()
    config = parsed.config or {}
    subjects = parsed.subjects
    # subjects.csv and trials.csv are required: a missing or unreadable one is an error, raised above
    assert subjects is not None and parsed.trials is not None
    trials = parsed.trials.copy()
    trials["load_unit"] = trials["load_unit"].where(trials["load_unit"] != "", "kg")  # only where the load is 0
    factor = np.where(trials["load_unit"] == "lb", KG_PER_LB, 1.0)
    trials["load_kg"] = trials["load_per_ankle"].to_numpy() * factor
    trials["load_lb"] = trials["load_kg"] / KG_PER_LB
    body = subjects.set_index("subject_id")
    trials["body_mass_kg"] = trials["subject_id"].map(body["body_mass_kg"]).astype(float)
    trials["group"] = trials["subject_id"].map(body["group"])
    trials["load_pct_bw"] = 100.0 * trials["load_kg"] / trials["body_mass_kg"]
    trials["path"] = [str(_inside(root, f)) for f in trials["file"]]
    trials["sampling_rate_hz"] = trials["sampling_rate_hz"].astype(float)
    trials["format"] = trials["format"].where(trials["format"] != "", None)
    exposures = parsed.exposures
    if exposures is not None:
        exposures = exposures.copy()
        exposures["exposure_hours"] = np.where(
            exposures["exposure_unit"] == "minutes", exposures["exposure_time"] / 60.0, exposures["exposure_time"]
        )
    injuries = parsed.injuries
    if injuries is not None:
        injuries = injuries.copy()
        from_dates = (injuries["date_recovered"] - injuries["date_injured"]).dt.days.astype(float)
        injuries["days_lost"] = injuries["days_lost"].where(np.isfinite(injuries["days_lost"]), from_dates)
    processing_block = config.get("processing")
    processing: dict[str, Any] = processing_block if isinstance(processing_block, dict) else {}
    return Study(
        root=root,
        config=config,
        name=str(config["name"]),
        synthetic=bool(config["synthetic"]),
        subjects=_public(subjects),
        trials=_public(trials),
        measures=_public(parsed.measures),
        exposures=_public(exposures),
        injuries=_public(injuries),
        channel_map=_channel_map(config),
        muscles=_analysed_muscles(config),
        processing=dict(processing),
        derived_dir=cache_dir_for(root),
        roles={str(k): str(v) for k, v in (config.get("roles") or {}).items()}
        if isinstance(config.get("roles"), dict)
        else {},
        units=dict(config["units"]) if isinstance(config.get("units"), dict) else {},
        warnings=_sorted(list(parsed.problems)),
    )
