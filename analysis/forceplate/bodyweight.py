"""Body weight from quiet stance: the earliest (or latest) quiet weighing window, and weighing that refuses
rather than guesses.

:func:`weigh` takes the earliest quiet window of ``weighing_window_s`` (1 s, Owen et al. 2014), then of
``min_weighing_window_s`` (0.5 s), inside the weighing region (before the first flight; after the last
landing for drop jumps, which start off the plate). ``anchor="last"`` takes the latest quiet window instead:
it takes the quietest window (lowest SD) of the last quiet stance (the last run of windows passing the check):
jumps weigh the stance just before the movement, not the first one in a long recording
(docs/design/metrics-and-reliability.md §1.2). :func:`quiet_window_ending_at` then re-weighs the window that ends
at the movement onset found with that first estimate. The window is *quiet* when its SD is
≤ ``quiet_sd_max_pct_bw`` % and its range ≤ ``quiet_range_max_pct_bw`` % of its mean (project choice).
Without such a window it raises :class:`~analysis.errors.AnalysisError`; pass ``body_weight_n=`` (from
another trial of the subject or from subjects.csv) to analyse the trial anyway. The result then records
``bw=supplied`` (docs/design/signal-processing.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.ndimage import maximum_filter1d, minimum_filter1d

from analysis.errors import AnalysisError
from analysis.forceplate._inputs import _as_total_force, _check_fs, _runs, _where
from analysis.forceplate.settings import ForcePlateSettings

__all__ = ["QuietStance", "find_quiet_stance", "weigh", "quiet_window_ending_at"]


@dataclass(frozen=True)
class QuietStance:
    """The quietest window found in a weighing region and whether it passes the stability check."""

    start_index: int
    stop_index: int
    mean_n: float
    sd_n: float
    range_n: float
    is_quiet: bool
    method: str

    @property
    def body_weight_n(self) -> float:
        return self.mean_n


def _sliding_stats(x: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, SD and range of every window of ``window`` samples (O(n), vectorised)."""
    ref = x[0]
    c1 = np.concatenate(([0.0], np.cumsum(x - ref)))
    c2 = np.concatenate(([0.0], np.cumsum((x - ref) ** 2)))
    s1 = c1[window:] - c1[:-window]
    s2 = c2[window:] - c2[:-window]
    mean = s1 / window
    var = np.maximum(s2 / window - mean**2, 0.0)
    half = window // 2
    # centred filters; window i covers x[i:i+window] -> centre i + half (origin shifts for even windows)
    origin = 0 if window % 2 else -1
    mx = maximum_filter1d(x, size=window, origin=origin, mode="nearest")[half : half + s1.size]
    mn = minimum_filter1d(x, size=window, origin=origin, mode="nearest")[half : half + s1.size]
    return mean + ref, np.sqrt(var), mx - mn


def find_quiet_stance(
    force_n: ArrayLike,
    fs_hz: float,
    settings: ForcePlateSettings | None = None,
    *,
    region: tuple[int, int] | None = None,
    anchor: str = "first",
) -> QuietStance:
    """Earliest quiet weighing window (``anchor="first"``) or the quietest window of the last quiet stance
    (``anchor="last"``) in ``region`` (sample indices, default whole trial).

    Tries ``settings.weighing_window_s`` first and falls back to ``settings.min_weighing_window_s``;
    windows must lie entirely on the plate (force above the take-off threshold). Returns the earliest
    window passing the stability criterion, else the quietest (lowest relative SD) candidate with
    ``is_quiet=False``; never raises for a noisy trial (see :func:`weigh` for the refusing variant).
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    if anchor not in ("first", "last"):
        raise AnalysisError(f"anchor must be 'first' or 'last', got {anchor!r}")
    lo, hi = (0, total.size) if region is None else (max(0, int(region[0])), min(total.size, int(region[1])))
    seg = total[lo:hi]
    best: QuietStance | None = None
    for window_s in dict.fromkeys((s.weighing_window_s, s.min_weighing_window_s)):
        window = int(round(window_s * fs))
        if window < 2 or seg.size < window:
            continue
        mean, sd, rng = _sliding_stats(seg, window)
        on_plate = (
            minimum_filter1d(seg, size=window, origin=0 if window % 2 else -1, mode="nearest")[
                window // 2 : window // 2 + mean.size
            ]
            > s.takeoff_threshold_n
        )
        if not on_plate.any():
            continue
        passing = on_plate & (sd <= s.quiet_sd_max_pct_bw / 100 * mean) & (rng <= s.quiet_range_max_pct_bw / 100 * mean)
        if passing.any() and anchor == "first":  # Owen 2014 weighs at the start of the trial
            i = int(np.argmax(passing))
        elif passing.any():  # the quietest window of the last quiet stance (the last run of passing windows)
            starts, stops = _runs(passing)
            i = int(starts[-1]) + int(np.argmin(sd[starts[-1] : stops[-1]]))
        else:  # report the quietest one so the error message can say how far off it is
            i = int(np.argmin(np.where(on_plate, sd / np.abs(mean), np.inf)))
        quiet = bool(passing[i])
        where = "first" if anchor == "first" else "quietest_of_last_stance"
        method = f"{where}_quiet_{window_s:g}s_window(sd<={s.quiet_sd_max_pct_bw:g}%bw,range<={s.quiet_range_max_pct_bw:g}%bw)"
        cand = QuietStance(lo + i, lo + i + window, float(mean[i]), float(sd[i]), float(rng[i]), quiet, method)
        if quiet:
            return cand
        best = best or cand
    if best is None:
        return QuietStance(lo, lo, float("nan"), float("nan"), float("nan"), False, "no_window_on_plate")
    return best


def weigh(
    force_n: ArrayLike,
    fs_hz: float,
    settings: ForcePlateSettings | None = None,
    *,
    region: tuple[int, int] | None = None,
    source: str | None = None,
    anchor: str = "first",
) -> QuietStance:
    """Body weight from quiet standing; raises AnalysisError when the trial has no quiet stance.

    ``anchor``: ``"first"`` or ``"last"`` quiet window in ``region`` (see :func:`find_quiet_stance`)."""
    quiet = find_quiet_stance(force_n, fs_hz, settings, region=region, anchor=anchor)
    if not quiet.is_quiet:
        s = settings or ForcePlateSettings()
        if np.isnan(quiet.mean_n):
            detail = "the subject is never on the plate in the weighing region"
        else:
            detail = (
                f"the quietest window (samples {quiet.start_index}-{quiet.stop_index}) has mean "
                f"{quiet.mean_n:.1f} N, SD {quiet.sd_n:.1f} N, range {quiet.range_n:.1f} N, beyond the "
                f"limits SD <= {s.quiet_sd_max_pct_bw:g} %, range <= {s.quiet_range_max_pct_bw:g} % of the mean"
            )
        raise AnalysisError(
            f"{_where(source)}no quiet stance to weigh the subject: {detail}. Weighing a moving subject "
            "biases every integrated metric (a few % BW error gives jump heights of half a metre). "
            "Pass body_weight_n= from another trial of this subject or from subjects.csv (body_mass_kg x g)."
        )
    return quiet


def quiet_window_ending_at(
    force_n: ArrayLike, fs_hz: float, stop_index: int, settings: ForcePlateSettings | None = None
) -> QuietStance | None:
    """The ``weighing_window_s`` (else ``min_weighing_window_s``) window ending at ``stop_index`` (e.g. the
    movement onset) if it lies on the plate and passes the quiet check, else None.

    metrics-and-reliability.md §1.2: take BW and SD from the quiet window that ends at (or just before) the onset
    crossing; Owen et al. 2014 weigh the second before the movement.
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    for window_s in dict.fromkeys((s.weighing_window_s, s.min_weighing_window_s)):
        window = int(round(window_s * fs))
        start = int(stop_index) - window
        if window < 2 or start < 0 or stop_index > total.size:
            continue
        seg = total[start:stop_index]
        mean, sd, rng = float(seg.mean()), float(seg.std()), float(np.ptp(seg))
        if (
            seg.min() > s.takeoff_threshold_n
            and sd <= s.quiet_sd_max_pct_bw / 100 * mean
            and rng <= s.quiet_range_max_pct_bw / 100 * mean
        ):
            method = (
                f"quiet_{window_s:g}s_window_ending_at_onset(sd<={s.quiet_sd_max_pct_bw:g}%bw,"
                f"range<={s.quiet_range_max_pct_bw:g}%bw)"
            )
            return QuietStance(start, int(stop_index), mean, sd, rng, True, method)
    return None
