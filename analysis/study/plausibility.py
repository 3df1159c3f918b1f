"""Values plausible alone but not beside the rest of the study: a body mass far from the other subjects' masses
(robust modified z-score) and, among those, a mass that is a typical mass once read as pounds (lb typed into the
kg column: 149 next to 60-80 kg is 67.6 kg)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.study.problems import _Problems
from analysis.study.schema import load_schema
from analysis.units import KG_PER_LB

#: scales the median absolute deviation to the standard deviation of a normal distribution (Iglewicz & Hoaglin
#: 1993: modified z = 0.6745 (x - median) / MAD)
_MAD_TO_Z = 0.6745


def modified_z_scores(values: np.ndarray, mad_floor: float = 0.0) -> tuple[np.ndarray, float, float]:
    """Iglewicz & Hoaglin's modified z-scores of ``values`` (NaN kept), with the median and the MAD used.

    The MAD is at least ``mad_floor``, so that equal values do not make any small difference infinite."""
    finite = values[np.isfinite(values)]
    median = float(np.median(finite))
    mad = max(float(np.median(np.abs(finite - median))), mad_floor)
    return _MAD_TO_Z * (values - median) / mad, median, mad


def check_body_masses(subjects: pd.DataFrame, problems: _Problems, label: str = "subjects.csv") -> None:
    """Warn about body masses far from the study's others (|modified z| > the schema's limit, 3.5) and say when
    such a mass read as pounds would be an ordinary mass of this study. Needs at least the schema's minimum of
    subjects with a mass (5): with fewer, median and MAD say little."""
    checks = load_schema()["checks"]
    z_max = float(checks["body_mass_modified_z_max"])
    masses = subjects["body_mass_kg"].to_numpy(dtype=float)
    if np.isfinite(masses).sum() < int(checks["body_mass_outlier_min_subjects"]):
        return
    z, median, mad = modified_z_scores(masses, float(checks["body_mass_mad_floor_kg"]))
    as_lb_kg = masses * KG_PER_LB
    z_as_lb = _MAD_TO_Z * (as_lb_kg - median) / mad
    rule = f"median {median:.1f} kg, MAD {mad:.1f} kg: modified z = 0.6745 (mass - median) / MAD = {{z:.1f}}, beyond ±{z_max:g}"
    for r, mass, score, kg_if_lb, score_if_lb in zip(subjects["_row"], masses, z, as_lb_kg, z_as_lb):
        if not np.isfinite(score) or abs(score) <= z_max:
            continue
        why = rule.format(z=score)
        if score > 0 and abs(score_if_lb) <= z_max:
            message = (
                f"body_mass_kg {mass:g} is far from the other subjects ({why}); {mass:g} lb = {kg_if_lb:.1f} kg, "
                "an ordinary mass in this study: was it typed in lb?"
            )
            hint = f"if the scale showed lb, write {kg_if_lb:.1f}; if {mass:g} kg is right, keep it (a warning only)"
        else:
            message = f"body_mass_kg {mass:g} is far from the other subjects ({why})"
            hint = "check the value against the lab sheet (a typo or another unit?); if it is right, keep it"
        problems.warning(label, int(r), "body_mass_kg", message, hint)
