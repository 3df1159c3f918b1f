"""EMG chain benchmark: our envelope and full chain against a plain scipy chain measured in the same run.

Signal: synthetic EMG, 2 kHz x 8 channels x 60 s (``quick``: 10 s): bursts on Gaussian noise, 50 Hz hum
and a DC offset (docs/design/signal-processing.md §11). Times are the median of several repeats after
one warm-up; throughput is channel-samples per second. Targets (§11 and issue 4): envelope chain at
>= 0.9 x the scipy chain's throughput, full chain (envelope, quality flags, onsets) >= 10 M
channel-samples/s, peak extra memory of the full chain <= 3 x the input array (tracemalloc).
"""

from __future__ import annotations

import gc
import importlib.util
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import signal as sps

from analysis import emg
from analysis.recording import Recording

__all__ = ["run", "synthetic_emg"]

FS_HZ = 2000.0
N_CHANNELS = 8
COLUMNS = ["measurement", "value", "unit", "baseline", "ratio", "target", "meets_target"]


def synthetic_emg(
    duration_s: float = 60.0, fs_hz: float = FS_HZ, n_channels: int = N_CHANNELS, seed: int = 0
) -> np.ndarray:
    """(n_samples, n_channels) EMG in V: 1 s bursts every 3 s (shifted per channel), noise, hum, DC offset."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs_hz)
    t = np.arange(n) / fs_hz
    phase = (t[:, None] + 0.3 * np.arange(n_channels)[None, :]) % 3.0
    amplitude = np.where(phase < 1.0, 1e-3, 2e-5)
    x = amplitude * rng.standard_normal((n, n_channels))
    x += 2e-5 * np.sin(2 * np.pi * 50.0 * t)[:, None] + 5e-4
    return x


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _scipy_envelope(x: np.ndarray, fs_hz: float) -> np.ndarray:
    """The plain reference of §11: SOS 4th-order 20-450 Hz sosfiltfilt -> abs -> 6 Hz sosfiltfilt, axis 0."""
    band = sps.butter(4, (20.0, 450.0), btype="bandpass", fs=fs_hz, output="sos")
    low = sps.butter(4, 6.0, btype="lowpass", fs=fs_hz, output="sos")
    return sps.sosfiltfilt(low, np.abs(sps.sosfiltfilt(band, x, axis=0)), axis=0)


def _our_envelope(x: np.ndarray, fs_hz: float) -> np.ndarray:
    return emg.linear_envelope(emg.bandpass(emg.remove_dc_offset(x), fs_hz), fs_hz, 6.0)


def _row(measurement, value, unit, baseline=np.nan, ratio=np.nan, target="", meets=None):
    return {
        "measurement": measurement,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio,
        "target": target,
        "meets_target": meets,
    }


def run(quick: bool = False) -> pd.DataFrame:
    """Rows: scipy envelope, our envelope, our full chain, peak memory, NeuroKit2 (if installed)."""
    duration_s = 10.0 if quick else 60.0
    repeats = 3 if quick else 7
    x = synthetic_emg(duration_s)
    n_cs = x.size  # channel-samples
    recording = Recording(
        samples=x,
        sampling_rate_hz=FS_HZ,
        channel_names=[f"EMG{i + 1}" for i in range(N_CHANNELS)],
        units=["V"] * N_CHANNELS,
        channel_kinds=["emg"] * N_CHANNELS,
    )
    settings = emg.EMGSettings(onset_method="threshold", onset_k_sd=5.0, onset_min_on_s=0.1, onset_min_off_s=0.1)
    rows = []

    t_scipy = _median_time(lambda: _scipy_envelope(x, FS_HZ), repeats)
    t_ours = _median_time(lambda: _our_envelope(x, FS_HZ), repeats)
    rows.append(
        _row(
            "scipy envelope chain (bp 20-450 -> abs -> 6 Hz), channel-samples/s",
            n_cs / t_scipy / 1e6,
            "M/s",
            target="baseline",
        )
    )
    rows.append(
        _row(
            "our envelope chain (dc -> bp -> rect -> 6 Hz, clipped >= 0), channel-samples/s",
            n_cs / t_ours / 1e6,
            "M/s",
            baseline=n_cs / t_scipy / 1e6,
            ratio=t_scipy / t_ours,
            target=">= 0.9 x scipy",
            meets=bool(t_scipy / t_ours >= 0.9),
        )
    )

    t_full = _median_time(lambda: emg.process(recording, settings), repeats)
    full_rate = n_cs / t_full / 1e6
    rows.append(
        _row(
            "our full chain (process: envelope, quality flags, onsets), channel-samples/s",
            full_rate,
            "M/s",
            baseline=n_cs / t_scipy / 1e6,
            ratio=t_scipy / t_full,
            target=">= 10 M/s",
            meets=bool(full_rate >= 10.0),
        )
    )

    gc.collect()
    tracemalloc.start()
    result = emg.process(recording, settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    outputs = result.envelope.nbytes + (result.filtered.nbytes if result.filtered is not None else 0)
    del result
    rows.append(
        _row(
            "peak memory of process() (tracemalloc, incl. its 2 output arrays)",
            peak / 2**20,
            "MiB",
            baseline=x.nbytes / 2**20,
            ratio=peak / x.nbytes,
            target="<= 3 x input",
            meets=bool(peak <= 3 * x.nbytes),
        )
    )
    rows.append(
        _row(
            "  of which returned arrays (envelope + band-passed EMG)",
            outputs / 2**20,
            "MiB",
            baseline=x.nbytes / 2**20,
            ratio=outputs / x.nbytes,
            target="info",
        )
    )

    if importlib.util.find_spec("neurokit2") is None:
        rows.append(
            _row(
                "NeuroKit2 emg_process, 8 channels in turn",
                np.nan,
                "not installed",
                target="info (design doc: 0.024 M/s)",
            )
        )
    else:  # pragma: no cover - neurokit2 is not a project dependency
        import neurokit2 as nk

        nk_x = x if not quick else x[: int(5 * FS_HZ)]
        t_nk = _median_time(
            lambda: [nk.emg_process(nk_x[:, c], sampling_rate=int(FS_HZ)) for c in range(N_CHANNELS)],
            1 if not quick else 2,
        )
        rows.append(
            _row(
                "NeuroKit2 emg_process, 8 channels in turn, channel-samples/s",
                nk_x.size / t_nk / 1e6,
                "M/s",
                baseline=n_cs / t_full / 1e6,
                ratio=(nk_x.size / t_nk) / (n_cs / t_full),
                target="info (ratio = NeuroKit2 / our full chain)",
            )
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["signal"] = (
        f"synthetic EMG {FS_HZ:g} Hz x {N_CHANNELS} channels x {duration_s:g} s; median of {repeats}"
    )
    return frame
