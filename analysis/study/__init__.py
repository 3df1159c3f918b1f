"""The study folder: format, loading and validation (``anklelab validate``).

A study is one folder (``study.yaml``, ``subjects.csv``, ``trials.csv`` and optional ``measures.csv``,
``exposures.csv``, ``injuries.csv``; see data/README.md, the single source of truth in words, and
``study_schema.yaml``, the same rules machine readable). ``validate_study`` lists every problem at once
with its file, spreadsheet row and column; ``load_study`` returns one tidy :class:`Study` or raises
``StudyError`` listing all errors. Nothing here ever writes into the study folder.

Rows are **spreadsheet rows**: the header is row 1, the first data row is row 2.

Modules (one concern each):

* ``schema``: the format's constants and the machine-readable schema;
* ``problems``: :class:`Problem` and the order problems are listed in;
* ``tables``: reading and typing the CSV manifests;
* ``config``: study.yaml checks and what is read from it (channel map, muscles, MVC rule);
* ``bounded_yaml``: study.yaml parsed safely within size, depth and alias-expansion limits (alias bombs);
* ``cross_checks``: checks across the tables (subjects, files, loads, MVC coverage, injuries vs exposures);
* ``plausibility``: values plausible alone but not beside the study's others (body-mass outliers, lb as kg);
* ``suggest``: 'did you mean ...?' for misspelt names and files (case, separators, leading zeros, difflib);
* ``content``: content checks on a Recording and its trials.csv row;
* ``recordings``: reading a trial's recording with its trials.csv options (tests replace the reader here);
* ``validate``: :func:`validate_study`;
* ``load``: :class:`Study` and :func:`load_study`;
* ``format``: :func:`format_problems` (what ``anklelab validate`` prints).
"""

from __future__ import annotations

from analysis.study.content import _longest_runs as _longest_runs  # tests
from analysis.study.content import (
    check_clipping,
    check_declared_sampling_rate,
    check_mapped_channels,
    check_nonfinite_gaps,
    check_recording,
    check_sampling_rate_consistency,
    check_time_gaps,
)
from analysis.study.format import format_problems
from analysis.study.load import Study, load_study
from analysis.study.problems import ROW_CONVENTION, Problem
from analysis.study.schema import STUDY_YAML, load_schema
from analysis.study.validate import validate_study
from analysis.units import KG_PER_LB

__all__ = [
    "Problem",
    "Study",
    "load_study",
    "validate_study",
    "check_recording",
    "check_declared_sampling_rate",
    "check_nonfinite_gaps",
    "check_clipping",
    "check_mapped_channels",
    "check_sampling_rate_consistency",
    "load_schema",
    "format_problems",
    "KG_PER_LB",
    "ROW_CONVENTION",
    # also public in the former single module analysis/study.py; tests use them
    "check_time_gaps",
    "STUDY_YAML",
]
