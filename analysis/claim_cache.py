"""The claims table, evaluated once per ``reproduce`` run and shared by every notebook that shows verdicts.

``anklelab reproduce`` extracts the features, then evaluates all nine claims once with the suite's settings
(:data:`SUITE_SETTINGS`, notebook 00's defaults) and stores the table in the study's derived folder
(:func:`analysis.paths.cache_dir_for`). A notebook asks :func:`shared_claims` for the claims it shows; the
answer comes from that file when the key matches, else (a notebook run alone, or with other settings) the
claims are evaluated there and then.

The key covers everything a verdict depends on: the content of every table the claims read
(:class:`analysis.claims.ClaimTables`), the analysis settings (seed, bootstrap resamples, tolerances, options)
and the source of the ``analysis`` package (a code change invalidates every entry). Power settings are not
in the key: the claims' own rng draws the analysis first and the power simulation after it
(``analysis.claims.evaluate_claims``), so a table evaluated with power serves a request without power
(its extra columns are filled); a request *with* power needs an entry with the same ``power_reps``.
``p_holm_suite`` in a cached table is adjusted over the whole suite, as its name says; a notebook run alone
on a subset of claims adjusts over that subset.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.files import publish

__all__ = [
    "SUITE_SETTINGS",
    "claim_tables_for",
    "claims_key",
    "cache_file",
    "evaluate_and_store",
    "cached_claims",
    "shared_claims",
]

#: The settings ``reproduce`` evaluates with: notebook 00's parameter defaults (seed 0, power by simulation
#: with 100 studies per n) and analysis.claims.evaluate_claims' default of 200 bootstrap resamples.
SUITE_SETTINGS: dict[str, Any] = {"seed": 0, "n_boot": 200, "power": True, "power_reps": 100}

_POWER_KEYS = ("power", "power_reps")
_FORMAT = 1  # bump when the stored entry changes shape


def claim_tables_for(study: Any, features: Any) -> Any:
    """Everything the claim analyses read, as one ``analysis.claims.ClaimTables``: the feature tables of
    ``features`` (``analysis.features.extract_features``) and the study's own tables; empty tables become None."""
    from analysis.claims import ClaimTables

    def nonempty(df: pd.DataFrame | None) -> pd.DataFrame | None:
        return df if df is not None and len(df) else None

    return ClaimTables(
        emg=nonempty(features.emg),
        force=nonempty(features.force),
        kinematics=nonempty(features.kinematics),
        measures=nonempty(study.measures),
        subjects=study.subjects,
        trials=study.trials,
        exposures=nonempty(study.exposures),
        injuries=nonempty(study.injuries),
        synthetic=bool(getattr(study, "synthetic", False)),
    )


def _table_digest(df: pd.DataFrame | None) -> str:
    if df is None:
        return "none"
    digest = hashlib.sha256(json.dumps([str(c) for c in df.columns]).encode())
    digest.update(json.dumps([str(t) for t in df.dtypes]).encode())
    try:
        digest.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    except TypeError:  # unhashable cells (lists, dicts): fall back to their text
        digest.update(df.to_csv().encode())
    return digest.hexdigest()


def _code_digest() -> str:
    digest = hashlib.sha256()
    root = paths.PROJECT_ROOT / "analysis"
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _analysis_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**{k: v for k, v in SUITE_SETTINGS.items() if k not in _POWER_KEYS}, **dict(settings)}
    return {k: v for k, v in sorted(merged.items()) if k not in _POWER_KEYS and k != "only"}


def claims_key(tables: Any, settings: Mapping[str, Any]) -> str:
    """sha256 over the claim tables' content, the analysis settings and the package source."""
    digest = hashlib.sha256(f"format {_FORMAT}".encode())
    for field in dataclasses.fields(tables):
        value = getattr(tables, field.name)
        text = _table_digest(value) if value is None or isinstance(value, pd.DataFrame) else repr(value)
        digest.update(f"{field.name}={text};".encode())
    digest.update(json.dumps(_analysis_settings(settings), sort_keys=True, default=str).encode())
    digest.update(_code_digest().encode())
    return digest.hexdigest()


def cache_file(study_dir: str | os.PathLike, key: str) -> Path:
    return paths.cache_dir_for(Path(study_dir)) / "claims" / f"{key[:32]}.pkl"


def evaluate_and_store(tables: Any, study_dir: str | os.PathLike, **settings: Any) -> pd.DataFrame:
    """Evaluate every claim with ``SUITE_SETTINGS`` updated by ``settings`` and store the table."""
    from analysis.claims import evaluate_claims

    full = {**SUITE_SETTINGS, **settings}
    claims = evaluate_claims(tables, **full)
    target = cache_file(study_dir, claims_key(tables, full))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"power": bool(full["power"]), "power_reps": int(full["power_reps"]), "claims": claims}, fh)
        publish(tmp, target)  # the umask's mode, not mkstemp's 0600
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return claims


def cached_claims(
    tables: Any, study_dir: str | os.PathLike, *, only: Sequence[str] | None = None, **settings: Any
) -> pd.DataFrame | None:
    """The stored table for these tables and settings (rows of ``only``, in claim order), else None."""
    full = {**SUITE_SETTINGS, **settings}
    path = cache_file(study_dir, claims_key(tables, full))
    try:
        with open(path, "rb") as fh:
            entry = pickle.load(fh)  # our own cache file, written by evaluate_and_store
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    if full["power"] and (not entry["power"] or entry["power_reps"] != int(full["power_reps"])):
        return None
    claims: pd.DataFrame = entry["claims"]
    if only is not None:
        claims = claims[claims["claim_id"].isin(list(only))].reset_index(drop=True)
    return claims


def shared_claims(
    tables: Any, study_dir: str | os.PathLike, *, only: Sequence[str] | None = None, **settings: Any
) -> pd.DataFrame:
    """Claims from this run's shared table when there is one, else evaluated here (and stored when all nine
    were asked for, so the next notebook of a lone run finds them)."""
    found = cached_claims(tables, study_dir, only=only, **settings)
    if found is not None:
        return found
    if only is None:
        return evaluate_and_store(tables, study_dir, **settings)
    from analysis.claims import evaluate_claims

    return evaluate_claims(tables, only=list(only), **{**SUITE_SETTINGS, **settings})
