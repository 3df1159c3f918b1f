"""Why a claim could not be decided, in plain language, derived from the study's own tables (never written per
study): e.g. "no trials with ankle load: every load is 0 in this study" when ``trials.csv`` has no loaded trial.

The claims engine's notes keep the internal detail (column and table names); these sentences are what the index
and the overview table show a reader. Facts come from :func:`study_facts`; :func:`plain_reasons` turns each
undecided claim's notes plus those facts into one sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.plots.claims import N_NEEDED_UNITS
from analysis.plots.format import format_n_needed

__all__ = ["study_facts", "plain_reason", "plain_reasons", "N_NEEDED_UNITS", "n_needed_unit"]

#: Claims whose estimand compares ankle loads (their data_needed names a load in lb or %BW).
_LOAD_PATTERN = re.compile(r"\blb\b|%BW|\bload", re.I)


def n_needed_unit(claim_id: str) -> str:
    return N_NEEDED_UNITS.get(str(claim_id), "subjects")


def study_facts(study: Any) -> dict[str, Any]:
    """What the study's tables say about the designs it can support: loads, groups, sessions, subjects."""
    trials = getattr(study, "trials", None)
    subjects = getattr(study, "subjects", None)
    facts: dict[str, Any] = {}
    if isinstance(trials, pd.DataFrame) and len(trials):
        loads = pd.to_numeric(trials.get("load_kg", pd.Series(dtype=float)), errors="coerce")
        not_mvc = ~trials.get("is_mvc", pd.Series(False, index=trials.index)).astype(str).str.lower().isin(
            ["true", "1"]
        )
        task_loads = loads[not_mvc]
        facts["n_trials"] = int(not_mvc.sum())
        facts["all_loads_zero"] = bool(len(task_loads)) and bool((task_loads.fillna(0) == 0).all())
    if isinstance(subjects, pd.DataFrame) and "group" in subjects:
        groups = sorted({str(g) for g in subjects["group"].dropna() if str(g).strip()})
        facts["groups"] = groups
    return facts


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("_", " ")).strip()


_RULES: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"(\d+) treated and (\d+) control subjects with pre and post; need >= (\d+) each"),
        lambda m: (
            f"too few subjects: {m[1]} trained and {m[2]} control subject(s) were measured before and after "
            f"training; at least {m[3]} of each are needed"
        ),
    ),
    (
        re.compile(r"needs at least (\d+) subjects in the trained group\(s\) \[([^\]]*)\]"),
        lambda m: (
            f"too few subjects: needs at least {m[1]} subjects trained with {_clean(m[2]).replace(chr(39), '')} "
            "loading (and as many controls)"
        ),
    ),
    (
        re.compile(r"needs a 'control' group in subjects\.group"),
        lambda m: (
            "no control group: a training claim compares trained subjects with untrained controls, and "
            "subjects.csv names no 'control' group"
        ),
    ),
    (
        re.compile(r"needs '(\w+)' rows in the ([\w ]+?) table"),
        lambda m: f"not measured in this study: {_clean(m[1])} (no such {m[2].split()[0]} data)",
    ),
    (
        re.compile(r"needs the measures table"),
        lambda m: "no joint-position-sense measures: measures.csv is absent or empty",
    ),
    (
        re.compile(r"exposures\.csv has no athletes in group '(\w+)'"),
        lambda m: (
            "the injury tables do not compare athletes who introduced ankle weights early with those who did "
            f"so late (no '{m[1]}' group in exposures.csv)"
        ),
    ),
    (
        re.compile(
            r"needs ≥ (\d+) subjects with a spread of body mass \(SD ≥ ([\d.]+) kg\); found (\d+) subjects, SD ([\d.]+)"
        ),
        lambda m: (
            f"too few subjects of different body mass: needs at least {m[1]} with masses spread by ≥ {m[2]} kg "
            f"(SD); this study has {m[3]} (SD {m[4]} kg)"
        ),
    ),
]


def plain_reason(
    claim_id: str, verdict: str, notes: str, facts: Mapping[str, Any], *, data_needed: str = "", n_needed: Any = None
) -> str:
    """One sentence a reader understands: why ``claim_id`` is not testable, or what an inconclusive one needs."""
    if verdict == "inconclusive":
        f = pd.to_numeric(pd.Series([n_needed]), errors="coerce").iloc[0]
        if f is not None and not math.isnan(float(f)):
            return (
                f"the interval is too wide to decide; a conclusive study needs about "
                f"{format_n_needed(f, n_needed_unit(claim_id))}"
            )
        return "the interval is too wide to decide: it includes values inside and outside the claimed range"
    if verdict != "not testable":
        return ""
    if facts.get("all_loads_zero") and _LOAD_PATTERN.search(data_needed or ""):
        return f"no trials with ankle load: every load is 0 in this study ({facts.get('n_trials', 0):,} trials)"
    text = str(notes or "")
    for pattern, sentence in _RULES:
        match = pattern.search(text)
        if match:
            return str(sentence(match))
    first = text.split(" | ")[0].removeprefix("not testable: ")
    return _clean(first) or "the data lack something this claim needs (see the notes)"


def plain_reasons(claims: pd.DataFrame, study: Any | None) -> dict[str, str]:
    """``{claim_id: reason}`` for every claim that is not testable or inconclusive."""
    from analysis.claims import CLAIMS

    facts = study_facts(study) if study is not None else {}
    out = {}
    for _, r in claims.iterrows():
        cid = str(r["claim_id"])
        spec = CLAIMS.get(cid)
        reason = plain_reason(
            cid,
            str(r.get("verdict", "")),
            str(r.get("notes") or ""),
            facts,
            data_needed=str(getattr(spec, "data_needed", "") or ""),
            n_needed=r.get("n_needed"),
        )
        if reason:
            out[cid] = reason
    return out


def study_or_none(study_dir: str | Path | None) -> Any | None:
    """The study at ``study_dir`` for :func:`study_facts`, or None when it cannot be loaded."""
    if not study_dir:
        return None
    try:
        from analysis.study import load_study

        return load_study(Path(study_dir))
    except Exception:  # the index still renders; reasons then come from the notes alone
        return None
