"""The load axes an effect of ankle load is reported on, shared by the model fits (analysis.models) and the
figures (analysis.plots), which may not import each other's layer."""

from __future__ import annotations

from analysis.errors import AnalysisError

__all__ = ["LOAD_AXES", "check_load_axis"]

#: Load axis column -> (axis label, effect reported per this many units). 4 lb is the middle of the
#: article's "3–5 pounds" (C1); 5 %BW sits inside its "5–8 % of bodyweight" (C2).
LOAD_AXES = {"load_lb": ("ankle load per ankle (lb)", 4.0), "load_pct_bw": ("ankle load per ankle (%BW)", 5.0)}


def check_load_axis(x: str) -> tuple[str, float]:
    """(axis label, effect per this many units) of a supported load axis; AnalysisError otherwise."""
    if x not in LOAD_AXES:
        raise AnalysisError(f"load axis {x!r} is not supported; use one of {sorted(LOAD_AXES)}")
    return LOAD_AXES[x]
