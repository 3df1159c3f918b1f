"""Jump metric definitions, written once: unit, phase, method token, definition and source of every metric
:func:`analysis.forceplate.analyse_jump` emits, and the tidy table the reports show.

The ``method`` of every emitted :class:`~analysis.metric_rows.Metric` starts with its definition's ``method``
token (tests check this), followed by the parameters that produced the value (thresholds, onset rule, how body
weight was obtained). Phases follow McMahon, Suchomel, Lake & Comfort 2018 (Strength Cond J 40(4):96–106):
weighing, unweighting, braking (peak negative CoM velocity → v = 0), propulsion (v = 0 → take-off), flight,
landing. Sources are summarised in docs/design/metrics-and-reliability.md §1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

__all__ = ["MetricDefinition", "JUMP_METRIC_DEFINITIONS", "DEFINITION_COLUMNS", "definition", "metric_definitions"]

DEFINITION_COLUMNS = ("metric", "unit", "phase", "method", "definition", "source")

_MCMAHON = "McMahon et al. 2018, Strength Cond J 40(4):96"
_IMPULSE = "Linthorne 2001, Am J Phys 69:1198; Moir 2008, Meas Phys Educ Exerc Sci 12:207"
_POWER = "PMC10224001 Table 1 (peak/mean propulsive power); metrics-and-reliability.md §1.4"
_RFD_PHASE = "McMahon et al. 2018 phases; jumpmetrics compute_rfd('average') between events (§1.6)"
_RFD_STATIC = "Maffiuletti et al. 2016, Eur J Appl Physiol 116:1091; Aagaard 2002"


@dataclass(frozen=True)
class MetricDefinition:
    """One metric's definition: ``name`` may hold ``{w}`` / ``{phase}`` / ``{side}`` placeholders."""

    name: str
    unit: str
    phase: str
    method: str
    definition: str
    source: str

    def pattern(self) -> re.Pattern[str]:
        regex = re.escape(self.name)
        for placeholder in ("w", "phase", "side", "what"):
            regex = regex.replace(re.escape("{" + placeholder + "}"), r"[A-Za-z0-9_.]+?")
        return re.compile(regex)


def _d(name: str, unit: str, phase: str, method: str, text: str, source: str) -> MetricDefinition:
    return MetricDefinition(name, unit, phase, method, text, source)


JUMP_METRIC_DEFINITIONS: tuple[MetricDefinition, ...] = (
    _d("body_weight_n", "N", "weighing", "bw=", "mean force of the last quiet 1-s (else 0.5-s) window before the movement "
       "(or after the last landing for drop jumps), or supplied", "Owen et al. 2014, JSCR 28(6):1552"),
    _d("flight_time_s", "s", "flight", "flight_time", "take-off (F < threshold) to landing (F >= threshold)", _MCMAHON),
    _d("jump_height_flight_m", "m", "flight", "flight_time:g*tf^2/8", "g·t_f²/8 (CoM at the same height at take-off "
       "and touch-down)", "Moir 2008; Baumgart 2017"),
    _d("contact_time_s", "s", "braking+propulsion", "contact_to_takeoff", "drop jump: first contact to take-off",
       "PMC10224001 Table 1"),
    _d("rsi_m_per_s", "m/s", "braking+propulsion", "jump_height_flight/contact_time", "drop-jump reactive strength "
       "index: flight-time jump height / ground-contact time", "PMC10224001 Table 1"),
    _d("flight_contact_ratio", "1", "braking+propulsion", "flight_time/contact_time", "drop jump: flight time / "
       "contact time", "PMC10224001 Table 1"),
    _d("takeoff_velocity_m_s", "m/s", "propulsion", "impulse_momentum", "v_to = net impulse (F − BW) from the onset "
       "(v = 0) or drop-jump contact to take-off / body mass, trapezoid rule", _IMPULSE),
    _d("jump_height_impulse_m", "m", "propulsion", "impulse_momentum", "v_to²/(2g): rise of the CoM after take-off",
       _IMPULSE),
    _d("takeoff_momentum_kg_m_s", "kg*m/s", "propulsion", "impulse_momentum", "body mass × v_to", _IMPULSE),
    _d("{phase}_duration_s", "s", "{phase}", "mcmahon2018", "duration of the phase", _MCMAHON),
    _d("{phase}_net_impulse_n_s", "N*s", "{phase}", "trapezoid(F-BW)", "∫(F − BW) dt over the phase (signed: the "
       "unweighting impulse is negative and equals minus the braking impulse)", _MCMAHON),
    _d("{phase}_mean_force_n", "N", "{phase}", "mcmahon2018", "mean vertical force over the phase", _MCMAHON),
    _d("propulsion_mean_force_bw", "BW", "propulsion", "mean_propulsion/bw", "mean propulsive force / body weight",
       _MCMAHON),
    _d("time_to_takeoff_s", "s", "unweighting..propulsion", "onset_to_takeoff", "movement onset to take-off",
       "Ebben & Petushek 2010; PMC10224001 Table 1"),
    _d("rsi_modified_m_per_s", "m/s", "unweighting..propulsion", "jump_height_impulse/time_to_takeoff",
       "RSI-modified: impulse jump height / time to take-off", "Ebben & Petushek 2010, JSCR 24(8):1983"),
    _d("countermovement_depth_m", "m", "unweighting+braking", "double_integration", "lowest CoM displacement before "
       "take-off, from double integration (signed: negative = below standing height)", "PMC10224001 Table 1"),
    _d("rfd_0_{w}ms_n_per_s", "N/s", "propulsion", "secant_from_onset_0_", "[F(t_on + w) − F(t_on)]/w from the "
       "force-rise onset; only for jumps from a static hold (SJ), never for a countermovement jump, and only for windows "
       "ending before take-off", _RFD_STATIC),
    _d("peak_rfd_n_per_s", "N/s", "unweighting..propulsion", "max_secant_", "steepest secant over the stated window "
       "between onset and take-off", "project choice (20-ms window), §1.6"),
    _d("braking_rfd_n_per_s", "N/s", "braking", "secant_braking_start_to_peak_braking_force", "(peak braking force − F "
       "at the start of braking)/(time between them); braking starts at the peak negative CoM velocity", _RFD_PHASE),
    _d("propulsive_rfd_n_per_s", "N/s", "propulsion", "secant_propulsion_start_to_peak_propulsive_force", "(peak "
       "propulsive force − F at v = 0)/(time between them)", _RFD_PHASE),
    _d("peak_force_n", "N", "unweighting..propulsion", "max_start_to_takeoff", "maximum force from onset to take-off",
       _MCMAHON),
    _d("peak_force_bw", "BW", "unweighting..propulsion", "max_start_to_takeoff/bw", "peak force / body weight",
       _MCMAHON),
    _d("peak_{phase}_force_n", "N", "{phase}", "max_", "maximum force within the phase", _MCMAHON),
    _d("peak_{phase}_force_bw", "BW", "{phase}", "max_", "peak force within the phase / body weight", _MCMAHON),
    _d("peak_propulsive_power_w", "W", "propulsion", "max(F*v)_propulsion", "maximum of P(t) = F(t)·v(t) over "
       "propulsion, v from impulse–momentum", _POWER),
    _d("peak_propulsive_power_w_per_kg", "W/kg", "propulsion", "max(F*v)_propulsion/mass", "peak propulsive power / "
       "body mass (BW/g)", _POWER),
    _d("mean_propulsive_power_w", "W", "propulsion", "mean(F*v)_propulsion", "time average of F·v over propulsion "
       "(= work / duration; not mean F × mean v)", _POWER),
    _d("mean_propulsive_power_w_per_kg", "W/kg", "propulsion", "mean(F*v)_propulsion/mass", "mean propulsive power / "
       "body mass (BW/g)", _POWER),
    _d("landing_loading_rate_n_per_s", "N/s", "landing", "touchdown_to_peak_landing_force", "(peak landing force − F at "
       "touch-down)/(time between them)", "project definition"),
    _d("landing_loading_rate_bw_per_s", "BW/s", "landing", "touchdown_to_peak_landing_force/bw", "landing loading rate "
       "/ body weight", "project definition"),
    _d("asymmetry_{what}_pct", "%", "braking/propulsion/landing", "100*(L-R)/max(L,R)", "left/right asymmetry, "
       "signed (positive = left larger); net impulses against BW/2 per plate", "project definition"),
)  # fmt: skip


def definition(metric: str) -> MetricDefinition:
    """The definition of a metric name (exact names first, then names with placeholders); KeyError if none."""
    for d in JUMP_METRIC_DEFINITIONS:
        if d.name == metric:
            return d
    for d in JUMP_METRIC_DEFINITIONS:
        if "{" in d.name and d.pattern().fullmatch(metric):
            return d
    raise KeyError(f"no definition for metric {metric!r}")


def metric_definitions(metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Tidy table (``DEFINITION_COLUMNS``) of the jump metric definitions.

    With ``metrics`` (e.g. the ``metric`` column of a force table): one row per known name in that order,
    placeholders filled in (``{phase}`` from the name); unknown names are left out. Without: every definition
    with its placeholders.
    """
    if metrics is None:
        rows = [
            [getattr(d, c if c != "metric" else "name") for c in DEFINITION_COLUMNS] for d in JUMP_METRIC_DEFINITIONS
        ]
        return pd.DataFrame(rows, columns=list(DEFINITION_COLUMNS))
    rows = []
    for name in dict.fromkeys(str(m) for m in metrics):
        try:
            d = definition(name)
        except KeyError:
            continue
        phase = d.phase
        if "{phase}" in phase:
            stem = d.name.split("{phase}")
            phase = name[len(stem[0]) : len(name) - len(stem[1])]
        rows.append([name, d.unit, phase, d.method, d.definition, d.source])
    return pd.DataFrame(rows, columns=list(DEFINITION_COLUMNS))
