"""Shared fixtures: where the real recordings are, and skipping cleanly when ../shared is absent; the hypothesis
profile (CI: the same examples every run, so a red CI is reproducible; elsewhere: a fresh random search)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from analysis.paths import SHARED_REAL_DIR, VENDORED_REAL_DIR

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def vendored_real() -> Path:
    """tests/data/real: permissively licensed recordings copied into the repo (MIT, Apache-2.0, CC BY 4.0)."""
    return VENDORED_REAL_DIR


@pytest.fixture
def shared_real() -> Path:
    """../shared/data/real: only for files we may not vendor (GPL); skips with a reason when absent."""
    if not SHARED_REAL_DIR.is_dir():
        pytest.skip(f"{SHARED_REAL_DIR} is absent: GPL-licensed recordings are not vendored into the repo")
    return SHARED_REAL_DIR
