"""How every number a reader sees is written: one place for the index, the notebooks' tables and the CSV-to-HTML
tables alike (issue 18: the same quantity used to appear as "1.34e+03", "1,492" and "about 1,800").

* 3 significant digits (statistics.md §9: estimates are reported to the precision their intervals carry, and
  none of the suite's intervals is narrower than 1 part in 1000), never scientific notation, thousands separated;
* counts (n, subjects, athletes) as whole numbers, a noun agreeing with its count ("1 trial", "3 trials");
* an interval as "a to b", both ends with the same decimals (those giving 3 significant digits to the larger end);
* missing values as an en dash; infinity as "∞".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "SIGNIFICANT_DIGITS",
    "format_value",
    "format_number",
    "format_interval",
    "format_count",
    "format_n_needed",
    "decimals_for",
]

#: Significant digits of every estimate, interval and rate a report shows (statistics.md §9; see module docstring).
SIGNIFICANT_DIGITS = 3
#: What a missing value reads as.
MISSING = "–"


def _as_float(value: Any) -> float | None:
    if value is None or value is pd.NA or isinstance(value, (bool, np.bool_, str)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def decimals_for(value: float, digits: int = SIGNIFICANT_DIGITS) -> int:
    """Decimals that give ``value`` ``digits`` significant digits (0 from 10^digits up)."""
    if value == 0 or not math.isfinite(value):
        return 0
    return max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))


def format_value(value: Any, decimals: int | None = None) -> str:
    """One cell as text: ``decimals`` fixed decimals when given, else 3 significant digits (thousands
    separated, never scientific notation above 1000); NaN/None as an en dash; booleans as yes/no."""
    if value is None or value is pd.NA:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            return MISSING if math.isnan(v) else ("∞" if v > 0 else "−∞")
        if decimals is not None:
            return f"{v:,.{decimals}f}"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if v == 0:
            return "0"
        text = f"{v:.{SIGNIFICANT_DIGITS}g}"
        if "e" in text:  # very small: keep it readable with enough decimals for 2 significant digits
            text = f"{v:.{min(12, 1 - int(math.floor(math.log10(abs(v)))))}f}"
        return text
    return str(value)


def format_number(value: Any, unit: str = "", *, decimals: int | None = None) -> str:
    """A number (3 significant digits unless ``decimals``) followed by its unit when it has one."""
    f = _as_float(value)
    if f is None or math.isnan(f):
        return MISSING
    text = format_value(f, decimals)
    unit = str(unit or "").strip()
    return f"{text} {unit}" if unit else text


def format_estimate_interval(estimate: Any, low: Any, high: Any, decimals: int | None = None) -> str:
    """``"est [a to b]"`` (the effect and reliability tables' cells); an en dash when the estimate is missing, and
    ``[–]`` when only its interval is."""
    if _as_float(estimate) is None or math.isnan(_as_float(estimate) or math.nan):
        return MISSING
    return f"{format_value(_as_float(estimate), decimals)} [{format_interval(low, high, decimals=decimals)}]"


def format_interval(low: Any, high: Any, unit: str = "", *, decimals: int | None = None) -> str:
    """``"a to b"`` with both ends at the same decimals (3 significant digits of the larger end, or ``decimals``);
    an en dash when either end is missing."""
    lo, hi = _as_float(low), _as_float(high)
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return MISSING
    if decimals is None:
        finite = [abs(v) for v in (lo, hi) if math.isfinite(v)]
        decimals = decimals_for(max(finite)) if finite else 0
    text = f"{format_value(lo, decimals)} to {format_value(hi, decimals)}"
    return f"{text} {unit}".strip() if unit else text


def format_count(n: Any, noun: str, plural: str | None = None) -> str:
    """``"1 trial"``, ``"3 trials"``, ``"1,204 subjects"``: a whole number and a noun agreeing with it."""
    f = _as_float(n)
    if f is None or not math.isfinite(f):
        return f"{MISSING} {plural or noun + 's'}"
    count = int(round(f))
    return f"{count:,} {noun if count == 1 else (plural or noun + 's')}"


def format_n_needed(n: Any, unit: str = "subjects") -> str:
    """A sample size a study would need, rounded up to a whole number, with its unit (e.g. "1,492 athletes per
    arm"); "more than any study could recruit" when no finite number suffices; "not computed" when missing."""
    f = _as_float(n)
    if f is None or math.isnan(f):
        return "not computed"
    if math.isinf(f):
        return "more than any study could recruit"
    return f"{math.ceil(f):,} {unit}".strip()
