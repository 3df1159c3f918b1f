"""'Did you mean ...?': the closest valid name for a misspelled subject, unit, muscle, exercise, column or file.

Order of preference: the same name in another case (``Squat`` -> ``squat``); the same name once case, separators
and leading zeros of numbers are ignored (``VJ1`` -> ``VJ01``, ``gastrocnemius medialis`` ->
``gastrocnemius_medialis``); a unit synonym (``lbs`` -> ``lb``); else :func:`difflib.get_close_matches`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from pathlib import Path

#: difflib's own default cutoff (0.6): below it two names share less than 60 % of their characters
_SIMILARITY_CUTOFF = 0.6
#: at most this many equally close names are offered (more is a list, not a suggestion)
_MAX_SUGGESTIONS = 3
#: spellings of units people type for the ones the study format accepts (kg, lb, V, mV, uV, N, kN, hours, minutes)
_UNIT_SYNONYMS = {
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "kgs": "kg",
    "kilo": "kg",
    "kilos": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "µv": "uV",
    "μv": "uV",
    "microvolt": "uV",
    "microvolts": "uV",
    "millivolt": "mV",
    "millivolts": "mV",
    "volt": "V",
    "volts": "V",
    "newton": "N",
    "newtons": "N",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
}


def _normalised(name: str) -> str:
    """Lower case without separators and without leading zeros of numbers: 'VJ_01' -> 'vj1'."""
    text = re.sub(r"[\s_\-.]+", "", name.casefold())
    return re.sub(r"(?<!\d)0+(?=\d)", "", text)


def closest_names(value: str, candidates: Iterable[str]) -> list[str]:
    """The valid names closest to ``value`` (best first, at most three; empty when nothing is close)."""
    options = sorted({str(c) for c in candidates if str(c) != value})
    if not value or not options:
        return []
    folded = value.casefold()
    same_case = [c for c in options if c.casefold() == folded]
    if same_case:
        return same_case[:_MAX_SUGGESTIONS]
    normalised = _normalised(value)
    same_normalised = [c for c in options if _normalised(c) == normalised]
    if same_normalised:
        return same_normalised[:_MAX_SUGGESTIONS]
    synonym = _UNIT_SYNONYMS.get(folded)
    if synonym is not None:
        matches = [c for c in options if c.casefold() == synonym.casefold()]
        if matches:
            return matches
    by_folded: dict[str, list[str]] = {}
    for c in options:
        by_folded.setdefault(c.casefold(), []).append(c)
    scored = [
        (difflib.SequenceMatcher(None, folded, key).ratio(), key)
        for key in difflib.get_close_matches(folded, by_folded, n=len(by_folded), cutoff=_SIMILARITY_CUTOFF)
    ]
    if not scored:
        return []
    best = max(score for score, _ in scored)
    # equally close names are all offered (VJ1 is as close to VJ10 as to VJ11): the user picks
    tied = sorted(key for score, key in scored if score == best)
    return [name for key in tied for name in by_folded[key]][:_MAX_SUGGESTIONS]


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """``"did you mean 'lb'?"`` (or ``"did you mean 'VJ10' or 'VJ11'?"``), or ``""`` when nothing is close."""
    names = closest_names(value, candidates)
    if not names:
        return ""
    quoted = [repr(n) for n in names]
    listing = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"did you mean {listing}?"


def _prefixed(suggestion: str, hint: str) -> str:
    if not suggestion:
        return hint
    return f"{suggestion} {hint}" if hint else suggestion


def with_suggestion(hint: str, value: str, candidates: Iterable[str]) -> str:
    """``hint`` preceded by the 'did you mean' suggestion for ``value``, when there is one."""
    return _prefixed(did_you_mean(value, candidates), hint)


class Suggestions:
    """Suggestions from one set of valid names, computed once per distinct wrong value (a table may repeat
    the same misspelling in thousands of rows)."""

    def __init__(self, candidates: Iterable[str]):
        self.candidates = sorted({str(c) for c in candidates})
        self._cache: dict[str, str] = {}

    def did_you_mean(self, value: str) -> str:
        if value not in self._cache:
            self._cache[value] = did_you_mean(value, self.candidates)
        return self._cache[value]

    def hint(self, hint: str, value: str) -> str:
        """``hint`` preceded by the suggestion for ``value``, when there is one."""
        return _prefixed(self.did_you_mean(value), hint)


class _Listing:
    """One folder's entries: as listed, as a set, and by case-folded name."""

    def __init__(self, names: list[str]):
        self.names = sorted(names)
        self.exact = set(names)
        self.folded: dict[str, list[str]] = {}
        for name in self.names:
            self.folded.setdefault(name.casefold(), []).append(name)


#: folder -> its listing; pass one dict for all rows of a table so each folder is listed once
Listings = dict[Path, _Listing]


def _listdir(folder: Path, cache: Listings) -> _Listing:
    if folder not in cache:
        try:
            cache[folder] = _Listing(os.listdir(folder))
        except OSError:
            cache[folder] = _Listing([])
    return cache[folder]


def spelling_on_disk(root: Path, relative: str, cache: Listings | None = None) -> str | None:
    """The path as spelled on disk when ``relative`` names an entry that differs only in letter case (on a
    case-sensitive disk it is then missing; on macOS/Windows it opens but fails on Linux); None otherwise.

    Each folder is listed once per ``cache`` (pass the same dict for every row of a table)."""
    cache = {} if cache is None else cache
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    folder = Path(root)
    spelled = []
    for part in parts:
        entries = _listdir(folder, cache)
        if part in entries.exact:
            match = part
        else:
            folded = entries.folded.get(part.casefold(), [])
            if len(folded) != 1:
                return None
            match = folded[0]
        spelled.append(match)
        folder = folder / match
    on_disk = "/".join(spelled)
    return on_disk if on_disk != "/".join(parts) else None


def closest_file(root: Path, relative: str, cache: Listings | None = None, fuzzy: bool = True) -> str | None:
    """For a missing file: its spelling on disk when only the case differs, else (``fuzzy``) the closest file
    name in its folder (e.g. ``raw/S01/cmj1.csv`` -> ``raw/S01/cmj_1.csv``); or None."""
    cache = {} if cache is None else cache
    on_disk = spelling_on_disk(root, relative, cache)
    if on_disk is not None:
        return on_disk
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if not fuzzy or not parts or ".." in parts:
        return None
    folder_parts = parts[:-1]
    folder = Path(root).joinpath(*folder_parts)
    if folder_parts and not folder.is_dir():
        spelled = spelling_on_disk(root, "/".join(folder_parts), cache)
        if spelled is None:
            return None
        folder_parts = spelled.split("/")
        folder = Path(root).joinpath(*folder_parts)
    names = closest_names(parts[-1], _listdir(folder, cache).names)
    if len(names) != 1:
        return None
    return "/".join([*folder_parts, names[0]])
