"""What happened to one notebook in a run: the record ``run.json`` lists and the index shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["NotebookRun"]


@dataclass
class NotebookRun:
    """What happened to one notebook in a run, and which study (path and content hash) it was made from."""

    name: str
    notebook: Path
    ok: bool
    parameters: dict[str, Any]
    executed_path: Path | None = None
    html_path: Path | None = None
    duration_s: float = 0.0
    error: str | None = None
    failed_cell: int | None = None
    study_dir: str | None = None
    study_sha256: str | None = None
    finished: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("notebook", "executed_path", "html_path"):
            d[k] = str(d[k]) if d[k] is not None else None
        return d
