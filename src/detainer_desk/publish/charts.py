"""Charts rendered on the server to SVG (matplotlib), from published numbers only.

A withheld count is never drawn: its bar is absent and its label says "<5" or "suppressed".
"""

from __future__ import annotations

import io
from html import escape

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from detainer_desk.publish.suppression import TOTAL, Suppressed

plt.rcParams["svg.hashsalt"] = "detainer-desk"  # stable ids: the same report, the same bytes
plt.rcParams["svg.fonttype"] = "none"

# Okabe-Ito: distinguishable with colour-vision deficiency; markers and dashes differ as well.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
DASHES = ("-", "--", "-.", ":", "-", "--", "-.")
MAX_SERIES = 6


def series_chart_svg(s: Suppressed, by: str, periods: list[str]) -> str:
    """One line per category across the periods (the largest few), each point a published count.

    A withheld cell is not drawn: the line breaks there and the point is labelled "<5" or
    "suppressed" on the axis. The total of each period is the dark line, when published.
    """
    table = s.table
    xs = list(range(len(periods)))

    def shown(period: str, category: str) -> int | None:  # a period without records is a zero
        return s.shown((period, category)) if period in table.rows else 0

    def display(period: str, category: str) -> str:
        return s.display((period, category)) if period in table.rows else "0"

    ranked = sorted(table.cols, key=lambda c: -(s.shown((TOTAL, c)) or 0))[:MAX_SERIES]
    shown_cols = [c for c in table.cols if c in ranked]
    entries = len(shown_cols) + (len(shown_cols) > 1)
    fig, ax = plt.subplots(figsize=(8.5, 3.4 + 0.22 * ((entries + 1) // 2)))
    for i, category in enumerate(shown_cols):
        values = [shown(p, category) for p in periods]
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(
            xs,
            ys,
            color=PALETTE[i % len(PALETTE)],
            marker=MARKERS[i % len(MARKERS)],
            linestyle=DASHES[i % len(DASHES)],
            label=category[:48],
        )
        for x, value, period in zip(xs, values, periods, strict=True):
            if value is None:
                ax.annotate(
                    display(period, category),
                    (x, 0),
                    xytext=(0, 4 + 9 * i),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                    color=PALETTE[i % len(PALETTE)],
                )
    totals = [shown(p, TOTAL) for p in periods]
    if len(shown_cols) > 1:
        ys = [float("nan") if v is None else v for v in totals]
        ax.plot(xs, ys, color="#333333", linewidth=2.2, marker="o", label="all")
    ax.set_xticks(xs, periods, fontsize=9)
    ax.set_xlim(-0.5, len(periods) - 0.5)
    peak = max((shown(p, c) or 0 for p in periods for c in [*shown_cols, TOTAL]), default=0)
    ax.set_ylim(0, max(5, peak) * 1.1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(by)
    ax.set_ylabel(table.unit)
    more = len(table.cols) - len(shown_cols)
    title = f"{table.title}, by {by}" + (
        f" (largest {len(shown_cols)}; {more} more in the table)" if more else ""
    )
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.2), ncols=2, frameon=False)
    return finished_svg(fig, ax, title)


def bar_chart_svg(s: Suppressed, title: str | None = None, categories: tuple[str, ...] = ()) -> str:
    """Horizontal bars: each category's total over the whole report period, in column order.

    `categories` lists every bucket of a distribution, so an empty bucket shows as 0.
    """
    table = s.table
    categories = categories or tuple(table.cols)
    values = [s.shown((TOTAL, c)) if c in table.cols else 0 for c in categories]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(categories) + 1.1))
    positions = range(len(categories))
    ax.barh(list(positions), [v or 0 for v in values], color="#1f3a5f")
    for y, (value, category) in enumerate(zip(values, categories, strict=True)):
        label = str(value) if value is not None else s.display((TOTAL, category))
        label = label if category in table.cols else "0"
        ax.text((value or 0), y, f" {label}", va="center", fontsize=9)
    ax.set_yticks(list(positions), [c[:60] for c in categories], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(5, *(v or 0 for v in values)) * 1.12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(table.unit)
    ax.set_title(title or table.title, fontsize=10, loc="left")
    return finished_svg(fig, ax, title or table.title)


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
    label = escape(title, quote=True)
    return svg[start:].replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
