"""Calibration benchmark: a seeded smoke run (the full run is ``anklelab bench calibration``), the table-level
simulator's agreement with the scenario parameters and with the signal simulator, and the Wilson interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.bench import SUITES, missed_targets
from analysis.bench import calibration as cb
from analysis.simulate.tables import simulate_claim_tables


def test_wilson_interval_known_values():
    lo, hi = cb.wilson(95, 100)
    assert lo == pytest.approx(0.8882, abs=1e-3) and hi == pytest.approx(0.9785, abs=1e-3)
    assert cb.wilson(0, 50)[0] == 0.0


def test_calibration_is_a_registered_suite():
    assert "calibration" in SUITES


def test_table_level_studies_are_seeded_and_complete():
    a, b = simulate_claim_tables("claims", 3), simulate_claim_tables("claims", 3)
    assert a.emg.equals(b.emg) and a.injuries.equals(b.injuries)
    assert not simulate_claim_tables("claims", 4).emg.equals(a.emg)
    assert {"mean_pct_mvc", "load_lb", "duration_s"} <= set(a.emg.columns)
    assert set(a.subjects["group"]) >= {"acute", "control", "eccentric_only", "mid_range", "full_range"}


def test_smoke_calibration_run_counts_and_truths():
    """A few seeds per scenario through the same code as the full run: every claim and part appears, the truths line
    up with the parts, and no claim of the claims scenario is contradicted on these seeds."""
    tables = []
    for scenario in ("claims", "null"):
        long = cb.simulate_verdicts(scenario, 4, workers=1, progress_every=0)
        truths = cb.part_truths(scenario)
        summary = cb.summarise(scenario, long, truths)
        claims = summary[summary["part"] == "claim"]
        assert list(claims["claim"]) == [f"C{i}" for i in range(1, 10)]
        assert (claims["n"] == 4).all()
        for cid, values in truths.items():
            assert (summary["claim"] == cid).sum() == len(values) + 1, cid
        tables.append(summary)
    claims_summary, null_summary = tables
    c = claims_summary[claims_summary["part"] == "claim"].set_index("claim")
    assert (c["p_contradicted"] == 0).all(), c["p_contradicted"].to_dict()
    n = null_summary[null_summary["part"] == "claim"].set_index("claim")
    assert (n["p_supported"] == 0).all(), n["p_supported"].to_dict()
    assert missed_targets({"calibration": claims_summary[claims_summary["part"] == "claim"]}) == []


@pytest.mark.slow
def test_table_level_estimates_match_the_truth_in_mean():
    """Over 40 table-level studies the part estimates centre on the scenario's true values (bias < 3 SE)."""
    long = cb.simulate_verdicts("claims", 40, workers=1, progress_every=0)
    truths = cb.part_truths("claims")
    parts = long[long["part"] >= 0]
    for (cid, i), g in parts.groupby(["claim", "part"]):
        truth = truths[cid][i]
        est = g["estimate"].to_numpy(float)
        est = est[np.isfinite(est)]
        if not math.isfinite(truth) or cid == "C9" or est.size < 10:
            continue  # C9: the profile estimate of a breakpoint slope is not mean-unbiased
        se = est.std(ddof=1) / math.sqrt(est.size)
        assert abs(est.mean() - truth) < 3 * se + 1e-9, (cid, i, est.mean(), truth, se)


@pytest.mark.slow
def test_table_level_and_signal_level_estimates_agree_in_mean(tmp_path):
    """The table-level simulator draws from the signal simulator's model: on 2 small signal-level studies the part
    estimates lie within 4 SD (table-level spread over 30 seeds, per study) of the table-level mean."""
    import warnings

    from analysis.claims import ClaimTables, evaluate_claims
    from analysis.features import extract_features
    from analysis.simulate import simulate_study
    from analysis.study import load_study

    long = cb.simulate_verdicts("claims", 30, size="small", workers=1, progress_every=0)
    long = long[long["part"] >= 0]
    mean = long.groupby(["claim", "part"])["estimate"].mean()
    sd = long.groupby(["claim", "part"])["estimate"].std()
    checked = 0
    for seed in (0, 1):
        study = load_study(simulate_study(tmp_path / f"s{seed}", "claims", seed=seed, size="small", progress=False))
        f = extract_features(study, scheduler="serial", progress=False)
        tables = ClaimTables(f.emg, f.force, f.kinematics, study.measures, study.subjects, study.trials, None, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = evaluate_claims(tables, only=["C1", "C5", "C6"], power=False, n_boot=0, estimator="two_stage")
        import json

        for _, row in df.iterrows():
            for i, part in enumerate(json.loads(row["parts"])):
                key = (row["claim_id"], i)
                if "estimate" not in part or key not in mean.index:
                    continue
                assert abs(part["estimate"] - mean[key]) < 4 * sd[key] + 0.5, (key, part["estimate"], mean[key])
                checked += 1
    assert checked >= 8


def test_coverage_counts_membership_of_a_confidence_set_not_its_hull():
    """C9's part reports its 95 % set when it has gaps: a true value in a gap is not covered, though the hull holds
    it; a part without a set is judged on [lo, hi]."""
    import json

    import pandas as pd

    long = pd.DataFrame(
        [
            {
                "seed": 0,
                "claim": "C9",
                "part": 0,
                "name": "psi1",
                "verdict": "inconclusive",
                "estimate": 0.2,
                "lo": -0.4,
                "hi": 0.4,
                "set": json.dumps([[-0.4, -0.1], [0.1, 0.4]]),
            },
            {
                "seed": 1,
                "claim": "C9",
                "part": 0,
                "name": "psi1",
                "verdict": "inconclusive",
                "estimate": 0.05,
                "lo": -0.1,
                "hi": 0.2,
                "set": "",
            },
            {
                "seed": 2,
                "claim": "C9",
                "part": 0,
                "name": "psi1",
                "verdict": "inconclusive",
                "estimate": 0.05,
                "lo": -math.inf,
                "hi": 0.2,
                "set": json.dumps([[-math.inf, -0.2], [0.0, 0.2]]),
            },
        ]
    )
    row = cb.summarise("claims", long, {"C9": [0.066]}).set_index("part").loc["psi1"]
    assert row["coverage95"] == pytest.approx(2 / 3)  # seed 0: 0.066 falls in the gap (-0.1, 0.1)
