"""Catching the warnings one trial's processing raises, so they stay with that trial (its warnings rows are
stored with its cache entry) instead of being printed or landing in another trial's record."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pandas as pd

from analysis.features.tables import WARNING_COLUMNS

#: warnings.catch_warnings is process-wide state (Python 3.11): when a dask worker runs tasks in several
#: threads, one trial's warning would land in another's record or in none. One trial at a time per process
#: keeps them apart; the local workers are single-threaded processes, so they never wait here.
_CAPTURE_LOCK = threading.Lock()


@contextmanager
def trial_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Every warning raised inside (filters set to "always"), one trial at a time per process."""
    with _CAPTURE_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def warning_rows(trial: Mapping[str, Any], stage: str, caught: list[warnings.WarningMessage]) -> pd.DataFrame:
    """The rows of the warnings table for one trial's caught warnings."""
    return pd.DataFrame(
        [
            (
                str(trial.get("subject_id")),
                str(trial.get("trial_id")),
                str(trial.get("path") or trial.get("file")),
                stage,
                w.category.__name__,
                str(w.message),
            )
            for w in caught
        ],
        columns=list(WARNING_COLUMNS),
    )
