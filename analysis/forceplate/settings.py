"""Force-plate settings: thresholds and windows (study.yaml ``processing.forceplate``) and named presets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.errors import AnalysisError
from analysis.settings import checked_settings

__all__ = ["ForcePlateSettings", "EventSettings"]


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
    # metrics-and-reliability.md §1.2: weigh the quiet stance just before the movement ("last"), not the first
    # one in the file ("first", the behaviour before issue 15)
    jump_weighing_anchor: str = "last"
    # warn when |JH_impulse - JH_flight| exceeds this: the expected gap is ~1.7 cm (Baumgart 2017, landing
    # posture) and +-10 ms of flight-threshold error adds ~1.2 cm (dJH/dtf = g*tf/4); a larger gap means a
    # body-weight or onset error (1 % BW over 1 s of integration moves a 0.3-m jump by ~2.5 cm)
    jump_height_disagreement_max_m: float = 0.03
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
        if settings.jump_weighing_anchor not in ("first", "last"):
            raise AnalysisError(
                f"jump_weighing_anchor must be 'first' or 'last', got {settings.jump_weighing_anchor!r}"
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
