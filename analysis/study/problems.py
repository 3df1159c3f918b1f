"""Problems: one thing wrong with a study (file, spreadsheet row, column, message, what to do), and their order."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from analysis.study.schema import STUDY_YAML

#: How rows are numbered in every message.
ROW_CONVENTION = "rows are spreadsheet rows: header = row 1, first data row = row 2"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a study. ``row`` is the spreadsheet row (header = 1), None for the whole file."""

    severity: str  # "error" | "warning"
    file: str  # relative to the study folder (e.g. "trials.csv")
    row: int | None
    column: str | None
    message: str
    hint: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.row}" if self.row is not None else self.file

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        col = f" [{self.column}]" if self.column else ""
        hint = f" -- {self.hint}" if self.hint else ""
        return f"{self.severity}: {self.where}{col}: {self.message}{hint}"


class _Problems(list):
    """A list of Problem with two short constructors."""

    def error(self, file: str, row: int | None, column: str | None, message: str, hint: str = "") -> None:
        self.append(Problem("error", file, row, column, message, hint))

    def warning(self, file: str, row: int | None, column: str | None, message: str, hint: str = "") -> None:
        self.append(Problem("warning", file, row, column, message, hint))


_FILE_ORDER = [STUDY_YAML, "subjects.csv", "trials.csv", "measures.csv", "exposures.csv", "injuries.csv"]


def _sorted(problems: list[Problem]) -> list[Problem]:
    def key(p: Problem) -> tuple:
        order = _FILE_ORDER.index(p.file) if p.file in _FILE_ORDER else -1
        return (order, p.row if p.row is not None else 0)

    return sorted(problems, key=key)
