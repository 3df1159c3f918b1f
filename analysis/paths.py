"""Project folders as Path constants, resolved from the package location.

Notebooks and the CLI use these instead of relative paths, so papermill (cwd = caller) and nbval
(cwd = notebook folder) see the same files (docs/design/notebooks.md §0.8).
"""

from __future__ import annotations

import os
from pathlib import Path

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


def cache_dir_for(study_dir: Path) -> Path:
    """Where derived tables of a study go: ``$ANKLELAB_CACHE/<study name>`` or ``<study>/derived``."""
    env = os.environ.get("ANKLELAB_CACHE")
    if env:
        return Path(env) / Path(study_dir).resolve().name
    return Path(study_dir) / "derived"
