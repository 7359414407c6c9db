"""The source study's figures, computed in DuckDB over the loaded bookings, each labelled with
what it measures. A figure is computed only when the mapping declares what it needs (a field, a
published rate or mean, a charges file); `study_figures()` in replay.py is the same arithmetic
row by row, and tests pin both to the published values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from detainer_desk.replay.importer import Imported, _lit, read_csv_sql, read_header

if TYPE_CHECKING:
    from detainer_desk.replay.replay import PolicyResult


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # what it measures, in words
    value: float | int | None
    unit: str  # bookings, days, hours, dollars, %, charge rows

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ALL_ROWS = {"bookings", "bookings_with_hold", "released_to_ice_all_holds"}  # the rest: the group


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(_lit(v) for v in values) or "NULL"


def study_figures_sql(imported: Imported) -> list[Figure]:
    """Every figure the source published that this mapping's data can give."""
    mapping, con = imported.mapping, imported.con
    fields, pub = mapping.fields, mapping.published
    to_ice = f"hold_release_disposition IN ({_in(mapping.released_to_immigration)})"
    parts: list[tuple[str, str, str, str]] = [
        ("bookings", "count(*)", "bookings imported", "bookings"),
        (
            "bookings_with_hold",
            "count(*) FILTER (WHERE has_immigration_hold)",
            "bookings with an ICE hold",
            "bookings",
        ),
        (
            "detainer_group",
            "count(*) FILTER (WHERE in_group)",
            "the study's detainer group: ICE hold and in its analysis set",
            "bookings",
        ),
    ]
    if "days_in_jail" in fields:
        parts += [
            (
                "mean_days",
                "avg(days_in_jail) FILTER (WHERE in_group)",
                "detainer group: mean days in jail",
                "days",
            ),
            (
                "median_days",
                "median(days_in_jail) FILTER (WHERE in_group)",
                "detainer group: median days in jail",
                "days",
            ),
            (
                "max_days",
                "max(days_in_jail) FILTER (WHERE in_group)",
                "detainer group: longest stay",
                "days",
            ),
        ]
    if "max_seriousness" in fields and pub.felony_from_seriousness is not None:
        felony = f"in_group AND max_seriousness >= {pub.felony_from_seriousness}"
        parts += [
            (
                "felony_n",
                f"count(*) FILTER (WHERE {felony})",
                "detainer group, most serious charge a felony",
                "bookings",
            ),
            (
                "felony_mean_days",
                f"avg(days_in_jail) FILTER (WHERE {felony})",
                "felony: mean days in jail",
                "days",
            ),
        ]
    if "max_seriousness" in fields and pub.misdemeanor_seriousness is not None:
        low, high = pub.misdemeanor_seriousness
        misd = f"in_group AND max_seriousness BETWEEN {low} AND {high}"
        parts += [
            (
                "misdemeanor_n",
                f"count(*) FILTER (WHERE {misd})",
                "detainer group, most serious charge a misdemeanour",
                "bookings",
            ),
            (
                "misdemeanor_mean_days",
                f"avg(days_in_jail) FILTER (WHERE {misd})",
                "misdemeanour: mean days in jail",
                "days",
            ),
        ]
    longer = "in_group AND excess_hours > 0"
    parts += [
        (
            "held_longer_n",
            f"count(*) FILTER (WHERE {longer})",
            "held longer on the ICE hold than on any other charge",
            "bookings",
        ),
        (
            "held_longer_hours",
            f"coalesce(sum(excess_hours) FILTER (WHERE {longer}), 0)",
            "hours held on the ICE hold past the last other charge, in all",
            "hours",
        ),
        (
            "held_longer_median_hours",
            f"median(excess_hours) FILTER (WHERE {longer})",
            "median hours held past the last other charge, of those held longer",
            "hours",
        ),
    ]
    if "days_in_jail" in fields and pub.no_hold_mean_days is not None:
        excess = (
            "sum(days_in_jail) FILTER (WHERE in_group) "
            f"- count(days_in_jail) FILTER (WHERE in_group) * {pub.no_hold_mean_days!r}"
        )
        parts.append(
            (
                "excess_days_vs_no_hold_mean",
                excess,
                f"extra jail days: the group's days minus its size × the published no-hold "
                f"mean ({pub.no_hold_mean_days:.2f} days)",
                "days",
            )
        )
        if pub.daily_cost_dollars is not None:
            parts.append(
                (
                    "excess_cost_dollars",
                    f"({excess}) * {pub.daily_cost_dollars!r}",
                    f"the study's extra cost: extra jail days × ${pub.daily_cost_dollars:g} a day",
                    "dollars",
                )
            )
    if "paid_bail" in fields:
        parts += [
            (
                "paid_bail_n",
                "count(*) FILTER (WHERE in_group AND paid_bail)",
                "detainer group: paid bail",
                "bookings",
            ),
            (
                "paid_bail_pct",
                "100.0 * count(*) FILTER (WHERE in_group AND paid_bail) "
                "/ nullif(count(*) FILTER (WHERE in_group), 0)",
                "detainer group: share that paid bail",
                "%",
            ),
        ]
    if "hold_release_disposition" in fields:
        parts += [
            (
                "released_to_ice_group",
                f"count(*) FILTER (WHERE in_group AND {to_ice})",
                "detainer group: released to ICE",
                "bookings",
            ),
            (
                "released_to_ice_all_holds",
                f"count(*) FILTER (WHERE has_immigration_hold AND {to_ice})",
                "every booking with an ICE hold: released to ICE",
                "bookings",
            ),
        ]
        if "days_in_jail" in fields:
            parts += [
                (
                    "released_to_ice_mean_days",
                    f"avg(days_in_jail) FILTER (WHERE in_group AND {to_ice})",
                    "released to ICE: mean days in jail",
                    "days",
                ),
                (
                    "released_to_ice_median_days",
                    f"median(days_in_jail) FILTER (WHERE in_group AND {to_ice})",
                    "released to ICE: median days in jail",
                    "days",
                ),
            ]
    from detainer_desk.replay.columnar import study_table

    every = [p for p in parts if p[0] in ALL_ROWS]
    group = [p for p in parts if p[0] not in ALL_ROWS]
    values = dict(
        zip(
            [p[0] for p in every + group],
            con.execute(f"SELECT {', '.join(p[1] for p in every)} FROM bookings").fetchall()[0]
            + con.execute(
                f"SELECT {', '.join(p[1] for p in group)} FROM {study_table(con)}"
            ).fetchall()[0],
            strict=True,
        )
    )
    figures = [Figure(key, label, _number(values[key]), unit) for key, _, label, unit in parts]
    return figures + pr_share(imported)


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else float(value)


def pr_share(imported: Imported) -> list[Figure]:
    """The study's PR share: of the detainer group's charge rows, how many ended in personal
    recognisance — read from the charges file found beside the bookings."""
    from detainer_desk.replay.columnar import study_table

    spec, path = imported.mapping.charges, imported.charges
    if spec is None or path is None:
        return []
    header = read_header(path, imported.encoding)
    source = read_csv_sql(header, header.encoding, {}, "rej_charges")
    bid, disp = f'"{spec.booking_id}"', f'"{spec.disposition}"'
    pr, total = imported.con.execute(f"""
        SELECT count(*) FILTER (WHERE {disp} = {_lit(spec.personal_recognizance)}), count(*)
        FROM {source}
        WHERE {bid} IN (SELECT booking_id FROM {study_table(imported.con)})""").fetchall()[0]
    return [
        Figure("pr_charge_rows", "detainer group: charge rows ended in PR", int(pr), "charge rows"),
        Figure("charge_rows", "detainer group: charge rows", int(total), "charge rows"),
        Figure(
            "pr_share_pct",
            "PR (personal recognisance) share of the detainer group's charge rows",
            100.0 * pr / total if total else None,
            "%",
        ),
    ]


def monthly(imported: Imported) -> list[dict[str, Any]]:
    """Per month of the period field: bookings of the detainer group, how many were held past
    their last other charge, and those hours."""
    from detainer_desk.replay.columnar import study_table

    column = f'"{imported.mapping.period.field}"'
    rows = imported.con.execute(f"""
        SELECT strftime({column}, '%Y-%m') AS month, count(*),
               count(*) FILTER (WHERE excess_hours > 0), coalesce(sum(excess_hours), 0)
        FROM {study_table(imported.con)} WHERE {column} IS NOT NULL
        GROUP BY 1 ORDER BY 1""").fetchall()
    return [
        {"month": m, "detainer_group": int(n), "held_longer": int(h), "hold_hours": float(x)}
        for m, n, h, x in rows
    ]


def dominance_notes(results: list[PolicyResult], share: float = 0.5) -> list[str]:
    """Where the three longest holds make more than `share` of a policy's hold hours."""
    notes = []
    for r in results:
        if r.hold_hours > 0 and r.top3_hours / r.hold_hours > share:
            notes.append(
                f"{r.policy}: the 3 longest holds are {100 * r.top3_hours / r.hold_hours:.0f}% "
                f"of its {r.hold_hours:,.2f} hold hours — a handful of bookings drive the total"
            )
    return notes
