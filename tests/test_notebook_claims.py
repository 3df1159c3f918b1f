"""Claims evaluated once per reproduce run and shared by the notebooks (analysis.claim_cache)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import claim_cache
from analysis.claims import ClaimTables


def _tables(value: float = 1.0) -> ClaimTables:
    return ClaimTables(
        emg=pd.DataFrame({"subject_id": ["s1", "s2"], "mean_pct_mvc": [value, 2.0], "parts": [[1], [2]]}),
        subjects=pd.DataFrame({"subject_id": ["s1", "s2"]}),
        synthetic=True,
    )


@pytest.fixture
def calls(monkeypatch):
    """Replace the (slow) evaluation by a fake that records its arguments."""
    seen: list[dict] = []

    def fake_evaluate(tables, *, only=None, **settings):
        seen.append({"only": only, **settings})
        ids = list(only) if only is not None else [f"C{i}" for i in range(1, 10)]
        return pd.DataFrame({"claim_id": ids, "verdict": "inconclusive", "power_reps": settings.get("power_reps")})

    monkeypatch.setattr("analysis.claims.evaluate_claims", fake_evaluate)
    return seen


def test_key_follows_content_and_analysis_settings_not_power():
    base = claim_cache.claims_key(_tables(), {"seed": 0})
    assert base == claim_cache.claims_key(_tables(), {"seed": 0})
    assert base != claim_cache.claims_key(_tables(1.5), {"seed": 0})
    assert base != claim_cache.claims_key(_tables(), {"seed": 1})
    assert base != claim_cache.claims_key(_tables(), {"seed": 0, "n_boot": 30})
    assert base == claim_cache.claims_key(_tables(), {"seed": 0, "power": False, "power_reps": 7})


def test_reproduce_evaluates_once_and_every_notebook_reads_it(tmp_path, calls):
    tables = _tables()
    claim_cache.evaluate_and_store(tables, tmp_path)
    assert len(calls) == 1 and calls[0]["power"] is True and calls[0]["only"] is None
    overview = claim_cache.shared_claims(tables, tmp_path)  # notebook 00: all claims, with power
    force = claim_cache.shared_claims(tables, tmp_path, only=["C7", "C6"], seed=0, power=False)  # notebook 03
    assert len(calls) == 1, "a notebook evaluated the claims again"
    assert len(overview) == 9 and force["claim_id"].tolist() == ["C6", "C7"]


def test_other_settings_or_data_fall_back_to_evaluating(tmp_path, calls):
    tables = _tables()
    claim_cache.evaluate_and_store(tables, tmp_path)
    claim_cache.shared_claims(tables, tmp_path, only=["C8"], seed=3, power=False)
    assert calls[-1]["only"] == ["C8"] and calls[-1]["seed"] == 3
    claim_cache.shared_claims(tables, tmp_path, power=True, power_reps=5)  # power with other reps
    assert len(calls) == 3 and calls[-1]["power_reps"] == 5
    claim_cache.shared_claims(_tables(9.0), tmp_path, only=["C1"], power=False)  # other data
    assert len(calls) == 4


def test_a_lone_notebook_asking_for_all_claims_stores_them_for_the_next(tmp_path, calls):
    tables = _tables()
    assert claim_cache.cached_claims(tables, tmp_path) is None
    claim_cache.shared_claims(tables, tmp_path)
    claim_cache.shared_claims(tables, tmp_path, only=["C3"], power=False)
    assert len(calls) == 1


def test_an_unreadable_cache_file_is_ignored(tmp_path, calls):
    tables = _tables()
    path = claim_cache.cache_file(tmp_path, claim_cache.claims_key(tables, claim_cache.SUITE_SETTINGS))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    assert claim_cache.cached_claims(tables, tmp_path) is None
    assert len(claim_cache.shared_claims(tables, tmp_path)) == 9
