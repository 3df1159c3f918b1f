"""Breakpoint psi per body-mass group (claim C9, notebook 04): the hinge profile of
:mod:`analysis.models.hinge` fitted separately in quantile groups of subject body mass, each with its
likelihood-ratio interval and a subject-cluster bootstrap interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.models.hinge import profile_hinge
from analysis.units import LB_PER_KG

__all__ = ["psi_by_mass_group", "LB_PER_KG"]


def psi_by_mass_group(
    fppa: pd.DataFrame, *, n_groups: int = 3, n_boot: int = 100, seed: int = 0, mass: str = "body_mass_kg"
) -> pd.DataFrame:
    """Breakpoint psi profiled separately in body-mass groups (quantiles of subject mass; tertiles by default),
    with profile and subject-cluster bootstrap intervals (:func:`analysis.models.profile_hinge`)."""
    if mass not in fppa.columns:
        raise AnalysisError(f"FPPA rows have no {mass!r} column: mass groups need body mass per subject")
    if not isinstance(n_groups, (int, np.integer)) or n_groups < 1:
        raise AnalysisError(f"n_groups (body-mass groups) must be a whole number >= 1, got {n_groups!r}")
    per_subject = fppa.groupby("subject_id")[mass].first()
    if per_subject.size < 2 * n_groups:
        raise AnalysisError(f"{per_subject.size} subjects: mass groups need at least {2 * n_groups}")
    labels = pd.qcut(per_subject.rank(method="first"), n_groups, labels=False)
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        ids = labels.index[labels == g]
        d = fppa[fppa["subject_id"].isin(ids)]
        prof = profile_hinge(d, "value", "load_pct_bw", "subject_id", n_boot=n_boot, rng=rng)
        m = per_subject.loc[ids]
        rows.append(
            {
                "mass_group": f"{m.min():.0f}–{m.max():.0f} kg",
                "n_subjects": len(ids),
                "mass_mean_kg": float(m.mean()),
                "mass_mean_lb": float(m.mean() * LB_PER_KG),
                "psi_pct_bw": prof.estimate,
                "profile_low": prof.profile_ci95[0],
                "profile_high": prof.profile_ci95[1],
                "bootstrap_low": prof.bootstrap_ci95[0],
                "bootstrap_high": prof.bootstrap_ci95[1],
                "n_boot": prof.n_boot,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["method"] = f"profile_hinge per body-mass {n_groups}-quantile group, seed {seed}"
    return out
