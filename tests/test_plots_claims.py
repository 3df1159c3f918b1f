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
from analysis.plots import emg_load as pe
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
    assert out.loc[0, "n needed"] == "48" and out.loc[0, "95 % CI"] == "[12.5, 17.5]"
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


# --------------------------------------------------------------------------- emg_load
def _emg(n_subjects: int = 4) -> pd.DataFrame:
    rows = []
    for s in range(n_subjects):
        for lb in (0.0, 4.0, 8.0):
            for m in ("gluteus_maximus", "soleus"):
                rows.append(
                    {
                        "subject_id": f"S{s}",
                        "muscle": m,
                        "exercise": "squat",
                        "phase": "whole",
                        "load_phase": "none" if lb == 0 else "full_range",
                        "load_lb": lb,
                        "load_pct_bw": lb / 2.2046 / 70 * 100,
                        "trial_id": f"S{s}-{lb:g}",
                        "mean_pct_mvc": 10.0 * (1.0 + 0.1 * s) * 1.15 ** (lb / 4),
                    }
                )
    return pd.DataFrame(rows)


def test_subject_load_means_averages_repetitions():
    emg = pd.concat([_emg(), _emg()]).reset_index(drop=True)
    emg.loc[emg.index[: len(emg) // 2], "mean_pct_mvc"] *= 1.2  # first copy 20 % higher: mean is 1.1x
    means = pe.subject_load_means(emg, ["gluteus_maximus"], ["squat"], "load_lb")
    assert len(means) == 4 * 3 and (means["n_trials"] == 2).all()
    one = means[(means["subject_id"] == "S0") & (means["load_lb"] == 0)]["mean_pct_mvc"].iloc[0]
    assert one == pytest.approx(11.0)


def test_fit_load_effects_recovers_an_exact_effect_and_refuses_tiny_groups():
    emg = _emg(4)
    rng = np.random.default_rng(0)
    emg["mean_pct_mvc"] *= np.exp(rng.normal(0, 0.01, len(emg)))
    fits = pe.fit_load_effects(emg, ["gluteus_maximus"], ["squat"], "load_lb")
    assert len(fits) == 1 and fits["effect_pct"].iloc[0] == pytest.approx(15.0, abs=1.5)
    assert fits["ci95_low"].iloc[0] < fits["effect_pct"].iloc[0] < fits["ci95_high"].iloc[0]
    small = pe.fit_load_effects(_emg(2), ["soleus"], None, "load_lb")
    assert math.isnan(small["effect_pct"].iloc[0]) and small["note"].iloc[0].startswith("not fitted")
    with pytest.raises(AnalysisError, match="load axis"):
        pe.fit_load_effects(emg, x="load_kg")


def test_activation_load_figure_has_a_panel_per_exercise_with_units():
    emg = pd.concat([_emg(), _emg().assign(exercise="step_up")])
    means = pe.subject_load_means(emg, ["gluteus_maximus"], None, "load_pct_bw")
    fig = pe.activation_load_figure(means, None, "gluteus_maximus", "load_pct_bw")
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlabel() == "ankle load per ankle (%BW)"
    assert "%MVC" in fig.axes[0].get_ylabel()
    assert len(fig.axes[0].lines) == 4  # one line per subject
    with pytest.raises(AnalysisError, match="no EMG rows"):
        pe.activation_load_figure(means, None, "soleus")


def test_envelope_figure_rows_muscles_columns_loaded_phases_with_reference():
    grid = np.linspace(0, 100, 5)
    rows = []
    for m in ("gluteus_maximus", "soleus"):
        for phase, pct in (("none", 0.0), ("full_range", 5.0), ("full_range", 10.0), ("mid_range", 5.0)):
            rows.append(
                pd.DataFrame(
                    {
                        "trial_id": f"{phase}{pct}",
                        "load_phase": phase,
                        "load_pct_bw": pct,
                        "load_lb": pct * 1.5,
                        "muscle": m,
                        "pct_time": grid,
                        "pct_mvc": grid + pct,
                    }
                )
            )
    fig = pe.envelope_figure(pd.concat(rows))
    assert len(fig.axes) == 4  # 2 muscles x (full_range, mid_range)
    ax = fig.axes[0]
    assert ax.get_title() == "gluteus_maximus, load phase: full_range"
    assert len(ax.lines) == 3  # unloaded reference + two load levels
    assert ax.get_ylabel() == "EMG envelope (%MVC)"
    with pytest.raises(AnalysisError):
        pe.envelope_figure(pd.DataFrame(columns=["muscle", "load_phase", "load_pct_bw"]))


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


def test_activation_figure_rows_per_muscle_and_phase_effects_and_table():
    emg = pd.concat(
        [
            _emg(),
            _emg().assign(phase="eccentric"),
            _emg().assign(phase="concentric", mean_pct_mvc=lambda d: d["mean_pct_mvc"] * 1.0),
        ]
    )
    rng = np.random.default_rng(0)
    emg["mean_pct_mvc"] *= np.exp(rng.normal(0, 0.01, len(emg)))
    whole = emg[emg["phase"] == "whole"]
    means = pe.subject_load_means(whole, None, None, "load_lb")
    fits = pe.fit_load_effects(whole, None, None, "load_lb")
    fig = pe.activation_load_figure(means, fits, ["gluteus_maximus", "soleus"], "load_lb")
    assert len(fig.axes) == 2  # one row per muscle (one phase), one exercise column
    assert fig.axes[1].get_ylabel() == "soleus, whole\nmean EMG (%MVC)"
    split = pe.fit_load_effects(emg[emg["phase"] != "whole"], None, None, "load_lb")
    fig = pe.phase_effects_figure(split, ["gluteus_maximus", "soleus"], "load_lb")
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel() == "change in mean EMG (% per 4 lb)"
    table = pe.load_effects_table(pd.concat([fits, split]))
    assert list(table.columns) == [
        "muscle",
        "exercise",
        "phase",
        "effect per 4 lb (%)",
        "95 % CI per 4 lb (%)",
        "subjects (n)",
        "trials (n)",
        "model",
    ]
    assert len(table) == 6 and (table["subjects (n)"] == 4).all()
    assert table["effect per 4 lb (%)"].between(13.5, 16.5).all()  # true effect 1.15 per 4 lb
    assert table["95 % CI per 4 lb (%)"].str.match(r"^\[\+\d+\.\d, \+\d+\.\d\]$").all()
    with pytest.raises(AnalysisError, match="no fitted load effects"):
        pe.phase_effects_figure(split, ["vastus_lateralis"])


def test_overview_html_helpers_escape_and_count():
    df = pd.DataFrame({"verdict": ["supported", "supported", "inconclusive"]})
    counts = pc.verdict_counts_html(df, ("supported", "contradicted", "inconclusive", "not testable"))
    assert "<b>supported</b>: 2" in counts and "<b>contradicted</b>: 0" in counts and "not testable</b>: 0" in counts
    assert pc.written_files_html(Path("a<b>.csv")) == "<p>Written: <code>a&lt;b&gt;.csv</code></p>"
    shown = pc.claim_requirements_html(pc.claim_requirements())
    assert shown.count("<h4>") == len(CLAIMS) and "Estimand:" in shown
