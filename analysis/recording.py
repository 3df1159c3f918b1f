"""The one in-memory type every reader returns: a multichannel recording in SI units.

Data flow: files -> ``Recording`` -> per-trial features (tidy tables) -> models -> verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Allowed channel kinds. ``other`` is for anything a reader cannot classify.
CHANNEL_KINDS = ("emg", "force", "moment", "cop", "angle", "angular_velocity", "marker", "other")


@dataclass
class Recording:
    """A multichannel, uniformly sampled recording.

    ``samples`` is ``(n_samples, n_channels)`` float64 in SI units (V, N, N·m, m, degrees);
    ``units[i]`` is the SI unit of channel ``i`` after conversion and ``source_units[i]`` the unit
    the file stored it in. ``events`` is a tidy table with columns ``label``, ``time_s`` and
    optionally ``context`` (e.g. ``Left``/``Right``). ``metadata`` keeps anything else the file said
    (device, gain, resolution, platform corners, ...).
    """

    samples: np.ndarray
    sampling_rate_hz: float
    channel_names: list[str]
    units: list[str]
    channel_kinds: list[str]
    source: Path | None = None
    source_units: list[str] | None = None
    events: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"label": pd.Series(dtype=str), "time_s": pd.Series(dtype=float)})
    )
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.samples = np.asarray(self.samples)
        if self.samples.ndim == 1:
            self.samples = self.samples[:, None]
        if self.samples.ndim != 2:
            raise ValueError(f"{self.source}: samples must be 2-D (n_samples x n_channels), got {self.samples.shape}")
        n = self.samples.shape[1]
        for name in ("channel_names", "units", "channel_kinds"):
            value = list(getattr(self, name))
            if len(value) != n:
                raise ValueError(f"{self.source}: {name} has {len(value)} entries for {n} channels")
            setattr(self, name, value)
        if self.source_units is None:
            self.source_units = list(self.units)
        bad = sorted(set(self.channel_kinds) - set(CHANNEL_KINDS))
        if bad:
            raise ValueError(f"{self.source}: unknown channel kind(s) {bad}; allowed: {CHANNEL_KINDS}")
        if not (np.isfinite(self.sampling_rate_hz) and self.sampling_rate_hz > 0):
            raise ValueError(f"{self.source}: sampling rate must be positive, got {self.sampling_rate_hz}")
        if self.source is not None:
            self.source = Path(self.source)

    # -- convenience -------------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return int(self.samples.shape[0])

    @property
    def n_channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sampling_rate_hz

    @property
    def time_s(self) -> np.ndarray:
        return np.arange(self.n_samples) / self.sampling_rate_hz

    def channel_index(self, name: str) -> int:
        try:
            return self.channel_names.index(name)
        except ValueError:
            raise KeyError(f"{self.source}: no channel {name!r}; channels are {self.channel_names}") from None

    def channel(self, name: str) -> np.ndarray:
        """One channel as a 1-D array."""
        return self.samples[:, self.channel_index(name)]

    def select(self, names: list[str] | None = None, kind: str | None = None) -> Recording:
        """A new Recording with only the named channels (in that order) or only one kind."""
        if names is None:
            idx = [i for i, k in enumerate(self.channel_kinds) if kind is None or k == kind]
        else:
            idx = [self.channel_index(n) for n in names]
        return Recording(
            samples=self.samples[:, idx],
            sampling_rate_hz=self.sampling_rate_hz,
            channel_names=[self.channel_names[i] for i in idx],
            units=[self.units[i] for i in idx],
            channel_kinds=[self.channel_kinds[i] for i in idx],
            source=self.source,
            source_units=[(self.source_units or self.units)[i] for i in idx],
            events=self.events.copy(),
            metadata=dict(self.metadata),
        )

    def to_frame(self) -> pd.DataFrame:
        """Samples as a DataFrame indexed by time in seconds."""
        return pd.DataFrame(self.samples, columns=self.channel_names, index=pd.Index(self.time_s, name="time_s"))

    def __repr__(self) -> str:  # short, so notebooks print something readable
        return (
            f"Recording({self.source.name if self.source else '<memory>'}: {self.n_samples} samples x "
            f"{self.n_channels} channels @ {self.sampling_rate_hz:g} Hz, {self.duration_s:.2f} s)"
        )
