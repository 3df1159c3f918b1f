"""Reading a trial's recording with the options its trials.csv row gives (sampling_rate_hz, format).

``analysis.io`` is imported plainly: it imports nothing from ``analysis.study``, so there is no cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from analysis.errors import ReadError
from analysis.io import read_recording
from analysis.readers.opensignals_force import read_options_from_study
from analysis.recording import Recording


def _read_recording(path: Path, **options: Any) -> Recording:
    """Indirection to :func:`analysis.io.read_recording`: tests replace this function
    (``monkeypatch.setattr(analysis.study.recordings, "_read_recording", ...)``)."""
    return read_recording(path, **options)


def _read_recording_checking_rate(path: Path, options: dict[str, Any]) -> Recording:
    """Read with the trials.csv options; when the reader refuses the declared rate, re-read without it so the
    file's own rate can be compared (check_declared_sampling_rate then names both rates)."""
    try:
        return _read_recording(path, **options)
    except ReadError:
        if "sampling_rate_hz" not in options:
            raise
        without = {k: v for k, v in options.items() if k != "sampling_rate_hz"}
        try:
            return _read_recording(path, **without)
        except ReadError:
            pass
        raise


#: study.yaml ``units:`` key that gives the default unit of a trial's unlabelled columns, by trials.csv ``kind``
#: (data/README.md: "units of values the files do not label themselves"); combined and kinematics files mix kinds
_UNIT_KEY_BY_KIND = {"emg": "emg", "forceplate": "force"}


def trial_read_options(trial: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``read_recording`` options of one trial: its trials.csv row (rate, format) plus the study-wide ones from
    study.yaml ``config`` (an OpenSignals force platform's calibration constant and tare, and the unit of columns the
    file does not label: ``units: {emg: mV}`` reads unlabelled EMG columns as mV and converts them to V). Used by
    ``load_study``, ``validate_study`` and the feature pipeline alike."""
    options: dict[str, Any] = dict(read_options_from_study(config))
    rate = trial.get("sampling_rate_hz")
    if isinstance(rate, (int, float, np.integer, np.floating)) and np.isfinite(rate):
        options["sampling_rate_hz"] = float(rate)
    fmt = trial.get("format")
    if isinstance(fmt, str) and fmt:
        options["format"] = fmt
    units = (config or {}).get("units")
    key = _UNIT_KEY_BY_KIND.get(str(trial.get("kind")))
    if key and isinstance(units, Mapping) and isinstance(units.get(key), str) and units[key]:
        options["unit"] = units[key]
    return options


_recording_options = trial_read_options  # the former private name (validate, load_study)
