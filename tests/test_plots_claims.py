"""Plot helpers of notebooks 00, 02 and 06 on tiny hand-made tables: figures, axes, labels, tables."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.claims import CLAIMS, ClaimTables  # noqa: E402
from analysis.errors import AnalysisError  # noqa: E402
from analysis.models import power_curves  # noqa: E402
from analysis.plots import claims as pc  # noqa: E402
from analysis.plots import power as pp
from analysis.power import PartDesign  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _claims_df() -> pd.DataFrame:
    parts_c1 = [
        {
            "part": "gluteus_maximus",
            "verdict": "supported",
            "unit": "% change at 4 lb",
            "estimate": 15.0,
            "ci95": [12.5, 17.5],
            "ci90": [13.0, 17.0],
            "method": "m",
        },
        {
            "part": "gastrocnemius_medialis",
            "verdict": "inconclusive",
            "unit": "% change at 4 lb",
            "estimate": 10.0,
            "ci95": [2.0, 19.0],
            "ci90": [3.0, 18.0],
            "method": "m",
        },
    ]
    parts_c2 = [
        {"part": "knee extension velocity", "verdict": "not testable", "unit": "%", "missing": "kinematics"},
        {"part": "hip hiking", "verdict": "not testable", "unit": "°", "missing": "kinematics"},
    ]
    rows = [
        {
            "claim_id": "C1",
            "verdict": "inconclusive",
            "estimate": 15.0,
            "ci95_low": 12.5,
            "ci95_high": 17.5,
            "ci90_low": 13.0,
            "ci90_high": 17.0,
            "unit": "%",
            "claimed_range": "[12, 18] %",
            "n_subjects": 12,
            "mde": 4.2,
            "n_needed": 48,
            "notes": "a",
            "parts": json.dumps(parts_c1),
        },
        {
            "claim_id": "C2",
            "verdict": "not testable",
            "estimate": math.nan,
            "ci95_low": math.nan,
            "ci95_high": math.nan,
            "ci90_low": math.nan,
            "ci90_high": math.nan,
            "unit": "",
            "claimed_range": "",
            "n_subjects": 0,
            "mde": math.nan,
            "n_needed": math.nan,
            "notes": "needs kinematics",
            "parts": json.dumps(parts_c2),
        },
        {
            "claim_id": "C8",
            "verdict": "contradicted",
            "estimate": 0.9,
            "ci95_low": 0.8,
            "ci95_high": 1.02,
            "ci90_low": 0.82,
            "ci90_high": 1.0,
            "unit": "rate ratio",
            "claimed_range": "IRR",
            "n_subjects": 300,
            "mde": math.nan,
            "n_needed": math.nan,
            "notes": "",
            "parts": "[]",
        },
    ]
    return pd.DataFrame(rows)


def test_claim_requirements_quotes_every_claim_exactly():
    req = pc.claim_requirements()
    assert list(req["claim_id"]) == list(CLAIMS)
    assert list(req["quote"]) == [CLAIMS[c].quote for c in CLAIMS]
    assert req["data_needed"].str.len().min() > 0


def test_display_table_shows_n_needed_only_for_inconclusive_and_says_not_computed():
    df = _claims_df()
    out = pc.claims_display_table(df)
    assert list(out["claim"]) == ["C1", "C2", "C8"]
    assert out.loc[0, "n needed"] == "48 subjects" and out.loc[0, "95 % CI"] == "12.5 to 17.5"
    assert out.loc[1, "estimate"] == "" and out.loc[1, "MDE"] == ""
    assert out.loc[2, "n needed"] == "" and out.loc[2, "MDE"] == "not computed"
    df.loc[0, "n_needed"] = math.nan
    assert pc.claims_display_table(df).loc[0, "n needed"] == "not computed"


def test_claim_parts_expands_parts_and_keeps_claims_without_parts():
    parts = pc.claim_parts(_claims_df())
    assert list(parts["claim_id"]) == ["C1", "C1", "C2", "C2", "C8"]
    assert parts.loc[1, "ci90_high"] == 18.0
    assert parts.loc[4, "part"] == "(whole claim)" and math.isnan(parts.loc[4, "estimate"])


def test_claimed_zone_uses_the_tolerances():
    z = pc.claimed_zone("C1", "gluteus_maximus")
    assert (z.low, z.high, z.null) == (12.0, 18.0, 0.0)
    assert pc.claimed_zone("C1", "x", {"C1_range_pct": (10.0, 20.0)}).low == 10.0
    hip = pc.claimed_zone("C2", "hip hiking")
    assert hip.high == -1.0 and hip.low == -math.inf
    c8 = pc.claimed_zone("C8", "irr")
    assert (c8.low, c8.high, c8.point, c8.null) == (1.10, 1.30, 1.19, 1.0)
    assert pc.claimed_zone("C6", "knee joint force").high == 5.0
    with pytest.raises(AnalysisError, match="unknown claim"):
        pc.claimed_zone("C42", "x")


def test_forest_figure_one_panel_per_claim_and_unit():
    fig = pc.forest_figure(_claims_df())
    # C1 (one unit), C2 (velocity % and hip hiking °: two panels), C8
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title(loc="left") == "C1: inconclusive"
    assert fig.axes[0].get_xlabel() == "% change in EMG at 4 lb"
    assert fig.axes[2].get_xlabel().startswith("°")
    assert fig.axes[3].get_xlabel() == "knee-injury rate ratio, early vs late"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][1].startswith("gastrocnemius")


def test_report_links_are_relative_html():
    html = pc.report_links_html([("02_activation_vs_load.html", "EMG vs load")])
    assert 'href="02_activation_vs_load.html"' in html and "http" not in html


# --------------------------------------------------------------------------- power
def _design(sd=0.1, true=0.2):
    from analysis.claims import verdict_directional

    return PartDesign("p", "one_sample", sd, true, lambda e: verdict_directional(e, 0.05, +1))


def test_power_curves_probabilities_sum_to_one_and_n_needed_matches_the_rule():
    curves = power_curves.power_curves([_design()], n_grid=(4, 8, 64), reps=30, rng=np.random.default_rng(1))
    sums = curves.groupby(["n", "scenario"])["probability"].sum()
    assert np.allclose(sums, 1.0)
    assert set(curves["verdict"]) == {"supported", "contradicted", "inconclusive"}
    big = curves[(curves["n"] == 64)].set_index(["scenario", "verdict"])["probability"]
    assert big[("claim true", "supported")] == 1.0  # effect 2 SD, n = 64: always beyond the SESOI
    n = power_curves.n_needed_from_curves(curves)
    wide = curves.pivot_table(index="n", columns=["scenario", "verdict"], values="probability")
    assert n is not None
    assert wide.loc[n, ("claim true", "supported")] >= 0.8 and wide.loc[n, ("no effect", "contradicted")] >= 0.8
    assert all(
        not (wide.loc[k, ("claim true", "supported")] >= 0.8 and wide.loc[k, ("no effect", "contradicted")] >= 0.8)
        for k in wide.index
        if k < n
    )
    with pytest.raises(AnalysisError):
        power_curves.power_curves([], reps=5)


def test_n_needed_is_none_when_the_grid_is_too_small():
    curves = power_curves.power_curves(
        [_design(sd=1.0, true=0.1)], n_grid=(4, 8), reps=20, rng=np.random.default_rng(2)
    )
    assert power_curves.n_needed_from_curves(curves) is None


def test_power_curve_figure_two_panels_with_labels():
    curves = power_curves.power_curves([_design()], n_grid=(4, 8), reps=10, rng=np.random.default_rng(3))
    fig = pp.power_curve_figure(curves, "C1", n_needed=8, n_current=6)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel() == "subjects (total n)"
    assert fig.axes[0].get_ylabel() == "probability of verdict"
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "P(supported)" in labels and "n needed = 8" in labels and "this study: n = 6" in labels


def test_claim_designs_reports_why_not_testable():
    designs, why = power_curves.claim_designs(ClaimTables(synthetic=True), "C3")
    assert designs == [] and why.startswith("not testable: needs")
    with pytest.raises(AnalysisError, match="unknown claim"):
        power_curves.claim_designs(ClaimTables(), "C0")


def test_power_summary_short_reason_units_and_details():
    assert pp.short_reason("", 2) == "simulated (2 parts, each must pass)"
    assert pp.short_reason("", 1) == "simulated"
    assert pp.short_reason("not testable: needs EMG features") == "not testable here (data missing)"
    assert (
        pp.short_reason("no simulation design (MDE / n needed from analysis.injury)")
        == "power in closed form (claim's own analysis)"
    )
    assert (
        pp.mde_unit("% change at 4 lb (gluteus_maximus; all parts in 'parts')") == "% change at 4 lb (gluteus maximus)"
    )
    lines = pp.design_details([_design(sd=0.0302, true=0.14)])
    assert lines == ["p: between-subject SD 0.0302, assumed true effect 0.14 (log scale)"]
    html = pp.power_details_html({"C1": ("simulated from 1 part(s)", lines)})
    assert html.startswith("<details><summary><b>C1</b>") and "<li>p: between-subject SD 0.0302" in html


def test_overview_html_helpers_escape_and_count():
    df = pd.DataFrame({"verdict": ["supported", "supported", "inconclusive"]})
    counts = pc.verdict_counts_html(df, ("supported", "contradicted", "inconclusive", "not testable"))
    assert "<b>supported</b>: 2" in counts and "<b>contradicted</b>: 0" in counts and "not testable</b>: 0" in counts
    assert pc.written_files_html(Path("a<b>.csv")) == "<p>Written: <code>a&lt;b&gt;.csv</code></p>"
    shown = pc.claim_requirements_html(pc.claim_requirements())
    assert shown.count("<h4>") == len(CLAIMS) and "Estimand:" in shown
