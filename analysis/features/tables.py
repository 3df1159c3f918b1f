"""The feature tables: their names, files and columns, the :class:`FeatureTables` result of a run, and
reading/writing them in a study's derived folder (docs/architecture.md, "Tidy feature tables")."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.errors import StudyError
from analysis.features.encoding import _jsonable, _round_trip, _write_bytes_atomic, _write_parquet_atomic
from analysis.metric_rows import KEY_COLUMNS  # the key columns every per-trial table carries (one definition)
from analysis.paths import cache_dir_for

FAILURE_COLUMNS = ("subject_id", "trial_id", "file", "stage", "error", "error_type")
#: Warnings a trial's processing raised (e.g. a muscle above 100 % MVC): stored with the trial's tables,
#: so a rerun from the cache reports them too, and printed as a summary instead of one line per trial.
WARNING_COLUMNS = ("subject_id", "trial_id", "file", "stage", "category", "message")

#: The curves table (CURVES.md): one row per trial x curve x point; ``curve`` is "emg_envelope" or
#: "vertical_force", ``channel`` the muscle or "fz", ``basis`` "cycle", "onset_to_takeoff" or "trial".
CURVE_COLUMNS = (*KEY_COLUMNS, "curve", "channel", "unit", "basis", "n_cycles", "pct", "value")

#: The feature tables and the file each is written to in the derived folder.
OUTPUT_FILES = {
    "emg": "features_emg.parquet",
    "force": "features_force.parquet",
    "kinematics": "features_kinematics.parquet",
    "mvc": "mvc_references.parquet",
    "failures": "features_failures.parquet",
    "warnings": "features_warnings.parquet",
    "curves": "curves.parquet",
}
META_FILE = "features_meta.json"
#: Tables the orchestration writes itself; a processor returning one of them is refused.
_RESERVED_TABLES = ("failures", "warnings")


def _empty_table(name: str) -> pd.DataFrame:
    if name in ("failures", "warnings"):
        columns = FAILURE_COLUMNS if name == "failures" else WARNING_COLUMNS
        return _round_trip(pd.DataFrame({c: pd.Series(dtype=str) for c in columns}))
    if name == "curves":
        return _round_trip(_empty_curves())
    return pd.DataFrame()


def _empty_curves() -> pd.DataFrame:
    """The curves table without rows, with the column types a filled one has."""
    numeric = {"load_kg", "load_lb", "load_pct_bw", "body_mass_kg", "value"}
    dtypes = {c: ("float64" if c in numeric else "int64" if c in ("n_cycles", "pct") else str) for c in CURVE_COLUMNS}
    return pd.DataFrame({c: pd.Series(dtype=dtype) for c, dtype in dtypes.items()})


@dataclass
class FeatureTables:
    """The tidy feature tables of a study, the settings that produced them and run statistics."""

    emg: pd.DataFrame
    force: pd.DataFrame
    kinematics: pd.DataFrame
    failures: pd.DataFrame
    settings: dict[str, Any]
    stats: dict[str, Any]
    mvc: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=lambda: _empty_table("warnings"))
    curves: pd.DataFrame = field(default_factory=lambda: _empty_table("curves"))

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "emg": self.emg,
            "force": self.force,
            "kinematics": self.kinematics,
            "mvc": self.mvc,
            "failures": self.failures,
            "warnings": self.warnings,
            "curves": self.curves,
        }


#: The name CURVES.md uses for the result of a run (``FeatureResult.curves``): the same class.
FeatureResult = FeatureTables


def _write_outputs(result: FeatureTables, derived_dir: Path) -> None:
    derived_dir.mkdir(parents=True, exist_ok=True)
    for name, table in result.tables().items():
        _write_parquet_atomic(table, derived_dir / OUTPUT_FILES[name])
    meta = {
        "settings": result.settings,
        "stats": {k: v for k, v in result.stats.items() if k != "computed_trial_ids"},
        "files": OUTPUT_FILES,
    }
    _write_bytes_atomic(json.dumps(_jsonable(meta), indent=2, sort_keys=True).encode(), derived_dir / META_FILE)


def load_feature_tables(study_dir: str | Path) -> FeatureTables:
    """The tables a previous ``extract_features`` run wrote for this study."""
    derived_dir = cache_dir_for(Path(study_dir))
    meta_path = derived_dir / META_FILE
    if not meta_path.is_file():
        raise StudyError(f"{meta_path} does not exist -- run `anklelab features {study_dir}` first")
    meta = json.loads(meta_path.read_text())
    frames = {
        name: pd.read_parquet(derived_dir / file) if (derived_dir / file).is_file() else _empty_table(name)
        for name, file in OUTPUT_FILES.items()
    }  # features_warnings.parquet and curves.parquet are newer than some folders
    return FeatureTables(
        emg=frames["emg"],
        force=frames["force"],
        kinematics=frames["kinematics"],
        failures=frames["failures"],
        settings=meta["settings"],
        stats=meta["stats"],
        mvc=frames["mvc"],
        warnings=frames["warnings"],
        curves=frames["curves"],
    )


def warning_summary(warnings_table: pd.DataFrame, examples: int = 1) -> list[str]:
    """A few lines for a person: warnings per category with their number of trials and an example each."""
    if warnings_table is None or not len(warnings_table):
        return []
    n_trials = warnings_table["trial_id"].nunique()
    lines = [
        f"{len(warnings_table)} warning(s) in {n_trials} trial(s) while processing (each is listed in "
        f"{OUTPUT_FILES['warnings']}):"
    ]
    for category, group in warnings_table.groupby("category", sort=True):
        lines.append(
            f"  {category} x{len(group)} in {group['trial_id'].nunique()} trial(s), e.g. "
            + "; ".join(group["message"].head(examples))
        )
    return lines
