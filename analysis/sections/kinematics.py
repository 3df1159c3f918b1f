"""Sections of report 04 (kinematics and load thresholds: claims C2, C3, C9)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.plots.tables import html_table
from analysis.sections.section import Section, quote_html

__all__ = [
    "KinematicsData",
    "PHYSICS_LOADS_PCT_BW",
    "prepare",
    "threshold",
    "mass_dependence",
    "training",
    "physics",
    "verdicts",
]

#: Per-ankle loads of the physics check (%BW): the article's 5-8 %BW dose, its 10 %BW threshold and the
#: demo design's 12 %BW ceiling (docs/design/statistics.md §9).
PHYSICS_LOADS_PCT_BW = (2, 3, 5, 8, 10, 12)
_C2_METRICS = (
    ("peak_knee_extension_velocity_deg_s", "peak knee-extension velocity (°/s)"),
    ("peak_pelvic_obliquity_deg", "peak pelvic obliquity, hip hiking (°)"),
)


@dataclass
class KinematicsData:
    """What every section of report 04 reads."""

    ctx: Any
    tables: Any  # analysis.claims.ClaimTables
    kinematics: pd.DataFrame | None
    fppa: pd.DataFrame
    out_dir: Path
    intro: Section = field(default_factory=Section)


def prepare(ctx: Any) -> KinematicsData:
    """Feature tables (warnings summarised), the knee FPPA rows, the list of metrics available."""
    from analysis import notebook as nbk
    from analysis.plots import kinematics as kinplots

    features = nbk.feature_tables_quietly(ctx)
    tables = nbk.claim_tables(ctx, features)
    out_dir = ctx.reports_dir / "04_kinematics_and_thresholds"
    out_dir.mkdir(parents=True, exist_ok=True)
    kin = tables.kinematics
    if kin is None:
        fppa = kinplots.metric_rows(None, "")
    else:
        fppa = kinplots.metric_rows(kin, "peak_knee_fppa_deg").dropna(subset=["load_pct_bw"])
    data = KinematicsData(ctx, tables, kin, fppa, out_dir)
    if kin is None:
        data.intro.html(
            "<p style='color:#b00'><b>No kinematics features in this study</b> (no kinematics trials, or "
            "every one failed — see the failures table above): C2, C3 and C9 are not testable and their "
            "figures are skipped. The physics check (section 4) still runs.</p>"
        )
    else:
        counts = kin.groupby("metric").agg(trials=("trial_id", "nunique"), subjects=("subject_id", "nunique"))
        data.intro.html(
            f"<details><summary>Kinematic metrics available ({len(counts)}); click to list</summary>"
            + html_table(counts.reset_index())
            + "</details>"
        )
    return data


def threshold(data: KinematicsData, *, threshold_pct_bw: float, n_boot: int, seed: int) -> Section:
    """C3: FPPA against load with the best hinge, its breakpoint profile and intervals."""
    from analysis.claims import CLAIMS
    from analysis.models import profile_hinge
    from analysis.plots import kinematics as kinplots

    section = Section().html(quote_html(CLAIMS["C3"].quote))
    fppa = data.fppa
    section.values["profile"] = None
    n_levels = fppa["load_pct_bw"].nunique() if len(fppa) else 0
    if n_levels < 4:
        return section.note(f"C3 figure not available: needs knee FPPA at ≥ 4 load levels (found {n_levels}).")
    profile = profile_hinge(fppa, "value", "load_pct_bw", "subject_id", n_boot=n_boot, rng=np.random.default_rng(seed))
    section.values["profile"] = profile
    ci = profile.bootstrap_ci95 if profile.n_boot else profile.profile_ci95
    section.figure(
        kinplots.plot_fppa_dose_response(fppa, psi_hat=profile.estimate, psi_ci=ci, psi_claim=threshold_pct_bw)
    )
    section.figure(kinplots.plot_psi_profile(profile, psi_claim=threshold_pct_bw))
    edge = " — the profile interval reaches the edge of the grid." if profile.at_grid_edge else "."
    section.html(
        f"<p>Breakpoint ψ̂ = <b>{profile.estimate:g} %BW</b>; profile 95 % CI "
        f"{profile.profile_ci95[0]:g} to {profile.profile_ci95[1]:g}, bootstrap 95 % CI "
        f"{profile.bootstrap_ci95[0]:g} to {profile.bootstrap_ci95[1]:g} ({profile.n_boot} resamples){edge}"
        f" Loads tested: {sorted(fppa['load_pct_bw'].round(1).unique())} %BW.</p>"
    )
    return section


def mass_dependence(
    data: KinematicsData, c3: Section, *, threshold_pct_bw: float, n_groups: int, n_boot: int, seed: int
) -> Section:
    """C9: psi(m) = psi0 + psi1 (m - 75 kg) profiled jointly, and psi per body-mass group."""
    from analysis.claims import CLAIMS
    from analysis.errors import AnalysisError
    from analysis.io import save_table
    from analysis.models import profile_hinge_mass, psi_by_mass_group
    from analysis.plots import kinematics as kinplots

    section = Section().html(quote_html(CLAIMS["C9"].quote))
    fppa = data.fppa
    has_mass = (
        len(fppa) > 0
        and "body_mass_kg" in fppa.columns
        and fppa.groupby("subject_id")["body_mass_kg"].first().std() > 0
    )
    if c3.values.get("profile") is None or not has_mass:
        section.note("C9 figures not available: need the C3 breakpoint data and a spread of body masses.")
        return section.figure(kinplots.plot_psi_vs_mass(None))  # the article's psi(m) line alone
    # the claims table's C9 analysis draws its bootstrap first from default_rng([seed, 9]): the same draws on the same
    # rows give the figure the interval the claims table reports (the hull of the 95 % confidence set)
    prof_m, psi0 = profile_hinge_mass(
        fppa, "value", "load_pct_bw", "subject_id", "body_mass_kg", rng=np.random.default_rng([seed, 9])
    )
    psi1_ci = prof_m.profile_ci95
    mass_groups = None
    try:
        mass_groups = psi_by_mass_group(fppa, n_groups=n_groups, n_boot=n_boot, seed=seed)
    except AnalysisError as exc:  # too few subjects for the groups: the joint fit still stands
        section.note(f"Mass-group view not available: {exc}")
    if mass_groups is not None:
        section.tables["mass_groups"] = mass_groups
        section.table(mass_groups)
        save_table(mass_groups, data.out_dir / "psi_by_mass_group.csv")
        section.figure(kinplots.plot_fppa_by_mass_group(fppa, mass_groups, psi_claim=threshold_pct_bw))
    section.figure(kinplots.plot_psi_vs_mass(mass_groups, psi0=psi0, psi1=prof_m.estimate, psi1_ci=psi1_ci))
    return section


def training(data: KinematicsData) -> Section:
    """C2: knee-extension velocity and hip hiking before and after training, by group."""
    from analysis.claims import CLAIMS
    from analysis.plots import kinematics as kinplots

    section = Section().html(quote_html(CLAIMS["C2"].quote))
    for metric, ylabel in _C2_METRICS:
        rows = kinplots.metric_rows(data.kinematics, metric)
        if not (len(rows) and "session" in rows.columns and {"pre", "post"} <= set(rows["session"])):
            section.note(f"{metric}: not available (needs pre and post sessions in the kinematics table).")
            continue
        if "group" not in rows.columns and data.tables.subjects is not None:
            rows = rows.merge(data.tables.subjects[["subject_id", "group"]], on="subject_id", how="left")
        section.figure(kinplots.plot_pre_post_by_group(rows, metric, ylabel=ylabel))
    return section


def physics(data: KinematicsData, *, body_mass_kg: float, height_m: float) -> Section:
    """The physics check: leg inertia and shank + foot mass against per-ankle load."""
    from analysis.io import save_table
    from analysis.plots import kinematics as kinplots

    table = kinplots.ankle_load_physics(list(PHYSICS_LOADS_PCT_BW), body_mass_kg=body_mass_kg, height_m=height_m)
    section = Section(tables={"physics": table}).note(f"{table.attrs['method']}.")
    section.table(table)
    save_table(table, data.out_dir / "ankle_load_physics.csv")
    return section.figure(kinplots.plot_ankle_load_physics(table))


def verdicts(data: KinematicsData, *, seed: int) -> Section:
    """C2, C3 and C9 from the run's shared claims table (the suite's bootstrap resamples)."""
    from analysis.sections.verdicts import claim_verdicts

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MixedLM convergence chatter; fit diagnostics are kept in the table
        return claim_verdicts(
            data.ctx,
            data.tables,
            ["C2", "C3", "C9"],
            data.out_dir / "claims_c2_c3_c9.csv",
            csv_drops=(),
            seed=seed,
            power=False,
        )
