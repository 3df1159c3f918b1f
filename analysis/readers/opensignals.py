"""OpenSignals (PLUX) recordings: the .txt export and the .h5 file, checked down to the ADC counts.

Both layouts give ADC counts, a resolution per channel and a sampling rate. Before converting EMG counts
to mV the reader checks that the resolution is a real ADC width, every count fits in it, the datasets are
one column each and as long as the header declares, and the rate is a positive number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import ReadError
from analysis.readers.assemble import build_recording
from analysis.readers.checks import check_declared_count
from analysis.readers.table import parse_table
from analysis.recording import Recording

__all__ = ["read_opensignals_txt", "read_opensignals_h5", "plux_emg_mv", "HDF5_SIGNATURE", "ADC_BITS_RANGE"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: PLUX EMG transfer function (biosignalsnotebooks conversion.raw_to_phy 'EMG'): VCC 3 V, gain 1000
PLUX_VCC_V = 3.0
PLUX_EMG_GAIN = 1000.0
#: ADC widths a PLUX device can have: 8, 10, 12 and 16 bit (biosignalsplux, bitalino); 24 leaves a margin
ADC_BITS_RANGE = (1, 24)
#: the txt export's nSeq column counts 0..15 and wraps (OpenSignals manual, "nSeq: 4-bit sequence number")
_NSEQ_MODULUS = 16


def plux_emg_mv(adc: np.ndarray, resolution_bits: int) -> np.ndarray:
    """PLUX EMG sensor: mV = (ADC / 2^n - 1/2) * VCC / G * 1000 = ADC * 3.0 / 2^n - 1.5 (VCC 3 V, G 1000)."""
    return (np.asarray(adc, dtype=float) / 2.0**resolution_bits - 0.5) * PLUX_VCC_V / PLUX_EMG_GAIN * 1000.0


def _rate(path: Path, value: Any, where: str) -> float:
    try:
        rate = float(np.asarray(value).reshape(-1)[0]) if np.ndim(value) else float(value)
    except (TypeError, ValueError, IndexError):
        raise ReadError(path, f"the sampling rate {value!r} is not a number", where=where) from None
    if not (math.isfinite(rate) and rate > 0):
        raise ReadError(path, f"the sampling rate is {rate:g}; it must be a positive number", where=where)
    return rate


def _resolutions(path: Path, values: Any, where: str) -> list[int]:
    try:
        raw = [float(r) for r in np.atleast_1d(np.asarray(values, dtype=object)).reshape(-1)]
    except (TypeError, ValueError):
        raise ReadError(path, f"the resolution {values!r} is not a list of bit counts", where=where) from None
    low, high = ADC_BITS_RANGE
    for r in raw:
        if not (math.isfinite(r) and r == int(r) and low <= r <= high):
            raise ReadError(
                path,
                f"ADC resolution of {r:g} bit(s); PLUX devices have {low}-{high} bits (8, 10, 12 or 16)",
                where=where,
                hint="the header is corrupted; export the recording again",
            )
    return [int(r) for r in raw]


def read_opensignals_txt(path: Path, text: str, options: dict[str, Any]) -> Recording:
    lines = text.splitlines()
    try:
        json_line = next(ln for ln in lines[:5] if ln.startswith("# {"))
        end = next(i for i, ln in enumerate(lines) if ln.strip().lower() == "# endofheader")
        info = json.loads(json_line[2:])
        device, meta = next(iter(info.items()))
        columns = list(meta["column"])
        labels = list(meta["label"])
        sensors = list(meta["sensor"])
        rate_value = meta["sampling rate"]
        resolution_value = meta["resolution"]
    except (StopIteration, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReadError(
            path, f"OpenSignals header is missing or malformed ({type(exc).__name__}: {exc})", where="lines 1-3"
        ) from None
    header_line = lines.index(json_line) + 1
    rate = _rate(path, rate_value, f"line {header_line}, 'sampling rate'")
    resolutions = _resolutions(path, resolution_value, f"line {header_line}, 'resolution'")
    table = parse_table(path, "\n".join(lines[end + 1 :]), lenient=bool(options.get("lenient")), first_line=end + 2)
    if table.data.shape[1] != len(columns):
        raise ReadError(
            path, f"header lists {len(columns)} columns, data rows have {table.data.shape[1]}", where=f"line {end + 2}"
        )
    analog_cols = [columns.index(lbl) for lbl in labels if lbl in columns]
    if len(analog_cols) != len(labels):
        raise ReadError(path, f"channel labels {labels} not all in columns {columns}", where=f"line {header_line}")
    if "nSeq" in columns and table.data.shape[0] > 1:
        _check_sequence(path, table.data[:, columns.index("nSeq")], table.line_of)
    return _opensignals_recording(
        path,
        device,
        meta,
        labels,
        sensors,
        resolutions,
        table.data[:, analog_cols],
        rate,
        options,
        "opensignals_txt",
        row_where=lambda r: f"line {table.line_of(r)}",
        read_warnings=table.warnings,
    )


def _check_sequence(path: Path, seq: np.ndarray, line_of: Any) -> None:
    """nSeq counts 0..15 and wraps: any other step means samples were lost or rows were deleted."""
    if not (np.all(np.isfinite(seq)) and seq.min() >= 0 and seq.max() < _NSEQ_MODULUS):
        return  # not the 4-bit counter this check knows; the other checks still apply
    steps = np.mod(np.diff(seq), _NSEQ_MODULUS)
    bad = np.flatnonzero(steps != 1)
    if bad.size:
        r = int(bad[0]) + 1
        raise ReadError(
            path,
            f"nSeq goes from {seq[r - 1]:g} to {seq[r]:g} (it counts by 1, modulo {_NSEQ_MODULUS}): samples are "
            "missing or rows were removed",
            where=f"line {line_of(r)}",
            hint="export the recording again; a gap would shift every time after it",
        )


def _opensignals_recording(
    path: Path,
    device: str,
    meta: dict[str, Any],
    labels: list[str],
    sensors: list[str],
    resolutions: list[int],
    adc: np.ndarray,
    rate: float,
    options: dict[str, Any],
    fmt: str,
    *,
    row_where: Any = None,
    read_warnings: list[str] | None = None,
) -> Recording:
    if len(resolutions) == 1 and len(labels) > 1:
        resolutions = resolutions * len(labels)
    if not (len(labels) == len(sensors) == len(resolutions) == adc.shape[1]):
        raise ReadError(
            path,
            f"{len(labels)} labels, {len(sensors)} sensors, {len(resolutions)} resolutions for {adc.shape[1]} channels",
            where="header",
        )
    from analysis.readers.opensignals_force import force_platform_channels, is_force_platform_sensor

    where = row_where or (lambda r: f"sample {r + 1}")
    columns: list[np.ndarray] = []
    kinds: list[str] = []
    names: list[str] = []
    units: list[str | None] = []
    transfer: dict[str, str] = {}
    platform = [j for j, sensor in enumerate(sensors) if is_force_platform_sensor(sensor)]
    for j, (sensor, bits) in enumerate(zip(sensors, resolutions)):
        counts = adc[:, j]
        outside = np.flatnonzero(~((counts >= 0) & (counts < 2**bits) & (counts == np.floor(counts))))
        if outside.size:
            r = int(outside[0])
            raise ReadError(
                path,
                f"ADC value {counts[r]:g} of channel {labels[j]!r} is not a whole count in 0..{2**bits - 1} "
                f"({bits}-bit resolution)",
                where=f"{where(r)}, channel {labels[j]!r}",
                hint="the file is corrupted or its resolution is wrong; export it again",
            )
        if j in platform:  # load cells: converted together below
            continue
        names.append(labels[j])
        if str(sensor).upper().startswith("EMG"):
            columns.append(plux_emg_mv(counts, bits))
            units.append("mV")
            kinds.append("emg")
            transfer[labels[j]] = "EMG mV = ADC*VCC/2^n - VCC/2 (VCC 3.0 V, EMG gain 1000; PLUX/biosignalsnotebooks)"
        else:
            columns.append(counts.astype(float))
            units.append("ADC")
            kinds.append("other")
            transfer[labels[j]] = "none (raw ADC counts)"
    metadata: dict[str, Any] = {
        "format": fmt,
        "device": device,
        "device_info": {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in meta.items()},
        "resolution_bits": resolutions,
        "transfer_function": transfer,
        "sensors": sensors,
    }
    if platform:  # load cells -> N per cell and Fz (analysis.readers.opensignals_force)
        newtons, fp_names, record = force_platform_channels(
            path,
            device,
            meta,
            [labels[j] for j in platform],
            [resolutions[j] for j in platform],
            adc[:, platform],
            rate,
            options.get("force_platform"),
        )
        columns.extend(newtons.T)
        names.extend(fp_names)
        units.extend(["N"] * len(fp_names))
        kinds.extend(["force"] * len(fp_names))
        transfer.update(dict.fromkeys(fp_names, record["transfer_function"]))
        metadata["force_platform"] = record
    if read_warnings:
        metadata["read_warnings"] = list(read_warnings)
    data = np.column_stack(columns) if columns else np.empty((adc.shape[0], 0))
    return build_recording(
        path,
        fmt,
        names,
        units,
        data,
        rate,
        options,
        metadata,
        kinds=kinds,
        row_where=row_where,
    )


def read_opensignals_h5(path: Path, raw: bytes, options: dict[str, Any]) -> Recording:
    import h5py

    if not raw.startswith(HDF5_SIGNATURE):
        raise ReadError(path, "not an HDF5 file (signature missing)", where="byte 0")
    try:
        with h5py.File(path, "r") as h5:
            devices = [k for k in h5.keys() if isinstance(h5[k], h5py.Group) and "raw" in h5[k]]
            if not devices:
                raise ReadError(path, "no OpenSignals device group with a 'raw' subgroup", where="/")
            device = options.get("device") or devices[0]
            if device not in devices:
                raise ReadError(path, f"no device {device!r}; devices are {devices}", where="/")
            group = h5[device]
            meta = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in group.attrs.items()}
            channel_keys = sorted(
                (k for k in group["raw"].keys() if k.startswith("channel_") and k[8:].isdigit()),
                key=lambda k: int(k.split("_")[1]),
            )
            if not channel_keys:
                raise ReadError(path, "no raw channel datasets", where=f"/{device}/raw")
            labels, sensors, columns = [], [], []
            for key in channel_keys:
                ds = group["raw"][key]
                if not isinstance(ds, h5py.Dataset) or not (ds.ndim == 1 or (ds.ndim == 2 and ds.shape[1] == 1)):
                    shape = getattr(ds, "shape", "a group")
                    raise ReadError(
                        path,
                        f"raw channel dataset has shape {shape}; OpenSignals stores one column (n,) or (n, 1)",
                        where=f"/{device}/raw/{key}",
                    )
                labels.append(str(ds.attrs.get("label", key)))
                sensors.append(str(ds.attrs.get("sensor", "")))
                columns.append(np.asarray(ds[()], dtype=float).reshape(-1))
            lengths = {c.size for c in columns}
            if len(lengths) != 1:
                raise ReadError(path, f"raw channels have different lengths {sorted(lengths)}", where=f"/{device}/raw")
            if "resolution" not in meta:
                raise ReadError(
                    path,
                    "no 'resolution' attribute: the ADC resolution is needed for the transfer function",
                    where=f"/{device}",
                )
            resolutions = _resolutions(path, meta["resolution"], f"/{device} attribute 'resolution'")
            if "sampling rate" not in meta:
                raise ReadError(path, "no 'sampling rate' attribute", where=f"/{device}")
            rate = _rate(path, meta["sampling rate"], f"/{device} attribute 'sampling rate'")
            if "nsamples" in meta:
                try:
                    declared = int(np.asarray(meta["nsamples"]).reshape(-1)[0])
                except (TypeError, ValueError, IndexError):
                    raise ReadError(
                        path, f"'nsamples' {meta['nsamples']!r} is not a count", where=f"/{device} attribute 'nsamples'"
                    ) from None
                check_declared_count(
                    path, columns[0].size, declared, what="samples", where=f"/{device} attribute 'nsamples'"
                )
    except ReadError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, IndexError) as exc:
        raise ReadError(
            path,
            f"HDF5 could not be read ({type(exc).__name__}: {exc})",
            where=f"HDF5 structure ({len(raw)} bytes)",
            hint="the file is truncated or corrupted; copy or export it again",
        ) from None
    adc = np.column_stack(columns)
    return _opensignals_recording(
        path,
        device,
        meta,
        labels,
        sensors,
        resolutions,
        adc,
        rate,
        options,
        "opensignals_h5",
        row_where=lambda r: f"/{device}/raw sample {r + 1}",
    )
