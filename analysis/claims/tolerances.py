"""Pre-declared tolerances, smallest effects of interest and the effects assumed in the claim-true power
scenario (docs/design/statistics.md §2, §3, §11).
"""

from __future__ import annotations

import math

#: Pre-declared tolerances and smallest effects of interest, natural units. All [assumption] unless noted:
#: docs/design/statistics.md §2/§3 (C1 range from the article; 27 % -> [20, 35] %; 19 % -> IRR [1.10, 1.30]; JRF
#: non-inferiority 5 %; SESOI velocity +3 %, hip hike -1°, EUR +3 %, JPS +1°; C9 psi1 0.066 ± 0.022).
DEFAULT_TOLERANCES: dict[str, float | tuple] = {
    "C1_range_pct": (12.0, 18.0),
    "C2_velocity_sesoi_pct": 3.0,
    "C2_hip_hike_sesoi_deg": 1.0,
    "C3_psi_claim_pct_bw": 10.0,
    "C3_psi_floor_pct_bw": 6.0,
    "C3_hinge_sesoi_deg_per_pct_bw": 0.1,  # [assumption] a third of the smallest simulated hinge (0.3, §11)
    "C4_eur_sesoi_pct": 3.0,
    "C4_jps_sesoi_deg": 1.0,
    "C5_sesoi_pct": 5.0,  # [assumption]
    "C6_grf_range_pct": (20.0, 35.0),
    "C6_grf_point_pct": 27.0,
    "C6_jrf_margin_pct": 5.0,
    "C7_rfd_sesoi_pct": 5.0,  # [assumption] below the 12.9 % trial CV of RFD (PMC7039490)
    "C8_irr_range": (1.10, 1.30),
    "C8_irr_point": 1.19,
    "C9_psi1_claim": 0.066,  # (10 - 8.5) %BW / (90.7 - 68.0) kg, from the article's 200/150 lb
    "C9_psi1_equivalence": 0.022,  # (10 - 9)/22.7 to (10 - 8)/22.7: the quote's "8-9 %" gives [0.044, 0.088]
}


#: Effect sizes assumed in the claim-true power scenario, analysis scale [assumption] (docs/design/statistics.md §11).
ASSUMED_TRUE = {
    "C2_velocity_log": math.log(1.06),
    "C2_hip_hike_deg": -2.0,
    "C3_hinge": 0.4,
    "C4_eur_log": math.log(1.06),
    "C4_jps_deg": 2.0,
    "C5_log": math.log(1.15),
    "C7_rfd_log": math.log(1.15),
}


#: "Small sample" for the Gelman–Carlin design analysis of significant results [assumption].
SMALL_SAMPLE_SUBJECTS = 30


COMPOUND_EXERCISES = ("squat", "split_squat", "step_up")
