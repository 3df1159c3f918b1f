"""Exposure time to first injury: Cox proportional hazards (Efron ties) and Kaplan-Meier."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError


def fit_cox_first_injury(
    table: pd.DataFrame,
    covariates: str,
    *,
    time: str = "time_first",
    status: str = "status_first",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Cox model of exposure time to first injury (``smf.phreg``, Efron ties as R's ``coxph``).

    Returns hazard ratios per term (``res.model.exog_names``: PHReg params are unnamed arrays).
    """
    import statsmodels.formula.api as smf

    for column in (time, status):
        if column not in table.columns:
            raise AnalysisError(f"Cox model table has no {column!r} column (build it with athlete_table)")
    data = table[table[time] > 0].reset_index(drop=True)
    res = smf.phreg(f"{time} ~ {covariates}", data=data, status=data[status].to_numpy(float), ties="efron").fit()
    ci = np.asarray(res.conf_int(alpha=1.0 - conf_level))
    out = pd.DataFrame(
        {
            "coef": res.params,
            "se": res.bse,
            "hr": np.exp(res.params),
            "hr_low": np.exp(ci[:, 0]),
            "hr_high": np.exp(ci[:, 1]),
            "p_value": res.pvalues,
        },
        index=res.model.exog_names,
    )
    out.attrs.update(
        {
            "method": "Cox PH, Efron ties, exposure time to first injury",
            "n": len(data),
            "events": int(data[status].sum()),
            "llf": float(res.llf),
        }
    )
    return out


def kaplan_meier(
    table: pd.DataFrame, *, time: str = "time_first", status: str = "status_first", conf_level: float = 0.95
) -> dict:
    """Kaplan-Meier injury-free curve over exposure time; median with the log-transformed CI (matches R
    ``survfit``; statsmodels' default cloglog does not). An upper bound of ``inf`` is R's ``NA``."""
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(table[time].to_numpy(float), table[status].to_numpy(float))
    low, high = sf.quantile_ci(0.5, alpha=1.0 - conf_level, method="log")
    curve = pd.DataFrame(
        {
            "time": sf.surv_times,
            "survival": sf.surv_prob,
            "se": sf.surv_prob_se,
            "n_at_risk": sf.n_risk,
            "n_events": sf.n_events,
        }
    )
    median = sf.quantile(0.5)
    return {
        "median": float(median) if median is not None else math.nan,
        "median_ci": (float(low) if low is not None else math.nan, float(high) if high is not None else math.inf),
        "curve": curve,
        "method": "Kaplan-Meier (SurvfuncRight), median CI method='log'",
    }
