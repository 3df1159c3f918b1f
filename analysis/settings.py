"""One rule for every stage's settings block in study.yaml (``processing.emg``, ``.forceplate``,
``.kinematics``): a key the stage does not know is a typo, and the message lists the keys it does know."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from analysis.errors import AnalysisError

__all__ = ["checked_settings"]


def checked_settings(
    cls: type, values: Mapping[str, Any] | None, where: str, error: type[Exception] = AnalysisError
) -> dict[str, Any]:
    """``values`` as a dict after refusing keys that are not fields of the settings dataclass ``cls``."""
    if values is not None and not isinstance(values, Mapping):
        raise error(f"{where} is {values!r}: write it as a mapping of setting: value (e.g. bandpass_hz: [20, 450])")
    values = dict(values or {})
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise error(f"{where}: unknown key(s) {unknown}; allowed keys are {allowed} (check the spelling)")
    for f in fields(cls):  # a setting whose default is a number takes a finite, non-negative number
        default = f.default
        if f.name not in values or isinstance(default, bool) or not isinstance(default, (int, float)):
            continue
        value = values[f.name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise error(f"{where}.{f.name} is {value!r}: write a non-negative number (default {default!r})")
    return values
