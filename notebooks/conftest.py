"""nbval runs every notebook with its default parameters and cannot inject others
(docs/design/notebooks.md §4). The notebooks resolve an empty ``study_dir`` through
``$ANKLELAB_STUDY`` (analysis.notebook), so for CI we point that at a small simulated study built once
per test session, and send outputs to a temporary folder instead of reports/.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def pytest_sessionstart(session):
    if os.environ.get("ANKLELAB_STUDY"):
        return
    from analysis.simulate import simulate_study

    root = Path(tempfile.mkdtemp(prefix="anklelab-nbval-"))
    study = simulate_study(root / "small_claims", scenario="claims", seed=1, size="small", progress=False)
    os.environ["ANKLELAB_STUDY"] = str(study)
    os.environ.setdefault("ANKLELAB_REPORTS_DIR", str(root / "reports"))
