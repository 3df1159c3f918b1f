"""From a reader's columns to a checked :class:`~analysis.recording.Recording`: the user's renames and unit or
kind overrides, conversion to SI, channel kinds, then the shared checks of :mod:`analysis.readers.checks`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReadError
from analysis.readers._common import guess_kind, normalise_unit, to_si
from analysis.readers.checks import finish_recording
from analysis.recording import Recording

__all__ = ["build_recording"]


def build_recording(
    path: Path,
    flavour: str,
    names: list[str],
    source_units: Sequence[str | None],
    data: np.ndarray,
    rate_hz: float,
    options: dict[str, Any],
    metadata: dict[str, Any],
    kinds: list[str] | None = None,
    events: pd.DataFrame | None = None,
    row_where: Callable[[int], str] | None = None,
) -> Recording:
    """Columns ``data[:, j]`` named ``names[j]`` in ``source_units[j]`` -> Recording in SI, checked."""
    rename: dict[str, str] = dict(options.get("columns") or {})
    unit_override: dict[str, str] = dict(options.get("units") or {})
    kind_override: dict[str, str] = dict(options.get("kinds") or {})
    default_unit = options.get("unit")
    out_names: list[str] = []
    out_units: list[str] = []
    out_src_units: list[str] = []
    out_kinds: list[str] = []
    samples = np.empty_like(data, dtype=float)
    unknown_units = []
    for j, name in enumerate(names):
        src = normalise_unit(unit_override.get(name, source_units[j] or default_unit))
        converted, si_unit, _factor = to_si(data[:, j], src)
        samples[:, j] = converted
        new_name = rename.get(name, name)
        kind = (
            kind_override.get(name)
            or kind_override.get(new_name)
            or (kinds[j] if kinds else guess_kind(new_name, si_unit))
        )
        if src is None:
            unknown_units.append(name)
        out_names.append(new_name)
        out_units.append(si_unit or "")
        out_src_units.append(src or "")
        out_kinds.append(kind)
    if len(set(out_names)) != len(out_names):
        dupes = sorted({n for n in out_names if out_names.count(n) > 1})
        raise ReadError(path, f"duplicate channel names {dupes}", where="header", hint="rename them with columns={...}")
    metadata = dict(metadata)
    metadata.setdefault("format", flavour)
    if unknown_units:
        metadata["channels_without_unit"] = unknown_units
    vertical = _vertical_axis(out_names, samples)
    if vertical:
        metadata["vertical_axis"] = vertical
        metadata["vertical_axis_method"] = "axis of ground_force*_v{x,y,z} with the largest median |force|"
    extra: dict[str, Any] = {"row_where": row_where} if row_where is not None else {}
    return finish_recording(
        path,
        samples=samples,
        sampling_rate_hz=float(rate_hz),
        channel_names=out_names,
        units=out_units,
        channel_kinds=out_kinds,
        source_units=out_src_units,
        events=events,
        metadata=metadata,
        **extra,
    )


def _vertical_axis(names: list[str], samples: np.ndarray) -> str | None:
    axes: dict[str, float] = {}
    for axis in "xyz":
        idx = [i for i, n in enumerate(names) if re.fullmatch(rf"ground_force\d*_v{axis}", n)]
        if idx:
            with np.errstate(all="ignore"):
                axes[axis] = float(np.nanmedian(np.abs(samples[:, idx])))
    if len(axes) < 3:
        return None
    return max(axes, key=lambda a: axes[a])
