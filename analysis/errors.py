"""Exceptions the suite raises for bad input: each names the file, row or channel and what to do."""

from __future__ import annotations

from pathlib import Path


class AnkleLabError(Exception):
    """Base class: a problem a user can fix. The CLI prints these without a traceback."""


class ReadError(AnkleLabError):
    """A file could not be read. Always names the file and, where known, the line/row/channel."""

    def __init__(self, path: str | Path, problem: str, *, where: str | None = None, hint: str | None = None):
        self.path = Path(path)
        self.problem = problem
        self.where = where
        self.hint = hint
        msg = f"{self.path}"
        if where:
            msg += f" ({where})"
        msg += f": {problem}"
        if hint:
            msg += f" -- {hint}"
        super().__init__(msg)


class StudyError(AnkleLabError):
    """A study folder is invalid; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: list | None = None):
        self.problems = list(problems or [])
        super().__init__(message)


class AnalysisError(AnkleLabError):
    """An analysis step cannot proceed on this input (e.g. no quiet stance to weigh the subject)."""
