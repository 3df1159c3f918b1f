"""The state of one study while it is generated: the random generator, the parameters, the output folder and
the rows of subjects.csv, trials.csv, measures.csv and truth_trials.csv, with the helpers every generator uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from analysis.simulate.constants import LB_KG


class StudyBuilder:
    """Holds the rng, the tables and the output folder while one study is generated.

    The generators (``emg``, ``forceplate``, ``kinematics``) take the builder as their first argument and draw
    from ``rng`` in the order the cohorts call them: that order fixes the files a seed gives.
    """

    def __init__(self, root: Path, params: dict[str, Any], rng: np.random.Generator, progress: Callable[[int], None]):
        self.root, self.p, self.rng, self.progress = root, params, rng, progress
        self.subjects: list[dict] = []
        self.trials: list[dict] = []
        self.measures: list[dict] = []
        self.truth_rows: list[dict] = []
        self.n_files = 0

    # -- helpers --------------------------------------------------------------------------------
    def trial(self, **row: Any) -> None:
        """Add a trials.csv row (``row`` over the defaults) for a file just written; advances the progress bar."""
        base = {
            "subject_id": "",
            "session": "",
            "trial_id": "",
            "exercise": "",
            "load_per_ankle": 0.0,
            "load_unit": "",
            "load_phase": "none",
            "kind": "",
            "file": "",
            "is_mvc": "false",
            "mvc_muscle": "",
            "notes": "",
            "sampling_rate_hz": "",
            "format": "",
        }
        base.update(row)
        self.trials.append(base)
        self.n_files += 1
        self.progress(1)

    def truth(
        self, trial_id: str, quantity: str, value: float, unit: str, muscle: str = "", definition: str = ""
    ) -> None:
        """Add a truth_trials.csv row: the true ``quantity`` of a trial (and muscle), its unit and definition."""
        self.truth_rows.append(
            {
                "trial_id": trial_id,
                "muscle": muscle,
                "quantity": quantity,
                "value": float(value),
                "unit": unit,
                "definition": definition,
            }
        )

    def new_subjects(self, prefix: str, n: int, group: Callable[[int], str]) -> list[dict]:
        """Draw ``n`` subjects ``<prefix>01``.. (body mass, height, sex, age, training age), add them to subjects.csv."""
        sp = self.p["subjects"]
        rng = self.rng
        mass = np.clip(rng.normal(sp["body_mass_kg"]["mean"], sp["body_mass_kg"]["sd"], n), *sp["body_mass_kg"]["clip"])
        height = (
            sp["height_m"]["mean_at_75kg"]
            + sp["height_m"]["per_kg"] * (mass - 75)
            + rng.normal(0, sp["height_m"]["sd"], n)
        )
        female = rng.random(n) < sp["p_female"]
        age = rng.integers(sp["age_years"]["low"], sp["age_years"]["high"] + 1, n)
        ta = np.clip(
            rng.normal(sp["training_age_years"]["mean"], sp["training_age_years"]["sd"], n),
            *sp["training_age_years"]["clip"],
        )
        ta = np.minimum(ta, age - 10)
        rows = []
        for i in range(n):
            rows.append(
                {
                    "subject_id": f"{prefix}{i + 1:02d}",
                    "body_mass_kg": round(float(mass[i]), 1),
                    "height_m": round(float(np.clip(height[i], 1.5, 2.1)), 2),
                    "sex": "female" if female[i] else "male",
                    "age": int(age[i]),
                    "training_age_years": round(float(ta[i]), 1),
                    "group": group(i),
                }
            )
        self.subjects.extend(rows)
        return rows

    @staticmethod
    def load_cell(load_kg: float, unit: str) -> tuple[float, str, float]:
        """(value written, unit, exact kg the written value stands for)."""
        if load_kg == 0:
            return 0.0, "", 0.0
        if unit == "lb":
            v = round(load_kg / LB_KG, 1)
            return v, "lb", v * LB_KG
        v = round(load_kg, 2)
        return v, "kg", v
