"""Report sections: one function per section of a notebook, computing with :mod:`analysis.models` (and the
domain modules), drawing with :mod:`analysis.plots`, returning a :class:`Section` the notebook displays.

One module per report: :mod:`~analysis.sections.forceplate` (03), :mod:`~analysis.sections.kinematics` (04),
:mod:`~analysis.sections.injury` (05), :mod:`~analysis.sections.power` (06); :mod:`~analysis.sections.verdicts` is the verdict section they share.
Statistics sections shared by reports 01-03 (issue 17): :mod:`~analysis.sections.curves` (where in the movement:
SPM of the curves table, C1/C5/C6 notes), :mod:`~analysis.sections.effect_sizes` (paired effect sizes with CIs),
:mod:`~analysis.sections.reliability` (trial-to-trial reliability).
"""

from analysis.sections.section import Section, quote_html

__all__ = ["Section", "quote_html"]
