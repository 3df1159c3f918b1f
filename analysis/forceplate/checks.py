"""Per-trial plausibility checks of force-plate results: :class:`ForcePlateWarning` and the jump-height agreement.

Warnings go through :mod:`warnings` so the study pipeline records them in the trial's warnings table
(docs/architecture.md, "Warnings"); the result's ``flags`` carry the same finding.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from analysis.forceplate._inputs import _where
from analysis.metric_rows import Metric

__all__ = ["ForcePlateWarning", "check_jump_heights"]


class ForcePlateWarning(UserWarning):
    """A force-plate result that was computed but should be checked (e.g. two jump heights disagree)."""


def check_jump_heights(
    metrics: Mapping[str, Metric], flags: list[str], max_difference_m: float, source: str | None = None
) -> float | None:
    """Warns and flags ``jump_heights_disagree`` when |JH_impulse − JH_flight| > ``max_difference_m``.

    The default limit (3 cm, :class:`~analysis.forceplate.ForcePlateSettings`) is above the expected gap of
    ~1.7 cm (landing posture, Baumgart 2017) plus ~1.2 cm per 10 ms of flight-threshold error; larger gaps
    come from body-weight or onset errors. Returns the difference (m) or None if either height is missing.
    """
    if "jump_height_impulse_m" not in metrics or "jump_height_flight_m" not in metrics:
        return None
    impulse, flight = metrics["jump_height_impulse_m"].value, metrics["jump_height_flight_m"].value
    difference = impulse - flight
    if abs(difference) > max_difference_m:
        flags.append(f"jump_heights_disagree:{difference:+.3f}m")
        warnings.warn(
            f"{_where(source)}impulse-momentum jump height {impulse:.3f} m and flight-time jump height "
            f"{flight:.3f} m differ by {abs(difference) * 100:.1f} cm (> {max_difference_m * 100:g} cm): check the "
            "body weight (quiet stance before the jump) and the movement onset, or the take-off/landing threshold",
            ForcePlateWarning,
            stacklevel=3,
        )
    return difference
