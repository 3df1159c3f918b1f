"""Claim registry C1–C9 and the verdict engine (docs/design/statistics.md §2–§3).

A verdict comes from an interval, never from a p-value: "supported", "contradicted", "inconclusive" or
"not testable" (the missing data named; a claim is never dropped). ``direction_consistent`` is separate:
True when the 95 % CI excludes "no effect" on the side the claim predicts, False when it excludes it on
the other side, None otherwise. Compound claims ("A and B") use intersection-union (IUT), without
multiplicity correction; Holm (``method="holm"``) is reported for the parts and across the suite.

Modules: ``verdicts`` (verdict and combination rules), ``tolerances`` (pre-declared tolerances, assumed
effects), ``tables`` (the input bundle ``ClaimTables``, data checks), ``results`` (part / claim results),
``training`` (pre/post ANCOVA designs shared by C2, C4, C7), one module per claim family (``emg_claims``
C1/C5, ``kinematics_claims`` C2/C3/C9, ``eccentric_loading_claim`` C4, ``force_claims`` C6/C7,
``injury_claim`` C8 with ``estimate_c8``), ``registry`` (``CLAIMS`` with the article's quotes), ``evaluate``
(``evaluate_claims``) and ``output`` (the claims table's columns and writer).
"""

from analysis.claims.eccentric_loading_claim import _jps_conditions as _jps_conditions  # read by tests
from analysis.claims.eccentric_loading_claim import analyse_c4
from analysis.claims.emg_claims import (
    C5_PROTOCOLS,
    EMG_AMPLITUDE_PHASES,
    analyse_c1,
    analyse_c5,
    c5_protocol,
    emg_amplitude_rows,
)
from analysis.claims.evaluate import evaluate_claim, evaluate_claims
from analysis.claims.force_claims import analyse_c6, analyse_c7
from analysis.claims.injury_claim import C8_WINDOW, C8_WINDOW_DAYS, MIN_TEAMS_FOR_GEE, analyse_c8, estimate_c8
from analysis.claims.kinematics_claims import analyse_c2, analyse_c3, analyse_c9
from analysis.claims.output import COLUMNS, EXTRA_COLUMNS, write_claims_table
from analysis.claims.registry import CLAIMS, ClaimSpec, article_text
from analysis.claims.results import ClaimResult, PartResult
from analysis.claims.tables import ClaimNotTestable, ClaimTables
from analysis.claims.tolerances import ASSUMED_TRUE, COMPOUND_EXERCISES, DEFAULT_TOLERANCES, SMALL_SAMPLE_SUBJECTS
from analysis.claims.verdicts import (
    VERDICTS,
    combine_iut,
    direction_flag,
    holm,
    verdict_directional,
    verdict_mass_slope,
    verdict_noninferiority,
    verdict_range,
    verdict_threshold,
)
from analysis.errors import AnalysisError as AnalysisError  # tests read claims.AnalysisError (as before the split)

__all__ = [
    "VERDICTS",
    "COLUMNS",
    "EXTRA_COLUMNS",
    "DEFAULT_TOLERANCES",
    "ASSUMED_TRUE",
    "SMALL_SAMPLE_SUBJECTS",
    "COMPOUND_EXERCISES",
    "EMG_AMPLITUDE_PHASES",
    "C5_PROTOCOLS",
    "C8_WINDOW",
    "C8_WINDOW_DAYS",
    "MIN_TEAMS_FOR_GEE",
    "ClaimTables",
    "ClaimSpec",
    "ClaimNotTestable",
    "PartResult",
    "ClaimResult",
    "CLAIMS",
    "verdict_range",
    "verdict_noninferiority",
    "verdict_directional",
    "verdict_threshold",
    "verdict_mass_slope",
    "combine_iut",
    "direction_flag",
    "holm",
    "analyse_c1",
    "analyse_c2",
    "analyse_c3",
    "analyse_c4",
    "analyse_c5",
    "analyse_c6",
    "analyse_c7",
    "analyse_c8",
    "analyse_c9",
    "estimate_c8",
    "evaluate_claim",
    "emg_amplitude_rows",
    "c5_protocol",
    "evaluate_claims",
    "write_claims_table",
    "article_text",
]
