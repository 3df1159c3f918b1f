"""What one report section shows, in order: HTML, figures and display tables, plus the numbers behind them.

A section function (``analysis.sections.<report>``) computes with the models, draws with the plots and
returns a :class:`Section`; the notebook's cell is that one call, and Jupyter displays the returned object
(:meth:`Section._ipython_display_`). The tables and values stay on the object for the notebook's checks.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analysis.plots.tables import html_table

__all__ = ["Section", "quote_html"]


def quote_html(quote: str) -> str:
    """The article's exact words, as every report shows them."""
    return f"<blockquote><i>“{_html.escape(str(quote))}”</i></blockquote>"


@dataclass
class Section:
    """``parts``: HTML strings and Figures, shown in order; ``tables`` / ``values``: results for checks."""

    parts: list[str | Figure] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def html(self, markup: str) -> Section:
        if markup:
            self.parts.append(markup)
        return self

    def note(self, text: str, *, warning: bool = False) -> Section:
        style = " style='color:#b00'" if warning else ""
        return self.html(f"<p{style}>{_html.escape(text)}</p>")

    def table(self, df: pd.DataFrame, **options: Any) -> Section:
        return self.html(html_table(df, **options))

    def figure(self, fig: Figure) -> Section:
        import matplotlib.pyplot as plt

        plt.close(fig)  # shown once, by the display below, not again by the inline backend at the cell's end
        self.parts.append(fig)
        return self

    def __getitem__(self, name: str) -> Any:
        return self.tables[name] if name in self.tables else self.values[name]

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        for part in self.parts:
            display(HTML(part) if isinstance(part, str) else part)

    def text(self) -> str:
        """A plain-text rendering (outside Jupyter)."""
        return "\n".join(
            re.sub(r"<[^>]+>", "", p) if isinstance(p, str) else f"[figure: {p.get_suptitle() or 'untitled'}]"
            for p in self.parts
        )
