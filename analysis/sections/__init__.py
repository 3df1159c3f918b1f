"""Report sections: one function per section of a notebook, computing with :mod:`analysis.models` (and the
domain modules), drawing with :mod:`analysis.plots`, returning a :class:`Section` the notebook displays.

One module per report: :mod:`~analysis.sections.forceplate` (03), :mod:`~analysis.sections.kinematics` (04),
:mod:`~analysis.sections.injury` (05); :mod:`~analysis.sections.verdicts` is the verdict section they share.
"""

from analysis.sections.section import Section, quote_html

__all__ = ["Section", "quote_html"]
