"""Statistical models used by the claim verdicts and the reports, one file per model family.

Design reference: docs/design/statistics.md (§4 small-sample inference, §5 fitting robustness,
§10 statsmodels pitfalls). Every estimate is returned as an :class:`Estimate` on the analysis scale
(log scale for multiplicative outcomes) with t-based 95 % and 90 % intervals and the method that made it.

* :mod:`analysis.models.estimates`: ``Estimate`` and t-based one/two-sample estimates;
* :mod:`analysis.models.mixed`: MixedLM with fallbacks and the sensitivity fits;
* :mod:`analysis.models.hinge`: hinge (breakpoint) profiles;
* :mod:`analysis.models.breakpoint_bootstrap`: breakpoint per body-mass group (notebook 04);
* :mod:`analysis.models.rate_ratios`: injury rate ratios per group pair and single-team power (notebook 05);
* :mod:`analysis.models.power_curves`: simulated verdict probabilities per claim (notebook 06).

The last two build on :mod:`analysis.power` / :mod:`analysis.claims`, which import this package, so they are
not re-exported here (that would be an import cycle, tests/test_import_graph.py): import them by module.

This file only re-exports (one import line per family) so that adding a family is a one-line change.
"""

__all__ = [
    "Estimate",
    "MixedFit",
    "HingeProfile",
    "DEFAULT_METHOD_LISTS",
    "t_estimate",
    "pct_change",
    "fit_mixedlm_robust",
    "hinge_term",
    "profile_hinge",
    "profile_hinge_mass",
    "two_stage_slopes",
    "per_subject_coefficients",
    "one_sample_t",
    "two_group_t",
    "cluster_robust_ols",
    "fit_ancova",
    "fit_condition_contrast",
    "fit_muscle_protocol",
    "psi_by_mass_group",
    "_fit_once",
    "LOAD_AXES",
    "fit_load_effects",
    "subject_load_means",
]

from analysis.models.breakpoint_bootstrap import psi_by_mass_group
from analysis.models.estimates import Estimate, one_sample_t, pct_change, t_estimate, two_group_t
from analysis.models.hinge import HingeProfile, hinge_term, profile_hinge, profile_hinge_mass
from analysis.models.load_effects import LOAD_AXES, fit_load_effects, subject_load_means
from analysis.models.mixed import (
    DEFAULT_METHOD_LISTS,
    MixedFit,
    _fit_once,
    cluster_robust_ols,
    fit_ancova,
    fit_condition_contrast,
    fit_mixedlm_robust,
    fit_muscle_protocol,
    per_subject_coefficients,
    two_stage_slopes,
)
