"""The practice report: what ICE recorded per state, county and month, beside what the law said.

Plain dataclasses; `to_dict` is the JSON document (format detainer-desk/practice/v1) and
`from_dict` reads it back (the summary shipped with the package is one). CSV: one table each.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

PRACTICE_FORMAT = "detainer-desk/practice/v1"
DECLINED = "Detainer Declined by LEA"
BOOKED = "Booked into Detention"
PENDING = "(none recorded)"  # an empty lift reason: pending, or no outcome recorded

# What the data can and cannot show: printed under every table and on the page.
CAVEATS = (
    '"Booked into detention" means ICE took the person into its custody. It does not mean the '
    "jail held the person past their release date: the export has no release or booking times.",
    '"Declined" is ICE\'s own label ("Detainer Declined by LEA"). A decline where the law of the '
    "place forbade the hold (or allowed it only with a judge's warrant) is compliance with that "
    "law, not defiance of ICE.",
    "A decline where the law required the hold is the case worth a look: those rows are flagged.",
    "What the law said is this project's policy packs deciding a standard detainer of the time "
    "(on the form the export names, for a plain misdemeanour booking), not the detainer's own "
    "paperwork, which the export does not have. Where no state law is encoded, only the federal "
    "baseline decides, and the count of such rows is shown.",
    "Most lift reasons are empty (pending, or no outcome recorded): 52,263 of 79,053 in the "
    "FY2015 file. Rates are shares of all detainers issued, outcome or not.",
    "The facility's state is missing on 9,020 national rows (ICE's \"OTHER-OTHER FACILITY\"): "
    "they count in the totals, under no state and no law.",
    "Facilities are ICE's spellings. A county is named only where the facility's name (or a "
    "consolidated city-county or independent city) says which; the rest stay unmatched, by class.",
    "The FY2008–FY2015 counts by facility merge same-named facilities in different states "
    '(e.g. "PIERCE COUNTY JAIL" includes Pierce County GA and ND); they are shown only nationally.',
    "Source: ICE ERO LESA Statistical Tracking Unit, by FOIA to NPR (nprapps/sanctuary-cities); "
    "Pennsylvania's subset via eads/geocode-pa-detainers. No person-level fields at all.",
)


@dataclass(frozen=True)
class Counts:
    issued: int = 0
    declined: int = 0
    booked: int = 0
    pending: int = 0
    lifted: dict[str, int] = field(default_factory=dict)  # every other lift reason, each

    @property
    def lifted_total(self) -> int:
        return sum(self.lifted.values())

    @property
    def decline_rate(self) -> float | None:
        return self.declined / self.issued if self.issued else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "issued": self.issued,
            "declined": self.declined,
            "booked": self.booked,
            "lifted": self.lifted_total,
            "lifted_by_reason": dict(sorted(self.lifted.items())),
            "pending": self.pending,
            "decline_rate": None if self.decline_rate is None else round(self.decline_rate, 4),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Counts:
        return cls(d["issued"], d["declined"], d["booked"], d["pending"], d["lifted_by_reason"])


@dataclass(frozen=True)
class Row:
    """One state, county or month: the counts, what the law said, and the declines by law."""

    key: str  # state code, county FIPS, or YYYY-MM
    name: str
    state: str | None
    counts: Counts
    law: dict[str, int]  # detainers by what the law said
    declined_by_law: dict[str, int]
    packs: dict[str, int]  # detainers by the pack that decided
    federal_only: int  # decided under the federal baseline alone (no state pack)
    law_2015: str | None = None  # states: the hold stance at the period's end (the map)

    @property
    def flagged(self) -> int:
        """Declines where the law required the hold: the case worth a look."""
        return self.declined_by_law.get("required", 0)

    @property
    def main_law(self) -> str:
        return max(self.law.items(), key=lambda kv: kv[1])[0] if self.law else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "state": self.state,
            **self.counts.to_dict(),
            "law": self.law,
            "declined_by_law": self.declined_by_law,
            "declined_where_required": self.flagged,
            "packs": self.packs,
            "federal_baseline_only": self.federal_only,
            "law_2015": self.law_2015,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Row:
        return cls(
            d["key"],
            d["name"],
            d["state"],
            Counts.from_dict(d),
            d["law"],
            d["declined_by_law"],
            d["packs"],
            d["federal_baseline_only"],
            d.get("law_2015"),
        )


@dataclass(frozen=True)
class Matching:
    """How facilities were placed: rows and facilities by kind, by method and by class."""

    rows: int
    facilities: int
    matched_rows: int
    matched_facilities: int
    local_rows: int  # rows at county or city jails (and facilities of no stated kind), with a state
    local_matched_rows: int
    by_method: dict[str, int]
    kinds: dict[str, int]
    unmatched: dict[str, tuple[int, int]]  # class -> (rows, facilities)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "facilities": self.facilities,
            "matched_rows": self.matched_rows,
            "matched_facilities": self.matched_facilities,
            "match_share": round(self.matched_rows / self.rows, 4) if self.rows else None,
            "local_rows": self.local_rows,
            "local_matched_rows": self.local_matched_rows,
            "by_method": self.by_method,
            "kinds": self.kinds,
            "unmatched": {k: {"rows": r, "facilities": f} for k, (r, f) in self.unmatched.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Matching:
        return cls(
            d["rows"],
            d["facilities"],
            d["matched_rows"],
            d["matched_facilities"],
            d["local_rows"],
            d["local_matched_rows"],
            d["by_method"],
            d["kinds"],
            {k: (v["rows"], v["facilities"]) for k, v in d["unmatched"].items()},
        )


@dataclass(frozen=True)
class PracticeReport:
    period: tuple[str, str]
    sources: tuple[str, ...]
    bad_rows: dict[str, int]
    totals: Row
    states: tuple[Row, ...]
    counties: tuple[Row, ...]
    months: tuple[Row, ...]
    series: tuple[Row, ...]  # single-state files, by fiscal year (e.g. Pennsylvania 2008-2015)
    by_facility_fy2008_2015: dict[str, int]  # the aggregate file: detainers by lift reason
    matching: Matching
    engine_calls: int
    packs: tuple[str, ...]  # the library's packs when computed
    law_on: str  # the day whose law colours the map

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PRACTICE_FORMAT,
            "period": {"from": self.period[0], "to": self.period[1]},
            "sources": list(self.sources),
            "bad_rows": self.bad_rows,
            "caveats": list(CAVEATS),
            "totals": self.totals.to_dict(),
            "engine_calls": self.engine_calls,
            "packs": list(self.packs),
            "law_on": self.law_on,
            "matching": self.matching.to_dict(),
            "states": [r.to_dict() for r in self.states],
            "counties": [r.to_dict() for r in self.counties],
            "months": [r.to_dict() for r in self.months],
            "state_series": [r.to_dict() for r in self.series],
            "by_facility_fy2008_2015": self.by_facility_fy2008_2015,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PracticeReport:
        return cls(
            (d["period"]["from"], d["period"]["to"]),
            tuple(d["sources"]),
            d["bad_rows"],
            Row.from_dict(d["totals"]),
            tuple(Row.from_dict(r) for r in d["states"]),
            tuple(Row.from_dict(r) for r in d["counties"]),
            tuple(Row.from_dict(r) for r in d["months"]),
            tuple(Row.from_dict(r) for r in d["state_series"]),
            d["by_facility_fy2008_2015"],
            Matching.from_dict(d["matching"]),
            d["engine_calls"],
            tuple(d["packs"]),
            d["law_on"],
        )


LAW_COLUMNS = (
    "required",
    "permitted",
    "judicial_warrant_only",
    "forbidden",
    "no_authority",
    "unsettled",
    "not_encoded",
    "notification_only",
    "no_place",
)


def to_csv(rows: tuple[Row, ...], first: str) -> str:
    """One table as CSV: counts, each lift reason, detainers by what the law said, flags."""
    reasons = sorted({r for row in rows for r in row.counts.lifted})
    fields = [
        first,
        "name",
        "state",
        "issued",
        "declined",
        "booked",
        "lifted",
        "pending",
        "decline_rate",
        *(f"lifted: {r}" for r in reasons),
        *(f"law: {c}" for c in LAW_COLUMNS),
        "declined where the law forbade the hold or wanted a judge's warrant",
        "declined where the law required the hold (flag)",
        "federal baseline only",
        "law at the period's end",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        c = row.counts
        rate = "" if c.decline_rate is None else f"{c.decline_rate:.4f}"
        complied = sum(
            row.declined_by_law.get(k, 0) for k in ("forbidden", "judicial_warrant_only")
        )
        writer.writerow(
            [
                row.key,
                row.name,
                row.state or "",
                c.issued,
                c.declined,
                c.booked,
                c.lifted_total,
                c.pending,
                rate,
                *(c.lifted.get(r, 0) for r in reasons),
                *(row.law.get(k, 0) for k in LAW_COLUMNS),
                complied,
                row.flagged,
                row.federal_only,
                row.law_2015 or "",
            ]
        )
    return buffer.getvalue()
