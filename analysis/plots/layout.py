"""Figure layout rules every plot module shares: legends never cover data (issue 18: legends sat on the curves)."""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes

__all__ = ["legend_outside"]


def legend_outside(ax: Axes, **options: Any) -> Any:
    """The axes' legend to the right of the plot area, top-aligned; ``fig.tight_layout()`` (or the inline
    backend's tight bounding box) makes room for it. Returns the Legend, or None when nothing is labelled."""
    handles, labels = ax.get_legend_handles_labels()
    if not labels:
        return None
    options.setdefault("fontsize", "small")
    return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **options)
