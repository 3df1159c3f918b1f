"""The checks every reader's output passes before a :class:`~analysis.recording.Recording` exists.

Every format ends in :func:`finish_recording`, which refuses what would otherwise become a plausible-looking
wrong number: fewer than :data:`MIN_SAMPLES` samples, non-finite values, values outside the plausible range
of their SI unit (``1e300`` N, ``5e35`` V), sample counts that disagree with what the file declares. Readers
check the structure of their own container (a complete numeric block, C3D parameters, OpenSignals
attributes) with the helpers here, so every message says what was found, what was expected and where
(file and line, byte, parameter or dataset).

Lenient reading (``read_recording(path, lenient=True)``) changes only what carries no sample: blank lines
inside a text export's numeric block and a cut-off last line are left out and recorded as warnings instead
of refusing the file (a garbled row stays an error: it may be a lost sample). Warnings go to ``Recording.metadata['read_warnings']``
and are emitted as :class:`ReadWarning` (so ``anklelab features`` lists them per trial). Nothing else is
relaxed: non-finite or implausible values are errors in both modes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReadError
from analysis.recording import Recording

__all__ = [
    "ReadWarning",
    "MIN_SAMPLES",
    "PLAUSIBLE_ABS_MAX",
    "GENERIC_ABS_MAX",
    "finish_recording",
    "check_declared_count",
    "structure_problem",
]

#: fewest samples a recording may have: a sampling rate, a duration and any derivative need two samples
MIN_SAMPLES = 2

#: largest plausible |value| per SI unit, generous on purpose: they catch overflowed or corrupted numbers,
#: not unusual movements
PLAUSIBLE_ABS_MAX: dict[str, float] = {
    "V": 10.0,  # ±10 V: widest input range of lab DAQ boards (NI 6000 series, Vicon Lock+); EMG is mV
    "N": 1e5,  # 100 kN: 5x the 20 kN vertical capacity of large lab plates (Kistler 9287C)
    "N·m": 1e5,  # same margin for plate moments (Kistler 9287C: a few kN·m)
    "m": 1e3,  # positions and centres of pressure inside a lab (1 km)
    "deg": 1e4,  # angles: about 28 turns, joint angles stay within ±360 deg
    "deg/s": 1e5,  # gyroscopes saturate at ±2000-4000 deg/s
    "m/s^2": 1e4,  # about 1000 g (accelerometers saturate at 16-200 g)
    "s": 1e7,  # about 4 months of recording time
}
#: any other unit (ADC counts, kg, unknown): no lab signal reaches this; 1e300 and float overflows do
GENERIC_ABS_MAX = 1e12


class ReadWarning(UserWarning):
    """A file was read, but something in it was repaired or left out (lenient reading); the message says what."""


def structure_problem(
    path: Path,
    problem: str,
    *,
    where: str,
    lenient: bool,
    read_warnings: list[str],
    hint: str | None = None,
) -> None:
    """A defect the reader can leave out exactly (a blank line, a cut-off last line): an error, or a warning
    when lenient."""
    if not lenient:
        raise ReadError(
            path,
            problem,
            where=where,
            hint=hint or "fix the file, or read it leniently (lenient=True) to leave such rows out with a warning",
        )
    read_warnings.append(f"{where}: {problem} (left out: lenient reading)")


def check_declared_count(path: Path, found: int, declared: int, *, what: str, where: str) -> None:
    """The number of samples (or channels) in the data equals what the file's header declares."""
    if int(found) != int(declared):
        raise ReadError(
            path,
            f"the header declares {declared} {what} but the data holds {found}",
            where=where,
            hint="the file is truncated or was edited; export it again",
        )


def _default_where(row: int) -> str:
    return f"sample {row + 1}"


def check_samples(
    path: Path,
    samples: np.ndarray,
    names: Sequence[str],
    units: Sequence[str],
    kinds: Sequence[str],
    *,
    row_where: Callable[[int], str] = _default_where,
    nan_allowed: Sequence[bool] | None = None,
) -> None:
    """At least :data:`MIN_SAMPLES` samples; every value finite (unless ``nan_allowed`` for that channel, e.g. a
    C3D centre of pressure, undefined while the plate is unloaded) and within its unit's plausible range."""
    n = samples.shape[0]
    if n < MIN_SAMPLES:
        raise ReadError(
            path,
            f"{n} sample(s): a recording needs at least {MIN_SAMPLES} (a rate and a duration need two)",
            where=row_where(0) if n else "data",
            hint="the file is empty or truncated; export the recording again",
        )
    if samples.shape[1] == 0:
        return
    finite = np.isfinite(samples)
    if nan_allowed is not None:
        finite |= np.isnan(samples) & np.asarray(nan_allowed, dtype=bool)[None, :]
    if not finite.all():
        row, col = (int(i) for i in np.argwhere(~finite)[0])
        raise ReadError(
            path,
            f"channel {names[col]!r} holds {samples[row, col]:g} (every value must be a finite number)",
            where=f"{row_where(row)}, channel {names[col]!r}",
            hint="readers keep gaps visible instead of filling them: fix the export",
        )
    limits = np.array([PLAUSIBLE_ABS_MAX.get(u, GENERIC_ABS_MAX) for u in units], dtype=float)
    with np.errstate(invalid="ignore"):
        over = np.abs(samples) > limits[None, :]
    if over.any():
        row, col = (int(i) for i in np.argwhere(over)[0])
        unit = units[col] or "no unit"
        raise ReadError(
            path,
            f"channel {names[col]!r} ({kinds[col]}, {unit}) holds {samples[row, col]:.6g}, outside the plausible "
            f"range ±{limits[col]:g} {units[col]}".rstrip(),
            where=f"{row_where(row)}, channel {names[col]!r}",
            hint="a corrupted or overflowed value, or a wrong unit/scale in the file",
        )


def finish_recording(
    path: Path,
    *,
    samples: np.ndarray,
    sampling_rate_hz: float,
    channel_names: list[str],
    units: list[str],
    channel_kinds: list[str],
    source_units: list[str],
    events: pd.DataFrame | None,
    metadata: dict[str, Any],
    row_where: Callable[[int], str] = _default_where,
    nan_allowed: Sequence[bool] | None = None,
) -> Recording:
    """Run the shared checks, emit the reader's warnings, and build the Recording (the only way readers make one)."""
    samples = np.asarray(samples, dtype=float)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2:
        raise ReadError(path, f"samples must be 2-D (samples x channels), the reader found shape {samples.shape}")
    rate = float(sampling_rate_hz)
    if not (np.isfinite(rate) and rate > 0):
        raise ReadError(path, f"the sampling rate is {rate:g}; it must be a positive number", where="sampling rate")
    check_samples(path, samples, channel_names, units, channel_kinds, row_where=row_where, nan_allowed=nan_allowed)
    read_warnings = [str(w) for w in metadata.get("read_warnings", [])]
    if read_warnings:
        metadata = dict(metadata, read_warnings=read_warnings)
        for message in read_warnings:
            warnings.warn(f"{path}: {message}", ReadWarning, stacklevel=3)
    extra: dict[str, Any] = {"events": events} if events is not None else {}  # else the Recording's empty table
    try:
        return Recording(
            samples=samples,
            sampling_rate_hz=rate,
            channel_names=channel_names,
            units=units,
            channel_kinds=channel_kinds,
            source=path,
            source_units=source_units,
            metadata=metadata,
            **extra,
        )
    except ValueError as exc:
        raise ReadError(path, str(exc).split(": ", 1)[-1], hint="check the kinds= option") from None
