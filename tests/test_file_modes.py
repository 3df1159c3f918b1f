"""Every writer of the suite gives its files the umask's mode (0666 & ~umask), not mkstemp's 0600: a lab's web
server or colleagues must be able to read derived tables, claims tables and reports (issue 18)."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from analysis.claims.output import write_claims_table
from analysis.features.encoding import _write_bytes_atomic
from analysis.io import save_table


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_tables_claims_and_cache_files_are_0644_under_umask_022(tmp_path, umask_022):
    df = pd.DataFrame({"claim_id": ["C1"], "estimate": [1.0]})
    assert _mode(save_table(df, tmp_path / "t.csv")) == 0o644
    save_table(df, tmp_path / "t.parquet")
    assert _mode(tmp_path / "t.parquet") == 0o644
    csv, js = write_claims_table(df, tmp_path / "claims")
    assert _mode(csv) == 0o644 and _mode(js) == 0o644
    _write_bytes_atomic(b"x", tmp_path / "derived" / "x.parquet")
    assert _mode(tmp_path / "derived" / "x.parquet") == 0o644


def test_a_stricter_umask_is_respected(tmp_path):
    old = os.umask(0o077)
    try:
        save_table(pd.DataFrame({"a": [1]}), tmp_path / "private.csv")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "private.csv") == 0o600
