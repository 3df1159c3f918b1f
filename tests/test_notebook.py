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
    assert "2 × EMGWarning</b>: trial …: soleus reaches # % MVC" in shown[0]
