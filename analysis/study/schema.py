"""The study format's constants and its machine-readable schema (analysis/study_schema.yaml, shipped as package
data; data/README.md says the same in words)."""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

import yaml

STUDY_YAML = "study.yaml"
_EMG_KINDS = ("emg", "combined")


@functools.lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The machine-checked study schema (analysis/study_schema.yaml, shipped as package data)."""
    text = importlib.resources.files("analysis").joinpath("study_schema.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _table_spec(name: str) -> dict[str, Any]:
    return load_schema()["tables"][name]
