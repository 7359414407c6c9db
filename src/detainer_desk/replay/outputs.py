"""`replay --out DIR`: the summary, one row per booking (Parquet and CSV) and the charts.

The per-booking table lets anyone check the totals: for every booking of the study group, its
id and dates and, per policy, the hold decision, the hours held past the last local charge and
their cost at the source's daily rate (when it gives one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.replay.chart import comparison_svg, distribution_svg, monthly_svg
from detainer_desk.replay.columnar import decide_distinct, per_booking_sql
from detainer_desk.replay.importer import Imported, _lit, _q
from detainer_desk.replay.replay import ACTUAL, PolicyResult, PolicySpec


def per_booking_table(imported: Imported, specs: list[PolicySpec], library: PolicyLibrary) -> None:
    """TEMP TABLE `per_booking`: one row per booking of the study group, columns per policy
    `<policy> hold`, `<policy> hours`, `<policy> cost`, `<policy> notification`."""
    con, mapping = imported.con, imported.mapping
    daily = mapping.published.daily_cost_dollars
    selects, joins = [], []
    for k, spec in enumerate(specs):
        label = spec.label
        if spec.pack == ACTUAL:
            hours = "b.excess_hours"
            selects += [
                "CASE WHEN b.excess_hours > 0 THEN 'held' ELSE 'not held' END "
                f"AS {_q(label + ' hold')}",
                f"{hours} AS {_q(label + ' hours')}",
            ]
        else:
            decided = decide_distinct(con, mapping, spec, library)
            joins.append(
                f"LEFT JOIN ({per_booking_sql(con, decided, mapping, spec, f'_{k}')}) p{k} "
                "USING (booking_id)"
            )
            hours = f"p{k}.hours"
            selects += [
                f"p{k}.hold_effect AS {_q(label + ' hold')}",
                f"{hours} AS {_q(label + ' hours')}",
                f"p{k}.notify_effect AS {_q(label + ' notification')}",
            ]
        if daily is not None:
            selects.append(f"round({hours} / 24 * {daily!r}, 2) AS {_q(label + ' cost')}")
    fields = [
        f"b.{_q(n)}"
        for n in ("booking_id", "booked_at", "released_at", "release_eligible_at")
        if n in mapping.fields
    ]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE per_booking AS
        SELECT {", ".join(fields + selects)}
        FROM (SELECT * FROM bookings WHERE in_group) b {" ".join(joins)}
        ORDER BY b._file, b._row""")


def write_outputs(
    out: Path,
    imported: Imported,
    specs: list[PolicySpec],
    results: list[PolicyResult],
    library: PolicyLibrary,
    payload: dict[str, Any],
    title: str,
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    con = imported.con
    per_booking_table(imported, specs, library)
    written = [out / "replay.json", out / "bookings.parquet", out / "bookings.csv"]
    written[0].write_text(json.dumps(payload, indent=2, allow_nan=False))
    con.execute(f"COPY per_booking TO {_lit(str(written[1]))} (FORMAT PARQUET)")
    con.execute(f"COPY per_booking TO {_lit(str(written[2]))} (HEADER, DELIMITER ',')")
    charts = {
        "replay.svg": comparison_svg(title, results),
        "hold-hours.svg": distribution_svg(
            f"Hours held past the last local charge, per policy — {title}",
            {
                s.label: [
                    float(h)
                    for (h,) in con.execute(
                        f"SELECT {_q(s.label + ' hours')} FROM per_booking "
                        f"WHERE {_q(s.label + ' hours')} > 0"
                    ).fetchall()
                ]
                for s in specs
            },
        ),
    }
    months, series = monthly_series(imported, specs)
    if months:
        charts["monthly.svg"] = monthly_svg(
            f"Hold hours per month ({imported.mapping.period.label}) — {title}", months, series
        )
    for name, svg in charts.items():
        (out / name).write_text(svg)
        written.append(out / name)
    return written


def monthly_series(
    imported: Imported, specs: list[PolicySpec]
) -> tuple[list[str], dict[str, list[float]]]:
    field = imported.mapping.period.field
    if field not in imported.mapping.fields or field not in {
        "booked_at",
        "released_at",
        "release_eligible_at",
    }:
        return [], {}
    sums = ", ".join(f"coalesce(sum({_q(s.label + ' hours')}), 0)" for s in specs)
    rows = imported.con.execute(f"""
        SELECT strftime({_q(field)}, '%Y-%m') AS month, {sums} FROM per_booking
        WHERE {_q(field)} IS NOT NULL GROUP BY 1 ORDER BY 1""").fetchall()
    months = [r[0] for r in rows]
    return months, {s.label: [float(r[k + 1]) for r in rows] for k, s in enumerate(specs)}
