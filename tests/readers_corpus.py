"""A malformed-input corpus generated at test time (no committed binaries): valid inputs in every supported
format, and mutations of them, each with the exact outcome it must have.

Outcomes:

- ``ERROR``: ``read_recording`` raises ``ReadError`` naming the file and a position (line, byte, sample,
  parameter or dataset), strictly and leniently;
- ``LENIENT``: strictly a ``ReadError`` naming the position; with ``lenient=True`` a ``ReadWarning`` and exactly
  the rows ``keep`` of the valid input's samples;
- ``SAME``: read as the valid input, samples bit-identical (odd encodings and line endings);
- ``NEGATED``: read with every sample negated (force exported as -Fz is read, not guessed).
"""

from __future__ import annotations

import io
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ERROR, LENIENT, SAME, NEGATED = "error", "lenient", "same", "negated"


@dataclass
class Source:
    """A valid input: its bytes, file name, read options and where its numeric rows are (text)."""

    name: str
    filename: str
    raw: bytes
    options: dict[str, Any] = field(default_factory=dict)
    kind: str = "text"  # text, h5, c3d
    data_lines: tuple[int, int] = (0, 0)  # [first, end) 0-based line indexes of the numeric rows (text)
    header_line: int | None = None  # 0-based line index of the channel-name header (text)
    time_column: bool = False  # text with a time column (a lost row is a time gap)
    declares_count: bool = False  # the header declares the number of samples (UCI, OpenSim)
    n_fields: int = 1
    delimiter: str = ","
    force_only: bool = False  # every channel is a force (negating is meaningful)


@dataclass
class Case:
    source: Source
    mutation: str
    raw: bytes
    outcome: str
    keep: Any = None  # LENIENT: row selection of the valid samples


# ---------------------------------------------------------------------------------------------
# valid inputs written by the tests


def _rows(n: int, make: Callable[[int], str]) -> str:
    return "".join(make(i) + "\n" for i in range(n))


def text_sources(real: Path) -> list[Source]:
    n = 120
    t = np.arange(n) / 1000.0
    emg = 0.05 * np.sin(np.arange(n) * 0.7)
    fz = 700 + 50 * np.cos(np.arange(n) * 0.05)
    out = []
    generic = "time_s,EMG 1 [mV],Fz1 [N],knee [deg]\n" + _rows(
        n, lambda i: f"{t[i]:.3f},{emg[i]:.5f},{fz[i]:.2f},{10 + i * 0.1:.2f}"
    )
    out.append(Source("generic_csv", "trial.csv", generic.encode(), {}, "text", (1, 1 + n), 0, True, n_fields=4))
    delsys = "Application: EMGworks Acquisition,,,\nDate/Time: 03/02/2024 10:11:12,,,\n\n" + (
        "X[s],Avanti sensor 1: EMG 1,X[s],Avanti sensor 2: EMG 2\n"
    )
    delsys += _rows(n, lambda i: f"{i / 2000:.4f},{emg[i] / 1000:.7f},{i / 2000:.4f},{-emg[i] / 1000:.7f}")
    out.append(Source("delsys_csv", "delsys.csv", delsys.encode(), {}, "text", (4, 4 + n), 3, True, n_fields=4))
    noraxon = '"Noraxon MR3 export"\n"Record:","squat_01"\n"time","RT GLUT. MAX. (uV)","LT TIB.ANT. (uV)"\n'
    noraxon += _rows(n, lambda i: f"{i / 2000:.4f},{emg[i] * 100:.3f},{-emg[i] * 50:.3f}")
    out.append(Source("noraxon_csv", "mr3.csv", noraxon.encode(), {}, "text", (3, 3 + n), 2, True, n_fields=3))
    netforce = (
        "AMTI NetForce\tC:\\data\\cmj_01.txt\t\t\t\n\tFX1\tFY1\tFZ1\tMX1\n\tN\tN\tN\tN.m\n"
        "\tLow\tLow\tLow\tLow\n\t-\t-\t-\t-\n"
    )
    netforce += _rows(n, lambda i: f"{i}\t{emg[i] * 10:.3f}\t{-emg[i] * 5:.3f}\t{fz[i]:.2f}\t{emg[i]:.4f}")
    out.append(
        Source(
            "netforce_txt",
            "cmj.txt",
            netforce.encode(),
            {"sampling_rate_hz": 1000},
            "text",
            (5, 5 + n),
            1,
            n_fields=5,
            delimiter="\t",
        )
    )
    bertec = "Bertec Digital Acquire 4.0\nSampling frequency,1000\nTime,Fx,Fy,Fz,Copx,Copy\n"
    bertec += _rows(n, lambda i: f"{t[i]:.3f},1.5,-2,{fz[i]:.2f},0.01,{-0.02 - i * 1e-4:.4f}")
    out.append(Source("bertec_csv", "bertec.csv", bertec.encode(), {}, "text", (3, 3 + n), 2, True, n_fields=6))
    fz1 = _rows(n, lambda i: f"{fz[i]:.3f}")
    out.append(
        Source("fz_text", "fz.txt", fz1.encode(), {"sampling_rate_hz": 1000}, "text", (0, n), None, force_only=True)
    )
    fz2 = "FP1\tFP2\n" + _rows(n, lambda i: f"{fz[i] / 2:.3f}\t{fz[i] / 2 + 1:.3f}")
    out.append(
        Source(
            "fz_text_dual",
            "dual.txt",
            fz2.encode(),
            {"sampling_rate_hz": 1000},
            "text",
            (1, 1 + n),
            0,
            n_fields=2,
            delimiter="\t",
            force_only=True,
        )
    )
    uci = "File Name: 1Nmar.log\n" + "".join(
        f"Channel {k + 1}: '{m}', {n} values, engineering units: mV, no filters.\n" for k, m in enumerate("ABC")
    )
    uci += "\n" + _rows(n, lambda i: f"{emg[i]:.4f}\t{-emg[i]:.4f}\t{emg[i] / 2:.4f}")
    out.append(Source("uci_emg", "1Nmar.txt", uci.encode(), {}, "text", (5, 5 + n), None, False, True, 3, "\t"))
    osig = (
        "# OpenSignals Text File Format\n"
        '# {"00:07:80:3B:46:61": {"sensor": ["EMG"], "column": ["nSeq", "I1", "I2", "O1", "O2", "A3"], '
        '"sampling rate": 1000, "label": ["A3"], "resolution": [16], "device": "channeller"}}\n'
        "# EndOfHeader\n"
    )
    osig += _rows(n, lambda i: f"{i % 16}\t0\t0\t0\t0\t{32768 + int(3000 * np.sin(i * 0.7))}")
    out.append(
        Source("opensignals_txt", "bursts.txt", osig.encode(), {}, "text", (3, 3 + n), None, True, False, 6, "\t")
    )
    mot = f"Coordinates\nversion=1\nnRows={n}\nnColumns=3\ninDegrees=yes\nendheader\ntime\tknee_angle_r\tpelvis_tx\n"
    mot += _rows(n, lambda i: f"{i / 100:.2f}\t{10 + i * 0.5:.3f}\t{1 + i * 0.01:.3f}")
    out.append(Source("opensim", "ik.mot", mot.encode(), {}, "text", (7, 7 + n), 6, True, True, 3, "\t"))
    # vendored real recordings
    cmj = (real / "vertical_jumps_fz" / "Single-CMJ-Fz.txt").read_bytes()
    out.append(
        Source(
            "real_single_cmj_fz",
            "Single-CMJ-Fz.txt",
            cmj,
            {"sampling_rate_hz": 1000},
            "text",
            (0, 5000),
            None,
            force_only=True,
        )
    )
    uci_real = (real / "uci_lower_limb_emg" / "5Nmar.txt").read_bytes()
    out.append(Source("real_uci_5nmar", "5Nmar.txt", uci_real, {}, "text", (7, 7 + 6563), None, False, True, 5, "\t"))
    acl = (real / "acl_squat_jump_dualfp" / "BFR007_1st_squat_jump.csv").read_bytes()
    n_acl = acl.count(b"\n") - 1
    out.append(Source("real_acl_csv", "acl.csv", acl, {}, "text", (1, 1 + n_acl), 0, True, n_fields=20))
    return out


# ---------------------------------------------------------------------------------------------
# text mutations


def _lines(src: Source) -> list[str]:
    return src.raw.decode("utf-8").splitlines()


def _join(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _value_cell(src: Source) -> int:
    """A column holding a signal value (not time, not NetForce's sample number, not OpenSignals' nSeq)."""
    if src.name == "opensignals_txt":
        return 5
    if src.name == "netforce_txt" or src.time_column:
        return 1 if src.name != "real_acl_csv" else 3
    return 0


def _set_cell(src: Source, line: str, col: int, value: str) -> str:
    if src.n_fields == 1:
        return value
    cells = line.split(src.delimiter)
    cells[col] = value
    return src.delimiter.join(cells)


def text_cases(src: Source) -> list[Case]:
    lines = _lines(src)
    first, end = src.data_lines
    src.n_fields = len(lines[first].split(src.delimiter)) if src.delimiter in lines[first] else 1
    n = end - first
    mid = first + n // 2
    rows = np.arange(n)
    cases: list[Case] = []

    def add(mutation: str, raw: bytes, outcome: str, keep: Any = None) -> None:
        cases.append(Case(src, mutation, raw, outcome, keep))

    def with_line(i: int, text: str) -> bytes:
        new = list(lines)
        new[i] = text
        return _join(new)

    col = _value_cell(src)
    # blank lines hold no sample: leniently left out, exactly
    add("blank_line_mid", _join(lines[: mid + 1] + [""] + lines[mid + 1 :]), LENIENT, rows)
    add("two_blank_lines_mid", _join(lines[: mid + 1] + ["", "   "] + lines[mid + 1 :]), LENIENT, rows)
    add("blank_line_after_first_row", _join(lines[: first + 1] + [""] + lines[first + 1 :]), LENIENT, rows)
    if src.n_fields > 1:
        empty_row = src.delimiter * (src.n_fields - 1)
        add("empty_cells_row_mid", _join(lines[: mid + 1] + [empty_row] + lines[mid + 1 :]), LENIENT, rows)
        # a file cut mid-row: the last line has fewer fields than the rows above
        for frac in (0.1, 0.5, 0.9):
            r = first + max(2, int(n * frac))
            cut_line = lines[r].split(src.delimiter)[0] + src.delimiter
            cut = "\n".join(lines[:r] + [cut_line[:-1] if src.n_fields == 2 else cut_line]).encode()
            outcome = ERROR if src.declares_count else LENIENT
            add(f"truncated_mid_row_{int(frac * 100)}pct", cut, outcome, rows[: r - first])
        add("wrong_delimiter_row", with_line(mid, lines[mid].replace(src.delimiter, "|")), ERROR)
        add("short_row_mid", with_line(mid, src.delimiter.join(lines[mid].split(src.delimiter)[:-1])), ERROR)
    else:
        add("blank_instead_of_row", with_line(mid, ""), LENIENT, np.delete(rows, n // 2))
        add("wrong_delimiter_row", with_line(mid, lines[mid].replace(".", ",")), ERROR)
        add("two_values_in_row", with_line(mid, lines[mid] + ";1.0"), ERROR)
        add("truncated_in_number_sign", with_line(end - 1, "-"), LENIENT, rows[:-1])
        add("truncated_to_first_line_part", _join([lines[0][:3]]) if first == 0 else b"", ERROR)
    add("extra_field_row", with_line(mid, lines[mid] + src.delimiter + "1.0"), ERROR)
    add("non_numeric_cell_mid", with_line(mid, _set_cell(src, lines[mid], col, "abc")), ERROR)
    add("non_numeric_cell_near_end", with_line(end - 2, _set_cell(src, lines[end - 2], col, "x1")), ERROR)
    add("double_minus_cell", with_line(mid, _set_cell(src, lines[mid], col, "--4.478")), ERROR)
    add("nan_cell_mid", with_line(mid, _set_cell(src, lines[mid], col, "nan")), ERROR)
    add("inf_cell_mid", with_line(mid, _set_cell(src, lines[mid], col, "inf")), ERROR)
    add("minus_inf_last_row", with_line(end - 1, _set_cell(src, lines[end - 1], col, "-inf")), ERROR)
    add("huge_1e300", with_line(mid, _set_cell(src, lines[mid], col, "1e300")), ERROR)
    add("huge_minus_1e300_first_row", with_line(first, _set_cell(src, lines[first], col, "-1e300")), ERROR)
    add("garbage_row", with_line(mid, "#@!garbage%%"), ERROR)
    add("latin1_byte_in_row", _join(lines[:mid]) + lines[mid].encode() + b"\xe9\n" + _join(lines[mid + 1 :]), ERROR)
    add("nul_bytes_mid", _join(lines[:mid]) + b"\x00" * 8 + _join(lines[mid:]), ERROR)
    rng = np.random.default_rng(len(src.raw))
    noise = bytearray(rng.integers(0, 256, 64, dtype=np.uint8).tobytes())
    noise[7] = 0
    add("random_bytes_mid", _join(lines[:mid]) + bytes(noise) + _join(lines[mid:]), ERROR)
    flipped = bytearray(src.raw)
    at = len(_join(lines[:mid]))  # first byte of row mid: a digit or a sign
    flipped[at] ^= 0xFF
    add("byte_flip_row_start", bytes(flipped), ERROR)
    add("zero_bytes", b"", ERROR)
    add("only_newlines", b"\n\n\n", ERROR)
    add("one_row", _join(lines[: first + 1]), ERROR)
    add("header_only", _join(lines[:first]) if first else b"", ERROR)
    add("utf16_with_bom", "\n".join(lines).encode("utf-16"), SAME)
    add("utf16_without_bom", "\n".join(lines).encode("utf-16-le"), ERROR)
    add("crlf", "\r\n".join(lines).encode() + b"\r\n", SAME)
    add("cr_cr_lf", "\r\r\n".join(lines).encode() + b"\r\r\n", SAME)
    add("cr_only", "\r".join(lines).encode() + b"\r", SAME)
    add("no_final_newline", "\n".join(lines).encode(), SAME)
    add("trailing_blank_lines", _join(lines) + b"\n\n  \n", SAME)
    if src.header_line is not None:
        header = lines[src.header_line]
        if src.n_fields > 1:
            cells = header.split(src.delimiter)
            dup = list(cells)
            dup[-1] = dup[_value_cell(src)]
            add("duplicate_header_name", with_line(src.header_line, src.delimiter.join(dup)), ERROR)
            add("empty_header", with_line(src.header_line, src.delimiter * (len(cells) - 1)), ERROR)
            add("header_mis_delimited", with_line(src.header_line, header.replace(src.delimiter, "|")), ERROR)
    if src.time_column and src.name != "opensignals_txt":
        tcol = 0 if src.name != "delsys_csv" else 0
        prev = lines[mid - 1].split(src.delimiter)[tcol]
        add("time_repeated", with_line(mid, _set_cell(src, lines[mid], tcol, prev)), ERROR)
        add("row_deleted_time_gap", _join(lines[:mid] + lines[mid + 1 :]), ERROR)
    if src.name == "opensignals_txt":
        add("row_deleted_nseq_gap", _join(lines[:mid] + lines[mid + 1 :]), ERROR)
        add("adc_above_resolution", with_line(mid, _set_cell(src, lines[mid], 5, "70000")), ERROR)
        add("adc_negative", with_line(mid, _set_cell(src, lines[mid], 5, "-3")), ERROR)
        for what, new in (
            ("resolution_0", '"resolution": [0]'),
            ("resolution_64", '"resolution": [64]'),
            ("resolution_text", '"resolution": ["x"]'),
        ):
            add(what, with_line(1, lines[1].replace('"resolution": [16]', new)), ERROR)
        for what, new in (("rate_text", '"sampling rate": "fast"'), ("rate_zero", '"sampling rate": 0')):
            add(what, with_line(1, lines[1].replace('"sampling rate": 1000', new)), ERROR)
        add("header_json_cut", with_line(1, lines[1][:40]), ERROR)
    if src.declares_count:
        if src.name.endswith("uci_emg") or src.name == "real_uci_5nmar":
            add("row_deleted_count_mismatch", _join(lines[:mid] + lines[mid + 1 :]), ERROR)
            add("declared_count_edited", with_line(1, lines[1].replace(" values", "0 values", 1)), ERROR)
        else:
            add("row_deleted_count_mismatch", _join(lines[:mid] + lines[mid + 1 :]), ERROR)
            add("nrows_edited", _join([ln if not ln.startswith("nRows=") else "nRows=7" for ln in lines]), ERROR)
    if src.force_only:
        negated = [ln if i < first else _negate(ln, src.delimiter) for i, ln in enumerate(lines)]
        add("negative_force", _join(negated), NEGATED)
    return cases


def _negate(line: str, delimiter: str) -> str:
    def neg(cell: str) -> str:
        cell = cell.strip()
        return cell[1:] if cell.startswith("-") else "-" + cell

    return delimiter.join(neg(c) for c in line.split(delimiter)) if delimiter in line else neg(line)


# ---------------------------------------------------------------------------------------------
# OpenSignals .h5


def write_h5(
    path: Path,
    adc: np.ndarray | None = None,
    *,
    attrs: dict[str, Any] | None = None,
    shape: tuple[int, ...] | None = None,
    channels: int = 1,
) -> None:
    import h5py

    n = 200
    counts = adc if adc is not None else (32768 + 3000 * np.sin(np.arange(n) * 0.7)).astype(np.uint16)[:, None]
    base = {"sampling rate": 1000, "resolution": np.array([16]), "nsamples": counts.shape[0]}
    base.update(attrs or {})
    with h5py.File(path, "w") as h5:
        group = h5.create_group("00:07:80:3B:46:61")
        for key, value in base.items():
            if value is not None:
                group.attrs[key] = value
        raw = group.create_group("raw")
        for c in range(channels):
            data = counts if shape is None else np.zeros(shape, dtype=np.uint16)
            ds = raw.create_dataset(f"channel_{c + 1}", data=data)
            ds.attrs["label"] = f"A{c + 1}"
            ds.attrs["sensor"] = "EMG"
        raw.create_dataset("nSeq", data=(np.arange(counts.shape[0]) % 16).astype(np.uint16)[:, None])


def _h5_bytes(folder: Path, name: str, **kwargs: Any) -> bytes:
    path = folder / f"{name}.h5"
    write_h5(path, **kwargs)
    return path.read_bytes()


def h5_sources(folder: Path, real: Path) -> list[Source]:
    return [
        Source("opensignals_h5", "emg.h5", _h5_bytes(folder, "valid"), {}, "h5"),
        Source("real_emg_bursts_h5", "emg_bursts.h5", (real / "bsnb_emg" / "emg_bursts.h5").read_bytes(), {}, "h5"),
    ]


def binary_generic_cases(
    src: Source, signature_len: int, percents: tuple[int, ...] = (0, 1, 10, 50, 90, 99)
) -> list[Case]:
    """Mutations any binary file can take: truncation, zero/random bytes, a broken signature."""
    raw = src.raw
    cases = [Case(src, f"truncated_{p}pct", raw[: int(len(raw) * p / 100)], ERROR) for p in percents]
    cases.append(Case(src, "zero_bytes", b"", ERROR))
    rng = np.random.default_rng(len(raw))
    cases.append(Case(src, "random_bytes", rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(), ERROR))
    cases.append(Case(src, "all_zero_bytes", bytes(len(raw)), ERROR))
    broken = bytearray(raw)
    broken[signature_len - 1] ^= 0xFF
    cases.append(Case(src, "signature_byte_flip", bytes(broken), ERROR))
    return cases


def _edited_h5(src: Source, folder: Path, name: str, edit: Callable[[Any, Any], None]) -> bytes:
    """A copy of ``src`` with ``edit(device_group, first_channel_dataset_name)`` applied through h5py."""
    import h5py

    path = folder / f"{src.name}_{name}.h5"
    path.write_bytes(src.raw)
    with h5py.File(path, "r+") as h5:
        group = h5[next(k for k in h5.keys() if "raw" in h5[k])]
        channel = sorted(k for k in group["raw"].keys() if k.startswith("channel_"))[0]
        edit(group, channel)
    return path.read_bytes()


def _set_attr(key: str, value: Any) -> Callable[[Any, Any], None]:
    def edit(group: Any, channel: str) -> None:
        if value is None:
            del group.attrs[key]
        else:
            group.attrs[key] = value

    return edit


def _replace_channel(make: Callable[[np.ndarray], np.ndarray], nsamples: bool = True) -> Callable[[Any, Any], None]:
    def edit(group: Any, channel: str) -> None:
        old = group["raw"][channel]
        data, attrs = old[()], dict(old.attrs)
        del group["raw"][channel]
        new = make(data)
        ds = group["raw"].create_dataset(channel, data=new)
        ds.attrs.update(attrs)
        if nsamples and new.ndim:
            group.attrs["nsamples"] = new.shape[0]

    return edit


H5_EDITS: dict[str, Callable[[Any, Any], None]] = {
    "resolution_0": _set_attr("resolution", np.array([0])),
    "resolution_64": _set_attr("resolution", np.array([64])),
    "resolution_missing": _set_attr("resolution", None),
    "resolution_nan": _set_attr("resolution", np.array([np.nan])),
    "resolution_text": _set_attr("resolution", "sixteen"),
    "rate_text": _set_attr("sampling rate", "fast"),
    "rate_zero": _set_attr("sampling rate", 0),
    "rate_negative": _set_attr("sampling rate", -1000),
    "rate_nan": _set_attr("sampling rate", np.nan),
    "rate_missing": _set_attr("sampling rate", None),
    "nsamples_mismatch": _set_attr("nsamples", 999),
    "nsamples_text": _set_attr("nsamples", "many"),
    "adc_above_resolution": _replace_channel(lambda d: d.astype(np.uint32) * 0 + 70000),
    "adc_above_8_bit": _set_attr("resolution", np.array([8])),
    "adc_float_nan": _replace_channel(lambda d: np.where(np.arange(len(d))[:, None] == 50, np.nan, d.astype(float))),
    "adc_float_fraction": _replace_channel(lambda d: d.astype(float) + 0.5),
    "empty_dataset": _replace_channel(lambda d: d[:0]),
    "one_sample": _replace_channel(lambda d: d[:1]),
    "dataset_3d": _replace_channel(lambda d: np.stack([d, d], axis=-1)),
    "dataset_two_columns": _replace_channel(lambda d: np.hstack([d, d])),
    "dataset_scalar": _replace_channel(lambda d: np.array(5, dtype=np.uint16)),
}


def h5_cases(src: Source, folder: Path) -> list[Case]:
    cases = binary_generic_cases(src, 8)
    for name, edit in H5_EDITS.items():
        cases.append(Case(src, name, _edited_h5(src, folder, name, edit), ERROR))
    return cases


# ---------------------------------------------------------------------------------------------
# C3D


def write_small_c3d(path: Path) -> None:
    import ezc3d

    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [100]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = ["m1"]
    c3d["parameters"]["ANALOG"]["RATE"]["value"] = [1000]
    c3d["parameters"]["ANALOG"]["LABELS"]["value"] = ["EMG1", "Fz"]
    c3d["parameters"]["ANALOG"]["UNITS"]["value"] = ["V", "N"]
    frames = 50
    t = np.arange(frames * 10)
    analogs = np.vstack([0.001 * np.sin(t * 0.3), 700 + 10 * np.cos(t * 0.01)])[None, :, :]
    c3d["data"]["points"] = np.ones((4, 1, frames))
    c3d["data"]["analogs"] = analogs
    c3d.write(str(path))


def c3d_sources(folder: Path, real: Path) -> list[Source]:
    path = folder / "small.c3d"
    write_small_c3d(path)
    return [
        Source("c3d_ezc3d", "small.c3d", path.read_bytes(), {}, "c3d"),
        Source(
            "real_pyomeca_c3d",
            "pyomeca.c3d",
            (real / "c3d_gait_grf_emg" / "pyomeca_markers_analogs.c3d").read_bytes(),
            {},
            "c3d",
        ),
    ]


def c3d_parameters(raw: bytes) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    """(GROUP, NAME) -> (record start, data start, type, description-length byte) for an Intel C3D file."""
    pos = (raw[0] - 1) * 512 + 4
    groups: dict[int, str] = {}
    records = []
    while True:
        n = struct.unpack_from("b", raw, pos)[0]
        if n == 0:
            break
        gid = struct.unpack_from("b", raw, pos + 1)[0]
        label = raw[pos + 2 : pos + 2 + abs(n)].decode()
        (offset,) = struct.unpack_from("<h", raw, pos + 2 + abs(n))
        if gid < 0:
            groups[-gid] = label
        else:
            body = pos + 4 + abs(n)
            type_code, n_dims = struct.unpack_from("b", raw, body)[0], raw[body + 1]
            dims = raw[body + 2 : body + 2 + n_dims]
            data = body + 2 + n_dims
            desc = data + abs(type_code) * (math.prod(dims) if n_dims else 1)
            records.append((gid, label, pos, data, type_code, desc))
        if offset == 0:
            break
        pos = pos + 2 + abs(n) + offset
    return {(groups[g], label): (pos, data, t, desc) for g, label, pos, data, t, desc in records}


def _c3d_frame_layout(raw: bytes) -> tuple[int, int, int, int]:
    """(first data byte, bytes per frame, bytes before the analogs in a frame, analog values per frame), floats."""
    n_points, analog_per_frame = struct.unpack_from("<HH", raw, 2)
    (data_block,) = struct.unpack_from("<H", raw, 16)
    return (data_block - 1) * 512, (n_points * 4 + analog_per_frame) * 4, n_points * 16, analog_per_frame


def c3d_cases(src: Source) -> list[Case]:
    raw = src.raw
    cases = binary_generic_cases(src, 2, percents=(0, 1, 10, 50, 90))
    params = c3d_parameters(raw)
    start, frame_bytes, before_analogs, per_frame = _c3d_frame_layout(raw)
    n_frames = struct.unpack_from("<H", raw, 8)[0] - struct.unpack_from("<H", raw, 6)[0] + 1
    cases.append(Case(src, "truncated_one_byte_short", raw[: start + n_frames * frame_bytes - 1], ERROR))

    def put(name: str, group: str, parameter: str, packed: bytes, index: int = 0) -> None:
        b = bytearray(raw)
        _, data, t, _ = params[(group, parameter)]
        at = data + index * abs(t)
        b[at : at + len(packed)] = packed
        cases.append(Case(src, name, bytes(b), ERROR))

    def at_byte(name: str, offset: int, value: int) -> None:
        b = bytearray(raw)
        b[offset] = value
        cases.append(Case(src, name, bytes(b), ERROR))

    f32 = lambda v: struct.pack("<f", v)  # noqa: E731
    put("gen_scale_0", "ANALOG", "GEN_SCALE", f32(0.0))
    put("gen_scale_nan", "ANALOG", "GEN_SCALE", f32(float("nan")))
    put("gen_scale_1e38", "ANALOG", "GEN_SCALE", f32(1e38))
    put("gen_scale_inf", "ANALOG", "GEN_SCALE", f32(float("-inf")))
    put("scale_0", "ANALOG", "SCALE", f32(0.0), 1)
    put("scale_nan", "ANALOG", "SCALE", f32(float("nan")), 0)
    put("scale_1e38", "ANALOG", "SCALE", f32(1e38), 0)
    put("analog_used_999", "ANALOG", "USED", struct.pack("<h", 999))
    put("analog_used_1", "ANALOG", "USED", struct.pack("<h", 1))
    put("point_used_999", "POINT", "USED", struct.pack("<h", 999))
    put("analog_rate_0", "ANALOG", "RATE", f32(0.0))
    put("analog_rate_nan", "ANALOG", "RATE", f32(float("nan")))
    label_at = params[("ANALOG", "LABELS")][1]
    at_byte("label_byte_not_text", label_at, 0xFF)
    _, data, _, desc = params[("ANALOG", "RATE")]
    at_byte("description_overruns_next_record", desc, 0xFF)
    param_block = (raw[0] - 1) * 512
    at_byte("parameter_pointer_0", 0, 0)
    at_byte("key_byte_not_0x50", 1, 0x51)
    at_byte("processor_type_99", param_block + 3, 99)
    at_byte("parameter_blocks_0", param_block + 2, 0)
    b = bytearray(raw)
    at = param_block + 4 + 2 + abs(struct.unpack_from("b", raw, param_block + 4)[0])
    b[at : at + 2] = struct.pack("<h", -10)
    cases.append(Case(src, "first_record_pointer_backwards", bytes(b), ERROR))
    for name, value in (("data_value_5e35", 5e35), ("data_value_nan", float("nan")), ("data_value_inf", float("inf"))):
        b = bytearray(raw)
        at = start + 3 * frame_bytes + before_analogs + 4 * (per_frame // 2)
        b[at : at + 4] = f32(value)
        cases.append(Case(src, name, bytes(b), ERROR))
    b = bytearray(raw)
    at = start + 5 * frame_bytes + before_analogs + 3  # the exponent byte of an analog float
    b[at] ^= 0x7F
    cases.append(Case(src, "data_exponent_byte_flip", bytes(b), ERROR))
    return cases


def all_cases(folder: Path, real: Path) -> list[Case]:
    cases: list[Case] = []
    for src in text_sources(real):
        cases += text_cases(src)
    for src in h5_sources(folder, real):
        cases += h5_cases(src, folder)
    for src in c3d_sources(folder, real):
        cases += c3d_cases(src)
    return cases


def describe(cases: list[Case]) -> str:
    out = io.StringIO()
    for case in cases:
        out.write(f"{case.source.name}\t{case.mutation}\t{case.outcome}\n")
    return out.getvalue()
