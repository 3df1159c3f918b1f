"""Force-plate analysis: body weight, jump events and phases, jump / squat / gait / balance metrics.

Inputs are plain arrays plus an explicit sampling rate ``fs_hz``: vertical force alone (``(n,)`` or
``(n, n_plates)``; plates are summed) or 3-D forces and moments for the centre of pressure.
Every metric carries the method and parameters that produced it, and every result turns into the
tidy long rows of docs/architecture.md with ``to_rows(trial_info)``.

Design decisions (see docs/design/signal-processing.md §6, §8, §9):

* **Weighing refuses rather than guesses.** :func:`weigh` takes the earliest quiet window of
  ``weighing_window_s`` (1 s, Owen et al. 2014), then of ``min_weighing_window_s`` (0.5 s), inside the
  weighing region (before the first flight; after the last landing for drop jumps, which start off the
  plate). The window is *quiet* when its SD is ≤ ``quiet_sd_max_pct_bw`` % and its range ≤
  ``quiet_range_max_pct_bw`` % of its mean (project choice). Without such a window it raises
  :class:`~analysis.errors.AnalysisError`; pass ``body_weight_n=`` (from another trial of the subject
  or from subjects.csv) to analyse the trial anyway. The result then records ``bw=supplied``.
* Impulse–momentum integrates (F − BW)/m from the movement onset with v = 0 (trapezoid rule).
* Events are run-lengths of boolean masks: no per-sample Python loops.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.integrate import cumulative_trapezoid
from scipy.ndimage import maximum_filter1d, minimum_filter1d

from analysis.errors import AnalysisError
from analysis.settings import checked_settings

__all__ = [
    "MetricsMixin",
    "G_M_S2",
    "KEY_COLUMNS",
    "ForcePlateSettings",
    "EventSettings",
    "Metric",
    "QuietStance",
    "find_quiet_stance",
    "weigh",
    "contact_mask",
    "flight_periods",
    "detect_onset",
    "baseline_crossing_onset",
    "com_kinematics",
    "rfd_windows",
    "peak_rfd",
    "asymmetry_pct",
    "JumpResult",
    "analyse_jump",
    "SquatResult",
    "analyse_squat",
    "knee_joint_force_proxy_bw",
    "GaitResult",
    "analyse_gait",
    "center_of_pressure",
    "combine_cop",
    "BalanceResult",
    "analyse_balance",
    "is_vertical_force_role",
    "vertical_force_from_recording",
]

#: Standard gravity (CGPM 1901), as used by Linthorne 2001 and Moir 2008 for JH = v²/2g.
G_M_S2 = 9.80665

#: Key columns of every tidy per-trial table (docs/architecture.md).
KEY_COLUMNS = (
    "subject_id",
    "session",
    "trial_id",
    "exercise",
    "load_phase",
    "load_kg",
    "load_lb",
    "load_pct_bw",
    "body_mass_kg",
    "group",
)


# --------------------------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ForcePlateSettings:
    """Thresholds and windows for force-plate analysis; each default cites its source."""

    weighing_window_s: float = 1.0  # Owen et al. 2014, JSCR 28(6):1552: 1 s quiet standing
    min_weighing_window_s: float = 0.5  # S3D wiki: BW = first 500 samples at 1 kHz; jumpmetrics 0.25-0.4 s
    quiet_sd_max_pct_bw: float = 1.0  # project choice [assumption]: SD <= 1 % of the window mean
    quiet_range_max_pct_bw: float = 5.0  # project choice [assumption]: range <= 5 % of the window mean
    onset_method: str = "sd"  # Owen 2014: BW +/- k SD; alternatives "fixed_n" (VALD 20 N), "pct_bw"
    onset_sd: float = 5.0  # Owen 2014: 5 SD of the weighing window
    onset_fixed_n: float = 20.0  # VALD-style fixed deviation, used when onset_method="fixed_n"
    onset_pct_bw: float = 2.5  # JSCR 2011;25(4):1164 recommends 2.5 % BW, used when onset_method="pct_bw"
    onset_backtrack_ms: float = 30.0  # Owen 2014: onset = 30 ms before the threshold crossing
    takeoff_threshold_n: float = 20.0  # Gidiel-Machado et al. 2025 (vertical_jumps_fz scripts): 20 N
    landing_threshold_n: float = 20.0  # same source; VALD uses 30 N (see preset "vendor")
    min_flight_s: float = 0.1  # project choice: shorter unloaded runs are not flights
    min_contact_s: float = 0.002  # project choice: rejects 1-sample spikes at 1 kHz (vertical_jumps_fz DJ has a 108-N spike before contact)
    countermovement_min_velocity_m_s: float = 0.05  # project choice: below -0.05 m/s a countermovement exists
    rfd_windows_ms: tuple[float, ...] = (50.0, 100.0, 200.0)  # Aagaard 2002; Maffiuletti 2016
    # Maffiuletti et al. 2016 (Eur J Appl Physiol 116:1091): RFD windows start where force leaves its baseline;
    # "baseline_crossing" = last crossing of BW before the threshold crossing; "movement_onset" = Owen's onset
    rfd_onset: str = "baseline_crossing"
    peak_rfd_window_ms: float = 20.0  # project choice: steepest 20-ms secant between onset and take-off
    stance_threshold_n: float = 20.0  # gait: same as take-off threshold (Gidiel-Machado et al. 2025)
    min_stance_s: float = 0.1  # project choice: a walking/running stance lasts > 100 ms

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> ForcePlateSettings:
        """Settings from e.g. study.yaml ``processing.forceplate``; unknown keys raise AnalysisError."""
        values = checked_settings(cls, values, "study.yaml processing.forceplate")
        if "rfd_windows_ms" in values:
            values["rfd_windows_ms"] = tuple(float(v) for v in values["rfd_windows_ms"])
        settings = cls(**values)
        if settings.rfd_onset not in ("baseline_crossing", "movement_onset"):
            raise AnalysisError(
                f"rfd_onset must be 'baseline_crossing' or 'movement_onset', got {settings.rfd_onset!r}"
            )
        if settings.onset_method not in ("sd", "fixed_n", "pct_bw"):
            raise AnalysisError(f"onset_method must be 'sd', 'fixed_n' or 'pct_bw', got {settings.onset_method!r}")
        return settings

    @classmethod
    def preset(cls, name: str) -> ForcePlateSettings:
        """Named presets: ``owen2014`` (the defaults) and ``vendor`` (30 N take-off/landing, VALD-style)."""
        if name == "owen2014":
            return cls()
        if name == "vendor":
            return cls(takeoff_threshold_n=30.0, landing_threshold_n=30.0)  # VALD: < 30 N / > 30 N
        raise AnalysisError(f"unknown force-plate preset {name!r}; known presets: 'owen2014', 'vendor'")

    def onset_label(self) -> str:
        if self.onset_method == "sd":
            rule = f"{self.onset_sd:g}SD"
        elif self.onset_method == "fixed_n":
            rule = f"{self.onset_fixed_n:g}N"
        else:
            rule = f"{self.onset_pct_bw:g}%BW"
        return f"onset=bw+-{rule}-{self.onset_backtrack_ms:g}ms"


#: Name used in docs/architecture.md.
EventSettings = ForcePlateSettings


@dataclass(frozen=True)
class Metric:
    value: float
    unit: str
    method: str


def _rows(metrics: Mapping[str, Metric], trial_info: Mapping[str, Any] | None) -> pd.DataFrame:
    info = dict(trial_info or {})
    keys = {k: info.get(k) for k in KEY_COLUMNS}
    rows = [
        {**keys, "metric": name, "value": float(m.value), "unit": m.unit, "method": m.method}
        for name, m in metrics.items()
    ]
    return pd.DataFrame(rows, columns=[*KEY_COLUMNS, "metric", "value", "unit", "method"])


class MetricsMixin:
    """Metric lookup by name and tidy long rows, shared by every per-trial result type."""

    metrics: dict

    def __getitem__(self, name: str) -> float:
        try:
            return self.metrics[name].value
        except KeyError:
            raise KeyError(f"no metric {name!r}; available: {sorted(self.metrics)}") from None

    def to_rows(self, trial_info: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Tidy long rows: key columns from ``trial_info`` + metric, value, unit, method."""
        return _rows(self.metrics, trial_info)


# --------------------------------------------------------------------------------------------
# input helpers
# --------------------------------------------------------------------------------------------
def _as_total_force(force_n: np.ndarray, what: str = "force_n") -> tuple[np.ndarray, np.ndarray | None]:
    """(total vertical force (n,), per-plate (n, k) or None)."""
    arr = np.asarray(force_n, dtype=float)
    if arr.ndim == 1:
        per_plate = None
        total = arr
    elif arr.ndim == 2:
        per_plate = arr
        total = arr.sum(axis=1)
    else:
        raise AnalysisError(f"{what} must be (n_samples,) or (n_samples, n_plates), got shape {arr.shape}")
    if total.size < 3:
        raise AnalysisError(f"{what} has only {total.size} samples")
    if not np.all(np.isfinite(total)):
        bad = int(np.flatnonzero(~np.isfinite(total))[0])
        raise AnalysisError(f"{what} has a non-finite value at sample {bad}; interpolate or trim the trial first")
    return total, per_plate


def _check_fs(fs_hz: float) -> float:
    fs = float(fs_hz)
    if not (np.isfinite(fs) and fs > 0):
        raise AnalysisError(f"sampling rate must be positive, got {fs_hz!r}")
    return fs


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) indices of the True runs of a boolean mask."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(padded)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _where(source: str | None) -> str:
    return f"{source}: " if source else ""


# --------------------------------------------------------------------------------------------
# weighing
# --------------------------------------------------------------------------------------------
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
    force_n, fs_hz: float, settings: ForcePlateSettings | None = None, *, region: tuple[int, int] | None = None
) -> QuietStance:
    """Earliest quiet weighing window in ``region`` (sample indices, default whole trial).

    Tries ``settings.weighing_window_s`` first and falls back to ``settings.min_weighing_window_s``;
    windows must lie entirely on the plate (force above the take-off threshold). Returns the earliest
    window passing the stability criterion, else the quietest (lowest relative SD) candidate with
    ``is_quiet=False``; never raises for a noisy trial (see :func:`weigh` for the refusing variant).
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
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
        if passing.any():  # the earliest quiet window (Owen 2014 weighs at the start of the trial)
            i = int(np.argmax(passing))
        else:  # report the quietest one so the error message can say how far off it is
            i = int(np.argmin(np.where(on_plate, sd / np.abs(mean), np.inf)))
        quiet = bool(passing[i])
        method = (
            f"first_quiet_{window_s:g}s_window(sd<={s.quiet_sd_max_pct_bw:g}%bw,range<={s.quiet_range_max_pct_bw:g}%bw)"
        )
        cand = QuietStance(lo + i, lo + i + window, float(mean[i]), float(sd[i]), float(rng[i]), quiet, method)
        if quiet:
            return cand
        best = best or cand
    if best is None:
        return QuietStance(lo, lo, float("nan"), float("nan"), float("nan"), False, "no_window_on_plate")
    return best


def weigh(
    force_n,
    fs_hz: float,
    settings: ForcePlateSettings | None = None,
    *,
    region: tuple[int, int] | None = None,
    source: str | None = None,
) -> QuietStance:
    """Body weight from quiet standing; raises AnalysisError when the trial has no quiet stance."""
    quiet = find_quiet_stance(force_n, fs_hz, settings, region=region)
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


# --------------------------------------------------------------------------------------------
# events
# --------------------------------------------------------------------------------------------
def contact_mask(force_n, fs_hz: float, threshold_n: float, min_contact_s: float) -> np.ndarray:
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


def flight_periods(force_n, fs_hz: float, settings: ForcePlateSettings | None = None) -> np.ndarray:
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


def detect_onset(
    force_n,
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
    if s.onset_method == "sd":
        band = s.onset_sd * noise_sd_n
    elif s.onset_method == "fixed_n":
        band = s.onset_fixed_n
    else:
        band = s.onset_pct_bw / 100 * body_weight_n
    stop = total.size if search_stop is None else int(search_stop)
    out = np.flatnonzero(np.abs(total[search_start:stop] - body_weight_n) > band)
    if out.size == 0:
        raise AnalysisError(
            f"force never leaves body weight +/- {band:.1f} N between samples "
            f"{search_start} and {stop}: no movement onset"
        )
    return max(0, search_start + int(out[0]) - int(round(s.onset_backtrack_ms / 1000 * fs)))


def baseline_crossing_onset(
    force_n,
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


def com_kinematics(
    force_n, fs_hz: float, body_weight_n: float, start_index: int = 0, initial_velocity_m_s: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CoM acceleration, velocity and displacement from vertical GRF (trapezoid integration).

    a = (F − BW)/m with m = BW/g; v and s are 0 (v = ``initial_velocity_m_s``) up to ``start_index``
    and integrated from there.
    """
    total, _ = _as_total_force(force_n)
    fs = _check_fs(fs_hz)
    mass = body_weight_n / G_M_S2
    acc = (total - body_weight_n) / mass
    vel = np.zeros_like(acc)
    disp = np.zeros_like(acc)
    vel[:start_index] = initial_velocity_m_s
    vel[start_index:] = initial_velocity_m_s + cumulative_trapezoid(acc[start_index:], dx=1 / fs, initial=0.0)
    disp[start_index:] = cumulative_trapezoid(vel[start_index:], dx=1 / fs, initial=0.0)
    return acc, vel, disp


def rfd_windows(
    force_n, fs_hz: float, onset_index: int, windows_ms: Iterable[float] = (50.0, 100.0, 200.0)
) -> dict[float, float]:
    """Secant rate of force development ΔF/Δt from onset over 0–w ms, N/s (Aagaard 2002).

    Windows running past the record are NaN.
    """
    total, _ = _as_total_force(force_n)
    fs = _check_fs(fs_hz)
    out = {}
    for w in windows_ms:
        k = int(round(w / 1000 * fs))
        j = onset_index + k
        out[float(w)] = (
            float((total[j] - total[onset_index]) / (k / fs)) if (k > 0 and j < total.size) else float("nan")
        )
    return out


def peak_rfd(force_n, fs_hz: float, start: int, stop: int, window_ms: float = 20.0) -> tuple[float, int]:
    """Steepest secant slope over ``window_ms`` within [start, stop): (N/s, index of window start)."""
    total, _ = _as_total_force(force_n)
    fs = _check_fs(fs_hz)
    k = max(1, int(round(window_ms / 1000 * fs)))
    seg = total[start:stop]
    if seg.size <= k:
        return float("nan"), start
    slope = (seg[k:] - seg[:-k]) * fs / k
    i = int(np.argmax(slope))
    return float(slope[i]), start + i


def asymmetry_pct(left, right) -> np.ndarray:
    """Bilateral asymmetry 100·(L − R)/max(L, R) (signed: positive = left larger)."""
    left = np.asarray(left, dtype=float)
    right = np.asarray(right, dtype=float)
    denom = np.maximum(np.abs(left), np.abs(right))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, 100 * (left - right) / denom, 0.0)


# --------------------------------------------------------------------------------------------
# jumps
# --------------------------------------------------------------------------------------------
PHASES = ("weighing", "unweighting", "braking", "propulsion", "flight", "landing")


@dataclass
class JumpResult(MetricsMixin):
    """Events (sample indices), McMahon et al. 2018 phases and metrics of one jump."""

    jump_type: str
    fs_hz: float
    body_weight_n: float
    body_weight_method: str
    events: dict[str, int]
    phases: dict[str, tuple[int, int]]
    metrics: dict[str, Metric]
    velocity_m_s: np.ndarray = field(repr=False, default=None)
    displacement_m: np.ndarray = field(repr=False, default=None)
    flags: list[str] = field(default_factory=list)

    @property
    def event_times_s(self) -> dict[str, float]:
        return {k: v / self.fs_hz for k, v in self.events.items()}

    def phase_table(self) -> pd.DataFrame:
        rows = [
            {
                "phase": p,
                "start_index": a,
                "stop_index": b,
                "start_s": a / self.fs_hz,
                "duration_s": (b - a) / self.fs_hz,
            }
            for p, (a, b) in self.phases.items()
        ]
        return pd.DataFrame(rows)


def _jump_weighing(total, fs, s, jump_type, flights, body_weight_n, source):
    """(body weight N, noise SD N, weighing (start, stop), method, flags)."""
    flags: list[str] = []
    if jump_type == "dj":
        region = (int(flights[-1, 1]), total.size) if flights.size else (0, total.size)
    else:
        region = (0, int(flights[0, 0]) if flights.size else total.size)
    if body_weight_n is not None:
        quiet = find_quiet_stance(total, fs, s, region=region)
        if quiet.is_quiet:
            noise = quiet.sd_n
            window = (quiet.start_index, quiet.stop_index)
        else:
            flags.append("no_quiet_stance:noise_sd_from_flight")
            window = (region[0], region[0])
            noise = float("nan")
        if not np.isfinite(noise) and flights.size:
            a, b = flights[0]
            inner = total[a:b]
            noise = float(np.std(inner)) if inner.size > 2 else 1.0
        if not np.isfinite(noise):
            noise = 1.0
        return float(body_weight_n), noise, window, "supplied", flags
    quiet = weigh(total, fs, s, region=region, source=source)
    return quiet.mean_n, quiet.sd_n, (quiet.start_index, quiet.stop_index), quiet.method, flags


def analyse_jump(
    force_n,
    fs_hz: float,
    jump_type: str = "cmj",
    *,
    body_weight_n: float | None = None,
    settings: ForcePlateSettings | None = None,
    plate_sides: Sequence[str] | None = None,
    drop_height_m: float | None = None,
    source: str | None = None,
) -> JumpResult:
    """Analyse a countermovement (``cmj``), squat (``sj``) or drop jump (``dj``).

    ``force_n``: vertical GRF, ``(n,)`` or ``(n, n_plates)`` (summed). With two plates and
    ``plate_sides=("left", "right")`` (in column order) left/right asymmetries are added.
    ``body_weight_n``: supply the weight (another trial, subjects.csv) when this trial has no quiet
    stance; otherwise it is weighed (see :func:`weigh`, raises AnalysisError without quiet stance).
    Drop jumps start off the plate: contact time, flight time, flight-time jump height and RSI are
    always reported; the impulse jump height only with ``drop_height_m`` (touch-down velocity
    −sqrt(2 g h)). Drop-jump body weight is weighed after the final landing.
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    jump_type = jump_type.lower()
    if jump_type not in ("cmj", "sj", "dj"):
        raise AnalysisError(f"{_where(source)}jump_type must be 'cmj', 'sj' or 'dj', got {jump_type!r}")
    total, per_plate = _as_total_force(force_n)
    flights = flight_periods(total, fs, s)
    # a leading unloaded run is the drop, not a flight
    leading = flights[flights[:, 0] == 0] if flights.size else flights
    inner = flights[(flights[:, 0] > 0) & (flights[:, 1] < total.size)] if flights.size else flights
    if jump_type == "dj" and leading.size == 0:
        raise AnalysisError(
            f"{_where(source)}drop jump expected to start off the plate (force < "
            f"{s.takeoff_threshold_n:g} N); it starts loaded -- is this a CMJ/SJ?"
        )
    if inner.size == 0:
        raise AnalysisError(
            f"{_where(source)}no flight phase (force < {s.takeoff_threshold_n:g} N for >= "
            f"{s.min_flight_s:g} s between two contacts): not a jump, or the record is cut"
        )
    takeoff, landing = int(inner[0, 0]), int(inner[0, 1])
    bw, noise_sd, weigh_win, bw_method, flags = _jump_weighing(total, fs, s, jump_type, inner, body_weight_n, source)
    mass = bw / G_M_S2
    tag_thr = f"takeoff_threshold_n={s.takeoff_threshold_n:g},landing_threshold_n={s.landing_threshold_n:g}"
    tag_bw = f"bw={bw_method}"
    m: dict[str, Metric] = {}
    events: dict[str, int] = {"takeoff": takeoff, "landing": landing}
    phases: dict[str, tuple[int, int]] = {}

    flight_time = (landing - takeoff) / fs
    jh_flight = G_M_S2 * flight_time**2 / 8
    m["body_weight_n"] = Metric(bw, "N", tag_bw)
    m["flight_time_s"] = Metric(flight_time, "s", f"flight_time;{tag_thr}")
    m["jump_height_flight_m"] = Metric(jh_flight, "m", f"flight_time:g*tf^2/8;{tag_thr}")

    if jump_type == "dj":
        contact = int(leading[0, 1])
        events["contact"] = contact
        contact_time = (takeoff - contact) / fs
        m["contact_time_s"] = Metric(contact_time, "s", f"contact_to_takeoff;{tag_thr}")
        m["rsi_m_per_s"] = Metric(jh_flight / contact_time, "m/s", f"jump_height_flight/contact_time;{tag_thr}")
        m["flight_contact_ratio"] = Metric(flight_time / contact_time, "1", f"flight_time/contact_time;{tag_thr}")
        start = contact
        v0 = -np.sqrt(2 * G_M_S2 * drop_height_m) if drop_height_m is not None else 0.0
    else:
        start = detect_onset(total, fs, bw, noise_sd, s, search_start=weigh_win[1], search_stop=takeoff)
        events["onset"] = start
        v0 = 0.0
    acc, vel, disp = com_kinematics(total, fs, bw, start, v0)
    vel_to = float(vel[takeoff])
    tag_int = (
        f"impulse_momentum:trapezoid_from_{'contact' if jump_type == 'dj' else 'onset'};{tag_bw};"
        f"{s.onset_label() if jump_type != 'dj' else 'contact'};{tag_thr}"
    )
    if jump_type != "dj" or drop_height_m is not None:
        m["takeoff_velocity_m_s"] = Metric(vel_to, "m/s", tag_int)
        m["jump_height_impulse_m"] = Metric(vel_to**2 / (2 * G_M_S2) if vel_to > 0 else 0.0, "m", tag_int)
        m["takeoff_momentum_kg_m_s"] = Metric(mass * vel_to, "kg*m/s", tag_int)

    # McMahon et al. 2018 phases
    if jump_type == "dj":
        ecc_end = start + int(np.argmin(vel[start:takeoff])) if drop_height_m is not None else start
        phases["braking"] = (start, ecc_end)
        phases["propulsion"] = (ecc_end, takeoff)
    else:
        phases["weighing"] = (int(weigh_win[0]), int(min(weigh_win[1], start)))
        pre = vel[start:takeoff]
        i_min = int(np.argmin(pre))
        if pre[i_min] < -s.countermovement_min_velocity_m_s:
            pk = start + i_min
            after = np.flatnonzero(vel[pk:takeoff] >= 0)
            zero = pk + int(after[0]) if after.size else takeoff
            phases["unweighting"] = (start, pk)
            phases["braking"] = (pk, zero)
            phases["propulsion"] = (zero, takeoff)
            events["peak_negative_velocity"] = pk
            events["zero_velocity"] = zero
            if jump_type == "sj":
                flags.append("countermovement_in_squat_jump")
        else:
            phases["unweighting"] = (start, start)
            phases["braking"] = (start, start)
            phases["propulsion"] = (start, takeoff)
    phases["flight"] = (takeoff, landing)
    # landing: touch-down until the CoM stops (v back to 0)
    v_td = vel_to - G_M_S2 * flight_time if "takeoff_velocity_m_s" in m else -G_M_S2 * flight_time / 2
    _, v_land, _ = com_kinematics(total[landing:], fs, bw, 0, v_td)
    stop_rel = np.flatnonzero(v_land >= 0)
    land_end = landing + (int(stop_rel[0]) if stop_rel.size else v_land.size)
    if not stop_rel.size:
        flags.append("landing_not_completed_in_record")
    phases["landing"] = (landing, land_end)
    events["landing_end"] = land_end

    net = total - bw
    for name in ("unweighting", "braking", "propulsion", "landing"):
        if name not in phases:
            continue
        a, b = phases[name]
        dur = (b - a) / fs
        m[f"{name}_duration_s"] = Metric(dur, "s", f"mcmahon2018;{tag_int}")
        imp = float(np.trapezoid(net[a : b + 1], dx=1 / fs)) if b > a else 0.0
        m[f"{name}_net_impulse_n_s"] = Metric(imp, "N*s", f"trapezoid(F-BW);{tag_int}")
        if b > a:
            m[f"{name}_mean_force_n"] = Metric(float(total[a:b].mean()), "N", f"mcmahon2018;{tag_int}")
    if jump_type != "dj":
        ttt = (takeoff - start) / fs
        m["time_to_takeoff_s"] = Metric(ttt, "s", f"onset_to_takeoff;{s.onset_label()};{tag_thr}")
        if "jump_height_impulse_m" in m and ttt > 0:
            m["rsi_modified_m_per_s"] = Metric(
                m["jump_height_impulse_m"].value / ttt, "m/s", f"jump_height_impulse/time_to_takeoff;{tag_int}"
            )
        m["countermovement_depth_m"] = Metric(float(disp[start:takeoff].min()), "m", f"double_integration;{tag_int}")
        if s.rfd_onset == "baseline_crossing":
            rfd_start = baseline_crossing_onset(
                total, fs, bw, noise_sd, s, search_start=weigh_win[1], search_stop=takeoff
            )
            rfd_label = f"rfd_onset=last_bw_crossing_before_{s.onset_label().split('=', 1)[1].rsplit('-', 1)[0]}"
        else:
            rfd_start, rfd_label = start, s.onset_label()
        events["rfd_onset"] = rfd_start
        for w, val in rfd_windows(total, fs, rfd_start, s.rfd_windows_ms).items():
            m[f"rfd_0_{w:g}ms_n_per_s"] = Metric(val, "N/s", f"secant_from_onset_0_{w:g}ms;{rfd_label};{tag_bw}")
    prfd, _ = peak_rfd(total, fs, start, takeoff, s.peak_rfd_window_ms)
    m["peak_rfd_n_per_s"] = Metric(prfd, "N/s", f"max_secant_{s.peak_rfd_window_ms:g}ms_start_to_takeoff;{tag_thr}")

    def peak(name: str, a: int, b: int, label: str) -> None:
        if b > a:
            val = float(total[a:b].max())
            m[f"{name}_n"] = Metric(val, "N", f"max_{label};{tag_int}")
            m[f"{name}_bw"] = Metric(val / bw, "BW", f"max_{label}/bw;{tag_int}")

    peak("peak_force", start, takeoff, "start_to_takeoff")
    peak("peak_propulsive_force", *phases["propulsion"], "propulsion")
    peak("peak_braking_force", *phases["braking"], "braking")
    la, lb = phases["landing"]
    if lb <= la + 1:  # too short to see a peak: look at the first 0.5 s of contact
        lb = min(total.size, la + int(0.5 * fs))
    peak("peak_landing_force", la, lb, "landing")
    if lb > la + 1:
        ipk = la + int(np.argmax(total[la:lb]))
        if ipk > la:
            lr = (total[ipk] - total[la]) * fs / (ipk - la)
            m["landing_loading_rate_n_per_s"] = Metric(float(lr), "N/s", f"touchdown_to_peak_landing_force;{tag_thr}")
            m["landing_loading_rate_bw_per_s"] = Metric(
                float(lr / bw), "BW/s", f"touchdown_to_peak_landing_force/bw;{tag_thr}"
            )

    if per_plate is not None and plate_sides is not None:
        _add_asymmetry(m, per_plate, plate_sides, phases, bw, fs, source)

    return JumpResult(jump_type, fs, bw, bw_method, events, phases, m, vel, disp, flags)


def _add_asymmetry(m, per_plate, plate_sides, phases, bw, fs, source):
    sides = [str(x).lower() for x in plate_sides]
    if per_plate.shape[1] != 2 or sorted(sides) != ["left", "right"]:
        raise AnalysisError(
            f"{_where(source)}asymmetry needs two plates with plate_sides=('left','right') "
            f"in column order; got {per_plate.shape[1]} plates and {plate_sides}"
        )
    left = per_plate[:, sides.index("left")]
    right = per_plate[:, sides.index("right")]
    half = bw / 2
    method = "100*(L-R)/max(L,R);each_plate_vs_bw/2"
    for name in ("braking", "propulsion"):
        a, b = phases.get(name, (0, 0))
        if b > a:
            il = np.trapezoid(left[a : b + 1] - half, dx=1 / fs)
            ir = np.trapezoid(right[a : b + 1] - half, dx=1 / fs)
            m[f"asymmetry_{name}_net_impulse_pct"] = Metric(float(asymmetry_pct(il, ir)), "%", method)
            m[f"asymmetry_peak_{name}_force_pct"] = Metric(
                float(asymmetry_pct(left[a:b].max(), right[a:b].max())), "%", "100*(L-R)/max(L,R)"
            )
    a, b = phases["landing"]
    if b > a:
        m["asymmetry_peak_landing_force_pct"] = Metric(
            float(asymmetry_pct(left[a:b].max(), right[a:b].max())), "%", "100*(L-R)/max(L,R)"
        )


# --------------------------------------------------------------------------------------------
# squats, lunges, step-ups (claim C6)
# --------------------------------------------------------------------------------------------
@dataclass
class SquatResult(MetricsMixin):
    """Peak force, impulse and mid-range mean force of a squat / lunge / step-up repetition."""

    fs_hz: float
    body_weight_n: float
    phases: dict[str, tuple[int, int]]
    mid_range: tuple[int, int]
    metrics: dict[str, Metric]
    flags: list[str] = field(default_factory=list)


def knee_joint_force_proxy_bw(
    vertical_force_n,
    knee_flexion_deg,
    body_weight_n: float,
    *,
    legs_supporting: int = 2,
    shank_length_m: float = 0.43,
    patellar_tendon_moment_arm_m: float = 0.045,
) -> np.ndarray:
    """Quasi-static tibiofemoral compressive-force **proxy** in BW (not inverse dynamics).

    Geometry (documented assumption): each supporting leg carries ``vertical_force_n / legs_supporting``;
    hip vertically above ankle and thigh = shank length, so the shank leans θ/2 from vertical at knee
    flexion θ and the GRF passes vertically through the ankle. The knee extensor moment is then
    M = F_leg · L_shank · sin(θ/2); the quadriceps force M / r_pt (patellar-tendon moment arm r_pt);
    the proxy is the axial GRF component plus the quadriceps force,
    (F_leg · cos(θ/2) + M / r_pt) / BW. Defaults: shank 0.43 m ≈ 0.246 × 1.75 m stature (Winter 2009,
    segment lengths); r_pt 4.5 cm (Nisell 1986 range 4–5 cm, [from memory]). Inertia, co-contraction,
    foot position and trunk lean are ignored: use it to compare conditions of the same movement only.
    """
    f = np.asarray(vertical_force_n, dtype=float)
    theta = np.deg2rad(np.asarray(knee_flexion_deg, dtype=float))
    if f.shape != theta.shape:
        raise AnalysisError(
            f"vertical force {f.shape} and knee angle {theta.shape} must have the same shape "
            "(resample the angle to the force rate first)"
        )
    f_leg = f / legs_supporting
    moment = f_leg * shank_length_m * np.sin(np.abs(theta) / 2)
    return (f_leg * np.cos(theta / 2) + moment / patellar_tendon_moment_arm_m) / body_weight_n


def analyse_squat(
    force_n,
    fs_hz: float,
    *,
    body_weight_n: float | None = None,
    knee_flexion_deg=None,
    settings: ForcePlateSettings | None = None,
    legs_supporting: int = 2,
    mid_range_pct: tuple[float, float] = (25.0, 75.0),
    source: str | None = None,
) -> SquatResult:
    """Squat, lunge or step-up repetition: peak vGRF, vertical impulse and the C6 mid-range force.

    **Mid-range mean force** (``mid_range_mean_force_bw``, claim C6 "ground-reaction force transfer",
    project definition since the article gives none): mean vertical GRF, in BW, over the samples of the
    **concentric phase** whose position lies between 25 % and 75 % of the phase's range of motion
    (``mid_range_pct``). Position is the knee flexion angle when ``knee_flexion_deg`` is given
    (concentric = from maximal flexion to the end of the movement; range = max − final flexion), else
    the CoM displacement from double integration of (F − BW)/m (concentric = from the lowest CoM to the
    next peak). Movement: onset (Owen 2014, as in jumps) to the end of the record.
    Also reports peak vGRF (N, BW), total vertical impulse ∫F dt and net impulse ∫(F − BW) dt over the
    movement, and with a knee angle ``knee_joint_force_proxy_bw`` (peak and mid-range mean; see
    :func:`knee_joint_force_proxy_bw`).
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    flags: list[str] = []
    if body_weight_n is None:
        quiet = weigh(total, fs, s, source=source)
        bw, noise, wstop, bw_method = quiet.mean_n, quiet.sd_n, quiet.stop_index, quiet.method
        search_start = wstop if wstop < total.size else 0
    else:
        bw, bw_method = float(body_weight_n), "supplied"
        quiet = find_quiet_stance(total, fs, s)
        noise = quiet.sd_n if quiet.is_quiet else 0.01 * bw
        search_start = quiet.stop_index if quiet.is_quiet and quiet.stop_index < total.size else 0
    try:
        onset = detect_onset(total, fs, bw, noise, s, search_start=search_start)
    except AnalysisError:
        onset = 0
        flags.append("no_onset:movement_from_record_start")
    stop = total.size
    tag = f"bw={bw_method};{s.onset_label()}"
    m: dict[str, Metric] = {"body_weight_n": Metric(bw, "N", f"bw={bw_method}")}
    seg = total[onset:stop]
    m["peak_force_n"] = Metric(float(seg.max()), "N", f"max_onset_to_end;{tag}")
    m["peak_force_bw"] = Metric(float(seg.max() / bw), "BW", f"max_onset_to_end/bw;{tag}")
    m["vertical_impulse_n_s"] = Metric(float(np.trapezoid(seg, dx=1 / fs)), "N*s", f"trapezoid(F);{tag}")
    m["net_vertical_impulse_n_s"] = Metric(float(np.trapezoid(seg - bw, dx=1 / fs)), "N*s", f"trapezoid(F-BW);{tag}")
    lo_pct, hi_pct = mid_range_pct
    if knee_flexion_deg is not None:
        knee = np.asarray(knee_flexion_deg, dtype=float)
        if knee.shape != total.shape:
            raise AnalysisError(
                f"{_where(source)}knee angle has {knee.shape} samples, force {total.shape}: "
                "resample the angle to the force sampling rate first"
            )
        pos = -knee  # extension is "up"
        basis = "knee_flexion_angle"
    else:
        _, _, disp = com_kinematics(total, fs, bw, onset)
        pos = disp
        basis = "com_displacement"
    bottom = onset + int(np.argmin(pos[onset:stop]))
    top = bottom + int(np.argmax(pos[bottom:stop]))
    phases = {"eccentric": (onset, bottom), "concentric": (bottom, top)}
    rom = pos[top] - pos[bottom]
    if top <= bottom + 1 or rom <= 0:
        raise AnalysisError(f"{_where(source)}no concentric phase found ({basis} never rises after its minimum)")
    frac = (pos[bottom : top + 1] - pos[bottom]) / rom * 100
    sel = np.flatnonzero((frac >= lo_pct) & (frac <= hi_pct))
    if sel.size == 0:
        raise AnalysisError(
            f"{_where(source)}no sample of the concentric phase lies in {lo_pct:g}-{hi_pct:g} % "
            f"of its range of motion ({basis}); the record is too coarse"
        )
    mid_idx = bottom + sel
    mid = (int(mid_idx[0]), int(mid_idx[-1]) + 1)
    mtag = f"mean_F/bw_concentric_{lo_pct:g}-{hi_pct:g}pct_of_{basis};{tag}"
    m["mid_range_mean_force_n"] = Metric(float(total[mid_idx].mean()), "N", mtag)
    m["mid_range_mean_force_bw"] = Metric(float(total[mid_idx].mean() / bw), "BW", mtag)
    m["concentric_duration_s"] = Metric((top - bottom) / fs, "s", f"{basis}_min_to_max;{tag}")
    m["eccentric_duration_s"] = Metric((bottom - onset) / fs, "s", f"onset_to_{basis}_min;{tag}")
    m["concentric_mean_force_bw"] = Metric(float(total[bottom:top].mean() / bw), "BW", f"{basis};{tag}")
    if knee_flexion_deg is not None:
        proxy = knee_joint_force_proxy_bw(total, knee, bw, legs_supporting=legs_supporting)
        ptag = f"quasi_static_proxy(legs={legs_supporting},shank=0.43m,r_pt=0.045m);not_inverse_dynamics;{tag}"
        m["peak_knee_joint_force_proxy_bw"] = Metric(float(proxy[onset:stop].max()), "BW", ptag)
        m["mid_range_knee_joint_force_proxy_bw"] = Metric(float(proxy[mid_idx].mean()), "BW", f"{mtag};{ptag}")
    return SquatResult(fs, bw, phases, mid, m, flags)


# --------------------------------------------------------------------------------------------
# gait
# --------------------------------------------------------------------------------------------
@dataclass
class GaitResult(MetricsMixin):
    """Stances found on one plate (``stances``: one row per stance) and their mean metrics."""

    fs_hz: float
    stances: pd.DataFrame
    metrics: dict[str, Metric]


def analyse_gait(
    force_n, fs_hz: float, *, body_weight_n: float | None = None, settings: ForcePlateSettings | None = None
) -> GaitResult:
    """Stance detection (force ≥ ``stance_threshold_n`` for ≥ ``min_stance_s``), peak vGRF and loading rate.

    Loading rate: mean slope between 20 % and 80 % of the impact (first) peak, the first local maximum
    in the first half of stance (project choice following the common 20–80 % definition, e.g.
    Ueda et al. 2016 [from memory]). Stances cut by the record's edges are dropped.
    """
    s = settings or ForcePlateSettings()
    fs = _check_fs(fs_hz)
    total, _ = _as_total_force(force_n)
    on = contact_mask(total, fs, s.stance_threshold_n, s.min_stance_s)
    starts, stops = _runs(on)
    keep = (starts > 0) & (stops < total.size)
    starts, stops = starts[keep], stops[keep]
    rows = []
    for a, b in zip(starts, stops):  # per stance (a handful), not per sample
        f = total[a:b]
        half = max(2, f.size // 2)
        ipk = int(np.argmax(f[:half]))
        fpk = f[ipk]
        i20 = int(np.argmax(f[: ipk + 1] >= 0.2 * fpk))
        i80 = int(np.argmax(f[: ipk + 1] >= 0.8 * fpk))
        lr = (f[i80] - f[i20]) * fs / (i80 - i20) if i80 > i20 else np.nan
        rows.append(
            {
                "start_index": int(a),
                "stop_index": int(b),
                "stance_time_s": (b - a) / fs,
                "peak_force_n": float(f.max()),
                "impact_peak_n": float(fpk),
                "loading_rate_n_per_s": float(lr),
                "impulse_n_s": float(np.trapezoid(f, dx=1 / fs)),
            }
        )
    stances = pd.DataFrame(
        rows,
        columns=[
            "start_index",
            "stop_index",
            "stance_time_s",
            "peak_force_n",
            "impact_peak_n",
            "loading_rate_n_per_s",
            "impulse_n_s",
        ],
    )
    tag = f"stance_threshold_n={s.stance_threshold_n:g},min_stance_s={s.min_stance_s:g}"
    m = {"n_stances": Metric(float(len(stances)), "count", tag)}
    if len(stances):
        m["stance_time_s"] = Metric(float(stances.stance_time_s.mean()), "s", f"mean_over_stances;{tag}")
        m["peak_force_n"] = Metric(float(stances.peak_force_n.mean()), "N", f"mean_over_stances;{tag}")
        m["loading_rate_n_per_s"] = Metric(
            float(stances.loading_rate_n_per_s.mean()), "N/s", f"20-80pct_impact_peak;mean_over_stances;{tag}"
        )
        if body_weight_n:
            m["peak_force_bw"] = Metric(
                float(stances.peak_force_n.mean() / body_weight_n), "BW", f"mean_over_stances/bw_supplied;{tag}"
            )
            m["loading_rate_bw_per_s"] = Metric(
                float(stances.loading_rate_n_per_s.mean() / body_weight_n),
                "BW/s",
                f"20-80pct_impact_peak/bw_supplied;{tag}",
            )
    return GaitResult(fs, stances, m)


# --------------------------------------------------------------------------------------------
# centre of pressure and balance
# --------------------------------------------------------------------------------------------
def center_of_pressure(
    forces_n, moments_nm, *, origin_offset_m: Sequence[float] = (0.0, 0.0, 0.0), min_fz_n: float = 20.0
) -> np.ndarray:
    """CoP (x, y) in metres on the plate surface from forces (n, 3) and moments (n, 3) about the plate origin.

    ``origin_offset_m = (x0, y0, h)``: position (x0, y0) of the plate's measurement origin in the
    output frame, and h = height of the plate surface above that origin (AMTI-style plates give the
    origin *below* the surface; their manual's offset ``c`` is −h). From M = r × F + (0, 0, Tz) with
    r = (x, y, h): x = (h·Fx − My)/Fz + x0, y = (Mx + h·Fy)/Fz + y0. Samples with Fz < ``min_fz_n``
    are NaN (the CoP is undefined off the plate). Moments must be in N·m (C3D files often store N·mm).
    """
    f = np.asarray(forces_n, dtype=float)
    mo = np.asarray(moments_nm, dtype=float)
    if f.ndim != 2 or f.shape[1] != 3 or mo.shape != f.shape:
        raise AnalysisError(f"forces and moments must both be (n_samples, 3); got {f.shape} and {mo.shape}")
    x0, y0, h = (float(v) for v in origin_offset_m)
    fz = f[:, 2]
    loaded = fz >= min_fz_n
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(loaded, (h * f[:, 0] - mo[:, 1]) / fz + x0, np.nan)
        y = np.where(loaded, (mo[:, 0] + h * f[:, 1]) / fz + y0, np.nan)
    return np.column_stack([x, y])


def combine_cop(cops_m: Sequence[np.ndarray], fz_n: Sequence[np.ndarray]) -> np.ndarray:
    """Net CoP of several plates (in a common frame): Fz-weighted mean of the plate CoPs."""
    cops = np.stack([np.nan_to_num(np.asarray(c, dtype=float)) for c in cops_m])  # (k, n, 2)
    w = np.stack([np.clip(np.asarray(f, dtype=float), 0, None) for f in fz_n])[..., None]  # (k, n, 1)
    total = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (cops * w).sum(axis=0) / total, np.nan)


@dataclass
class BalanceResult(MetricsMixin):
    fs_hz: float
    metrics: dict[str, Metric]


def analyse_balance(cop_xy_m, fs_hz: float) -> BalanceResult:
    """Sway metrics of a CoP trajectory (n, 2) in metres (Prieto et al. 1996, IEEE TBME 43:956).

    Path length (sum of sample-to-sample distances), mean velocity (path / duration), RMS distance
    and ranges per axis about the mean, and the 95 % confidence-ellipse area
    2π·F.05[2, n−2]·sqrt(s_x² s_y² − s_xy²). No filtering is applied here (filter beforehand if wanted).
    """
    fs = _check_fs(fs_hz)
    cop = np.asarray(cop_xy_m, dtype=float)
    if cop.ndim != 2 or cop.shape[1] != 2 or cop.shape[0] < 4:
        raise AnalysisError(f"CoP must be (n_samples >= 4, 2), got {cop.shape}")
    if not np.all(np.isfinite(cop)):
        raise AnalysisError(
            f"CoP has {int((~np.isfinite(cop)).any(axis=1).sum())} undefined samples "
            "(subject off the plate?): trim the trial to the standing part"
        )
    n = cop.shape[0]
    step = np.linalg.norm(np.diff(cop, axis=0), axis=1)
    path = float(step.sum())
    dur = (n - 1) / fs
    c = cop - cop.mean(axis=0)
    cov = np.cov(c.T, ddof=1)
    f95 = stats.f.ppf(0.95, 2, n - 2)
    area = 2 * np.pi * f95 * np.sqrt(max(cov[0, 0] * cov[1, 1] - cov[0, 1] ** 2, 0.0))
    tag = "prieto1996"
    m = {
        "cop_path_length_m": Metric(path, "m", f"{tag}:sum_step_distance"),
        "cop_mean_velocity_m_s": Metric(path / dur, "m/s", f"{tag}:path/duration"),
        "cop_rms_distance_m": Metric(float(np.sqrt((c**2).sum(axis=1).mean())), "m", f"{tag}:rms_about_mean"),
        "cop_range_x_m": Metric(float(np.ptp(cop[:, 0])), "m", f"{tag}:range"),
        "cop_range_y_m": Metric(float(np.ptp(cop[:, 1])), "m", f"{tag}:range"),
        "cop_ellipse_area_95_m2": Metric(float(area), "m^2", f"{tag}:2pi*F95(2,n-2)*sqrt(det cov)"),
    }
    return BalanceResult(fs, m)


# --------------------------------------------------------------------------------------------
# Recording convenience
# --------------------------------------------------------------------------------------------
def is_vertical_force_role(role: str) -> bool:
    """A study.yaml role that marks a vertical ground-reaction-force channel: ``fz`` or ``vertical_force``,
    optionally with a side or plate suffix (``fz_left``, ``fz_2``, ``vertical_force_right``)."""
    base = str(role).strip().lower()
    return any(base == stem or base.startswith(stem + "_") for stem in ("fz", "vertical_force"))


def vertical_force_from_recording(
    recording, channels: Sequence[str] | None = None, roles: Mapping[str, str] | None = None
) -> np.ndarray:
    """Vertical force columns of a :class:`~analysis.recording.Recording` as (n, n_plates).

    ``channels`` names them explicitly (needed e.g. when y is vertical). Otherwise the channels whose
    study.yaml ``roles:`` entry is a vertical-force role (``fz``, ``fz_left``, ``vertical_force_2``, ...; see
    :func:`is_vertical_force_role`) are used; failing that, every ``force`` channel whose name ends in
    ``z``/``Fz`` (case-insensitive) and has no other role.
    """
    if channels is None:
        roles = dict(roles or {})
        channels = [n for n in recording.channel_names if n in roles and is_vertical_force_role(roles[n])]
        if not channels:
            channels = [
                n
                for n, k in zip(recording.channel_names, recording.channel_kinds)
                if k == "force" and n not in roles and n.lower().rstrip("0123456789 _").endswith("z")
            ]
        if not channels:
            raise AnalysisError(
                f"{recording.source}: no vertical force channel found among "
                f"{recording.channel_names}; name it in study.yaml roles: (e.g. "
                f'"{recording.channel_names[0] if recording.channel_names else "Fz"}": fz) '
                "or pass channels=[...] explicitly"
            )
    idx = [recording.channel_index(c) for c in channels]
    return recording.samples[:, idx]
