"""Charts rendered on the server to SVG (matplotlib), from published numbers only.

A withheld count is never drawn: its bar is absent and its label says "<5" or "suppressed".
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from detainer_desk.publish.suppression import TOTAL, Suppressed

plt.rcParams["svg.hashsalt"] = "detainer-desk"  # stable ids: the same report, the same bytes
plt.rcParams["svg.fonttype"] = "none"


def bar_chart_svg(s: Suppressed) -> str:
    """Horizontal bars: each category's total over the whole report period."""
    table = s.table
    categories = list(table.cols)
    values = [s.shown((TOTAL, c)) for c in categories]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(categories) + 1.1))
    positions = range(len(categories))
    ax.barh(list(positions), [v or 0 for v in values], color="#1f3a5f")
    for y, (value, category) in enumerate(zip(values, categories, strict=True)):
        label = str(value) if value is not None else s.display((TOTAL, category))
        ax.text((value or 0), y, f" {label}", va="center", fontsize=9)
    ax.set_yticks(list(positions), [c[:60] for c in categories], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(table.unit)
    ax.set_title(table.title, fontsize=10, loc="left")
    return finished_svg(fig, ax, table.title)


def finished_svg(fig: Figure, ax: Axes, title: str) -> str:
    """Tidy the axes and return the figure as inline SVG, labelled for screen readers."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    start = svg.index("<svg")
    return svg[start:].replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)
