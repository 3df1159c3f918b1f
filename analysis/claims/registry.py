"""The claim registry C1-C9: the article's exact quotes, estimand, data needed, claim form and the
analysis of each claim; ``article_text`` is the article they are quoted from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis.claims.eccentric_loading_claim import analyse_c4
from analysis.claims.emg_claims import analyse_c1, analyse_c5
from analysis.claims.force_claims import analyse_c6, analyse_c7
from analysis.claims.injury_claim import analyse_c8
from analysis.claims.kinematics_claims import analyse_c2, analyse_c3, analyse_c9
from analysis.claims.results import ClaimResult
from analysis.claims.tables import ClaimTables
from analysis.paths import ARTICLE_PATH


@dataclass(frozen=True)
class ClaimSpec:
    """One claim of the article: its exact quote (fragments), what is estimated, the data it needs, the claim
    form and range, and the analysis that tests it."""

    claim_id: str
    quote_fragments: tuple[str, ...]
    estimand: str
    data_needed: str
    form: str  # range / directional / non-inferiority / threshold / compound
    claimed_range: str
    smallest_effect: str
    analysis: Callable[[ClaimTables, dict, np.random.Generator], ClaimResult]

    @property
    def quote(self) -> str:
        return " […] ".join(self.quote_fragments)


CLAIMS: dict[str, ClaimSpec] = {
    c.claim_id: c
    for c in [
        ClaimSpec(
            "C1",
            (
                "even 3–5 pounds of controlled ankle load during compound movements increases gluteus maximus "
                "and gastrocnemius activation by 12–18%",
            ),
            "per muscle E[EMG | 4 lb]/E[EMG | 0] − 1 within subject, squat/split squat/step-up, all phases",
            "EMG mean_pct_mvc of gluteus_maximus and gastrocnemius_medialis at 0 and 3–5 lb",
            "range (compound over 2 muscles)",
            "[12, 18] % at 4 lb",
            "range edges",
            analyse_c1,
        ),
        ClaimSpec(
            "C2",
            (
                "athletes using 5–8% of bodyweight in ankle resistance show improved knee extension velocity and "
                "reduced compensatory hip hiking",
            ),
            "trained (5–8 %BW) vs control: post-training knee-extension velocity ratio and hip-hiking difference, "
            "adjusted for pre",
            "kinematics peak_knee_extension_velocity_deg_s, peak_pelvic_obliquity_deg; "
            "pre/post sessions; subjects.group with a control group",
            "directional (compound)",
            "velocity > 0, hip hike < 0",
            "velocity +3 %, hip hike −1°",
            analyse_c2,
        ),
        ClaimSpec(
            "C3",
            (
                "Too much weight—say, over 10% of bodyweight—distorts kinematics, forcing the knee into excessive "
                "valgus stress.",
            ),
            "hinge slope change of knee FPPA above 10 %BW (the load zone the quote names; the breakpoint's location is C9)",
            "kinematics knee_fppa_at_peak_flexion_deg (or peak_knee_fppa_deg) at ≥ 4 loads including > 10 %BW",
            "threshold",
            "hinge slope above 10 %BW ≥ 0.1 °/%BW",
            "0.1 ° per %BW",
            analyse_c3,
        ),
        ClaimSpec(
            "C4",
            (
                "loading during eccentric phases enhances stretch-shortening cycle efficiency, while adding weight "
                "mid-range can disrupt proprioceptive feedback, increasing injury risk",
            ),
            "EUR (CMJ/SJ) eccentric-only vs none; knee JPS abs. error mid-range vs none",
            "force jump_height_impulse_m (cmj, sj) by load_phase; measures jps_abs_error_deg by condition",
            "directional (compound)",
            "EUR > 0, JPS error > 0",
            "EUR +3 %, JPS +1°",
            analyse_c4,
        ),
        ClaimSpec(
            "C5",
            (
                "The soleus, often under-trained, responds best to sustained low-load resistance, whereas the "
                "quadriceps thrive on brief, high-intensity bursts",
                "The medial gastrocnemius responds best to sustained low-load resistance, ideal for "
                "endurance-based leg work. The vastus lateralis, however, demands higher, explosive loads",
            ),
            "Δ_m = log response(sustained low) − log response(brief high); Δ_sol > 0, Δ_MG > 0, Δ_VL < 0",
            "EMG of soleus, gastrocnemius_medialis, vastus_lateralis under both protocols",
            "directional (compound)",
            "Δ_sol > 0, Δ_MG > 0, Δ_VL < 0",
            "±5 %",
            analyse_c5,
        ),
        ClaimSpec(
            "C6",
            (
                "targeting this mid-range zone with 4–6 pounds of ankle resistance increased ground-reaction force "
                "transfer by 27% compared to full-range loading—without increasing joint reaction forces",
            ),
            "ρ_GRF = E[GRF | mid]/E[GRF | full] and ρ_JRF at 4–6 lb",
            "force mid_range_mean_force_bw and knee_joint_force_proxy_bw, mid_range and full_range at 4–6 lb",
            "range + non-inferiority (compound)",
            "GRF [20, 35] % (27 %); JRF < +5 %",
            "5 % (JRF margin)",
            analyse_c6,
        ),
        ClaimSpec(
            "C7",
            (
                "Repeated exposure to controlled ankle resistance enhances rate coding—the speed at which motor "
                "units fire—leading to faster force development.",
            ),
            "trained vs control: post-training RFD 0–100 ms ratio adjusted for pre",
            "force rfd_0_100ms_n_per_s pre/post; subjects.group with a control group",
            "directional",
            "RFD > 0",
            "+5 %",
            analyse_c7,
        ),
        ClaimSpec(
            "C8",
            (
                "athletes who added ankle weights too early—before mastering base mechanics—suffered a 19% "
                "increase in knee strain injuries over six months",
            ),
            "IRR of knee injuries per 1000 h, early vs late introduction, 6 months",
            "exposures (hours, group early/late) and injuries (body_region knee)",
            "range (point 19 %)",
            "IRR [1.10, 1.30] (19 %)",
            "IRR range edges",
            analyse_c8,
        ),
        ClaimSpec(
            "C9",
            (
                "a 200-pound powerlifter may tolerate 10% bodyweight load, while a 150-pound strength trainee "
                "should cap at 8–9%",
            ),
            "psi1 in psi(m) = psi0 + psi1·(m − 75 kg), the knee-valgus breakpoint's change per kg body mass",
            "kinematics knee_fppa_at_peak_flexion_deg (or peak_knee_fppa_deg) at loads around and above 10 %BW; body_mass_kg with a spread",
            "threshold (mass-dependent)",
            "psi1 in [0.044, 0.088] %BW/kg (equivalence around 0.066)",
            "±0.022 %BW/kg",
            analyse_c9,
        ),
    ]
}


def article_text() -> str:
    """The article the claims are quoted from (analysis/article.txt)."""
    return ARTICLE_PATH.read_text(encoding="utf-8")
