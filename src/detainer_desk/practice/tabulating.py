"""Tabulating practice beside law: every detainer placed, decided once per case, then counted.

DuckDB loads the exports; each distinct facility (name, state, city) is placed once in Python,
each distinct (pack, version, form) decided once by the policy engine; DuckDB joins the answers
back and groups the rows; the groups (a few thousand) become the per-state, per-county and
monthly tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from detainer_desk.coverage import hold_stance, load_places
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.practice.deciding import FEDERAL, NO_PLACE, Decider, form_of, pack_map
from detainer_desk.practice.facilities import (
    CountyList,
    FacilityKind,
    Placement,
    load_practice_places,
    place_facility,
    read_county_list,
)
from detainer_desk.practice.reading import Sources, find_sources, load_detail, single_state_files
from detainer_desk.practice.report import (
    BOOKED,
    DECLINED,
    PENDING,
    Counts,
    Matching,
    PracticeReport,
    Row,
)
from detainer_desk.vocabulary import Form

Group = tuple[Any, ...]  # (file, state, geoid, county, month, fy, reason, law, pack, federal, n)
_ROWS = (
    "SELECT file, detention_facility, facility_state, facility_city, detainer_type, "
    "prepare_date, coalesce(lift_reason, ''), count(*) FROM detainers GROUP BY ALL"
)


def state_codes() -> dict[str, str]:
    """State (and DC) names in capitals, as ICE writes them, to their two-letter codes."""
    return {t.name.upper(): t.code for t in load_places().tiles}


def _groups(
    con: duckdb.DuckDBPyConnection, counties: CountyList, decider: Decider
) -> tuple[list[Group], dict[tuple[Any, ...], Placement]]:
    """DuckDB counts rows by facility, form, day and outcome; each facility is placed once and
    each (pack, version, form) decided once; the counts are regrouped by place, month and law."""
    codes, packs = state_codes(), pack_map(decider.library)
    placed: dict[tuple[Any, ...], Placement] = {}
    forms: dict[str | None, Form] = {}
    out: dict[Group, int] = defaultdict(int)
    for file, facility, state_name, city, kind, day, reason, n in con.execute(_ROWS).fetchall():
        where = (facility, state_name, city)
        if where not in placed:
            placed[where] = place_facility(facility, state_name, city, counties, codes)
        p = placed[where]
        form = forms.setdefault(kind, form_of(kind))
        geoid = p.county.geoid if p.county else None
        pack = packs.pack_for(p.state, geoid)
        law, used = (NO_PLACE, "") if pack is None else _answer(decider, pack, day, form)
        fiscal = day.year + (day.month >= 10)
        group = (
            file,
            p.state,
            geoid,
            p.county.name if p.county else None,
            f"{day.year}-{day.month:02d}",
            fiscal,
            reason,
            law,
            used,
            pack == FEDERAL,
        )
        out[group] += int(n)
    return [(*g, n) for g, n in out.items()], placed


def _answer(decider: Decider, pack: str, day: date, form: Form) -> tuple[str, str]:
    answer = decider.law(pack, day, form)
    return answer.law, answer.pack


def _counts(groups: Iterable[Group]) -> Counts:
    issued = declined = booked = pending = 0
    lifted: dict[str, int] = defaultdict(int)
    for g in groups:
        reason, n = g[6], int(g[10])
        issued += n
        if reason == DECLINED:
            declined += n
        elif reason == BOOKED:
            booked += n
        elif reason == "":
            pending += n
        else:
            lifted[reason] += n
    return Counts(issued, declined, booked, pending, dict(lifted))


def _row(key: str, name: str, state: str | None, groups: list[Group]) -> Row:
    law: dict[str, int] = defaultdict(int)
    declined: dict[str, int] = defaultdict(int)
    packs: dict[str, int] = defaultdict(int)
    federal_only = 0
    for g in groups:
        said, n = g[7] or NO_PLACE, int(g[10])
        law[said] += n
        if g[6] == DECLINED:
            declined[said] += n
        if g[8]:
            packs[g[8]] += n
        federal_only += n if g[9] else 0
    return Row(
        key, name, state, _counts(groups), dict(law), dict(declined), dict(packs), federal_only
    )


def _by(groups: list[Group], index: int) -> dict[Any, list[Group]]:
    out: dict[Any, list[Group]] = defaultdict(list)
    for g in groups:
        out[g[index]].append(g)
    return out


def _matching(placed: dict[tuple[Any, ...], Placement], rows_at: dict[Any, int]) -> Matching:
    rows = facilities = matched_rows = matched_facilities = local_rows = local_matched = 0
    by_method: dict[str, int] = defaultdict(int)
    kinds: dict[str, int] = defaultdict(int)
    unmatched: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for where, p in placed.items():
        n = rows_at.get(where, 0)
        if n == 0:  # a facility only in a single-state series
            continue
        rows += n
        facilities += 1
        kinds[p.kind.value] += n
        local = p.kind in (FacilityKind.local, FacilityKind.other) and p.state is not None
        local_rows += n if local else 0
        if p.county is not None:
            matched_rows += n
            matched_facilities += 1
            local_matched += n if local else 0
            by_method[p.method] += n
        elif p.unmatched is not None:
            unmatched[p.unmatched.value][0] += n
            unmatched[p.unmatched.value][1] += 1
    ordered = sorted(unmatched.items(), key=lambda kv: -kv[1][0])
    return Matching(
        rows,
        facilities,
        matched_rows,
        matched_facilities,
        local_rows,
        local_matched,
        dict(by_method),
        dict(kinds),
        {k: (v[0], v[1]) for k, v in ordered},
    )


def _aggregate_file(sources: Sources) -> dict[str, int]:
    if not sources.aggregate:
        return {}
    paths = ", ".join("'" + str(p).replace("'", "''") + "'" for p in sources.aggregate)
    found = duckdb.execute(
        f"SELECT coalesce(lift_reason, '') AS reason, sum(CAST(n_detainers AS BIGINT)) FROM "
        f"read_csv([{paths}], header=true, all_varchar=true) GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    return {(r or PENDING): int(n) for r, n in found}


def practice(
    data: list[Path], library: PolicyLibrary, counties: Path | None = None
) -> PracticeReport:
    """Read the exports in `data`, place, decide and tabulate them."""
    sources = find_sources(data, counties)
    con = duckdb.connect()
    bad = load_detail(con, sources)
    series_files = single_state_files(con, sources)
    codes = state_codes()
    county_list = read_county_list(sources.counties, codes) if sources.counties else CountyList({})
    national_files = [i for i in range(len(sources.detail)) if i not in series_files]
    in_national = ", ".join(str(i) for i in national_files)
    decider = Decider.of(library)
    groups, placed = _groups(con, county_list, decider)
    national = [g for g in groups if g[0] in national_files]
    rows_at = dict(
        ((f, s, c), int(n))
        for f, s, c, n in con.execute(
            "SELECT detention_facility, facility_state, facility_city, count(*) FROM detainers "
            f"WHERE file IN ({in_national}) GROUP BY ALL"
        ).fetchall()
    )
    low, high = con.execute(
        f"SELECT min(prepare_date), max(prepare_date) FROM detainers WHERE file IN ({in_national})"
    ).fetchone() or (None, None)
    law_on: date = high
    names = {t.code: t.name for t in load_places().tiles}
    names.update({code: name.title() for name, code in load_practice_places().territories.items()})
    tiles = set(codes.values())
    states = []
    for code, rows in sorted(_by(national, 1).items(), key=lambda kv: kv[0] or "~"):
        row = _row(code or "", names.get(code, code or "no state"), code, rows)
        state_pack = pack_map(library).state_packs.get(code or "")
        stance = hold_stance(state_pack, law_on, library)[0].value if state_pack else None
        states.append(_with_law(row, stance, code in tiles))
    county_rows = [
        _row(geoid, rows[0][3], rows[0][1], rows)
        for geoid, rows in sorted(_by(national, 2).items(), key=lambda kv: kv[0] or "")
        if geoid is not None
    ]
    months = [_row(m, m, None, rows) for m, rows in sorted(_by(national, 4).items())]
    series = []
    for i, state_name in series_files.items():
        mine = [g for g in groups if g[0] == i]
        for fy, rows in sorted(_by(mine, 5).items()):
            series.append(_row(f"FY{fy}", f"{state_name.title()}, FY{fy}", rows[0][1], rows))
    return PracticeReport(
        period=(low.isoformat(), high.isoformat()),
        sources=tuple(str(p) for p in (*sources.detail, *sources.aggregate)),
        bad_rows=bad,
        totals=_row("total", "All detainers", None, national),
        states=tuple(states),
        counties=tuple(county_rows),
        months=tuple(months),
        series=tuple(series),
        by_facility_fy2008_2015=_aggregate_file(sources),
        matching=_matching(placed, rows_at),
        engine_calls=decider.engine_calls,
        packs=tuple(library.names()),
        law_on=law_on.isoformat(),
    )


def _with_law(row: Row, stance: str | None, on_map: bool) -> Row:
    """A state's hold stance at the period's end (the map's colour); none off the map."""
    return replace(row, law_2015=(stance or "not_encoded") if on_map else None)
