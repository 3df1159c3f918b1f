"""Ankle Load Lab: test training claims about ankle weights against biomechanics data.

Data flow, one direction (docs/architecture.md)::

    files --read_recording--> Recording --emg.process / forceplate.analyse_jump / kinematics--> tidy
    feature tables (extract_features) --models--> claim verdicts (evaluate_claims) --reports--> HTML

The public API below is imported lazily, so ``import analysis`` stays fast (statsmodels, dask and
papermill load only when used).
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("anklelab")
except _metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

#: public name -> module that defines it
_PUBLIC = {
    "Recording": "analysis.recording",
    "read_recording": "analysis.io",
    "load_study": "analysis.study",
    "validate_study": "analysis.study",
    "EMGSettings": "analysis.emg",
    "ForcePlateSettings": "analysis.forceplate",
    "analyse_jump": "analysis.forceplate",
    "analyse_squat": "analysis.forceplate",
    "trial_kinematics": "analysis.kinematics",
    "extract_features": "analysis.features",
    "fit_mixedlm_robust": "analysis.models",
    "incidence_rate": "analysis.injury",
    "burden_rate": "analysis.injury",
    "ClaimTables": "analysis.claims",
    "evaluate_claims": "analysis.claims",
    "simulate_study": "analysis.simulate",
    "run_notebook": "analysis.reports",
    "reproduce": "analysis.reports",
}

__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
