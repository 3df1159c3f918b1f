"""Provenance: the git commit, Python and package versions, and the study's content hash every report records."""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.errors import AnkleLabError

__all__ = ["PROVENANCE_PACKAGES", "provenance", "study_content_hash"]

#: Packages whose versions every report footer and the index record.
PROVENANCE_PACKAGES = (
    "anklelab",
    "numpy",
    "scipy",
    "pandas",
    "statsmodels",
    "seaborn",
    "matplotlib",
    "papermill",
    "nbconvert",
    "ezc3d",
)


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(paths.PROJECT_ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        commit = out.stdout.strip()
        if not commit:
            return "unknown (not a git checkout)"
        dirty = subprocess.run(
            ["git", "-C", str(paths.PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"


def provenance() -> dict[str, Any]:
    versions = {}
    for pkg in PROVENANCE_PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def study_content_hash(study_dir: str | Path) -> str:
    """sha256 over the study's files (relative path + bytes), derived outputs excluded."""
    study_dir = Path(study_dir)
    try:  # the study module knows which files belong to a study
        from analysis.study import load_study

        return load_study(study_dir).content_hash()
    except AnkleLabError:  # not a loadable study (e.g. a test folder): hash its files the same way, by hand
        pass
    digest = hashlib.sha256()
    for f in sorted(p for p in study_dir.rglob("*") if p.is_file() and "derived" not in p.relative_to(study_dir).parts):
        digest.update(str(f.relative_to(study_dir)).encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
