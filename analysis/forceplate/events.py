"""Force-plate events: contact and flight periods (take-off, landing), movement onset, force-rise onset.

Events are run-lengths of boolean masks: no per-sample Python loops.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
from numpy.typing import ArrayLike

from analysis.errors import AnalysisError
from analysis.forceplate._inputs import _as_total_force, _check_fs, _runs
from analysis.forceplate.settings import ForcePlateSettings

__all__ = ["contact_mask", "flight_periods", "detect_onset", "baseline_crossing_onset", "onset_before_takeoff"]


def contact_mask(force_n: ArrayLike, fs_hz: float, threshold_n: float, min_contact_s: float) -> np.ndarray:
    """True where the subject loads the plate (> threshold), ignoring loaded blips < ``min_contact_s``."""
    total, _ = _as_total_force(force_n)
    fs = _check_fs(fs_hz)
    mask = total >= threshold_n
    starts, stops = _runs(mask)
    short = (stops - starts) < max(1, int(round(min_contact_s * fs)))
    if short.any():
        delta = np.zeros(total.size + 1, dtype=np.int64)
        np.add.at(delta, starts[short], 1)
        np.add.at(delta, stops[short], -1)
        mask &= np.cumsum(delta[:-1]) == 0
    return mask


def flight_periods(force_n: ArrayLike, fs_hz: float, settings: ForcePlateSettings | None = None) -> np.ndarray:
    """(k, 2) array of [take-off index, landing index) of unloaded runs lasting >= ``min_flight_s``.

    Take-off is the first sample below ``takeoff_threshold_n``; landing the first sample back at or
    above ``landing_threshold_n``. A run touching the start of the record (drop jump before contact)
    or the end is returned too; callers check the edges.
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    on = contact_mask(total, fs, s.takeoff_threshold_n, s.min_contact_s)
    if s.landing_threshold_n != s.takeoff_threshold_n:
        on_landing = contact_mask(total, fs, s.landing_threshold_n, s.min_contact_s)
    else:
        on_landing = on
    starts, stops = _runs(~on)
    keep = (stops - starts) >= int(round(s.min_flight_s * fs))
    starts, stops = starts[keep], stops[keep]
    if s.landing_threshold_n != s.takeoff_threshold_n and starts.size:
        # landing: first sample at/above the landing threshold after take-off
        later = np.flatnonzero(on_landing)
        pos = np.searchsorted(later, starts, side="left")
        stops = np.where(pos < later.size, later[np.minimum(pos, later.size - 1)], total.size)
    return np.column_stack([starts, stops]).astype(int)


def _onset_band_n(s: ForcePlateSettings, body_weight_n: float, noise_sd_n: float) -> float:
    """Half-width of the body-weight band whose exit marks movement onset (``onset_method``)."""
    if s.onset_method == "sd":
        return s.onset_sd * noise_sd_n
    if s.onset_method == "fixed_n":
        return s.onset_fixed_n
    return s.onset_pct_bw / 100 * body_weight_n


def onset_before_takeoff(
    force_n: ArrayLike,
    fs_hz: float,
    body_weight_n: float,
    noise_sd_n: float,
    takeoff_index: int,
    settings: ForcePlateSettings | None = None,
    *,
    search_start: int = 0,
) -> tuple[int, int]:
    """Movement onset anchored to the jump: ``(onset, crossing)`` sample indices.

    Searches backwards from an unambiguous landmark of the movement that ends at ``takeoff_index``
    (docs/design/metrics-and-reliability.md §1.2): the unweighting minimum (the lowest force before the
    peak force) when it lies below the onset band, else the peak force. ``crossing`` is the first sample of
    the run outside BW +/- band that ends at the landmark (the last in-band sample + 1); ``onset`` is
    ``crossing`` minus ``onset_backtrack_ms`` (Owen et al. 2014). A forward search from the start of a long
    recording fires on the first sway instead. Raises AnalysisError if nothing before take-off leaves the band.
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    band = _onset_band_n(s, body_weight_n, noise_sd_n)
    lo, hi = max(0, int(search_start)), int(takeoff_index)
    if hi - lo < 2:
        raise AnalysisError(f"no samples between {lo} and take-off at {hi} to find the movement onset")
    i_peak = lo + int(np.argmax(total[lo:hi]))
    i_min = lo + int(np.argmin(total[lo:i_peak])) if i_peak > lo else i_peak
    landmark = i_min if total[i_min] < body_weight_n - band else i_peak
    if abs(total[landmark] - body_weight_n) <= band:
        raise AnalysisError(
            f"force never leaves body weight +/- {band:.1f} N between samples {lo} and {hi}: no movement onset"
        )
    inside = np.flatnonzero(np.abs(total[:landmark] - body_weight_n) <= band)
    crossing = int(inside[-1]) + 1 if inside.size else 0
    return max(0, crossing - int(round(s.onset_backtrack_ms / 1000 * fs))), crossing


def detect_onset(
    force_n: ArrayLike,
    fs_hz: float,
    body_weight_n: float,
    noise_sd_n: float,
    settings: ForcePlateSettings | None = None,
    *,
    search_start: int = 0,
    search_stop: int | None = None,
) -> int:
    """Movement onset: first sample leaving BW +/- threshold in [search_start, search_stop), minus backtrack.

    Threshold: ``onset_sd`` x ``noise_sd_n`` (Owen 2014), or a fixed N, or % BW (``onset_method``).
    Raises AnalysisError if the force never leaves the band.
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    band = _onset_band_n(s, body_weight_n, noise_sd_n)
    stop = total.size if search_stop is None else int(search_stop)
    out = np.flatnonzero(np.abs(total[search_start:stop] - body_weight_n) > band)
    if out.size == 0:
        raise AnalysisError(
            f"force never leaves body weight +/- {band:.1f} N between samples "
            f"{search_start} and {stop}: no movement onset"
        )
    return max(0, search_start + int(out[0]) - int(round(s.onset_backtrack_ms / 1000 * fs)))


def baseline_crossing_onset(
    force_n: ArrayLike,
    fs_hz: float,
    body_weight_n: float,
    noise_sd_n: float,
    settings: ForcePlateSettings | None = None,
    *,
    search_start: int = 0,
    search_stop: int | None = None,
) -> int:
    """Force-rise onset for RFD: the last sample at or on the far side of BW before the force leaves the
    onset band (same band as :func:`detect_onset`, no backtrack).

    Maffiuletti et al. 2016 define RFD from the instant force leaves its baseline; Owen's 30-ms backtrack
    suits impulse integration (where F ≈ BW adds nothing) but starts an RFD window up to 30 ms before the
    rise, so a 0–100 ms window would hold only ~70 ms of rise and its bias would depend on the rise shape.
    """
    s = settings or ForcePlateSettings()
    total, _ = _as_total_force(force_n)
    no_backtrack = ForcePlateSettings(**{**asdict(s), "onset_backtrack_ms": 0.0})
    crossing = detect_onset(
        total, fs_hz, body_weight_n, noise_sd_n, no_backtrack, search_start=search_start, search_stop=search_stop
    )
    sign = np.sign(total[crossing] - body_weight_n)
    before = np.flatnonzero(sign * (total[search_start:crossing] - body_weight_n) <= 0)
    return search_start + int(before[-1]) if before.size else search_start
