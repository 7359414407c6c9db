"""Replay charts (SVG): the policies compared, hold lengths per policy, and a monthly series.

Titles are wrapped (never clipped) and every text that goes into an attribute is escaped, so each
chart is well-formed XML (tested by parsing it).
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from detainer_desk.replay.replay import PolicyResult

WIDTH = 72  # characters per title line


def _plt() -> Any:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "detainer-desk"  # the same data, the same bytes
    return plt


def _finish(fig: Figure, ax: Axes, title: str) -> str:
    """Wrap the title, tidy the axes, and return well-formed SVG labelled for screen readers."""
    plt = _plt()
    ax.set_title(textwrap.fill(title, WIDTH), fontsize=10, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg ", f'<svg role="img" aria-label={quoteattr(title)} ', 1)


def comparison_svg(title: str, results: list[PolicyResult]) -> str:
    plt = _plt()
    labels = [r.policy for r in results]
    days = [r.bed_days for r in results]
    fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(results) + 1.6))
    ax.barh(range(len(results)), days, color="#1f3a5f")
    for y, r in enumerate(results):
        ax.text(
            r.bed_days,
            y,
            f" {r.bed_days:,.1f} days, {r.holds_honoured} held"
            + (f", ${r.cost_dollars:,.0f}" if r.cost_dollars is not None else ""),
            va="center",
            fontsize=9,
        )
    ax.set_yticks(range(len(results)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("bed-days held past the last local charge (cost at the source's daily rate)")
    ax.set_xlim(0, max([*days, 1]) * 1.6)
    return _finish(fig, ax, title)


def distribution_svg(title: str, hours: dict[str, list[float]]) -> str:
    """Hours each held booking spent past its last local charge, per policy (box and points)."""
    plt = _plt()
    labels = list(hours)
    fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(labels) + 1.6))
    for y, label in enumerate(labels):
        values = hours[label]
        if values:
            ax.boxplot(
                values, positions=[y], orientation="horizontal", widths=0.5, showfliers=False
            )
            ax.plot(values, [y] * len(values), "|", color="#1f3a5f", alpha=0.5, markersize=8)
        ax.text(0, y + 0.35, f"{len(values)} held", fontsize=8, va="center")
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.invert_yaxis()
    if any(v > 0 for values in hours.values() for v in values):
        ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(left=0)  # hours are never negative
    ax.set_xlabel("hours held past the last local charge, per booking held (symlog scale)")
    return _finish(fig, ax, title)


def monthly_svg(title: str, months: list[str], series: dict[str, list[float]]) -> str:
    """Hold hours per month (of the period field), one line per policy."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    x = range(len(months))
    for label, values in series.items():
        ax.plot(x, values, marker="o", markersize=3, label=label)
    step = max(1, len(months) // 12)
    ax.set_xticks(list(x)[::step], months[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("hours held past the last local charge")
    ax.legend(fontsize=8, frameon=False)
    return _finish(fig, ax, title)
