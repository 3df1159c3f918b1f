"""Knee and pelvis kinematics for claims C2 (knee-extension velocity, hip hiking), C3 and C9 (valgus).

Inputs are angle channels (goniometer columns, OpenSim ``.mot`` coordinates, vendor or simulator exports of
knee flexion, knee FPPA and pelvic obliquity, in degrees) or 3-D marker arrays ``(n_samples, 3)`` in metres,
always with an explicit ``fs_hz``. Already-computed angle channels are taken as exported (their sign
convention is the exporter's; the method tag says ``angle_channel``); markers are used where no channel is given.
Channels of a :class:`~analysis.recording.Recording` are mapped to angles by the study's ``roles:``
(study.yaml: channel name -> role) or, failing that, by recognised names (:data:`ANGLE_CHANNEL_NAMES`).

* Knee flexion angle: 0° = straight, positive = flexed. From markers: 180° − the 3-D angle at the knee
  between knee→hip and knee→ankle.
* Angular velocity: zero-lag Butterworth low-pass first (``lowpass_hz`` 6 Hz, Winter 2009), then the
  central difference. **Knee-extension velocity** = −d(flexion)/dt, so extension is positive.
* Knee frontal-plane projection angle (FPPA, 2-D valgus): 180° − the angle at the knee between the
  projected hip and ankle in the frontal plane; **positive = valgus** (knee medial of the hip–ankle
  line), negative = varus.
* Pelvic obliquity (hip hiking): angle of the line between the two ASIS markers against the
  horizontal in the frontal plane; **positive = ``raised_side`` ASIS higher**.

Per-trial features come out as tidy long rows (``KinematicsResult.to_rows``) with metric names that
carry the unit; per-phase values are prefixed with the phase name (``concentric_mean_knee_flexion_deg``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.signal import butter, sosfiltfilt

from analysis.errors import AnalysisError
from analysis.metric_rows import Metric, MetricsMixin
from analysis.recording import Recording
from analysis.settings import checked_settings

__all__ = [
    "KinematicsSettings",
    "lowpass",
    "knee_flexion_from_markers",
    "angular_velocity_deg_s",
    "knee_fppa_deg",
    "pelvic_obliquity_deg",
    "KinematicsResult",
    "trial_kinematics",
    "ANGLE_CHANNEL_NAMES",
    "angle_channels",
    "trial_kinematics_from_recording",
]

_AXES = {"x": 0, "y": 1, "z": 2}


@dataclass(frozen=True)
class KinematicsSettings:
    """Filter and axis conventions; each default cites its source."""

    lowpass_hz: float = 6.0  # Winter 2009 (Biomechanics and Motor Control of Human Movement): 6 Hz for joint kinematics
    filter_order: int = 2  # Winter 2009: 2nd-order Butterworth run forward and back (4th-order zero lag)
    lateral_axis: str = "x"  # lab convention [assumption]: x points to the subject's right
    vertical_axis: str = "z"  # lab convention [assumption]: z up (use "y" for OpenSim / y-up labs)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> KinematicsSettings:
        """Settings from e.g. study.yaml ``processing.kinematics``; unknown keys raise AnalysisError."""
        values = checked_settings(cls, values, "study.yaml processing.kinematics")
        s = cls(**values)
        for name in ("lateral_axis", "vertical_axis"):
            if getattr(s, name) not in _AXES:
                raise AnalysisError(f"{name} must be 'x', 'y' or 'z', got {getattr(s, name)!r}")
        if s.lateral_axis == s.vertical_axis:
            raise AnalysisError("lateral_axis and vertical_axis must differ")
        return s


def _points(arr: ArrayLike, name: str) -> np.ndarray:
    a = np.asarray(arr, dtype=float)
    if a.ndim == 1 and a.size == 3:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != 3:
        raise AnalysisError(f"marker {name!r} must be (n_samples, 3) in metres, got shape {a.shape}")
    return a


def lowpass(x: ArrayLike, fs_hz: float, cutoff_hz: float = 6.0, order: int = 2) -> np.ndarray:
    """Zero-lag Butterworth low-pass (SOS, ``sosfiltfilt``) along axis 0; NaNs are refused."""
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        raise AnalysisError("angle/marker signal has gaps (NaN); fill or trim them before filtering")
    if not 0 < cutoff_hz < fs_hz / 2:
        raise AnalysisError(f"low-pass cut-off {cutoff_hz} Hz must lie between 0 and Nyquist ({fs_hz / 2} Hz)")
    sos = butter(order, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    padlen = min(3 * (2 * len(sos) + 1), x.shape[0] - 1)
    return sosfiltfilt(sos, x, axis=0, padlen=padlen)


def knee_flexion_from_markers(hip: ArrayLike, knee: ArrayLike, ankle: ArrayLike) -> np.ndarray:
    """Knee flexion (deg, 0 = straight) = 180° − 3-D angle between knee→hip and knee→ankle."""
    h, k, a = _points(hip, "hip"), _points(knee, "knee"), _points(ankle, "ankle")
    u, v = h - k, a - k
    cos = np.einsum("ij,ij->i", u, v) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def angular_velocity_deg_s(
    angle_deg: ArrayLike, fs_hz: float, settings: KinematicsSettings | None = None
) -> np.ndarray:
    """d(angle)/dt in deg/s after the documented low-pass (central differences, ``np.gradient``)."""
    s = settings or KinematicsSettings()
    smooth = lowpass(angle_deg, fs_hz, s.lowpass_hz, s.filter_order)
    return np.gradient(smooth, 1.0 / fs_hz, axis=0)


def knee_fppa_deg(
    hip: ArrayLike, knee: ArrayLike, ankle: ArrayLike, side: str, settings: KinematicsSettings | None = None
) -> np.ndarray:
    """2-D knee frontal-plane projection angle in degrees, positive = valgus (knee medial).

    The points are projected on the frontal plane (``lateral_axis``, ``vertical_axis``); the magnitude is
    180° − the angle at the knee; the sign is that of the knee's medial offset from the hip–ankle line
    (medial = −lateral for the right leg, +lateral for the left, with the lateral axis pointing right).
    """
    s = settings or KinematicsSettings()
    side = side.lower()
    if side not in ("left", "right"):
        raise AnalysisError(f"side must be 'left' or 'right', got {side!r}")
    li, vi = _AXES[s.lateral_axis], _AXES[s.vertical_axis]
    h, k, a = (_points(p, n)[:, [li, vi]] for p, n in ((hip, "hip"), (knee, "knee"), (ankle, "ankle")))
    u, v = h - k, a - k
    cos = np.einsum("ij,ij->i", u, v) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    magnitude = 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    # lateral position of the hip-ankle line at the knee's height
    dz = a[:, 1] - h[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(dz != 0, (k[:, 1] - h[:, 1]) / dz, 0.5)
    line_lat = h[:, 0] + t * (a[:, 0] - h[:, 0])
    medial_offset = (line_lat - k[:, 0]) if side == "right" else (k[:, 0] - line_lat)
    return np.sign(medial_offset) * magnitude


def pelvic_obliquity_deg(
    left_asis: ArrayLike, right_asis: ArrayLike, raised_side: str = "right", settings: KinematicsSettings | None = None
) -> np.ndarray:
    """Pelvic obliquity (deg) from the two ASIS markers in the frontal plane; positive = ``raised_side`` up."""
    s = settings or KinematicsSettings()
    if raised_side not in ("left", "right"):
        raise AnalysisError(f"raised_side must be 'left' or 'right', got {raised_side!r}")
    li, vi = _AXES[s.lateral_axis], _AXES[s.vertical_axis]
    left, right = _points(left_asis, "left_asis"), _points(right_asis, "right_asis")
    up = right[:, vi] - left[:, vi]
    across = np.abs(right[:, li] - left[:, li])
    angle = np.degrees(np.arctan2(up, across))
    return angle if raised_side == "right" else -angle


@dataclass
class KinematicsResult(MetricsMixin):
    """Per-trial kinematic metrics and the filtered time series they came from."""

    fs_hz: float
    metrics: dict[str, Metric]
    series: pd.DataFrame = field(repr=False)


def _phase_slices(phases: Mapping[str, tuple[float, float]] | None, n: int, fs_hz: float) -> dict[str, slice]:
    out = {"trial": slice(0, n)}
    for name, (start_s, stop_s) in (phases or {}).items():
        a, b = int(round(start_s * fs_hz)), int(round(stop_s * fs_hz))
        if not (0 <= a < b <= n):
            raise AnalysisError(f"phase {name!r} ({start_s}-{stop_s} s) lies outside the trial (0-{n / fs_hz:g} s)")
        out[str(name)] = slice(a, b)
    return out


def trial_kinematics(
    fs_hz: float,
    *,
    knee_flexion_deg: ArrayLike | None = None,
    hip: ArrayLike | None = None,
    knee: ArrayLike | None = None,
    ankle: ArrayLike | None = None,
    left_asis: ArrayLike | None = None,
    right_asis: ArrayLike | None = None,
    side: str = "right",
    raised_side: str | None = None,
    knee_fppa_angle_deg: ArrayLike | None = None,
    pelvic_obliquity_angle_deg: ArrayLike | None = None,
    phases: Mapping[str, tuple[float, float]] | None = None,
    settings: KinematicsSettings | None = None,
) -> KinematicsResult:
    """Per-trial knee flexion/velocity, FPPA and pelvic obliquity metrics.

    Knee flexion comes from ``knee_flexion_deg`` (goniometer / .mot column) or, if absent, from the
    ``hip``/``knee``/``ankle`` markers. FPPA comes from ``knee_fppa_angle_deg`` (an exported angle channel,
    valgus positive as exported) or, if absent, from the markers; pelvic obliquity from
    ``pelvic_obliquity_angle_deg`` (exported, hip hiking positive) or from both ASIS markers (positive =
    ``raised_side``, default the side of the analysed leg). All angles are low-pass filtered
    (``settings.lowpass_hz``) before peaks and means are taken. ``phases`` maps a phase name to
    (start_s, stop_s); each phase adds ``<phase>_mean_*`` and ``<phase>_peak_*`` metrics.
    """
    s = settings or KinematicsSettings()
    fs = float(fs_hz)
    if not (np.isfinite(fs) and fs > 0):
        raise AnalysisError(f"sampling rate must be positive, got {fs_hz!r}")
    tag = f"butterworth_lowpass_{s.lowpass_hz:g}hz_order{s.filter_order}_zero_lag"
    cols: dict[str, np.ndarray] = {}
    if knee_flexion_deg is not None:
        raw = np.asarray(knee_flexion_deg, dtype=float).ravel()
        source = "angle_channel"
    elif hip is not None and knee is not None and ankle is not None:
        raw = knee_flexion_from_markers(hip, knee, ankle)
        source = "markers_3d"
    else:
        raw = None
    if raw is not None:
        flex = lowpass(raw, fs, s.lowpass_hz, s.filter_order)
        cols["knee_flexion_deg"] = flex
        cols["knee_extension_velocity_deg_s"] = -np.gradient(flex, 1.0 / fs)
    fppa_source = obliquity_source = None
    if knee_fppa_angle_deg is not None:
        cols["knee_fppa_deg"] = lowpass(
            np.asarray(knee_fppa_angle_deg, dtype=float).ravel(), fs, s.lowpass_hz, s.filter_order
        )
        fppa_source = "angle_channel;valgus_positive_as_exported"
    elif hip is not None and knee is not None and ankle is not None:
        cols["knee_fppa_deg"] = lowpass(knee_fppa_deg(hip, knee, ankle, side, s), fs, s.lowpass_hz, s.filter_order)
        fppa_source = f"2d_fppa_frontal_plane({s.lateral_axis},{s.vertical_axis});side={side};valgus_positive"
    if pelvic_obliquity_angle_deg is not None:
        cols["pelvic_obliquity_deg"] = lowpass(
            np.asarray(pelvic_obliquity_angle_deg, dtype=float).ravel(), fs, s.lowpass_hz, s.filter_order
        )
        obliquity_source = "angle_channel;hip_hiking_positive_as_exported"
    elif left_asis is not None and right_asis is not None:
        cols["pelvic_obliquity_deg"] = lowpass(
            pelvic_obliquity_deg(left_asis, right_asis, raised_side or side, s), fs, s.lowpass_hz, s.filter_order
        )
        obliquity_source = f"asis_line_vs_horizontal;{raised_side or side}_up_positive"
    if not cols:
        raise AnalysisError(
            "no kinematic input: give knee_flexion_deg, knee_fppa_angle_deg, "
            "pelvic_obliquity_angle_deg, or hip/knee/ankle markers, and/or left_asis/right_asis"
        )
    n = len(next(iter(cols.values())))
    bad = {k: len(v) for k, v in cols.items() if len(v) != n}
    if bad:
        raise AnalysisError(f"kinematic inputs differ in length: {bad} vs {n} samples")
    series = pd.DataFrame(cols, index=pd.Index(np.arange(n) / fs, name="time_s"))
    m: dict[str, Metric] = {}
    for phase, sl in _phase_slices(phases, n, fs).items():
        prefix = "" if phase == "trial" else f"{phase}_"
        seg = series.iloc[sl]
        if "knee_flexion_deg" in seg:
            ktag = f"{source};{tag}"
            m[f"{prefix}peak_knee_flexion_deg"] = Metric(float(seg.knee_flexion_deg.max()), "deg", ktag)
            m[f"{prefix}mean_knee_flexion_deg"] = Metric(float(seg.knee_flexion_deg.mean()), "deg", ktag)
            m[f"{prefix}knee_flexion_range_deg"] = Metric(float(np.ptp(seg.knee_flexion_deg)), "deg", ktag)
            m[f"{prefix}peak_knee_extension_velocity_deg_s"] = Metric(
                float(seg.knee_extension_velocity_deg_s.max()), "deg/s", f"{ktag};central_difference;extension_positive"
            )
            m[f"{prefix}peak_knee_flexion_velocity_deg_s"] = Metric(
                float(-seg.knee_extension_velocity_deg_s.min()), "deg/s", f"{ktag};central_difference;flexion_positive"
            )
        if "knee_fppa_deg" in seg:
            ftag = f"{fppa_source};{tag}"
            m[f"{prefix}peak_knee_fppa_deg"] = Metric(float(seg.knee_fppa_deg.max()), "deg", ftag)
            m[f"{prefix}mean_knee_fppa_deg"] = Metric(float(seg.knee_fppa_deg.mean()), "deg", ftag)
            if "knee_flexion_deg" in seg:  # clinical FPPA: at the deepest point (peak knee flexion), signed
                at = int(np.argmax(seg.knee_flexion_deg.to_numpy()))
                m[f"{prefix}knee_fppa_at_peak_flexion_deg"] = Metric(
                    float(seg.knee_fppa_deg.iloc[at]), "deg", f"{ftag};at_peak_knee_flexion"
                )
        if "pelvic_obliquity_deg" in seg:
            otag = f"{obliquity_source};{tag}"
            m[f"{prefix}peak_pelvic_obliquity_deg"] = Metric(float(seg.pelvic_obliquity_deg.max()), "deg", otag)
            m[f"{prefix}mean_pelvic_obliquity_deg"] = Metric(float(seg.pelvic_obliquity_deg.mean()), "deg", otag)
    return KinematicsResult(fs, m, series)


#: Recognised channel names (lower case, side suffix ``_r``/``_l``/``_right``/``_left`` allowed) per angle,
#: used when study.yaml gives no ``roles:`` for a channel. ``pelvis_list`` is OpenSim's pelvic obliquity
#: coordinate (gait2392/Rajagopal models); the others are the suite's, the simulator's and common vendor names.
ANGLE_CHANNEL_NAMES: dict[str, tuple[str, ...]] = {
    "knee_flexion": ("knee_flexion", "knee_flex", "knee_angle", "knee_flexion_angle"),
    "knee_fppa": ("knee_fppa", "fppa", "knee_valgus", "knee_valgus_angle", "knee_frontal_plane_projection_angle"),
    "pelvic_obliquity": ("pelvic_obliquity", "pelvis_obliquity", "pelvis_list", "hip_hike", "hip_hiking"),
}
_SIDE_SUFFIXES = ("_right", "_left", "_r", "_l")


def _angle_of(name: str) -> str | None:
    """The angle a channel or role name stands for (``knee_fppa_right`` -> ``knee_fppa``), or None."""
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    for suffix in _SIDE_SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)]:
            stripped = key[: -len(suffix)]
            break
    else:
        stripped = key
    for angle, names in ANGLE_CHANNEL_NAMES.items():
        if key in names or stripped in names:
            return angle
    return None


def angle_channels(recording: Recording, roles: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{angle: channel}`` for the ``angle`` channels of a recording: knee_flexion, knee_fppa, pelvic_obliquity.

    A channel's role in ``roles`` (study.yaml ``roles:``, channel name -> role such as ``knee_fppa_right``)
    wins over its name; each angle takes the first matching channel in file order. Raises AnalysisError
    when two channels claim the same angle through their roles (say which one in study.yaml).
    """
    roles = dict(roles or {})
    by_role: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for name, kind in zip(recording.channel_names, recording.channel_kinds):
        if kind != "angle":
            continue
        if name in roles:
            angle = _angle_of(roles[name])
            if angle is not None:
                by_role.setdefault(angle, []).append(name)
            continue  # a channel with another role is not guessed from its name
        angle = _angle_of(name)
        if angle is not None:
            by_name.setdefault(angle, []).append(name)
    clash = {a: c for a, c in by_role.items() if len(c) > 1}
    if clash:
        raise AnalysisError(
            f"{recording.source}: several channels have the same angle role {clash}; "
            "give one channel per angle in study.yaml roles: (e.g. knee_fppa_right)"
        )
    out = {a: c[0] for a, c in by_name.items()}
    out.update({a: c[0] for a, c in by_role.items()})
    return out


def _trimmed(recording: Recording, channel: str) -> tuple[np.ndarray, int, int]:
    x = recording.channel(channel)
    finite = np.flatnonzero(np.isfinite(x))
    if finite.size == 0:
        raise AnalysisError(f"{recording.source}: channel {channel!r} has no finite samples")
    return x, int(finite[0]), int(finite[-1]) + 1


def trial_kinematics_from_recording(
    recording: Recording,
    knee_channel: str | None = None,
    *,
    fppa_channel: str | None = None,
    obliquity_channel: str | None = None,
    roles: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> KinematicsResult:
    """Knee flexion, knee FPPA and pelvic obliquity metrics from the angle channels of a Recording.

    Channels: the explicit ``knee_channel`` / ``fppa_channel`` / ``obliquity_channel``, else those that
    :func:`angle_channels` finds by ``roles`` or name; a recording with a single unrecognised angle channel
    is taken as knee flexion (goniometer exports). Leading/trailing samples where a used channel is NaN
    (files that end with rows lacking a channel) are trimmed; NaN gaps inside the trial raise AnalysisError.
    """
    found = angle_channels(recording, roles)
    chosen = {
        "knee_flexion": knee_channel or found.get("knee_flexion"),
        "knee_fppa": fppa_channel or found.get("knee_fppa"),
        "pelvic_obliquity": obliquity_channel or found.get("pelvic_obliquity"),
    }
    if not any(chosen.values()):
        angles = [n for n, k in zip(recording.channel_names, recording.channel_kinds) if k == "angle"]
        if len(angles) != 1:
            raise AnalysisError(
                f"{recording.source}: cannot tell which angle channel is which among {angles}; "
                "name them in study.yaml roles: (knee_flexion, knee_fppa, pelvic_obliquity) "
                "or pass knee_channel= explicitly"
            )
        chosen["knee_flexion"] = angles[0]
    used = {a: c for a, c in chosen.items() if c}
    spans = {c: _trimmed(recording, c) for c in used.values()}
    start = max(a for _, a, _ in spans.values())
    stop = min(b for _, _, b in spans.values())
    if stop <= start:
        raise AnalysisError(f"{recording.source}: channels {sorted(spans)} have no samples in common")
    arrays = {}
    for angle, channel in used.items():
        x = spans[channel][0][start:stop]
        if not np.all(np.isfinite(x)):
            raise AnalysisError(f"{recording.source}: channel {channel!r} has gaps inside the trial; fill them first")
        arrays[angle] = x
    return trial_kinematics(
        recording.sampling_rate_hz,
        knee_flexion_deg=arrays.get("knee_flexion"),
        knee_fppa_angle_deg=arrays.get("knee_fppa"),
        pelvic_obliquity_angle_deg=arrays.get("pelvic_obliquity"),
        **kwargs,
    )
