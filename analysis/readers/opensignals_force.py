"""biosignalsplux / OpenSignals force platform: ADC counts of the four load cells -> newtons per cell -> Fz.

Transfer function per load cell (PLUX Force Platform datasheet, as applied in biosignalsnotebooks'
``Categories/Extract/center_of_pressure.ipynb``; docs/design/metrics-and-reliability.md §2):

    W_i [kgf] = ADC_i · C / (Vfs_i · (2^n − 1)),   F_i [N] = g · W_i (g = 9.80665, definition of the kgf),
    Fz = Σ_i F_i over the platform's four cells.

* ``Vfs_i`` (per cell) comes from the file: the device's ``forcePlatform values`` attribute (.h5) or header key
  (.txt); ``n`` from its ``resolution``. An option ``vfs`` (certificate values) is used only when the file has none.
* ``C`` (kg·mV/V, common to the platform's cells) is on the platform's calibration certificate, not in the file:
  it must be given, once per platform, as ``calibration_kg_mv_per_v`` (study.yaml ``force_platforms:``, see
  data/README.md, or ``read_recording(..., force_platform={...})``). Without it the reader raises
  :class:`~analysis.errors.ReadError` naming the constant; counts are never passed on as newtons.
* ``tare`` (required): ``[t0, t1]`` seconds of a documented unloaded window (per-cell means subtracted),
  ``"unloaded_minimum"`` (the 0.1-s window of lowest total force, accepted only if it is clearly unloaded:
  e.g. the flight of a jump or an empty plate), or ``"none"`` (declared un-tared: the unloaded plate's
  reading stays in Fz, quiet-stance weighing carries it, and ``metadata['force_platform']`` says so).

Channels returned: each cell in N (``kind="force"``, its OpenSignals label) and the sum ``Fz`` (``Fz_2``, ... for
further platforms), which :func:`analysis.forceplate.vertical_force_from_recording` picks up by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import ReadError

__all__ = [
    "FORCE_PLATFORM_SENSOR",
    "CELLS_PER_PLATFORM",
    "ForcePlatformCalibration",
    "is_force_platform_sensor",
    "load_cells_to_newtons",
    "lowest_force_window",
    "force_platform_channels",
    "read_options_from_study",
]

FORCE_PLATFORM_SENSOR = "FORCEPLATFORM"  # OpenSignals sensor name of a force-platform load cell
CELLS_PER_PLATFORM = 4  # PLUX force platform: four load cells (datasheet)
G_M_S2 = 9.80665  # kgf -> N by definition of the kilogram-force (CGPM 1901)
#: ``tare="unloaded_minimum"``: window length (s) and the largest total force (as a fraction of the record's
#: median) it may carry to count as unloaded; project choices [assumption]: a jump's flight lasts > 0.2 s and an
#: unloaded PLUX plate reads ~74 N against ~830 N with a subject on it (tests/data/real/bsnb_force_platform)
UNLOADED_WINDOW_S = 0.1
UNLOADED_MAX_FRACTION_OF_MEDIAN = 0.25
OPTION_KEYS = ("calibration_kg_mv_per_v", "tare", "vfs")


@dataclass(frozen=True)
class ForcePlatformCalibration:
    """What converts one platform's counts to newtons: C from the certificate, the tare rule, optional Vfs."""

    calibration_kg_mv_per_v: float
    tare: str | tuple[float, float]
    vfs: tuple[float, ...] | None = None

    def describe_tare(self) -> str:
        if self.tare == "none":
            return "none (declared un-tared: the unloaded plate's reading is in Fz; weighing carries it)"
        if isinstance(self.tare, str):
            return f"unloaded_minimum (per-cell means of the lowest-force {UNLOADED_WINDOW_S:g}-s window)"
        t0, t1 = self.tare
        return f"window {t0:g}-{t1:g} s (per-cell means subtracted)"


def read_options_from_study(study_config: Mapping[str, Any] | None) -> dict[str, Any]:
    """``read_recording`` options from a study.yaml mapping: ``{"force_platform": <force_platforms:>}`` when the
    study declares force platforms (data/README.md, "Force platforms"), else ``{}``."""
    platforms = (study_config or {}).get("force_platforms")
    return {"force_platform": dict(platforms)} if isinstance(platforms, Mapping) and platforms else {}


def is_force_platform_sensor(sensor: str) -> bool:
    return str(sensor).strip().upper().startswith(FORCE_PLATFORM_SENSOR)


def _calibration_for_device(path: Path, option: Any, device: str) -> ForcePlatformCalibration:
    """The ``force_platform`` option for ``device``: a dict of :data:`OPTION_KEYS`, or ``{device: dict}``."""
    how = (
        "give it once per platform in study.yaml 'force_platforms: {<device>: {calibration_kg_mv_per_v: ..., "
        "tare: ...}}' (data/README.md) or read_recording(..., force_platform={'calibration_kg_mv_per_v': C, "
        "'tare': 'none' | 'unloaded_minimum' | [t0, t1]}); C is on the platform's calibration certificate"
    )
    if option is None:
        raise ReadError(
            path,
            f"device {device} records a force platform, but its calibration constant calibration_kg_mv_per_v "
            "(C, kg*mV/V) is not given: the counts cannot be converted to newtons",
            where=f"/{device}",
            hint=how,
        )
    if not isinstance(option, Mapping):
        raise ReadError(path, f"force_platform must be a mapping, got {type(option).__name__}", hint=how)
    values: Any = option[device] if device in option else option
    if not isinstance(values, Mapping):
        raise ReadError(path, f"force_platform[{device!r}] must be a mapping", hint=how)
    unknown = sorted(set(values) - set(OPTION_KEYS))
    if unknown:
        raise ReadError(path, f"unknown force_platform key(s) {unknown}; allowed: {list(OPTION_KEYS)}", hint=how)
    c = values.get("calibration_kg_mv_per_v")
    try:
        c_value = float(c) if c is not None else float("nan")
    except (TypeError, ValueError):
        c_value = float("nan")
    if not (np.isfinite(c_value) and c_value > 0):
        raise ReadError(
            path,
            f"force platform of device {device}: calibration_kg_mv_per_v (C, kg*mV/V) is "
            f"{'missing' if c is None else f'not a positive number ({c!r})'}",
            where=f"/{device}",
            hint=how,
        )
    tare_value: Any = values.get("tare")
    tare: str | tuple[float, float]
    if tare_value in ("none", "unloaded_minimum"):
        tare = str(tare_value)
    else:
        ok = isinstance(tare_value, Sequence) and not isinstance(tare_value, str) and len(tare_value) == 2
        if not ok:
            raise ReadError(
                path,
                f"force platform of device {device}: tare must be 'none' (declared un-tared), 'unloaded_minimum' "
                f"or [t0, t1] seconds of an unloaded window, got {tare_value!r}",
                hint=how,
            )
        t0, t1 = float(tare_value[0]), float(tare_value[1])
        if not (0 <= t0 < t1):
            raise ReadError(path, f"force platform tare window [{t0:g}, {t1:g}] s is not an interval", hint=how)
        tare = (t0, t1)
    vfs = values.get("vfs")
    return ForcePlatformCalibration(c_value, tare, tuple(float(v) for v in vfs) if vfs is not None else None)


def load_cells_to_newtons(
    adc: np.ndarray, vfs: Sequence[float], resolution_bits: Sequence[int], calibration_kg_mv_per_v: float
) -> np.ndarray:
    """Per-cell force (N) of ``adc`` (n, cells): g · ADC · C / (Vfs · (2^n − 1)), vectorised over cells."""
    scale = calibration_kg_mv_per_v / (np.asarray(vfs, float) * (2.0 ** np.asarray(resolution_bits, float) - 1.0))
    return np.asarray(adc, dtype=float) * scale * G_M_S2


def lowest_force_window(total_n: np.ndarray, rate_hz: float, window_s: float = UNLOADED_WINDOW_S) -> tuple[int, int]:
    """(start, stop) samples of the ``window_s`` window with the lowest mean force (O(n) running sums)."""
    k = max(2, int(round(window_s * rate_hz)))
    c = np.concatenate(([0.0], np.cumsum(np.asarray(total_n, float))))
    i = int(np.argmin(c[k:] - c[:-k]))
    return i, i + k


def _tare_offsets(path: Path, cells_n: np.ndarray, rate_hz: float, tare: str | tuple[float, float]) -> np.ndarray:
    """Per-cell offsets (N) to subtract: zero for ``"none"``."""
    n = cells_n.shape[0]
    if tare == "none":
        return np.zeros(cells_n.shape[1])
    if isinstance(tare, str):  # "unloaded_minimum"
        if n < max(2, int(round(UNLOADED_WINDOW_S * rate_hz))):
            raise ReadError(path, f"record shorter than the {UNLOADED_WINDOW_S:g}-s tare window")
        total = cells_n.sum(axis=1)
        i, stop = lowest_force_window(total, rate_hz)
        window_total = float(total[i:stop].mean())
        median = float(np.median(total))
        if not window_total < UNLOADED_MAX_FRACTION_OF_MEDIAN * median:
            raise ReadError(
                path,
                f"tare 'unloaded_minimum': the lowest-force {UNLOADED_WINDOW_S:g}-s window ({i / rate_hz:.2f} s) reads "
                f"{window_total:.0f} N, not clearly unloaded (record median {median:.0f} N)",
                hint="give tare: [t0, t1] seconds when the plate was empty, or tare: none",
            )
        return cells_n[i:stop].mean(axis=0)
    t0, t1 = tare
    a, b = int(round(t0 * rate_hz)), int(round(t1 * rate_hz))
    if b > n or b - a < 1:
        raise ReadError(path, f"tare window {t0:g}-{t1:g} s lies outside the {n / rate_hz:.2f}-s record")
    return cells_n[a:b].mean(axis=0)


def force_platform_channels(
    path: Path,
    device: str,
    device_meta: Mapping[str, Any],
    labels: Sequence[str],
    resolutions: Sequence[int],
    adc: np.ndarray,
    rate_hz: float,
    option: Any,
) -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """Newtons for the force-platform channels of one device.

    ``adc``/``labels``/``resolutions`` hold only the device's force-platform channels, in file order (groups of
    four cells per platform). Returns (per-cell N then one Fz per platform, channel names, metadata record).
    """
    n_cells = adc.shape[1]
    if n_cells % CELLS_PER_PLATFORM:
        raise ReadError(
            path,
            f"device {device} has {n_cells} force-platform channels; a PLUX platform has {CELLS_PER_PLATFORM} "
            "load cells",
            where=f"/{device}",
        )
    calibration = _calibration_for_device(path, option, device)
    stored = device_meta.get("forcePlatform values")
    if calibration.vfs is not None:
        vfs = np.asarray(calibration.vfs, float)
        vfs_source = "option vfs (calibration certificate)"
    elif stored is not None:
        vfs = np.atleast_1d(np.asarray(stored, float))[:n_cells]
        vfs_source = "file: device attribute 'forcePlatform values'"
    else:
        raise ReadError(
            path,
            f"device {device}: no 'forcePlatform values' (Vfs per load cell) in the file",
            where=f"/{device}",
            hint="give the certificate's Vfs values as force_platform: {vfs: [v1, v2, v3, v4], ...}",
        )
    if vfs.size != n_cells or not np.all(np.isfinite(vfs) & (vfs > 0)):
        raise ReadError(
            path,
            f"device {device}: Vfs values {vfs.tolist()} do not give one positive value per load cell ({n_cells})",
            where=f"/{device} 'forcePlatform values'",
            hint="give the certificate's Vfs values as force_platform: {vfs: [...]}",
        )
    cells_n = load_cells_to_newtons(adc, vfs.tolist(), resolutions, calibration.calibration_kg_mv_per_v)
    offsets = _tare_offsets(path, cells_n, rate_hz, calibration.tare)
    cells_n = cells_n - offsets
    n_platforms = n_cells // CELLS_PER_PLATFORM
    fz = cells_n.reshape(cells_n.shape[0], n_platforms, CELLS_PER_PLATFORM).sum(axis=2)
    fz_names = ["Fz"] + [f"Fz_{k + 1}" for k in range(1, n_platforms)]
    record = {
        "device": device,
        "cells": list(labels),
        "sum_channels": fz_names,
        "calibration_kg_mv_per_v": calibration.calibration_kg_mv_per_v,
        "vfs": vfs.tolist(),
        "vfs_source": vfs_source,
        "resolution_bits": [int(r) for r in resolutions],
        "tare": calibration.describe_tare(),
        "tared": calibration.tare != "none",
        "tare_offsets_n": offsets.tolist(),
        "transfer_function": "F_i [N] = 9.80665 * ADC_i * C / (Vfs_i * (2^n - 1)); Fz = sum of the 4 cells "
        "(PLUX Force Platform datasheet; biosignalsnotebooks center_of_pressure)",
    }
    return np.column_stack([cells_n, fz]), [*labels, *fz_names], record
