"""Drawing the monthly series: a hand-written SVG (no plotting library), for the page and --out.

Each month is one bar of the detainers ICE issued, stacked by what ICE recorded: declined by the
jail, booked into ICE detention, lifted (every other reason), none recorded. The colours come with
patterns' stand-ins — a legend in words and the numbers in each bar's title — so the chart is
read without colour too.
"""

from __future__ import annotations

from html import escape

from detainer_desk.practice.report import Row

PARTS = (
    ("declined", "declined by the jail", "#a51d1d"),
    ("booked", "booked into ICE detention", "#1f3a5f"),
    ("lifted", "lifted (other reasons)", "#8a8f98"),
    ("pending", "no outcome recorded", "#d9dde3"),
)
WIDTH, HEIGHT, LEFT, TOP, BOTTOM = 720, 320, 56, 48, 64


def _value(row: Row, part: str) -> int:
    c = row.counts
    return {"declined": c.declined, "booked": c.booked, "lifted": c.lifted_total}.get(
        part, c.pending
    )


def _ticks(top: int) -> list[int]:
    """Round gridline values, at most six, from 0 up to `top`."""
    magnitude = 10 ** (len(str(top)) - 1)
    step = next(s * magnitude for s in (0.1, 0.2, 0.5, 1, 2, 5, 10) if top / (s * magnitude) <= 6)
    return list(range(0, top + 1, max(1, int(step))))


def monthly_svg(months: tuple[Row, ...], title: str) -> str:
    """A stacked bar per month; well-formed SVG with a title, a description and a legend."""
    if not months:
        return ""
    top = max(m.counts.issued for m in months) or 1
    plot_w, plot_h = WIDTH - LEFT - 16, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(months)
    bar = slot * 0.7
    summary = "; ".join(
        f"{m.key}: {m.counts.issued} issued, {m.counts.declined} declined" for m in months
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(summary)}</desc>',
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="700">{escape(title)}</text>',
    ]
    for tick in _ticks(top):
        y = TOP + plot_h - tick / top * plot_h
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 16}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{tick:,}</text>"
        )
    for i, m in enumerate(months):
        x = LEFT + i * slot + (slot - bar) / 2
        y = TOP + plot_h
        for part, label, colour in PARTS:
            n = _value(m, part)
            h = n / top * plot_h
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{m.key}: {n:,} {label}</title></rect>'
            )
        out.append(
            f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 16}" font-size="11" '
            f'text-anchor="middle">{escape(m.key)}</text>'
        )
    x = LEFT
    for _, label, colour in PARTS:
        out.append(
            f'<rect x="{x}" y="{HEIGHT - 22}" width="12" height="12" fill="{colour}" '
            f'stroke="#333"/><text x="{x + 16}" y="{HEIGHT - 12}" font-size="12">{label}</text>'
        )
        x += 18 + 7 * len(label)
    out.append("</svg>")
    return "\n".join(out)
