"""analysis.notebook: what every notebook does first, and the cached tables it reads."""

from __future__ import annotations

import pandas as pd


def test_feature_tables_quietly_summarises_the_warnings_kept_with_the_trials(monkeypatch):
    """Warnings recorded per trial (also for trials read back from the cache) reach the report's summary."""
    from types import SimpleNamespace

    from analysis import notebook as nbk

    kept = pd.DataFrame(
        {
            "category": ["EMGWarning", "EMGWarning"],
            "message": ["trial A01-x: soleus reaches 107 % MVC", "trial A02-y: soleus reaches 120 % MVC"],
        }
    )
    features = SimpleNamespace(warnings=kept)
    shown = []
    monkeypatch.setattr(nbk, "feature_tables", lambda ctx, **kw: features)
    monkeypatch.setattr(nbk, "show_html", shown.append)
    assert nbk.feature_tables_quietly(ctx=None) is features
    assert len(shown) == 1 and "2 warning(s) while extracting features (1 kind(s))" in shown[0]
    assert "2 × muscle activity above 100 % of the maximal voluntary contraction (MVC)</b> (EMGWarning)" in shown[0]


def test_figure_style_is_seaborns_whitegrid_notebook_theme():
    """The style set without importing seaborn is the one seaborn would set (image colormap aside)."""
    import matplotlib as mpl
    import seaborn as sns

    from analysis import notebook as nbk

    with mpl.rc_context():
        sns.set_theme(style="whitegrid", context="notebook")
        expected = dict(mpl.rcParams)
    for key, value in nbk.figure_style().items():
        if key == "axes.prop_cycle":
            ours = [mpl.colors.to_hex(c) for c in value.by_key()["color"]]
            assert ours == [mpl.colors.to_hex(c) for c in expected[key].by_key()["color"]]
        else:
            assert str(expected[key]) == str(value) or expected[key] == value, key
