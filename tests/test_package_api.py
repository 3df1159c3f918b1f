"""The package's public API: every advertised name resolves, and `import analysis` stays light."""

import subprocess
import sys

import analysis


def test_every_public_name_resolves():
    for name in analysis.__all__:
        assert getattr(analysis, name) is not None, name


def test_import_is_lazy():
    code = "import sys, analysis; print(any(m.startswith(('statsmodels', 'dask', 'papermill')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = analysis.no_such_thing
