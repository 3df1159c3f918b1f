"""Statistics for reports and users' own tables: whole-curve SPM, reliability (ICC, TE, CV, SEM, MDC, SWC)
and effect sizes with CIs.

One module per concern: :mod:`~analysis.stats.icc` (six ICC forms, F-based CIs), :mod:`~analysis.stats.reliability`
(typical error, CV %, SEM, MDC95, SWC and ``reliability_table``), :mod:`~analysis.stats.effect_sizes`
(d_s, Hedges' g, d_z, d_av, percent change), :mod:`~analysis.stats.spm` (spm1d wrappers on the curves table;
spm1d is an optional GPL-3.0 extra imported only when an SPM function runs).
"""

from analysis.stats.effect_sizes import (
    EffectSize,
    cohens_dav,
    cohens_ds,
    cohens_dz,
    effect_size_table,
    hedges_correction,
    hedges_g,
    percent_change,
)
from analysis.stats.icc import ICC_FORMS, anova_mean_squares, icc
from analysis.stats.reliability import (
    TypicalError,
    cv_percent,
    minimal_detectable_change_95,
    reliability_table,
    smallest_worthwhile_change,
    standard_error_of_measurement,
    typical_error,
)
from analysis.stats.spm import (
    SpmResult,
    SpmUnavailableError,
    select_curves,
    spm_anova_rm,
    spm_by_channel,
    spm_cluster_table,
    spm_paired,
    spm_regression,
)

__all__ = [
    "EffectSize",
    "ICC_FORMS",
    "SpmResult",
    "SpmUnavailableError",
    "TypicalError",
    "anova_mean_squares",
    "cohens_dav",
    "cohens_ds",
    "cohens_dz",
    "cv_percent",
    "effect_size_table",
    "hedges_correction",
    "hedges_g",
    "icc",
    "minimal_detectable_change_95",
    "percent_change",
    "reliability_table",
    "select_curves",
    "smallest_worthwhile_change",
    "spm_anova_rm",
    "spm_by_channel",
    "spm_cluster_table",
    "spm_paired",
    "spm_regression",
    "standard_error_of_measurement",
    "typical_error",
]
