"""Windowed EMG features equal the published definitions exactly on integer-valued data (issue 15).

The reference below is written from Phinyomark, Phukpattaranont & Limsakul 2012 (Expert Syst Appl 39:7420;
formulas as in docs/design/metrics-and-reliability.md §3) with plain Python integers, one window at a time:
RMS = sqrt(Σx²/N), MAV = Σ|x|/N, WL = Σ|x_{i+1} − x_i|, ZC = #{x_i·x_{i+1} < 0 ∧ |x_i − x_{i+1}| ≥ T},
SSC = #{(x_i − x_{i−1})(x_i − x_{i+1}) ≥ T}, VAR = Σx²/(N − 1). Integer data make every sum exact, so the
comparison is equality, not a tolerance.
"""

from __future__ import annotations

import math

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from analysis import emg
from analysis.errors import AnalysisError

TIME_DOMAIN = ("rms", "mav", "wl", "zc", "ssc", "var")


def reference_features(window: list[int], zc_t: int, ssc_t: int) -> dict[str, float]:
    n = len(window)
    squares = sum(x * x for x in window)
    return {
        "rms": math.sqrt(squares / n),
        "mav": sum(abs(x) for x in window) / n,
        "wl": float(sum(abs(window[i + 1] - window[i]) for i in range(n - 1))),
        "zc": float(
            sum(1 for i in range(n - 1) if window[i] * window[i + 1] < 0 and abs(window[i] - window[i + 1]) >= zc_t)
        ),
        "ssc": float(
            sum(1 for i in range(1, n - 1) if (window[i] - window[i - 1]) * (window[i] - window[i + 1]) >= ssc_t)
        ),
        "var": squares / (n - 1),
    }


def _check_exact(x: np.ndarray, window_n: int, step_n: int, zc_t: int, ssc_t: int) -> None:
    got = emg.windowed_features(
        x.astype(float), 1000.0, window_n, step_n, TIME_DOMAIN, zc_threshold=zc_t, ssc_threshold=ssc_t
    )
    values = [int(v) for v in x]
    for k, start in enumerate(range(0, len(values) - window_n + 1, step_n)):
        ref = reference_features(values[start : start + window_n], zc_t, ssc_t)
        for name in TIME_DOMAIN:
            assert got[name][k, 0] == ref[name], (name, k)


@pytest.fixture
def bsnb_counts(vendored_real) -> np.ndarray:
    """Real integer EMG: the raw 16-bit ADC counts of bsnb emg_bursts.h5, centred on 2^15 (still integers)."""
    with h5py.File(vendored_real / "bsnb_emg" / "emg_bursts.h5", "r") as h5:
        device = next(k for k in h5.keys() if "raw" in h5[k])
        raw = h5[device]["raw"]
        key = next(k for k in sorted(raw.keys()) if k.startswith("channel_"))
        counts = np.asarray(raw[key][:, 0], dtype=np.int64)
    return counts[:6000] - 2**15


@pytest.mark.parametrize(
    ("window_n", "step_n", "zc_t", "ssc_t"), [(200, 100, 0, 0), (256, 128, 10, 100), (50, 50, 3, 1)]
)
def test_real_integer_emg_equals_the_published_definitions(bsnb_counts, window_n, step_n, zc_t, ssc_t):
    _check_exact(bsnb_counts, window_n, step_n, zc_t, ssc_t)


@hsettings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(-50, 50), min_size=8, max_size=80),
    window_n=st.integers(2, 8),
    step_n=st.integers(1, 5),
    zc_t=st.integers(0, 20),
    ssc_t=st.integers(-5, 200),
)
def test_integer_data_with_ties_equal_the_published_definitions(values, window_n, step_n, zc_t, ssc_t):
    """Small integers produce products exactly at the threshold, flat steps and zeros: the cases where ≥ and >
    (and centred vs uncentred VAR) differ."""
    _check_exact(np.array(values), window_n, step_n, zc_t, ssc_t)


def test_threshold_ties_and_flat_steps_count_and_the_legacy_convention_differs():
    x = np.array([0.0, 2.0, 2.0, 2.0, 0.0, 3.0])  # products at i=1..4: 0, 0, 0, 6
    new = emg.windowed_features(x, 1000.0, 6, 6, ("ssc", "var"), ssc_threshold=0.0)
    old = emg.windowed_features(x, 1000.0, 6, 6, ("ssc", "var"), ssc_threshold=0.0, convention="legacy")
    assert new["ssc"][0, 0] == 4.0 and old["ssc"][0, 0] == 1.0
    assert new["var"][0, 0] == 21 / 5 and old["var"][0, 0] == pytest.approx(np.var(x, ddof=1), rel=1e-15)
    assert "[phinyomark2012]" in new.methods["ssc"] and ">=0" in new.methods["ssc"]
    assert "uncentred" in new.methods["var"] and "[legacy]" in old.methods["var"]
    with pytest.raises(AnalysisError, match="convention"):
        emg.windowed_features(x, 1000.0, 6, 6, convention="matlab")


def test_spectral_estimator_is_named_next_to_the_numbers():
    fs = 1000.0
    t = np.arange(2000) / fs
    f = emg.windowed_features(np.sin(2 * np.pi * 125.0 * t), fs, 200, 100, ("mnf", "mdf"))
    assert f.methods["mnf"].endswith("hann_periodogram(rfft,N=200,no_zero_padding,bins=DC..Nyquist)")
    assert f.methods["mdf"].startswith(f"mdf={emg.MDF_RULE};hann_periodogram")
    w = emg.welch_frequencies(np.sin(2 * np.pi * 125.0 * t), fs, nperseg=256, noverlap=128)
    assert w.method.startswith("welch(hann,nperseg=256,noverlap=128,density,mean_detrended)")
    assert "spectral_method" in emg.EMG_FEATURE_COLUMNS
    assert emg.EMG_FEATURE_COLUMNS.index("spectral_method") == emg.EMG_FEATURE_COLUMNS.index("mnf_hz") + 1
