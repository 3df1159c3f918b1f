"""Reliability sections of reports 01 (EMG metrics) and 03 (jump metrics): how repeatable each metric is between
repeated trials of the same subject, condition and session (trial-to-trial), from the tidy feature tables.

The statistics are :func:`analysis.stats.reliability_table` (ICC forms per Shrout & Fleiss 1979 / McGraw & Wong
1996 with F-based CIs, typical error and CV % per Hopkins 2000, SEM and MDC95 per Weir 2005, SWC = 0.2 x
between-subject SD per Hopkins 2004). The report shows ICC(3,1) (two-way mixed, consistency, single trial: the
trial-to-trial reliability of one measurement, Koo & Li 2016) and ICC(2,1) (two-way random, absolute
agreement: also penalises a systematic change between trials); every form is in the CSV. A study without
repeated trials says so instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.plots.format import format_estimate_interval
from analysis.sections.section import Section

__all__ = [
    "CONDITION_KEYS",
    "JUMP_METRICS",
    "EMG_METRICS",
    "numbered_trials",
    "trial_reliability",
    "session_reliability",
    "reliability_display_table",
    "force_reliability",
    "emg_reliability",
]

#: what makes trials repeats of one another: same subject, session, exercise, load phase and nominal load
CONDITION_KEYS = ("session", "exercise", "load_phase", "load_level")
#: jump metrics of report 03's reliability table (impulse-momentum and flight-time height, force, RFD, RSImod;
#: McMahon et al. 2018's CMJ set)
JUMP_METRICS = (
    "jump_height_impulse_m",
    "jump_height_flight_m",
    "peak_force_bw",
    "peak_propulsive_force_bw",
    "rfd_0_100ms_n_per_s",
    "rsi_modified_m_per_s",
    "time_to_takeoff_s",
    "countermovement_depth_m",
)
#: EMG metrics of report 01's reliability table (the amplitudes the claims use)
EMG_METRICS = ("mean_pct_mvc", "peak_pct_mvc")


def _with_load_level(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the nominal load level (plots.forceplate's rule); "not given" without load columns."""
    from analysis.plots.forceplate import nominal_loads

    if "load_level" in rows.columns:
        return rows
    if {"exercise", "load_phase", "load_lb", "load_pct_bw"} <= set(rows.columns):
        return nominal_loads(rows)
    return rows.assign(load_level="not given")


def numbered_trials(rows: pd.DataFrame, *, keys: Sequence[str]) -> pd.DataFrame:
    """``rows`` with ``trial`` = 1, 2, ... numbering each subject's trials within ``keys`` in trial_id order
    (the study's naming order, e.g. ``-r1``, ``-r2``), and ``load_level`` (nominal load) when absent."""
    if rows.empty:
        return rows.assign(trial=pd.Series(dtype=int))
    d = _with_load_level(rows) if "load_level" in keys else rows
    trial_ids = d[["subject_id", *keys, "trial_id"]].drop_duplicates().sort_values("trial_id")
    trial_ids["trial"] = trial_ids.groupby(["subject_id", *keys], dropna=False).cumcount() + 1
    return d.merge(trial_ids, on=["subject_id", *keys, "trial_id"], how="left")


def trial_reliability(
    rows: pd.DataFrame,
    *,
    value: str = "value",
    metric: str = "metric",
    keys: Sequence[str] = CONDITION_KEYS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Trial-to-trial reliability of every ``metric`` x condition (``keys``) with repeated trials.

    One row per metric x condition, as :func:`analysis.stats.reliability_table` (``reason`` says why a row has
    no statistics). Conditions where no subject repeated a trial are left out (they are not a reliability
    design); when none is left the table is empty.
    """
    from analysis.stats.reliability import reliability_table

    needed = ["subject_id", "trial_id", metric, value, *[k for k in keys if k != "load_level"]]
    missing = [c for c in needed if c not in rows.columns]
    if missing:
        raise AnalysisError(f"trial_reliability: column(s) {missing} not in the table")
    d = rows[np.isfinite(rows[value].to_numpy(dtype=float))]
    if d.empty:
        return pd.DataFrame()
    d = numbered_trials(d, keys=keys)
    repeated = d.groupby([metric, *keys], dropna=False)["trial"].transform("max") >= 2
    d = d[repeated]
    if d.empty:
        return pd.DataFrame()
    d = d.groupby([metric, *keys, "subject_id", "trial"], dropna=False, as_index=False)[value].mean()
    table = reliability_table(d, subject="subject_id", trial="trial", value=value, by=[metric, *keys], alpha=alpha)
    # reading order: exercise, metric, then sessions in the study's order (pre before post), not alphabetical
    order = [c for c in ("exercise", metric, "session") if c in table.columns]
    first_seen = {v: i for i, v in enumerate(pd.unique(rows["session"]))} if "session" in rows.columns else {}
    return table.sort_values(
        order, key=lambda s: s.map(first_seen) if s.name == "session" else s, kind="stable"
    ).reset_index(drop=True)


def session_reliability(
    rows: pd.DataFrame,
    *,
    value: str = "value",
    metric: str = "metric",
    keys: Sequence[str] = ("exercise", "load_phase", "load_level"),
    group: str = "control",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Between-session (test-retest) reliability of every ``metric`` x condition for the subjects of ``group``.

    Only a group without an intervention between its sessions measures reliability (a trained group's change is
    an effect, not error): by default the ``control`` group. Each subject's trials are averaged per session;
    sessions are the repeated measurements in the study's order (first = baseline). ``sessions`` names them.
    Empty when the table has no such group or no condition measured in >= 2 sessions.
    """
    from analysis.stats.reliability import reliability_table

    if rows is None or rows.empty or not {"group", "session", "subject_id", metric, value} <= set(rows.columns):
        return pd.DataFrame()
    d = rows[(rows["group"] == group) & np.isfinite(rows[value].to_numpy(dtype=float))]
    if d.empty:
        return pd.DataFrame()
    d = _with_load_level(d) if "load_level" in keys else d
    keys = [k for k in keys if k in d.columns]  # a user's table may lack a condition column
    order = {name: i for i, name in enumerate(pd.unique(rows["session"]))}  # the study's session order
    per = d.groupby([metric, *keys, "subject_id", "session"], dropna=False, as_index=False)[value].mean()
    per["trial"] = per["session"].map(order)
    n_sessions = per.groupby([metric, *keys], dropna=False)["session"].transform("nunique")
    per = per[n_sessions >= 2]
    if per.empty:
        return pd.DataFrame()
    names = per.groupby([metric, *keys], dropna=False)["session"].agg(
        lambda s: " → ".join(sorted(set(s), key=order.__getitem__))
    )
    table = reliability_table(per, subject="subject_id", trial="trial", value=value, by=[metric, *keys], alpha=alpha)
    table["session"] = [names.get(tuple(k), "") for k in table[[metric, *keys]].itertuples(index=False, name=None)]
    return table.sort_values([c for c in ("exercise", metric) if c in table.columns], kind="stable").reset_index(
        drop=True
    )


def reliability_display_table(table: pd.DataFrame, *, metric: str = "metric") -> pd.DataFrame:
    """The reliability table as a reader scans it: one row per metric x condition with the named ICC forms,
    TE and CV % with 95 % CIs, SEM, MDC95 and SWC in the metric's unit."""
    rows = []
    complete = table[table["reason"].eq("") | table.get("icc_3_1", pd.Series(np.nan, index=table.index)).notna()]
    for r in complete.to_dict("records"):
        rows.append(
            {
                "metric": str(r[metric]).replace("_", " "),
                "exercise": str(r.get("exercise", "")).replace("_", " "),
                "condition": _condition(r),
                "session": r.get("session", ""),
                "subjects": int(r["n_subjects"]),
                "repeats": int(r["n_trials"]),  # trials, or sessions for the between-session table
                "mean": r["mean"],
                "ICC(3,1) consistency [95 % CI]": format_estimate_interval(
                    r["icc_3_1"], r["icc_3_1_ci_low"], r["icc_3_1_ci_high"], 2
                ),
                "ICC(2,1) agreement [95 % CI]": format_estimate_interval(
                    r["icc_2_1"], r["icc_2_1_ci_low"], r["icc_2_1_ci_high"], 2
                ),
                "TE [95 % CI]": format_estimate_interval(
                    r["typical_error"], r["typical_error_ci_low"], r["typical_error_ci_high"], _decimals(r)
                ),
                "CV % [95 % CI]": format_estimate_interval(r["cv_pct"], r["cv_pct_ci_low"], r["cv_pct_ci_high"], 1),
                "SEM": r["sem"],
                "MDC95": r["mdc95"],
                "SWC": r["swc"],
            }
        )
    return pd.DataFrame(rows)


def _condition(row: dict) -> str:
    """ "unloaded", or the nominal load and where it acted ("4 %BW, full range")."""
    phase = str(row.get("load_phase", ""))
    if phase in ("none", ""):
        return str(row.get("load_level", "")) or "unloaded"
    return f"{row.get('load_level', '')}, {phase.replace('_', ' ')}"


def _decimals(row: dict) -> int:
    """Decimals that show 2-3 significant digits of the typical error."""
    te = abs(float(row.get("typical_error", np.nan)))
    return 2 if not np.isfinite(te) or te == 0 else int(max(0, 2 - np.floor(np.log10(te))))


_EXPLAINED = (
    "<p>Trial-to-trial reliability: repeated trials of the same subject, exercise, load and session. "
    "<b>ICC(3,1)</b> = two-way mixed, consistency, single trial; <b>ICC(2,1)</b> = two-way random, absolute "
    "agreement, single trial (Shrout & Fleiss 1979; McGraw & Wong 1996; interpretation per Koo & Li 2016: "
    "&lt; 0.5 poor, 0.5–0.75 moderate, 0.75–0.9 good, &gt; 0.9 excellent, judged on the CI). <b>TE</b> = typical "
    "error (within-subject SD, Hopkins 2000) and <b>CV %</b> the same on the log scale; <b>SEM</b> = √MSE "
    "(Weir 2005), <b>MDC95</b> = 1.96 × √2 × SEM (the smallest change between two trials beyond measurement error), "
    "<b>SWC</b> = 0.2 × between-subject SD (Hopkins 2004). TE, SEM, MDC95 and SWC are in the metric's unit.</p>"
)


def _show(section: Section, table: pd.DataFrame, what: str, out_dir: Path | None, csv_name: str) -> Section:
    from analysis.io import save_table

    section.tables["reliability"] = table
    if table.empty:
        return section.note(
            f"Reliability skipped: no {what} was repeated (each subject has one trial per exercise, load and "
            "session), and reliability needs at least 2 trials or sessions of the same condition per subject."
        )
    section.html(_EXPLAINED)
    shown = reliability_display_table(table)
    if shown.empty:
        section.note(f"No {what} has a complete subjects × trials table (reasons below).")
    else:
        section.table(shown, wrap_em=18, max_rows=60)
    not_computed = table[table["reason"].ne("") & table["icc_3_1"].isna()] if "icc_3_1" in table else table
    if len(not_computed):
        section.html("<p><b>Not computed</b>, and why:</p>")
        keys = [c for c in ("metric", "muscle", "exercise", "load_level", "session") if c in not_computed.columns]
        section.table(not_computed[[*keys, "reason"]], wrap_em=50, max_rows=20)
    if out_dir is not None:
        save_table(table, Path(out_dir) / csv_name)
    return section


def force_reliability(
    force: pd.DataFrame | None, *, metrics: Sequence[str] = JUMP_METRICS, out_dir: Path | None = None
) -> Section:
    """Report 03: trial-to-trial reliability of the jump metrics; CSV ``force_reliability.csv``."""
    section = Section()
    if force is None or force.empty:
        return section.note("Reliability skipped: no force-plate metrics in this study.")
    rows = force[force["metric"].isin(list(metrics))]
    _show(section, trial_reliability(rows), "jump metric", out_dir, "force_reliability.csv")
    sessions = session_reliability(rows)
    section.tables["between_sessions"] = sessions
    if sessions.empty:
        section.note(
            "Between-session reliability skipped: it needs a 'control' group (no intervention between sessions) "
            "measured in at least 2 sessions under the same condition."
        )
        return section
    section.html(
        "<p><b>Between sessions</b> (test–retest, control group only: the trained groups' change between sessions "
        "is the training effect, not measurement error; each subject's trials averaged per session):</p>"
    )
    section.table(reliability_display_table(sessions), wrap_em=18, max_rows=40)
    if out_dir is not None:
        from analysis.io import save_table

        save_table(sessions, Path(out_dir) / "force_reliability_between_sessions.csv")
    return section


def emg_reliability(
    emg: pd.DataFrame | None, *, metrics: Sequence[str] = EMG_METRICS, out_dir: Path | None = None
) -> Section:
    """Report 01: trial-to-trial reliability of each muscle's EMG amplitudes over the movement (the rows the
    claims use); CSV ``emg_reliability.csv``."""
    from analysis.claims.emg_claims import emg_amplitude_rows

    section = Section()
    if emg is None or emg.empty:
        return section.note("Reliability skipped: no EMG features in this study.")
    rows, _ = emg_amplitude_rows(emg)
    present = [m for m in metrics if m in rows.columns]
    keys = ["subject_id", "session", "trial_id", "exercise", "load_phase", "load_lb", "load_pct_bw", "muscle"]
    keys += ["group"] if "group" in rows.columns else []
    per_trial = rows.groupby(keys, as_index=False, dropna=False)[present].mean()  # phase rows -> one per trial
    long = per_trial.melt(id_vars=keys, value_vars=present, var_name="amplitude", value_name="value")
    long["metric"] = long["muscle"].astype(str) + " " + long["amplitude"]
    long = long.drop(columns=["muscle", "amplitude"])
    _show(section, trial_reliability(long), "EMG trial", out_dir, "emg_reliability.csv")
    sessions = session_reliability(long)
    section.tables["between_sessions"] = sessions
    if len(sessions):
        section.html("<p><b>Between sessions</b> (test–retest, control group only):</p>")
        section.table(reliability_display_table(sessions), wrap_em=18, max_rows=40)
    return section
