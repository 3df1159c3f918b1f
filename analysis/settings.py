"""One rule for every stage's settings block in study.yaml (``processing.emg``, ``.forceplate``,
``.kinematics``): a key the stage does not know is a typo, and the message lists the keys it does know."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from analysis.errors import AnalysisError

__all__ = ["checked_settings"]


def checked_settings(
    cls: type, values: Mapping[str, Any] | None, where: str, error: type[Exception] = AnalysisError
) -> dict[str, Any]:
    """``values`` as a dict after refusing keys that are not fields of the settings dataclass ``cls``."""
    values = dict(values or {})
    allowed = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise error(f"{where}: unknown key(s) {unknown}; allowed keys are {allowed} (check the spelling)")
    return values
