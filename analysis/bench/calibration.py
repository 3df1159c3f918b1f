"""Calibration benchmark (``anklelab bench calibration``): are the verdicts' error rates and the intervals' coverage
what the rules promise (analysis.claims.verdicts)?

Studies are drawn at the level of the claim tables (:func:`analysis.simulate.tables.simulate_claim_tables`, the
signal simulator's generative model without signals) under each scenario, and the verdict engine
(``evaluate_claims``, two-stage estimators, no power loops) runs on each. Per claim and part it reports verdict
frequencies and the coverage of the 95 % CI of the part's true value, each with a Wilson 95 % interval. Targets
(issue 16): claims scenario P(claim contradicted) ≤ 2.5 %; null P(claim supported) ≤ 5 %; every part's coverage
in 93–97 %. ``signals=True`` also runs the full path (simulate_study → extract_features → MixedLM claims) on a
few seeds and compares its estimates with the table-level ones.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing as mp
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from analysis.simulate.scenarios import SIZES_SPEC
from analysis.simulate.tables import _c6_ratios, simulate_claim_tables, study_parameters
from analysis.simulate.truth import c3_hinge_at_claim

SCENARIOS = ("claims", "null", "realistic")
#: seeds per scenario: the full run (issue 16: >= 1,000) and --quick
N_SEEDS, N_SEEDS_QUICK = 1000, 60
#: targets (issue 16)
MAX_P_CONTRADICTED_CLAIMS = 0.025
MAX_P_SUPPORTED_NULL = 0.05
COVERAGE_RANGE = (0.93, 0.97)
COLUMNS = [
    "measurement",
    "scenario",
    "claim",
    "part",
    "n",
    "p_supported",
    "p_contradicted",
    "p_inconclusive",
    "coverage95",
    "coverage_ci_low",
    "coverage_ci_high",
    "target",
    "meets_target",
]


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n."""
    if n == 0:
        return (math.nan, math.nan)
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (0.0 if k == 0 else max(centre - half, 0.0), 1.0 if k == n else min(centre + half, 1.0))


def part_truths(scenario: str, size: str = "demo") -> dict[str, list[float]]:
    """True value of each claim part's estimand in the units the claims table reports (natural scale), in part order;
    NaN where the estimand does not exist (C9's psi1 without a hinge)."""
    p = study_parameters(scenario, size)
    e, c5, tr, kin, inj = p["emg"], p["c5"], p["training"], p["kinematics"], p["injury"]
    pct = lambda v: 100.0 * (math.exp(v) - 1.0)  # noqa: E731
    c1 = [
        float(np.mean([e["slope_per_4lb"][m][ex] for ex in ("squat", "split_squat", "step_up")]))
        for m in ("gluteus_maximus", "gastrocnemius_medialis")
    ]
    grf, jrf = _c6_ratios(scenario)
    return {
        "C1": [pct(v) for v in c1],
        "C2": [
            pct(tr["knee_ext_velocity_log_change"]["trained"] - tr["knee_ext_velocity_log_change"]["control"]),
            tr["hip_hike_change_deg"]["trained"] - tr["hip_hike_change_deg"]["control"],
        ],
        "C3": [c3_hinge_at_claim(kin, p["design"]["loads_pct_bw"], p["subjects"]["body_mass_kg"])],
        "C4": [
            pct(
                (tr["cmj_log_change"]["eccentric_only"] - tr["sj_log_change"]["eccentric_only"])
                - (tr["cmj_log_change"]["control"] - tr["sj_log_change"]["control"])
            ),
            tr["jps_change_deg"]["mid_range"] - tr["jps_change_deg"]["control"],
        ],
        "C5": [pct(c5["delta"][m]) for m in ("soleus", "gastrocnemius_medialis", "vastus_lateralis")],
        "C6": [pct(math.log(grf)), pct(math.log(jrf))],
        "C7": [pct(tr["rfd_log_change"]["trained"] - tr["rfd_log_change"]["control"])],
        "C8": [inj["irr"]["early"] / inj["irr"]["late"]],
        "C9": [kin["psi1_pct_bw_per_kg"] if kin["hinge_slope_deg_per_pct_bw"] > 0 else math.nan],
    }


def _one_study(scenario: str, seed: int, size: str) -> list[dict[str, Any]]:
    """Every claim's verdict and every part's verdict, estimate and 95 % CI for one table-level study."""
    from analysis.claims import evaluate_claims

    tables = simulate_claim_tables(scenario, seed, size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = evaluate_claims(tables, seed=seed, power=False, n_boot=0, estimator="two_stage")
    rows = []
    for _, r in df.iterrows():
        parts = json.loads(r["parts"])
        rows.append({"seed": seed, "claim": r["claim_id"], "part": -1, "verdict": r["verdict"]})
        for i, part in enumerate(parts):
            lo, hi = part.get("ci95", [math.nan, math.nan])
            rows.append(
                {
                    "seed": seed,
                    "claim": r["claim_id"],
                    "part": i,
                    "name": part["part"],
                    "verdict": part["verdict"],
                    "estimate": part.get("estimate", math.nan),
                    "lo": math.nan if lo is None else float(lo),
                    "hi": math.nan if hi is None else float(hi),
                    # a confidence set with gaps (C9's inverted test): coverage is membership of the set
                    "set": json.dumps(part["ci95_set"]) if part.get("ci95_set") else "",
                }
            )
    return rows


def _chunk(args: tuple[str, list[int], str]) -> list[dict[str, Any]]:
    scenario, seeds, size = args
    out = []
    for s in seeds:
        out.extend(_one_study(scenario, s, size))
    return out


@contextlib.contextmanager
def _single_threaded_blas():
    """One BLAS thread per worker process while the pool starts (spawned workers read it at import): with a process
    per core, BLAS's own threads only compete with the other worker (0.48 -> 0.29 CPU-s per study, measured)."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: "1" for k in names})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def simulate_verdicts(
    scenario: str, n_seeds: int, *, size: str = "demo", workers: int | None = None, progress_every: int = 10
) -> pd.DataFrame:
    """Long table of verdicts (and part estimates/CIs) over seeds 0..n_seeds-1, in a process pool."""
    workers = workers or min(2, os.cpu_count() or 1)
    chunks = [(scenario, list(range(i, min(i + 10, n_seeds))), size) for i in range(0, n_seeds, 10)]
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()

    def progress(done: int) -> None:
        if progress_every and (done % progress_every == 0 or done == len(chunks)):
            print(
                f"calibration {scenario}: {min(10 * done, n_seeds)}/{n_seeds} studies, {time.perf_counter() - t0:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    if workers > 1:
        with _single_threaded_blas(), ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            for done, part in enumerate(pool.map(_chunk, chunks), start=1):
                rows.extend(part)
                progress(done)
    else:
        for done, c in enumerate(chunks, start=1):
            rows.extend(_chunk(c))
            progress(done)
    return pd.DataFrame(rows)


def summarise(scenario: str, long: pd.DataFrame, truths: dict[str, list[float]]) -> pd.DataFrame:
    """Per claim (part = "claim") and part: verdict frequencies, 95 % coverage with Wilson intervals, target, met."""
    out = []
    for (claim, part), g in long.groupby(["claim", "part"], sort=True):
        n = len(g)
        freq = {v: float((g["verdict"] == v).mean()) for v in ("supported", "contradicted", "inconclusive")}
        row: dict[str, Any] = {"scenario": scenario, "claim": claim, "n": n}
        row.update({f"p_{k}": v for k, v in freq.items()})
        if part < 0:
            row["part"] = "claim"
            k_s, k_c = int((g["verdict"] == "supported").sum()), int((g["verdict"] == "contradicted").sum())
            if scenario == "claims":
                lo, hi = wilson(k_c, n)
                row.update(
                    target=f"P(contradicted) <= {MAX_P_CONTRADICTED_CLAIMS:g} [{lo:.3f}, {hi:.3f}]",
                    meets_target=freq["contradicted"] <= MAX_P_CONTRADICTED_CLAIMS,
                )
            elif scenario == "null":
                lo, hi = wilson(k_s, n)
                row.update(
                    target=f"P(supported) <= {MAX_P_SUPPORTED_NULL:g} [{lo:.3f}, {hi:.3f}]",
                    meets_target=freq["supported"] <= MAX_P_SUPPORTED_NULL,
                )
            else:
                row.update(target="", meets_target=None)
        else:
            row["part"] = str(g["name"].iloc[0])
            truth = truths.get(claim, [])[part] if part < len(truths.get(claim, [])) else math.nan
            ok = g[np.isfinite(g["lo"].astype(float)) | np.isfinite(g["hi"].astype(float))]
            if np.isfinite(truth) and len(g):
                covered = ((g["lo"].fillna(math.inf) <= truth) & (truth <= g["hi"].fillna(-math.inf))).to_numpy()
                if "set" in g.columns:  # the set, not its hull, where the part reports one (a hull over-covers)
                    segs = [json.loads(v) if isinstance(v, str) and v else None for v in g["set"]]
                    covered = np.array(
                        [c if s is None else any(lo <= truth <= hi for lo, hi in s) for c, s in zip(covered, segs)]
                    )
                k = int(covered.sum())
                lo, hi = wilson(k, n)
                row.update(coverage95=k / n, coverage_ci_low=lo, coverage_ci_high=hi)
                row.update(
                    target=f"coverage in [{COVERAGE_RANGE[0]:g}, {COVERAGE_RANGE[1]:g}]",
                    meets_target=COVERAGE_RANGE[0] <= k / n <= COVERAGE_RANGE[1],
                )
            else:
                row.update(target="no true value (estimand undefined)" if len(ok) else "", meets_target=None)
        out.append(row)
    table = pd.DataFrame(out)
    table["measurement"] = table["scenario"] + " " + table["claim"] + " " + table["part"]
    return table.reindex(columns=COLUMNS)


def _signals(n_seeds: int) -> pd.DataFrame:
    """Full path on a few seeds (demo size, claims scenario): simulate_study -> extract_features -> evaluate_claims
    (MixedLM), part estimates next to the mean of the table-level estimates over the same seeds."""
    import tempfile
    from pathlib import Path

    from analysis.claim_cache import claim_tables_for
    from analysis.claims import evaluate_claims
    from analysis.features import extract_features
    from analysis.simulate import simulate_study
    from analysis.study import load_study

    rows = []
    with tempfile.TemporaryDirectory(prefix="anklelab-calib-") as tmp:
        for seed in range(n_seeds):
            path = simulate_study(Path(tmp) / f"s{seed}", "claims", seed=seed, progress=False)
            study = load_study(path)
            f = extract_features(study, scheduler="serial", progress=False)
            tables = claim_tables_for(study, f)  # the same tables the reports build
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = evaluate_claims(tables, seed=seed, power=False, n_boot=0)
            for _, r in df.iterrows():
                for i, part in enumerate(json.loads(r["parts"])):
                    rows.append(
                        {
                            "path": "signals",
                            "seed": seed,
                            "claim": r["claim_id"],
                            "part": i,
                            "estimate": part.get("estimate", math.nan),
                        }
                    )
    table = pd.DataFrame(rows)
    long = simulate_verdicts("claims", n_seeds, workers=1)
    long = long[long["part"] >= 0]
    sig = table.groupby(["claim", "part"])["estimate"].mean().rename("signal_mean")
    tab = long.groupby(["claim", "part"])["estimate"].mean().rename("table_mean")
    sd = long.groupby(["claim", "part"])["estimate"].std().rename("table_sd")
    return pd.concat([sig, tab, sd], axis=1).reset_index()


def run(
    quick: bool = False,
    *,
    n_seeds: int | None = None,
    signals: bool = False,
    workers: int | None = None,
    size: str = "demo",
) -> pd.DataFrame:
    """The calibration table over the three scenarios (``quick``: 60 seeds each)."""
    if size not in SIZES_SPEC:
        raise ValueError(f"unknown size {size!r}")
    n = n_seeds or (N_SEEDS_QUICK if quick else N_SEEDS)
    frames = []
    t0 = time.perf_counter()
    for scenario in SCENARIOS:
        long = simulate_verdicts(scenario, n, size=size, workers=workers)
        frames.append(summarise(scenario, long, part_truths(scenario, size)))
    table = pd.concat(frames, ignore_index=True)
    table.attrs["seconds"] = time.perf_counter() - t0
    table.attrs["n_seeds"] = n
    if signals:
        table.attrs["signals"] = _signals(2 if quick else 3)
    return table
