"""analysis.stats: every public name resolves, and importing it never imports spm1d (GPL-3.0, optional)."""

from __future__ import annotations

import subprocess
import sys

import analysis.stats


def test_every_public_name_resolves():
    for name in analysis.stats.__all__:
        assert getattr(analysis.stats, name) is not None, name


def test_spm1d_is_imported_only_when_an_spm_function_runs():
    code = "import sys, analysis.stats, analysis.plots.spm; print('spm1d' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
