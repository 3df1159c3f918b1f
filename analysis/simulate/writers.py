"""File writers of the simulated study: EMG and force-plate C3D (ezc3d), one-column Fz text, generic kinematics CSV,
and the study's CSV tables and truth.json values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.simulate.constants import EMG_FS_HZ, FORCE_FS_HZ, POINT_RATE_HZ


def _ezc3d_int_parameter(c3d, group: str, name: str, values, shape) -> None:
    """Add an INT parameter (ezc3d's ``add_parameter`` stores ints as floats; FORCE_PLATFORM needs INT)."""
    from ezc3d import ezc3d as swig

    p = swig.Parameter(name, "")
    p.set(swig.VecInt([int(v) for v in np.ravel(values, order="F")]), [int(s) for s in shape])
    c3d._storage["parameters"].add_parameter(group, p)


def _new_c3d(analog_rate_hz: float, labels: list[str], units: list[str], analogs: np.ndarray, point_units: str = "mm"):
    import ezc3d

    n = analogs.shape[0]
    sub = int(round(analog_rate_hz / POINT_RATE_HZ))
    if n % sub:
        raise ValueError(f"{n} analog samples is not a multiple of {sub} subframes")
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [POINT_RATE_HZ]
    c["parameters"]["POINT"]["UNITS"]["value"] = [point_units]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [analog_rate_hz]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = labels
    c["parameters"]["ANALOG"]["UNITS"]["value"] = units
    c["data"]["points"] = np.zeros((4, 0, n // sub))
    c["data"]["analogs"] = np.ascontiguousarray(analogs.T[None, :, :], dtype=np.float64)
    return c


def _atomic_c3d_write(c, path: Path) -> None:
    # the study is built in a temporary folder renamed into place at the end: that is the atomic step
    path.parent.mkdir(parents=True, exist_ok=True)
    c.write(str(path))


def write_emg_c3d(
    path: Path,
    emg_v: np.ndarray,
    channel_labels: list[str],
    fs_hz: float = EMG_FS_HZ,
    events: list[tuple[str, float]] | None = None,
) -> None:
    """EMG analogs (V, stored as C3D float32) without points; ``events`` (label, seconds from the first
    sample) go to the EVENT group (USED, LABELS, CONTEXTS "General", TIMES as minutes/seconds rows)."""
    c = _new_c3d(fs_hz, channel_labels, ["V"] * len(channel_labels), emg_v)
    if events:
        _ezc3d_int_parameter(c, "EVENT", "USED", [len(events)], [1])
        c.add_parameter("EVENT", "LABELS", [label for label, _ in events])
        c.add_parameter("EVENT", "CONTEXTS", ["General"] * len(events))
        c.add_parameter("EVENT", "TIMES", np.array([[0.0] * len(events), [float(ts) for _, ts in events]]))
    _atomic_c3d_write(c, path)


#: two 500 x 600 mm plates side by side, lab z up (C3D type 2: Fx, Fy, Fz, Mx, My, Mz per plate)
PLATE_CENTRES_M = ((0.25, 0.30), (0.75, 0.30))
PLATE_HALF_SIZE_M = (0.25, 0.30)
PLATE_ORIGIN_DEPTH_M = 0.040  # sensor origin below the top surface [assumption; AMTI-like]


def plate_channels(
    fz_n: np.ndarray, fx_n: np.ndarray, fy_n: np.ndarray, cop_xy_m: np.ndarray, tz_nm: np.ndarray | None = None
) -> np.ndarray:
    """Type-2 plate analogs (Fx, Fy, Fz, Mx, My, Mz in N and N·m, plate frame) for a force at a CoP.

    Moments about the sensor origin at depth h below the surface, chosen so that the C3D User Guide
    formula COPx = (-h Fx - My)/Fz, COPy = (-h Fy + Mx)/Fz (ezc3d's) returns ``cop_xy_m`` exactly.
    """
    h = PLATE_ORIGIN_DEPTH_M
    px, py = cop_xy_m
    my = -h * fx_n - px * fz_n
    mx = py * fz_n + h * fy_n
    mz = px * fy_n - py * fx_n + (0.0 if tz_nm is None else tz_nm)
    return np.column_stack([fx_n, fy_n, fz_n, mx, my, mz])


def write_forceplate_c3d(
    path: Path,
    plates: list[np.ndarray],
    fs_hz: float = FORCE_FS_HZ,
    *,
    units: str = "mm",
    extra_analogs: dict[str, tuple[str, np.ndarray]] | None = None,
) -> None:
    """Two type-2 force platforms; ``units`` "mm" stores moments in N·mm and corners in mm, "m" in N·m and m.

    (ezc3d computes the CoP from CORNERS/ORIGIN in POINT:UNITS and moments in N·<POINT:UNITS>, so the
    two are always written consistently.) ``extra_analogs`` ``{label: (unit, samples)}`` adds analog
    channels after the plates' (e.g. an electrogoniometer ``knee_flexion`` in ``deg``, as labs record
    goniometers on the force plate's A/D board).
    """
    k = 1000.0 if units == "mm" else 1.0
    n_plates = len(plates)
    data = np.column_stack([np.column_stack([p[:, :3], p[:, 3:] * k]) for p in plates])
    labels = [f"{q}{i + 1}" for i in range(n_plates) for q in ("Fx", "Fy", "Fz", "Mx", "My", "Mz")]
    m_unit = "Nmm" if units == "mm" else "Nm"
    analog_units = (["N"] * 3 + [m_unit] * 3) * n_plates
    for label, (unit, samples) in (extra_analogs or {}).items():
        data = np.column_stack([data, np.asarray(samples, dtype=float)])
        labels.append(label)
        analog_units.append(unit)
    c = _new_c3d(fs_hz, labels, analog_units, data, point_units=units)
    corners = np.zeros((3, 4, n_plates))
    hx, hy = PLATE_HALF_SIZE_M
    for p in range(n_plates):
        cx, cy = PLATE_CENTRES_M[p]
        corners[:, :, p] = (
            k * np.array([[cx + hx, cy + hy, 0], [cx - hx, cy + hy, 0], [cx - hx, cy - hy, 0], [cx + hx, cy - hy, 0]]).T
        )
    _ezc3d_int_parameter(c, "FORCE_PLATFORM", "USED", [n_plates], [1])
    _ezc3d_int_parameter(c, "FORCE_PLATFORM", "TYPE", [2] * n_plates, [n_plates])
    _ezc3d_int_parameter(c, "FORCE_PLATFORM", "ZERO", [1, 0], [2])
    _ezc3d_int_parameter(
        c, "FORCE_PLATFORM", "CHANNEL", np.arange(1, 6 * n_plates + 1).reshape(n_plates, 6).T, [6, n_plates]
    )
    c.add_parameter("FORCE_PLATFORM", "CORNERS", corners)
    c.add_parameter(
        "FORCE_PLATFORM", "ORIGIN", np.tile(np.array([[0.0], [0.0], [-PLATE_ORIGIN_DEPTH_M * k]]), (1, n_plates))
    )
    _atomic_c3d_write(c, path)


def write_fz_text(path: Path, fz_n: np.ndarray) -> None:
    """One-column vertical force text (N, 3 decimals, no header), as the vertical_jumps_fz files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{v:.3f}\n" for v in np.round(fz_n, 3)), encoding="utf-8")


def write_generic_csv(path: Path, fs_hz: float, columns: dict[str, np.ndarray]) -> None:
    """Generic export ``time_s,<name> [<unit>],...`` (names given with their unit)."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame(
        {"time_s": np.round(np.arange(n) / fs_hz, 6), **{k: np.round(v, 4) for k, v in columns.items()}}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


def _write_table(path: Path, rows: list[dict] | pd.DataFrame) -> None:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))
