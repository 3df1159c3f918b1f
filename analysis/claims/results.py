"""What a claim analysis returns: one ``PartResult`` per tested consequence, bundled in a ``ClaimResult``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from analysis.claims.verdicts import holm
from analysis.models import Estimate, pct_change
from analysis.power import PartDesign


@dataclass
class PartResult:
    """One tested consequence of a claim, with its verdict and power design."""

    name: str
    estimate: Estimate | None
    verdict: str
    direction: bool | None
    unit: str
    natural: Callable = pct_change
    design: PartDesign | None = None
    sensitivity: list[Estimate] = field(default_factory=list)
    point: float | None = None  # claimed point on the analysis scale ("27 %", "19 %")
    missing: str | None = None
    assumed_true: float | None = None
    mde_kind: str = "one_sample"
    #: the 95 % confidence set as segments when it is not one interval (an inverted test: C9); ci95 is its hull
    ci95_set: list[tuple[float, float]] | None = None

    def summary(self) -> dict:
        out: dict[str, object] = {
            "part": self.name,
            "verdict": self.verdict,
            "direction_consistent": self.direction,
            "unit": self.unit,
        }
        if self.missing:
            out["missing"] = self.missing
        if self.estimate is not None:
            e = self.estimate
            out.update(
                {
                    "estimate": float(self.natural(e.estimate)),
                    "ci95": [float(self.natural(v)) for v in e.ci95],
                    "ci90": [float(self.natural(v)) for v in e.ci90],
                    "p_value": e.p_value,
                    "method": e.method,
                }
            )
            if self.ci95_set is not None:
                out["ci95_set"] = [[float(self.natural(lo)), float(self.natural(hi))] for lo, hi in self.ci95_set]
            out["sensitivity"] = [
                {
                    "method": s.method,
                    "estimate": float(self.natural(s.estimate)),
                    "ci95": [float(self.natural(v)) for v in s.ci95],
                }
                for s in self.sensitivity
            ]
        return out


@dataclass
class ClaimResult:
    """One claim's analysis: its tested parts, sample sizes, model, fit diagnostics and notes."""

    parts: list[PartResult]
    n_subjects: int
    n_observations: int
    model: str
    diagnostics: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    power_override: dict | None = None  # {"mde": .., "n_needed": .., "note": ..} for non-simulated designs


def _scale(est: Estimate, factor: float, name: str | None = None) -> Estimate:
    """Express an estimate per different unit (e.g. per 10 %BW -> per %BW)."""
    return Estimate(
        name or est.name,
        est.estimate * factor,
        est.se * abs(factor),
        est.df,
        _sorted_pair(est.ci95[0] * factor, est.ci95[1] * factor),
        _sorted_pair(est.ci90[0] * factor, est.ci90[1] * factor),
        est.p_value,
        est.method,
        est.scale,
    )


def _sorted_pair(a: float, b: float) -> tuple[float, float]:
    """An interval's bounds in order (a negative factor swaps them)."""
    return (b, a) if b < a else (a, b)  # as sorted((a, b)): NaN bounds stay where they are


def _identity(v):
    return v


def _holm_note(parts: list[PartResult], notes: list[str]) -> None:
    tested = [(p, p.estimate) for p in parts if p.estimate is not None]
    if len(tested) > 1:
        adj = holm([e.p_value for _, e in tested])
        notes.append(
            "Holm-adjusted p (secondary, vs 0): " + ", ".join(f"{p.name} {a:.3g}" for (p, _), a in zip(tested, adj))
        )
