"""Shared pieces of the readers: unit conversion to SI, channel-kind guessing, safe text decoding.

Nothing here opens files for writing; every failure becomes an ``analysis.errors.ReadError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from analysis.errors import ReadError

__all__ = [
    "to_si",
    "normalise_unit",
    "guess_kind",
    "split_name_unit",
    "is_known_unit",
    "decode_text",
    "rate_from_time",
    "TIME_COLUMN_PATTERN",
]

#: source unit (normalised spelling) -> (SI unit used inside the suite, multiplier)
_SI_CONVERSIONS: dict[str, tuple[str, float]] = {
    "V": ("V", 1.0),
    "mV": ("V", 1e-3),
    "uV": ("V", 1e-6),
    "N": ("N", 1.0),
    "kN": ("N", 1e3),
    "lbf": ("N", 4.4482216152605),  # pound-force = 0.45359237 kg x 9.80665 m/s^2, exact
    "kgf": ("N", 9.80665),  # kilogram-force (standard gravity, CGPM 1901)
    "N·m": ("N·m", 1.0),
    "N·mm": ("N·m", 1e-3),
    "m": ("m", 1.0),
    "cm": ("m", 1e-2),
    "mm": ("m", 1e-3),
    "deg": ("deg", 1.0),
    "rad": ("deg", 180.0 / math.pi),
    "deg/s": ("deg/s", 1.0),
    "rad/s": ("deg/s", 180.0 / math.pi),
    "s": ("s", 1.0),
    "ms": ("s", 1e-3),
    "kg": ("kg", 1.0),
    "g": ("m/s^2", 9.80665),  # accelerometer channels in units of standard gravity (CGPM 1901)
    "m/s^2": ("m/s^2", 1.0),
}

_UNIT_SPELLINGS = {
    "v": "V",
    "volt": "V",
    "volts": "V",
    "mv": "mV",
    "millivolt": "mV",
    "millivolts": "mV",
    "uv": "uV",
    "µv": "uV",
    "μv": "uV",
    "microvolt": "uV",
    "microvolts": "uV",
    "n": "N",
    "newton": "N",
    "newtons": "N",
    "kn": "kN",
    "lbf": "lbf",
    "kgf": "kgf",
    "nm": "N·m",
    "n.m": "N·m",
    "n·m": "N·m",
    "n*m": "N·m",
    "n-m": "N·m",
    "n m": "N·m",
    "nmm": "N·mm",
    "n.mm": "N·mm",
    "n·mm": "N·mm",
    "n*mm": "N·mm",
    "n-mm": "N·mm",
    "n mm": "N·mm",
    "m": "m",
    "cm": "cm",
    "mm": "mm",
    "deg": "deg",
    "degree": "deg",
    "degrees": "deg",
    "°": "deg",
    "rad": "rad",
    "radian": "rad",
    "radians": "rad",
    "deg/s": "deg/s",
    "°/s": "deg/s",
    "rad/s": "rad/s",
    "s": "s",
    "sec": "s",
    "ms": "ms",
    "kg": "kg",
    "g": "g",
    "m/s^2": "m/s^2",
    "m/s2": "m/s^2",
    "m/s²": "m/s^2",
}


def normalise_unit(unit: str | None) -> str | None:
    """One spelling per unit (``'Nmm'``, ``'N.mm'`` -> ``'N·mm'``; ``'µV'`` -> ``'uV'``); unknown kept as is."""
    if unit is None:
        return None
    text = str(unit).strip()
    if not text:
        return None
    return _UNIT_SPELLINGS.get(text.lower(), text)


def to_si(values: np.ndarray, unit: str | None) -> tuple[np.ndarray, str | None, float]:
    """Convert ``values`` in ``unit`` to the suite's SI unit: returns (converted, si_unit, factor).

    Units the table does not know are returned unchanged (factor 1.0) so a caller can flag them.
    """
    norm = normalise_unit(unit)
    if norm in _SI_CONVERSIONS:
        si_unit, factor = _SI_CONVERSIONS[norm]
        return np.asarray(values, dtype=float) * factor, si_unit, factor
    return np.asarray(values, dtype=float), norm, 1.0


def is_known_unit(unit: str | None) -> bool:
    return normalise_unit(unit) in _SI_CONVERSIONS


def split_name_unit(header: str) -> tuple[str, str | None]:
    """``'EMG 1 [mV]'`` -> ``('EMG 1', 'mV')``; ``'RT GLUT. MAX. (uV)'`` -> ``('RT GLUT. MAX.', 'uV')``.

    A parenthesised suffix counts as a unit only when it is a unit we know (so ``'Sensor (left)'``
    stays a name). String operations, not a regex: linear time whatever a garbled header holds.
    """
    text = str(header).strip()
    for opening, closing in (("[", "]"), ("(", ")")):
        if not text.endswith(closing):
            continue
        i = text.rfind(opening)
        inner = text[i + 1 : -1]
        name = text[:i].rstrip()
        if i < 0 or closing in inner or not name:
            return text, None
        if opening == "[":
            return name, normalise_unit(inner)
        unit = normalise_unit(inner)
        if is_known_unit(unit):
            return name, unit
        return text, None
    return text, None


TIME_COLUMN_PATTERN = re.compile(r"^(time(_s)?|x\s*\[s\]|t|relative time|time \(s\)|time\s*\[s\]|sample time)$", re.I)

_KIND_RULES: list[tuple[str, re.Pattern]] = [
    ("cop", re.compile(r"(^|[^a-z])cop|center.?of.?pressure|centre.?of.?pressure|ground_force\d*_p[xyz]", re.I)),
    ("moment", re.compile(r"^m[xyz]\d*$|^m[xyz][_ ]|moment|torque|^t[xyz]\d*$", re.I)),
    ("force", re.compile(r"^f[xyz]\d*$|^f[xyz][_ .-]|^fp\d+|ground_force\d*_v[xyz]|force|^fz|grf|fzsum", re.I)),
    ("emg", re.compile(r"emg|glut|rect|vast|bicep|tricep|femor|gastro|tibial|soleus|semiten|semimem|delt|trap", re.I)),
    ("angular_velocity", re.compile(r"velocity|_vel$|gyro", re.I)),
    ("angle", re.compile(r"angle|flex|extension|abduct|adduct|rotation|tilt|obliq|list|fppa|valgus|goniom", re.I)),
    ("marker", re.compile(r"marker|^pos", re.I)),
]


def guess_kind(name: str, si_unit: str | None) -> str:
    """Channel kind from its name and SI unit (unit wins when it is unambiguous)."""
    by_unit = {"V": "emg", "N": "force", "N·m": "moment", "deg": "angle", "deg/s": "angular_velocity"}
    lowered = str(name).lower()
    if si_unit in by_unit:
        kind = by_unit[si_unit]
        if (
            kind == "emg"
            and not any(rule.search(lowered) for k, rule in _KIND_RULES if k == "emg")
            and ("voltage" in lowered or "sync" in lowered or "trigger" in lowered)
        ):
            return "other"
        return kind
    for kind, rule in _KIND_RULES:
        if rule.search(lowered):
            if kind == "cop" and si_unit not in (None, "m"):
                continue
            return kind
    if si_unit == "m":
        return "marker"
    return "other"


def decode_text(path: Path, raw: bytes) -> str:
    """Bytes -> text: UTF-16 with its byte-order mark, else refuse binary content, accept UTF-8 (with BOM) or
    fall back to Latin-1. ``\r\r\n`` line ends (a CRLF file converted once more) become one line end."""
    if raw.startswith(_UTF16_BOMS):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ReadError(
                path,
                f"starts with a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})",
                where=f"byte {exc.start}",
            ) from None
        if not text.strip():
            raise ReadError(path, "the file is empty", where="line 1", hint="export the recording again")
        return text.replace("\r\r\n", "\n")
    if not raw.strip():
        raise ReadError(path, "the file is empty", where="line 1", hint="export the recording again")
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        raise ReadError(
            path,
            "binary content (NUL byte) in what should be a text export",
            where=f"byte {offset}",
            hint="check the file is the text export, or pass format= to choose the right reader",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.replace("\r\r\n", "\n") if "\r\r\n" in text else text


#: UTF-16 little- and big-endian byte-order marks (Unicode Standard, 23.8)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def rate_from_time(
    path: Path,
    time_s: np.ndarray,
    *,
    column: str,
    first_row: int,
    line_of: Callable[[int], int] | None = None,
) -> float:
    """Sampling rate from a time column, refusing gaps or non-monotonic time.

    Uniform means every step is within 50 % of the median step: a dropped sample doubles one step,
    while printing the time with few decimals changes a step by less than half. The rate is then
    (n - 1) / (t_last - t_first), which averages out the printing error. Positions are ``row first_row + i``,
    or ``line line_of(i)`` for text files (whose rows may skip lines when read leniently).
    """

    def where(i: int) -> str:
        return f"line {line_of(i)}" if line_of is not None else f"row {first_row + i}"

    t = np.asarray(time_s, dtype=float)
    if t.size < 2:
        raise ReadError(path, "fewer than 2 samples: cannot derive a sampling rate", where=f"column {column!r}")
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        raise ReadError(path, "time is missing or not a number", where=f"{where(int(bad[0]))}, column {column!r}")
    steps = np.diff(t)
    if np.any(steps <= 0):
        i = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise ReadError(
            path,
            f"time does not increase ({t[i - 1]:g} then {t[i]:g})",
            where=f"{where(i)}, column {column!r}",
        )
    median_step = float(np.median(steps))
    off = np.abs(steps - median_step) > 0.5 * median_step
    if off.any():
        i = int(np.flatnonzero(off)[0]) + 1
        raise ReadError(
            path,
            f"time is not uniformly sampled (step {steps[i - 1]:.3g} s where the usual step is {median_step:.3g} s)",
            where=f"{where(i)}, column {column!r}",
            hint="resample the export or split it where samples were dropped",
        )
    dt = (t[-1] - t[0]) / (t.size - 1)
    return float(1.0 / dt)
