"""One chart comparing policies: bed-days attributable to ICE holds, and how many were held."""

from __future__ import annotations

import matplotlib.pyplot as plt

from detainer_desk.publish.charts import finished_svg
from detainer_desk.replay.replay import PolicyResult


def comparison_svg(title: str, results: list[PolicyResult]) -> str:
    labels = [r.policy for r in results]
    days = [r.bed_days for r in results]
    fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(results) + 1.4))
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
    ax.set_xlabel("bed-days past the last local charge attributable to ICE holds")
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlim(0, max([*days, 1]) * 1.6)
    return finished_svg(fig, ax, title)
