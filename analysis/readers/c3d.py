"""C3D through ezc3d, with the file's structure validated first and force platforms cross-checked.

Why validate before ezc3d: ezc3d 1.7.2 loops forever on a file truncated inside its parameter
section (e.g. the first 700 bytes of ``Qualisys.c3d``) and silently returns zeros for a file truncated
inside its frame data. So :func:`validate_c3d_structure` walks the header and every parameter record
with bounds checks (each record must point strictly forward and stay inside the parameter blocks) and
checks that the file is long enough for all frames the header announces, before ezc3d sees the file.

Force platforms: ezc3d's ``extract_forceplat_data=True`` returns forces in the *lab* frame, the
reaction on the subject. On ``Qualisys.c3d`` the lab is z-up and its Fz is the vertical force (peaks
808, 840 N). On ``BTS.c3d`` the plates lie in the lab's x-z plane (y is up), so ezc3d's "Fz" is a
horizontal component (about ±35 N) while the raw channels show Fz1 = −662 N. The reader therefore:

1. reads each plate's raw channels (FORCE_PLATFORM:CHANNEL) — plate frame, as stored;
2. checks the extraction: same force magnitude as the raw channels sample by sample (a rotation keeps
   the norm), and the extracted lab-z component equal to the raw vertical channel up to sign;
3. uses the extraction when both hold ("extraction" path), otherwise the raw channels with the sign
   set so the vertical force is positive up ("raw" path); the path and the reason go in metadata.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReadError
from analysis.readers._common import guess_kind, normalise_unit, to_si
from analysis.readers.checks import finish_recording
from analysis.recording import Recording

__all__ = ["validate_c3d_structure", "read_c3d", "C3D_KEY_BYTE"]

C3D_KEY_BYTE = 0x50  # byte 2 of every C3D file (C3D User Guide, header section)
_BLOCK = 512
_PROCESSORS = {84: "intel", 85: "dec", 86: "mips"}
#: below this |vertical force| the centre of pressure is undefined (NaN); 20 N is the usual contact
#: threshold for force-plate events (e.g. Owen et al. 2014, J Strength Cond Res 28(6):1552, uses 20-30 N)
COP_MIN_FORCE_N = 20.0
#: extraction and raw channels must agree within this fraction of the peak force to count as consistent
_AGREEMENT_RTOL = 1e-3


def _unpack(fmt: str, raw: bytes, offset: int, endian: str):
    return struct.unpack_from(endian + fmt, raw, offset)


def validate_c3d_structure(path: Path, raw: bytes) -> dict[str, Any]:
    """Check what ezc3d would otherwise trip over; return header facts. Raises ReadError."""
    size = len(raw)
    if size < _BLOCK:
        raise ReadError(path, f"too short for a C3D file ({size} bytes; the header alone is 512)", where="header")
    if raw[1] != C3D_KEY_BYTE:
        raise ReadError(path, f"not a C3D file: byte 2 is 0x{raw[1]:02x}, C3D files have 0x50", where="header byte 2")
    param_block = raw[0]
    if param_block < 2:
        raise ReadError(path, f"parameter section pointer is {param_block} (must be >= 2)", where="header byte 1")
    param_start = (param_block - 1) * _BLOCK
    if param_start + 4 > size:
        raise ReadError(path, "file ends before its parameter section", where=f"byte {param_start}")
    n_param_blocks = raw[param_start + 2]
    processor = raw[param_start + 3]
    if processor not in _PROCESSORS:
        raise ReadError(
            path, f"unknown processor type {processor} (84 Intel, 85 DEC, 86 MIPS)", where=f"byte {param_start + 3}"
        )
    endian = ">" if processor == 86 else "<"
    param_end = param_start + n_param_blocks * _BLOCK
    if n_param_blocks == 0 or param_end > size:
        raise ReadError(
            path,
            f"parameter section of {n_param_blocks} block(s) does not fit in {size} bytes (truncated?)",
            where=f"byte {param_start}",
        )
    # walk the parameter records
    pos = param_start + 4
    n_records = 0
    group_names: dict[int, str] = {}
    records: dict[tuple[int, str], tuple[int, tuple[int, ...], int]] = {}  # (group id, name) -> (type, dims, byte)
    while True:
        if pos + 2 > param_end:
            raise ReadError(path, "parameter records run past the parameter section", where=f"byte {pos}")
        n_chars = struct.unpack_from("b", raw, pos)[0]
        if n_chars == 0:
            break
        name_end = pos + 2 + abs(n_chars)
        if name_end + 2 > param_end:
            raise ReadError(path, "parameter name runs past the parameter section", where=f"byte {pos}")
        group_id = struct.unpack_from("b", raw, pos + 1)[0]
        (offset,) = _unpack("h", raw, name_end, endian)
        body = name_end + 2
        name = raw[pos + 2 : name_end].decode("ascii", "replace").upper()
        record_end = body + 1 + raw[body] if body < param_end else param_end + 1  # a group: description last
        if group_id < 0:
            group_names[-group_id] = name
        elif group_id > 0:  # a parameter: type, dims, data, description
            if body + 2 > param_end:
                raise ReadError(path, "parameter record truncated", where=f"byte {pos}")
            type_code = struct.unpack_from("b", raw, body)[0]
            type_size = abs(type_code)
            n_dims = raw[body + 1]
            if type_size not in (1, 2, 4):
                raise ReadError(path, f"parameter data type {type_size} is not 1, 2 or 4 bytes", where=f"byte {body}")
            dims = raw[body + 2 : body + 2 + n_dims]
            n_values = math.prod(dims) if n_dims else 1  # exact: np.prod wraps int64 (29 dims of ~100 gave 0)
            data_end = body + 2 + n_dims + type_size * n_values
            if data_end + 1 > param_end or data_end + 1 + raw[data_end] > param_end:
                raise ReadError(path, "parameter data runs past the parameter section", where=f"byte {pos}")
            records[(group_id, name)] = (type_code, tuple(dims), body + 2 + n_dims)
            record_end = data_end + 1 + raw[data_end]
        if record_end > param_end or (offset != 0 and record_end > name_end + offset):
            # ezc3d reads a record to its end, not to the next record's pointer: an overrun derails it
            raise ReadError(
                path,
                f"parameter record {name!r} ends at byte {record_end}, past the next record at byte {name_end + offset}",
                where=f"byte {pos}",
                hint="the parameter section is corrupted; export the file again",
            )
        if offset == 0:
            break
        nxt = name_end + offset
        if nxt <= pos or nxt > param_end:
            raise ReadError(
                path, f"parameter record points to byte {nxt}, outside the parameter section", where=f"byte {pos}"
            )
        pos = nxt
        n_records += 1
        if n_records > 100_000:
            raise ReadError(path, "too many parameter records", where=f"byte {pos}")
    # frame data size from the header words (1-based word n at byte 2*(n-1))
    n_points, analog_per_frame, first_frame, last_frame = _unpack("HHHH", raw, 2, endian)
    (data_start_block,) = _unpack("H", raw, 16, endian)
    scale_bytes = raw[12:16]
    if processor == 85:  # DEC/VAX float: sign bit is the top bit of the second byte
        is_float = bool(scale_bytes[1] & 0x80)
    else:
        (scale,) = _unpack("f", raw, 12, endian)
        is_float = scale < 0
    if data_start_block < 2:
        raise ReadError(path, f"data start block is {data_start_block}", where="header word 9")
    if last_frame >= first_frame and last_frame < 65535:
        n_frames = last_frame - first_frame + 1
        bytes_per_value = 4 if is_float else 2
        frame_bytes = (n_points * 4 + analog_per_frame) * bytes_per_value
        needed = (data_start_block - 1) * _BLOCK + n_frames * frame_bytes
        if needed > size:
            raise ReadError(
                path,
                f"truncated: {n_frames} frames need {needed} bytes, the file has {size}",
                where=f"frame data from byte {(data_start_block - 1) * _BLOCK}",
                hint="copy the file again; it was cut short",
            )
    params = {(group_names.get(g, f"group {g}"), n): v for (g, n), v in records.items()}
    if processor != 85:  # DEC floats are not IEEE: their values are checked after ezc3d decodes them
        (point_rate,) = _unpack("f", raw, 20, endian)
        _check_parameters(path, raw, endian, params, n_points, analog_per_frame, point_rate)
    return {
        "processor": _PROCESSORS[processor],
        "n_points": n_points,
        "analog_per_frame": analog_per_frame,
        "parameter_bytes": {f"{g}:{n}": v[2] for (g, n), v in params.items()},
    }


#: largest plausible |ANALOG:SCALE x ANALOG:GEN_SCALE| (units per ADC bit): force channels of 16-bit plates
#: are a few N per bit, so a million per bit only passes a corrupted or nonsensical scale
MAX_ANALOG_SCALE = 1e6


def _values(raw: bytes, endian: str, record: tuple[int, tuple[int, ...], int]) -> np.ndarray | None:
    """A numeric parameter's values (``None`` for a character parameter)."""
    type_code, dims, start = record
    if type_code == -1:
        return None
    n = math.prod(dims) if dims else 1
    fmt = {1: "b", 2: "h", 4: "f"}[abs(type_code)]
    return np.array(struct.unpack_from(f"{endian}{n}{fmt}", raw, start), dtype=float)


def _check_parameters(
    path: Path,
    raw: bytes,
    endian: str,
    params: dict[tuple[str, str], tuple[int, tuple[int, ...], int]],
    n_points: int,
    analog_per_frame: int,
    point_rate_hz: float,
) -> None:
    """The ANALOG and POINT parameters agree with the header and hold usable scales (before ezc3d lays out data)."""

    def value(group: str, name: str) -> tuple[np.ndarray | None, int]:
        record = params.get((group, name))
        if record is None:
            return None, -1
        return _values(raw, endian, record), record[2]

    used, used_at = value("POINT", "USED")
    if used is not None and used.size and int(used[0]) % 65536 != n_points:
        raise ReadError(
            path,
            f"POINT:USED is {int(used[0])} but the header announces {n_points} points per frame",
            where=f"POINT:USED (byte {used_at})",
            hint="the parameter section is corrupted; export the file again",
        )
    used, used_at = value("ANALOG", "USED")
    rate, rate_at = value("ANALOG", "RATE")
    has_analogs = analog_per_frame > 0 or (used is not None and used.size > 0 and int(used[0]) % 65536 > 0)
    if has_analogs and rate is not None and rate.size and not (np.isfinite(rate[0]) and rate[0] > 0):
        raise ReadError(
            path,
            f"ANALOG:RATE is {rate[0]:g}",
            where="ANALOG:RATE",
            hint=f"the analog sampling rate (byte {rate_at}) must be positive; re-export the file",
        )
    if used is not None and used.size and rate is not None and rate.size and np.isfinite(point_rate_hz):
        n_used = int(used[0]) % 65536
        ratio = rate[0] / point_rate_hz if point_rate_hz > 0 else float("nan")
        if np.isfinite(ratio) and ratio >= 1 and round(ratio) > 0:
            in_block = analog_per_frame / round(ratio)
            if n_used != in_block:
                raise ReadError(
                    path,
                    f"ANALOG:USED is {n_used} but the data block holds {in_block:g} analog channel(s) "
                    f"({analog_per_frame} analog values per frame at {round(ratio)} analog samples per frame)",
                    where=f"ANALOG:USED (byte {used_at})",
                    hint="the parameter section is corrupted; export the file again",
                )
    gen_scale, gen_at = value("ANALOG", "GEN_SCALE")
    scales, scale_at = value("ANALOG", "SCALE")
    gen = float(gen_scale[0]) if gen_scale is not None and gen_scale.size else 1.0
    if not (np.isfinite(gen) and gen != 0 and abs(gen) <= MAX_ANALOG_SCALE):
        raise ReadError(
            path,
            f"ANALOG:GEN_SCALE is {gen:g}; it must be a finite, non-zero factor up to {MAX_ANALOG_SCALE:g}",
            where=f"ANALOG:GEN_SCALE (byte {gen_at})",
            hint="every analog value is multiplied by it: the parameter section is corrupted",
        )
    if scales is not None and scales.size:
        total = scales * gen
        bad = np.flatnonzero(~(np.isfinite(total) & (total != 0) & (np.abs(total) <= MAX_ANALOG_SCALE)))
        if bad.size:
            i = int(bad[0])
            raise ReadError(
                path,
                f"ANALOG:SCALE of channel {i + 1} is {scales[i]:g} (x GEN_SCALE {gen:g}); it must be a finite, "
                f"non-zero factor up to {MAX_ANALOG_SCALE:g}",
                where=f"ANALOG:SCALE (byte {scale_at + 4 * i}), channel {i + 1}",
                hint="that channel's values would be all zero or absurd: the parameter section is corrupted",
            )


def _param(params: dict, group: str, name: str, default=None):
    try:
        return params[group][name]["value"]
    except (KeyError, TypeError):
        return default


def _plate_corners_normal_axis(corners: np.ndarray) -> int:
    """Index (0 x, 1 y, 2 z) of the lab axis most parallel to the plate normal, from its 4 corners."""
    c = np.asarray(corners, dtype=float)  # (3, 4)
    normal = np.cross(c[:, 1] - c[:, 0], c[:, 3] - c[:, 0])
    return int(np.argmax(np.abs(normal)))


def _raw_cop(force: np.ndarray, moment_nmm: np.ndarray, origin_mm: np.ndarray) -> np.ndarray:
    """Type-2 plate CoP in the plate frame (mm), from plate-frame force and moment at the sensor origin.

    COPx = (-h·Fx - My)/Fz, COPy = (-h·Fy + Mx)/Fz with h the depth of the sensor origin below the
    surface (C3D User Guide, force platform section; the same formula ezc3d uses), plus the origin's
    x, y offset.
    """
    fx, fy, fz = force
    mx, my, _ = moment_nmm
    h = -abs(float(origin_mm[2]))
    with np.errstate(divide="ignore", invalid="ignore"):
        copx = (h * fx - my) / fz - float(origin_mm[0])
        copy = (h * fy + mx) / fz - float(origin_mm[1])
    low = np.abs(fz) < COP_MIN_FORCE_N
    copx[low] = np.nan
    copy[low] = np.nan
    return np.vstack([copx, copy])


def _platforms(
    path: Path, c3d, extracted: list[dict[str, Any]], analogs: np.ndarray, analog_units: list[str], path_option: str
) -> tuple[list, list, set, list]:
    params = c3d["parameters"]
    n_used = int(np.atleast_1d(_param(params, "FORCE_PLATFORM", "USED", [0]))[0]) if "FORCE_PLATFORM" in params else 0
    if n_used == 0:
        return [], [], set(), []
    try:
        channel = np.asarray(_param(params, "FORCE_PLATFORM", "CHANNEL"), dtype=int).reshape(-1, n_used)
        corners = np.asarray(_param(params, "FORCE_PLATFORM", "CORNERS"), dtype=float).reshape(3, 4, n_used)
        origin = np.asarray(_param(params, "FORCE_PLATFORM", "ORIGIN"), dtype=float).reshape(3, n_used)
    except (TypeError, ValueError) as exc:
        raise ReadError(
            path,
            f"FORCE_PLATFORM:CHANNEL/CORNERS/ORIGIN do not fit FORCE_PLATFORM:USED = {n_used} ({exc})",
            where="FORCE_PLATFORM",
            hint="the parameter section is corrupted; export the file again",
        ) from None
    columns, specs, used_channels, decisions = [], [], set(), []
    for p in range(n_used):
        idx = channel[:6, p] - 1
        if np.any(idx < 0) or np.any(idx >= analogs.shape[0]):
            raise ReadError(
                path,
                f"FORCE_PLATFORM:CHANNEL of plate {p + 1} points outside the {analogs.shape[0]} analog channels",
                where="FORCE_PLATFORM:CHANNEL",
            )
        used_channels |= set(int(i) for i in idx)
        raw_f = analogs[idx[:3]]
        raw_m = analogs[idx[3:6]]
        f_unit = normalise_unit(analog_units[idx[2]]) or "N"
        m_unit = normalise_unit(analog_units[idx[3]]) or "N·mm"
        raw_f_n = to_si(raw_f, f_unit)[0]
        raw_m_nm = to_si(raw_m, m_unit)[0]
        raw_m_nmm = raw_m_nm * 1e3
        peak = float(np.max(np.abs(raw_f_n))) if raw_f_n.size else 0.0
        loaded = peak > COP_MIN_FORCE_N
        vertical_axis = _plate_corners_normal_axis(corners[:, :, p])
        reason: str
        use_extraction = False
        if path_option == "raw":
            reason = "raw channels forced by c3d_platform_path='raw'"
        elif p >= len(extracted):
            reason = "ezc3d returned no extraction for this plate"
        else:
            ext = extracted[p]
            ext_f = to_si(np.asarray(ext["force"]), ext.get("unit_force") or "N")[0]
            norm_ok = np.allclose(
                np.linalg.norm(ext_f, axis=0), np.linalg.norm(raw_f_n, axis=0), atol=_AGREEMENT_RTOL * max(peak, 1.0)
            )
            z_ok = np.allclose(np.abs(ext_f[2]), np.abs(raw_f_n[2]), atol=_AGREEMENT_RTOL * max(peak, 1.0))
            if not loaded:
                use_extraction = path_option != "raw" and norm_ok
                reason = f"plate not loaded (peak |F| below {COP_MIN_FORCE_N:.0f} N): extraction kept, nothing to cross-check"
            elif norm_ok and z_ok and vertical_axis == 2:
                use_extraction = True
                reason = "extraction agrees with raw channels (same |F|; lab z = plate normal = raw Fz up to sign)"
            elif not norm_ok:
                reason = "extracted |F| differs from the raw channels: extraction inconsistent"
            else:
                reason = (
                    f"lab vertical is {'xyz'[vertical_axis]} (plate normal from FORCE_PLATFORM:CORNERS), so ezc3d's lab-z "
                    f"component (peak {np.max(np.abs(ext_f[2])):.1f} N) is horizontal while raw Fz peaks at {peak:.1f} N"
                )
            if path_option == "extraction" and not use_extraction:
                use_extraction = True
                reason += " (extraction forced by c3d_platform_path='extraction')"
        n = p + 1
        if use_extraction:
            ext = extracted[p]
            force = to_si(np.asarray(ext["force"]), ext.get("unit_force") or "N")[0]
            moment = to_si(np.asarray(ext["moment"]), normalise_unit(ext.get("unit_moment")) or "N·mm")[0]
            cop = to_si(np.asarray(ext["center_of_pressure"])[:2], ext.get("unit_position") or "mm")[0].copy()
            cop[:, np.abs(force[vertical_axis]) < COP_MIN_FORCE_N] = np.nan  # ezc3d divides by ~0 when unloaded
            frame = "lab (ezc3d extraction, reaction force on the subject)"
        else:
            # the stored vertical channel goes negative under load (BTS, Qualisys): GRF = -stored
            vertical = raw_f_n[2]
            sign = -1.0 if loaded and abs(vertical.min()) > abs(vertical.max()) else 1.0
            force = sign * raw_f_n
            moment = sign * raw_m_nm
            cop = _raw_cop(raw_f_n, raw_m_nmm, origin[:, p]) * 1e-3
            frame = "plate (raw channels%s)" % (", sign flipped so vertical is positive up" if sign < 0 else "")
        block = [force[0], force[1], force[2], moment[0], moment[1], moment[2], cop[0], cop[1]]
        columns.extend(block)
        specs.extend(
            [(f"Fx{n}", "N", "N", "force"), (f"Fy{n}", "N", "N", "force"), (f"Fz{n}", "N", "N", "force")]
            + [
                (
                    f"M{a}{n}",
                    "N·m",
                    m_unit if not use_extraction else normalise_unit(extracted[p].get("unit_moment")) or m_unit,
                    "moment",
                )
                for a in "xyz"
            ]
            + [(f"COPx{n}", "m", "mm", "cop"), (f"COPy{n}", "m", "mm", "cop")]
        )
        decisions.append(
            {
                "plate": n,
                "path": "extraction" if use_extraction else "raw",
                "reason": reason,
                "frame": frame,
                "lab_vertical_axis": "xyz"[vertical_axis],
                "raw_channels": [int(i) + 1 for i in idx],
                "peak_raw_vertical_n": float(raw_f_n[2][np.argmax(np.abs(raw_f_n[2]))]) if raw_f_n.size else 0.0,
            }
        )
    return columns, specs, used_channels, decisions


def _events(c3d, start_time_s: float) -> pd.DataFrame:
    params = c3d["parameters"]
    labels = list(_param(params, "EVENT", "LABELS", []) or [])
    times = np.asarray(_param(params, "EVENT", "TIMES", np.zeros((2, 0))), dtype=float)
    contexts = list(_param(params, "EVENT", "CONTEXTS", []) or [])
    used = int(np.atleast_1d(_param(params, "EVENT", "USED", [len(labels)]))[0]) if labels else 0
    rows = []
    if used and times.size:
        times = times.reshape(2, -1)
        for i in range(min(used, times.shape[1], len(labels))):
            t = times[0, i] * 60.0 + times[1, i]  # EVENT:TIMES row 1 minutes, row 2 seconds
            label = str(labels[i]).strip()
            context = str(contexts[i]).strip() if i < len(contexts) else ""
            if not context and label[:1] in ("L", "R") and len(label) > 1:
                context = {"L": "Left", "R": "Right"}[label[0]]  # Qualisys-style LHS/RTO labels
            rows.append({"label": label, "time_s": t - start_time_s, "context": context})
    else:
        header = c3d["header"].get("events", {})
        for t, label in zip(header.get("events_time", ()), header.get("events_label", ())):
            if str(label).strip():
                rows.append({"label": str(label).strip(), "time_s": float(t) - start_time_s, "context": ""})
    if not rows:
        return pd.DataFrame({"label": pd.Series(dtype=str), "time_s": pd.Series(dtype=float)})
    return pd.DataFrame(rows)


def _extract_platforms(c3d) -> list[dict[str, Any]]:
    """ezc3d's force-platform extraction (``ezc3d.ForcePlatforms``, the C++ computation behind
    ``extract_forceplat_data=True``), copied out in bulk: the same numbers as ``c3d["data"]["platform"]``
    without the Python per-frame copy loop of ``ezc3d.c3d.PlatForm`` (and without Tz, unused here)."""
    from ezc3d import ezc3d as ezc3d_swig  # the SWIG module behind the ezc3d package

    def stacked(vectors) -> np.ndarray:  # tuple of Vector3d (one per frame) -> (3, n_frames)
        return np.array([v.to_array()[:, 0] for v in vectors], dtype=float).reshape(-1, 3).T

    platforms = []
    computed = ezc3d_swig.ForcePlatforms(c3d.c3d_swig)  # kept alive while its platforms are read
    for platform in computed.forcePlatforms():
        platforms.append(
            {
                "unit_force": platform.forceUnit(),
                "unit_moment": platform.momentUnit(),
                "unit_position": platform.positionUnit(),
                "force": stacked(platform.forces()),
                "moment": stacked(platform.moments()),
                "center_of_pressure": stacked(platform.CoP()),
            }
        )
    return platforms


def read_c3d(path: Path, raw: bytes, options: dict[str, Any]) -> Recording:
    import ezc3d

    facts = validate_c3d_structure(path, raw)
    path_option = options.get("c3d_platform_path", "auto")
    if path_option not in ("auto", "raw", "extraction"):
        raise ReadError(path, f"c3d_platform_path must be 'auto', 'raw' or 'extraction', got {path_option!r}")
    try:
        c3d = ezc3d.c3d(str(path), extract_forceplat_data=False)
    except Exception as exc:  # ezc3d raises RuntimeError/OSError/IndexError with its own messages
        raise ReadError(
            path, f"ezc3d could not read it: {type(exc).__name__}: {exc}", where="C3D parameters/data (ezc3d)"
        ) from None
    extracted: list[dict[str, Any]] = []
    if path_option != "raw":
        try:  # extraction can fail on odd FORCE_PLATFORM groups while the analogs are fine
            extracted = _extract_platforms(c3d)
        except (RuntimeError, OSError, IndexError, ValueError):  # what ezc3d raises on such groups
            path_option = "raw"
    params = c3d["parameters"]
    if "ANALOG" not in params:
        raise ReadError(path, "no ANALOG group: the file holds no analog channels (EMG, force)", where="ANALOG")
    n_used = int(np.atleast_1d(_param(params, "ANALOG", "USED", [0]))[0])
    if n_used == 0 and facts["analog_per_frame"] == 0:  # ezc3d zeroes USED when RATE is bad: ask the header too
        raise ReadError(
            path, "no analog channels (ANALOG:USED is 0)", where="ANALOG:USED", hint="this C3D holds markers only"
        )
    rate = _param(params, "ANALOG", "RATE")
    if rate is None or len(np.atleast_1d(rate)) == 0:
        raise ReadError(
            path,
            "ANALOG:RATE is missing, so the analog samples cannot be laid out",
            where="ANALOG:RATE",
            hint="re-export the trial from the capture software (ezc3d needs ANALOG:RATE)",
        )
    rate = float(np.atleast_1d(rate)[0])
    if not np.isfinite(rate) or rate <= 0:
        raise ReadError(
            path,
            f"ANALOG:RATE is {rate:g}",
            where="ANALOG:RATE",
            hint="the analog sampling rate must be positive; re-export the file",
        )
    analogs = np.asarray(c3d["data"]["analogs"], dtype=float)
    if analogs.size == 0:
        raise ReadError(path, "no analog samples although ANALOG:USED > 0", where="ANALOG", hint="re-export the file")
    analogs = analogs[0]  # (n_channels, n_samples)
    labels = _text_values(path, _param(params, "ANALOG", "LABELS", []), "ANALOG:LABELS")
    labels += [f"Analog {i + 1}" for i in range(len(labels), analogs.shape[0])]
    units = [normalise_unit(x) or "" for x in _text_values(path, _param(params, "ANALOG", "UNITS", []), "ANALOG:UNITS")]
    units += [""] * (analogs.shape[0] - len(units))
    columns, specs, platform_channels, decisions = _platforms(path, c3d, extracted, analogs, units, path_option)
    for i in range(analogs.shape[0]):
        if i in platform_channels:
            continue
        converted, si_unit, _ = to_si(analogs[i], units[i] or None)
        columns.append(converted)
        specs.append((labels[i], si_unit or "", units[i], guess_kind(labels[i], si_unit)))
    names = [s[0] for s in specs]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # duplicate labels: keep them apart, never drop a channel
        if name in seen:
            seen[name] += 1
            names[i] = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
    header = c3d["header"]
    point_rate = float(header["points"]["frame_rate"] or 0.0)
    first_frame = int(header["points"]["first_frame"])
    start_time_s = first_frame / point_rate if point_rate > 0 else 0.0
    metadata = {
        "format": "c3d",
        "processor": facts["processor"],
        "start_time_s": start_time_s,
        "point_rate_hz": point_rate,
        "force_platforms": decisions,
        "event_times": "seconds from the first analog sample (file time minus start_time_s)",
        "analog_labels": labels,
    }
    wanted = options.get("channels")
    data = np.vstack(columns).T if columns else np.empty((analogs.shape[1], 0))
    if wanted is not None:
        missing = [w for w in wanted if w not in names]
        if missing:
            raise ReadError(path, f"no channel(s) {missing}; channels are {names}", where="ANALOG:LABELS")
        keep = [names.index(w) for w in wanted]
        data, specs, names = data[:, keep], [specs[k] for k in keep], [names[k] for k in keep]
    try:
        events = _events(c3d, start_time_s)
    except UnicodeError as exc:  # pandas' string columns refuse the surrogates of undecodable bytes
        raise ReadError(
            path,
            f"an event label or context holds bytes that are not text ({exc})",
            where="EVENT:LABELS/CONTEXTS",
            hint="the parameter section is corrupted; export the file again",
        ) from None
    return finish_recording(
        path,
        samples=data,
        sampling_rate_hz=rate,
        channel_names=names,
        units=[s[1] for s in specs],
        channel_kinds=[s[3] for s in specs],
        source_units=[s[2] for s in specs],
        events=events,
        metadata=metadata,
        row_where=lambda r: f"analog sample {r + 1}",
        nan_allowed=[s[3] == "cop" for s in specs],  # CoP is undefined (NaN) while a plate is unloaded
    )


def _text_values(path: Path, values: Any, where: str) -> list[str]:
    """A C3D character parameter as clean strings: bytes that are no text (a corrupted parameter) are an error."""
    out = []
    for i, value in enumerate(list(values or [])):
        text = str(value).strip()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ReadError(
                path,
                f"entry {i + 1} of {where} holds bytes that are not text ({text!r})",
                where=where,
                hint="the parameter section is corrupted; export the file again",
            ) from None
        out.append(text)
    return out
