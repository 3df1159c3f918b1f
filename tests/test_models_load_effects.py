"""analysis.models.load_effects: per-subject %MVC means and the mixed-model load effect on tiny hand-made
EMG tables with a known effect (moved from test_plots_claims.py with the functions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.models import load_effects as le


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
    means = le.subject_load_means(emg, ["gluteus_maximus"], ["squat"], "load_lb")
    assert len(means) == 4 * 3 and (means["n_trials"] == 2).all()
    one = means[(means["subject_id"] == "S0") & (means["load_lb"] == 0)]["mean_pct_mvc"].iloc[0]
    assert one == pytest.approx(11.0)


def test_fit_load_effects_recovers_an_exact_effect_and_refuses_tiny_groups():
    emg = _emg(4)
    rng = np.random.default_rng(0)
    emg["mean_pct_mvc"] *= np.exp(rng.normal(0, 0.01, len(emg)))
    fits = le.fit_load_effects(emg, ["gluteus_maximus"], ["squat"], "load_lb")
    assert len(fits) == 1 and fits["effect_pct"].iloc[0] == pytest.approx(15.0, abs=1.5)
    assert fits["ci95_low"].iloc[0] < fits["effect_pct"].iloc[0] < fits["ci95_high"].iloc[0]
    small = le.fit_load_effects(_emg(2), ["soleus"], None, "load_lb")
    assert math.isnan(small["effect_pct"].iloc[0]) and small["note"].iloc[0].startswith("not fitted")
    with pytest.raises(AnalysisError, match="load axis"):
        le.fit_load_effects(emg, x="load_kg")


def test_models_package_re_exports_the_load_effect_functions():
    from analysis import models

    assert models.fit_load_effects is le.fit_load_effects and models.subject_load_means is le.subject_load_means
