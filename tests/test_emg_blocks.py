"""process() filters in channel blocks: its results must equal the public steps applied to the whole array."""

import numpy as np

from analysis import emg
from analysis.recording import Recording


def _record(n_channels, seconds=6.0, fs=2000.0):
    rng = np.random.default_rng(3)
    n = int(seconds * fs)
    amp = np.where((np.arange(n) // 2000) % 2 == 1, 1e-3, 2e-5)[:, None]
    x = amp * rng.standard_normal((n, n_channels)) + 5e-4
    return x, Recording(
        samples=x,
        sampling_rate_hz=fs,
        channel_names=[f"E{i}" for i in range(n_channels)],
        units=["V"] * n_channels,
        channel_kinds=["emg"] * n_channels,
    )


def test_blocked_chain_equals_whole_array_steps_bit_for_bit():
    x, rec = _record(8)  # 96 000 channel-samples: more than one block
    settings = emg.EMGSettings(onset_k_sd=5.0, onset_min_on_s=0.1, onset_min_off_s=0.1)
    res = emg.process(rec, settings)
    filtered = emg.bandpass(emg.remove_dc_offset(x), 2000.0)
    np.testing.assert_array_equal(res.filtered, filtered)
    np.testing.assert_array_equal(res.envelope, emg.linear_envelope(filtered, 2000.0, 6.0))
    det = emg.linear_envelope(filtered, 2000.0, 50.0)
    whole = emg.detect_onsets(det, 2000.0, k_sd=5.0, min_on_s=0.1, min_off_s=0.1)
    for c in range(8):
        np.testing.assert_array_equal(res.onsets.onsets[c], whole.onsets[c])
        np.testing.assert_array_equal(res.onsets.offsets[c], whole.offsets[c])
    np.testing.assert_allclose(res.onsets.thresholds, whole.thresholds, rtol=1e-12, atol=0)
    assert res.onsets.parameters["baseline_start_s"] == whole.parameters["baseline_start_s"]
    assert res.quality_flags == emg.quality_flags(x, 2000.0, res.envelope, settings, res.channel_names)


def test_onsets_without_keeping_the_filtered_emg():
    _, rec = _record(5)
    settings = emg.EMGSettings(onset_k_sd=5.0)
    kept = emg.process(rec, settings)
    lean = emg.process(rec, settings, keep_filtered=False)
    assert lean.filtered is None
    np.testing.assert_array_equal(lean.envelope, kept.envelope)
    assert lean.onsets.n_bursts == kept.onsets.n_bursts
    for a, b in zip(lean.onsets.onsets, kept.onsets.onsets):
        np.testing.assert_array_equal(a, b)
