"""What a run wrote: the manifest in ``run.json`` and the rule that a run never overwrites a file it did not write.

``anklelab reproduce`` / ``run`` list every file they wrote (relative to the output folder) under ``"files"`` in
``run.json``. Before writing into a folder that already holds files, :func:`check_can_write` refuses, naming them,
when any of them is not in that manifest (e.g. a colleague's notes, or files of another tool), unless ``--force``.
Never considered: hidden files (atomic-write temp files), ``README*`` files (the repository's own
``reports/README.md``), and sub-folders that hold their own ``run.json`` (other runs, e.g. ``reports/runs/``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from analysis.errors import AnkleLabError
from analysis.files import current_umask

__all__ = [
    "MANIFEST_NAME",
    "OverwriteError",
    "manifest_files",
    "foreign_files",
    "check_can_write",
    "snapshot",
    "written_since",
]

MANIFEST_NAME = "run.json"
#: How many foreign files an error message names before it counts the rest.
_NAMED_IN_ERROR = 8


class OverwriteError(AnkleLabError):
    """The output folder holds files this suite did not write."""


def _read_manifest(out_dir: Path) -> dict | None:
    try:
        data = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _candidate_files(out_dir: Path) -> list[str]:
    """Files under ``out_dir`` that a run could replace, as relative POSIX paths."""
    found: list[str] = []
    for root, dirs, files in os.walk(out_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (here / d / MANIFEST_NAME).exists())
        for name in sorted(files):
            if name.startswith(".") or name.upper().startswith("README"):
                continue
            found.append((here / name).relative_to(out_dir).as_posix())
    return found


def manifest_files(out_dir: str | Path) -> set[str] | None:
    """The files the last run in ``out_dir`` wrote; ``None`` when no run wrote there. A ``run.json`` from before
    manifests (no ``"files"`` key) owns the whole folder: only this suite wrote such folders."""
    out_dir = Path(out_dir)
    data = _read_manifest(out_dir)
    if data is None:
        return None
    if "files" not in data:
        return set(_candidate_files(out_dir))
    return {str(f) for f in data.get("files") or []} | {MANIFEST_NAME}


def foreign_files(out_dir: str | Path) -> list[str]:
    """Files in ``out_dir`` that no run of this suite wrote (relative paths, sorted)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    ours = manifest_files(out_dir) or set()
    return [f for f in _candidate_files(out_dir) if f not in ours]


def check_can_write(out_dir: str | Path, *, force: bool = False) -> None:
    """Refuse (:class:`OverwriteError`, naming the files) to write into a folder holding files this suite did not
    write, unless ``force``."""
    if force:
        return
    foreign = foreign_files(out_dir)
    if not foreign:
        return
    named = ", ".join(foreign[:_NAMED_IN_ERROR]) + (
        f" and {len(foreign) - _NAMED_IN_ERROR} more" if len(foreign) > _NAMED_IN_ERROR else ""
    )
    raise OverwriteError(
        f"{Path(out_dir)}: holds {len(foreign)} file(s) that anklelab did not write ({named}); a run could replace "
        "them. Choose another --out folder, or pass --force to let this run replace them."
    )


def snapshot(out_dir: str | Path) -> dict[str, tuple[int, int]]:
    """``{relative path: (mtime_ns, size)}`` of the candidate files, to see afterwards what a run wrote."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return {}
    out = {}
    for rel in _candidate_files(out_dir):
        st = (out_dir / rel).stat()
        out[rel] = (st.st_mtime_ns, st.st_size)
    return out


def written_since(out_dir: str | Path, before: dict[str, tuple[int, int]], also: Iterable[str] = ()) -> list[str]:
    """Files new or changed since ``before`` plus ``also`` (the earlier manifest) that still exist. Each is given
    the umask's mode: some writers (``tempfile.mkstemp`` + ``os.replace``) leave files 0600."""
    out_dir = Path(out_dir)
    now = snapshot(out_dir)
    files = sorted({rel for rel, sig in now.items() if before.get(rel) != sig} | {f for f in also if f in now})
    mode = 0o666 & ~current_umask()
    for rel in files:
        try:
            os.chmod(out_dir / rel, mode)
        except OSError:  # not ours to change (another owner): leave it
            pass
    return files
