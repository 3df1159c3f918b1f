"""Whole-study feature extraction: every trial -> tidy feature tables, in parallel, cached, streamed.

``extract_features(study)`` turns each trial of a study into rows of the tidy tables of
docs/architecture.md (``emg``, ``force``, ``kinematics``, ``mvc``, ``curves``, ``failures``, ``warnings``) and
writes them atomically as parquet into the study's derived folder (``analysis.paths.cache_dir_for``), never
beside raw files.

Where things live (one concern per module):

==================== ==========================================================================================
``extract``          :func:`extract_features`, the driver loop (submit, collect, assemble, write)
``schedule``         the two-stage MVC -> EMG schedule and the number of trials per task
``tasks``            :class:`Pipeline`, :class:`TrialTask`, :class:`TrialOutcome`, :func:`run_trial_tasks`
``runners``          serial, local-process and dask runners of the same task function
``processors``       the suite's per-trial processors and :func:`default_pipeline`
``curves``           the curves table: EMG cycle envelopes and vertical-force curves on 101 points
``cache``            per-trial cache entries (``CACHE_FORMAT_VERSION``)
``cache_keys``       what a cache key is made of: file content hashes, code salt, settings, references
``snapshot``         one-file-per-table snapshot of the last run, assembling tables from results
``encoding``         tables <-> Arrow IPC / parquet bytes, atomic writes, JSON-safe values
``tables``           table names, files and columns, :class:`FeatureTables`, reading/writing outputs
``study_view``       the study as extraction sees it (trials as plain dicts)
``warnings_capture`` one trial's warnings kept with that trial
==================== ==========================================================================================

Failed trials are not cached: they are retried on every run, and listed in ``failures`` (the run goes on).
"""

from __future__ import annotations

from analysis.errors import AnalysisError
from analysis.features.cache import CACHE_FORMAT_VERSION, CACHE_SUBDIR, HASH_INDEX_FILE, _FeatureCache
from analysis.features.cache_keys import CacheKeys, _HashIndex, file_sha256
from analysis.features.curves import N_POINTS, CurveWarning, movement_cycles
from analysis.features.encoding import (
    _batchable,
    _encode_batch,
    _jsonable,
    _round_trip,
    _table_from_arrow,
    _table_to_arrow,
)
from analysis.features.extract import extract_features
from analysis.features.processors import (
    combine_mvc_rows,
    default_pipeline,
    phases_from_events,
    process_combined_trial,
    process_emg_trial,
    process_forceplate_trial,
    process_kinematics_trial,
    process_mvc_trial,
    read_trial,
    resolve_settings,
)
from analysis.features.runners import (
    IN_FLIGHT_PER_WORKER,
    _DaskRunner,
    _make_runner,
    _ProcessRunner,
    _SerialRunner,
)
from analysis.features.schedule import (
    BATCH_TARGET_S,
    MAX_BATCH_TRIALS,
    MVC_STAGE,
    STAGES_BY_KIND,
    TwoStageSchedule,
)
from analysis.features.snapshot import _Snapshot
from analysis.features.tables import (
    CURVE_COLUMNS,
    FAILURE_COLUMNS,
    KEY_COLUMNS,
    META_FILE,
    OUTPUT_FILES,
    WARNING_COLUMNS,
    FeatureResult,
    FeatureTables,
    load_feature_tables,
    warning_summary,
)
from analysis.features.tasks import Pipeline, TrialOutcome, TrialTask, run_trial_task, run_trial_tasks
from analysis.paths import cache_dir_for

__all__ = [
    "CACHE_FORMAT_VERSION",
    "CURVE_COLUMNS",
    "FAILURE_COLUMNS",
    "KEY_COLUMNS",
    "OUTPUT_FILES",
    "WARNING_COLUMNS",
    "CurveWarning",
    "FeatureResult",
    "FeatureTables",
    "Pipeline",
    "TrialTask",
    "TrialOutcome",
    "default_pipeline",
    "extract_features",
    "file_sha256",
    "load_feature_tables",
    "phases_from_events",
    "run_trial_task",
    "run_trial_tasks",
    "warning_summary",
]

# Names kept importable from ``analysis.features`` for callers and tests of the one-module version
# (``features._encode_batch``, ``features._SerialRunner``, ...); not part of ``__all__``.
_COMPATIBLE = (
    AnalysisError,
    cache_dir_for,
    CACHE_SUBDIR,
    HASH_INDEX_FILE,
    CacheKeys,
    _FeatureCache,
    _HashIndex,
    N_POINTS,
    movement_cycles,
    _batchable,
    _encode_batch,
    _jsonable,
    _round_trip,
    _table_from_arrow,
    _table_to_arrow,
    combine_mvc_rows,
    process_combined_trial,
    process_emg_trial,
    process_forceplate_trial,
    process_kinematics_trial,
    process_mvc_trial,
    read_trial,
    resolve_settings,
    IN_FLIGHT_PER_WORKER,
    _DaskRunner,
    _make_runner,
    _ProcessRunner,
    _SerialRunner,
    BATCH_TARGET_S,
    MAX_BATCH_TRIALS,
    MVC_STAGE,
    STAGES_BY_KIND,
    TwoStageSchedule,
    _Snapshot,
    META_FILE,
)
