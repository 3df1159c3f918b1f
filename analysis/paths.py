"""Project folders as Path constants, resolved from the package location.

Notebooks and the CLI use these instead of relative paths, so papermill (cwd = caller) and nbval
(cwd = notebook folder) see the same files (docs/design/notebooks.md §0.8).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from analysis.errors import AnkleLabError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
DATA_DIR = PROJECT_ROOT / "data"
DEMO_STUDY_DIR = DATA_DIR / "demo"
REAL_STUDY_DIR = DATA_DIR / "real_recordings"
ARTICLE_PATH = PROJECT_ROOT / "analysis" / "article.txt"
#: Real recordings shipped beside the project (not in git); tests skip when absent.
SHARED_REAL_DIR = PROJECT_ROOT.parent / "shared" / "data" / "real"
#: Vendored copies of the permissively licensed real recordings (in git).
VENDORED_REAL_DIR = PROJECT_ROOT / "tests" / "data" / "real"


#: the environment variable that moves every study's derived tables out of the study folders
CACHE_ENV_VAR = "ANKLELAB_CACHE"


class CacheLocationError(AnkleLabError):
    """Derived tables cannot be written where :func:`cache_dir_for` puts them; the message says where else."""


def cache_dir_for(study_dir: Path) -> Path:
    """Where derived tables of a study go: ``$ANKLELAB_CACHE/<study name>`` or ``<study>/derived``."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env) / Path(study_dir).resolve().name
    return Path(study_dir) / "derived"


def cache_location_error(study_dir: Path, error: OSError) -> CacheLocationError:
    """The error to show when writing into :func:`cache_dir_for` failed with ``error``: what failed, and the
    ways to put derived data elsewhere ($ANKLELAB_CACHE, ``anklelab features --cache-dir``)."""
    target = cache_dir_for(study_dir)
    reason = error.strerror or str(error)
    failed = f" ({error.filename})" if error.filename else ""
    name = Path(study_dir).resolve().name
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        where = f"${CACHE_ENV_VAR} is {env!r}"
        first = f"set {CACHE_ENV_VAR} to a folder you can write (or unset it to use <study>/derived)"
    else:
        where = "the study folder is read-only?"
        first = (
            f"set {CACHE_ENV_VAR} to a folder you can write, e.g. export {CACHE_ENV_VAR}=$HOME/anklelab-cache "
            f"(tables then go to ${CACHE_ENV_VAR}/{name}; keep it set for the reports)"
        )
    return CacheLocationError(
        f"cannot write derived tables to {target} ({where}): {reason}{failed}.\n"
        "  Raw study files are only ever read; derived tables (features, cache) need a writable folder:\n"
        f"  - {first}, or\n"
        f"  - run 'anklelab features STUDY --cache-dir DIR' (tables go to DIR/{name}, for this command only)."
    )


def writable_cache_dir(study_dir: Path) -> Path:
    """:func:`cache_dir_for` ``(study_dir)``, created if needed and checked writable (a probe file is created and
    removed); raises :class:`CacheLocationError` saying where else derived data can go."""
    target = cache_dir_for(study_dir)
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target):
            pass
    except OSError as exc:
        raise cache_location_error(study_dir, exc) from None
    return target
