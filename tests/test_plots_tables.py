"""analysis.plots.tables: how numbers, units, notes and warnings are shown to a reader."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis.plots import tables as t


def test_format_value_rounds_to_three_significant_digits_or_given_decimals():
    assert t.format_value(0.313857) == "0.314"
    assert t.format_value(26.713346) == "26.7"
    assert t.format_value(13621.837) == "13,622"
    assert t.format_value(1.17e-06) == "0.0000012"
    assert t.format_value(750.305794, 0) == "750"
    assert t.format_value(math.nan) == "–" and t.format_value(None) == "–"
    assert t.format_value(True) == "yes" and t.format_value(np.int64(1234)) == "1,234"


def test_html_table_aligns_numbers_right_text_left_and_limits_rows():
    df = pd.DataFrame({"muscle": ["soleus", "gluteus_maximus", "x"], "value (mV)": [0.123456, 2.0, 3.0]})
    out = t.html_table(df, max_rows=2)
    assert "0.123" in out and "0.123456" not in out
    assert "text-align:right;white-space:nowrap;'>0.123<" in out
    assert "text-align:left;max-width:26em;'>soleus<" in out
    assert ">x<" not in out and "1 more rows" in out


def test_clean_unit_drops_internal_pointer_and_humanises():
    assert (
        t.clean_unit("% change at 4 lb (gluteus_maximus; all parts in 'parts')")
        == "% change at 4 lb (gluteus maximus; each part listed below)"
    )
    assert t.clean_unit("rate ratio") == "rate ratio" and t.clean_unit(math.nan) == ""


def test_parse_warning_lines_and_summary_group_by_kind():
    text = (
        "/a/features.py:10: EMGWarning: trial A01-x: soleus reaches 107 % MVC\n"
        "  return emg.trial_features(result)\n"
        "/a/features.py:10: EMGWarning: trial A02-y: soleus reaches 120 % MVC\n"
        "something else\n"
    )
    found = t.parse_warning_lines(text)
    assert found == [
        ("EMGWarning", "trial A01-x: soleus reaches 107 % MVC"),
        ("EMGWarning", "trial A02-y: soleus reaches 120 % MVC"),
        ("output", "something else"),
    ]
    html = t.warnings_summary_html(found, "extracting features")
    assert "3 warning(s) while extracting features (2 kind(s))" in html
    assert "2 × muscle activity above 100 % of the maximal voluntary contraction (MVC)</b> (EMGWarning)" in html
    assert t.warnings_summary_html([], "x") == ""


def _claims():
    parts = [
        {
            "part": "gluteus_maximus",
            "verdict": "supported",
            "unit": "% change at 4 lb",
            "estimate": 15.0,
            "ci95": [12.5, 17.5],
            "ci90": [13.0, 17.0],
        },
        {
            "part": "gastrocnemius_medialis",
            "verdict": "not testable",
            "unit": "% change at 4 lb",
            "estimate": None,
            "missing": "no EMG for gastrocnemius_medialis",
        },
    ]
    return pd.DataFrame(
        [
            {
                "claim_id": "C1",
                "verdict": "supported",
                "estimate": 15.0,
                "ci95_low": 12.5,
                "ci95_high": 17.5,
                "unit": "% change at 4 lb (gluteus_maximus; all parts in 'parts')",
                "n_subjects": 12,
                "notes": "one model per muscle | Holm-adjusted p 0.01",
                "parts": json.dumps(parts),
            },
            {
                "claim_id": "C8",
                "verdict": "not testable",
                "estimate": math.nan,
                "ci95_low": math.nan,
                "ci95_high": math.nan,
                "unit": "rate ratio",
                "n_subjects": 0,
                "notes": "not testable: no injuries.csv | power not computed",
                "parts": "[]",
            },
        ]
    )


def test_claim_parts_table_one_row_per_part_with_missing_data():
    out = t.claim_parts_table(_claims())
    assert out["claim"].tolist() == ["C1", "C1", "C8"]
    assert out["part"].tolist() == ["gluteus maximus", "gastrocnemius medialis", "(whole claim)"]
    assert out.loc[0, "95 % CI"] == "12.5 to 17.5" and out.loc[1, "estimate"] == ""
    assert out.loc[1, "missing data"] == "no EMG for gastrocnemius_medialis"


def test_claim_notes_and_verdicts_are_read_from_the_table():
    notes = t.claim_notes_html(_claims())
    assert notes.count("<details>") == 2 and "<li>Holm-adjusted p 0.01</li>" in notes
    verdicts = t.claim_verdicts_html(_claims(), {"C1": "quote one", "C8": "quote eight"})
    assert "“quote one”" in verdicts and "<b>supported</b>; estimate 15 % change at 4 lb" in verdicts
    assert "95 % CI 12.5 to 17.5, 12 subjects" in verdicts
    assert "<b>not testable</b>; no injuries.csv." in verdicts


def test_old_paths_of_functions_moved_out_of_plots_still_resolve():
    """Fits and feature extraction left plots/ (issue 13); their old import paths keep working."""
    from analysis import notebook
    from analysis.models import breakpoint_bootstrap, power_curves, rate_ratios
    from analysis.plots import injury, kinematics, power

    assert t.feature_tables_quietly is notebook.feature_tables_quietly
    assert kinematics.psi_by_mass_group is breakpoint_bootstrap.psi_by_mass_group
    assert injury.group_rate_ratios is rate_ratios.group_rate_ratios
    assert power.power_curves is power_curves.power_curves
    with pytest.raises(AttributeError):
        _ = power.not_a_name
