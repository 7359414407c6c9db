"""Every published table as one SQLite database, with Datasette metadata beside it.

`report.db` holds one table per count table (period, category, count, shown — `count` NULL when
withheld), `cells` (all of them, as in report.csv), one `statutory_*` table per statutory format,
and `about_this_report` (period, when made, the signed checkpoint). `metadata.json` gives
Datasette the titles, descriptions, units, licence and source, so that

    datasette .detainer-desk/published/

(Datasette's configuration-directory mode) serves the database as it is. Only published numbers
go in: the same suppressed cells as every other format.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, Protocol

from detainer_desk.publish.glossary import TABLE_NOTES
from detainer_desk.publish.suppression import Suppressed


class Report(Protocol):
    """What the database is written from (`publish.report.Report`, which imports this module)."""

    @property
    def title(self) -> str: ...

    @property
    def jurisdiction(self) -> str: ...

    @property
    def tables(self) -> tuple[Suppressed, ...]: ...

    def records(self) -> list[dict[str, Any]]: ...

    def metadata(self) -> dict[str, Any]: ...


DATABASE = "report.db"
METADATA = "metadata.json"
LICENSE = ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/")
# Pint units for the counts (Datasette's `units`), one per table's unit, defined here.
UNITS = {
    "requests": "request",
    "decisions": "decision",
    "people": "person",
    "notifications": "notification",
    "interviews": "interview",
    "alarms": "alarm",
    "overrides": "override",
}
COLUMNS = {
    "period": "month (YYYY-MM), quarter (YYYY-Qn) or year; 'total' for the whole period",
    "category": "the category counted; 'total' for all categories",
    "count": "the count; empty (NULL) when withheld to protect a small count",
    "shown": "what the public page prints: the count, '<5' (1 to 4) or 'suppressed'",
}


def statutory_table(result: dict[str, Any]) -> str:
    return "statutory_" + str(result["format"]).replace("-", "_")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_sqlite(report: Report, path: Path, statutory: Sequence[dict[str, Any]] = ()) -> None:
    """Write the database afresh (a half-written file is never left: written aside, then moved)."""
    partial = path.with_suffix(".db.partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(partial)) as con, con:
        records = report.records()
        con.execute(
            "CREATE TABLE cells ("
            '"table" TEXT NOT NULL, period TEXT NOT NULL, category TEXT NOT NULL, '
            "count INTEGER, shown TEXT NOT NULL, "
            'PRIMARY KEY ("table", period, category))'
        )
        con.executemany(
            "INSERT INTO cells VALUES (:table, :period, :category, :count, :shown)", records
        )
        for s in report.tables:
            name = _quote(s.table.name)
            con.execute(
                f"CREATE TABLE {name} (period TEXT NOT NULL, category TEXT NOT NULL, "
                "count INTEGER, shown TEXT NOT NULL, PRIMARY KEY (period, category))"
            )
            con.executemany(
                f"INSERT INTO {name} VALUES (:period, :category, :count, :shown)",
                [r for r in records if r["table"] == s.table.name],
            )
        for result in statutory:
            fields = list(result["fields"])
            columns = ", ".join(f"{_quote(f)} TEXT" for f in fields)
            table = _quote(statutory_table(result))
            con.execute(f"CREATE TABLE {table} (period TEXT PRIMARY KEY, {columns})")
            marks = ", ".join("?" for _ in range(len(fields) + 1))
            con.executemany(
                f"INSERT INTO {table} VALUES ({marks})",
                [(row["period"], *(row[f] for f in fields)) for row in result["rows"]],
            )
        meta = report.metadata()
        con.execute(
            "CREATE TABLE about_this_report (title TEXT, jurisdiction TEXT, period_from TEXT, "
            "period_to TEXT, grouped_by TEXT, made_at TEXT, suppression TEXT, "
            "ledger_checkpoint TEXT, ledger_public_key TEXT)"
        )
        con.execute(
            "INSERT INTO about_this_report VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                meta["title"],
                meta["jurisdiction"],
                meta["from"],
                meta["to"],
                meta["by"],
                meta["made_at"],
                meta["suppression"],
                meta["ledger_checkpoint"],
                meta["ledger_public_key"],
            ),
        )
    partial.replace(path)


def datasette_metadata(report: Report, statutory: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Datasette's metadata.json: titles, descriptions, units, licence and source."""
    meta = report.metadata()
    tables: dict[str, Any] = {
        "cells": {
            "title": "Every published cell",
            "description": "All count tables in one, exactly as report.csv.",
            "columns": {"table": "which count table", **COLUMNS},
            "facets": ["table"],
        },
        "about_this_report": {
            "title": "About this report",
            "description": "The period, when it was made, the suppression rule and the signed "
            "ledger checkpoint that seals the records it was computed from.",
        },
    }
    for s in report.tables:
        tables[s.table.name] = {
            "title": s.table.title,
            "description": TABLE_NOTES.get(s.table.name, s.table.title),
            "units": {"count": UNITS.get(s.table.unit, s.table.unit)},
            "columns": COLUMNS,
            "facets": ["period", "category"],
            "sort": "period",
        }
    for result in statutory:
        tables[statutory_table(result)] = {
            "title": result["title"],
            "description": f"{result['notes']} Cite: {result['cite']}.".strip(),
            "source": f"fact sheet citation key {result['source']} ({result['confidence']})",
            "columns": {"period": f"the {result['period']}", **result["fields"]},
        }
    source = (
        f"{report.jurisdiction}: the jail's Detainer Desk records, sealed by the signed ledger "
        "checkpoint in about_this_report"
    )
    description = (
        f"Counts of federal immigration requests and what the jail did, {meta['from']} to "
        f"{meta['to']}, by {meta['by']}. {meta['suppression']}."
    )
    return {
        "title": report.title,
        "description": description,
        "license": LICENSE[0],
        "license_url": LICENSE[1],
        "source": source,
        "source_url": "./",
        "custom_units": sorted({f"{u} = [{u}]" for u in UNITS.values()}),
        "databases": {
            Path(DATABASE).stem: {
                "title": report.title,
                "description": description,
                "license": LICENSE[0],
                "license_url": LICENSE[1],
                "source": source,
                "tables": tables,
            }
        },
    }


# --- practice beside law (detainer-desk practice --out DIR; the /practice page's data) ----------

PRACTICE_DATABASE = "practice.db"
PRACTICE_TABLES = {
    "practice_states": "Detainers per state, with what the law of the place said",
    "practice_counties": "Detainers per matched county, with what the law of the place said",
    "practice_months": "Detainers per month, nationally",
    "practice_state_series": "Single-state files by fiscal year (not in the national totals)",
}


def write_practice_db(tables: dict[str, str], path: Path) -> None:
    """The practice tables (each given as CSV text) as one SQLite database, written aside and
    then moved, every column TEXT but the counts INTEGER (so Datasette sorts them)."""
    import csv
    import io

    partial = path.with_suffix(".db.partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(partial)) as con, con:
        for table, text in tables.items():
            reader = csv.reader(io.StringIO(text))
            header = next(reader)
            rows = list(reader)
            numeric = [
                all(r[i].lstrip("-").isdigit() for r in rows if r[i]) for i in range(len(header))
            ]
            numeric[0] = numeric[1] = numeric[2] = False  # key, name, state
            columns = ", ".join(
                f"{_quote(h)} {'INTEGER' if n else 'TEXT'}"
                for h, n in zip(header, numeric, strict=True)
            )
            con.execute(f"CREATE TABLE {_quote(table)} ({columns})")
            marks = ", ".join("?" for _ in header)
            con.executemany(
                f"INSERT INTO {_quote(table)} VALUES ({marks})",
                [
                    [int(v) if n and v else (v or None) for v, n in zip(r, numeric, strict=True)]
                    for r in rows
                ],
            )
    partial.replace(path)


def practice_metadata(caveats: Sequence[str], period: tuple[str, str]) -> dict[str, Any]:
    """Datasette's metadata.json for practice.db: titles, what the data cannot show, source."""
    description = (
        f"Every detainer ICE issued {period[0]} to {period[1]} (NPR FOIA), per state, county and "
        "month, beside what this project's policy packs say the law of the place said of the "
        "hold. " + " ".join(caveats)
    )
    source = "ICE ERO LESA Statistical Tracking Unit, by FOIA to NPR (nprapps/sanctuary-cities)"
    return {
        "title": "Detainers: practice beside law",
        "description": description,
        "source": source,
        "databases": {
            Path(PRACTICE_DATABASE).stem: {
                "title": "Detainers: practice beside law",
                "description": description,
                "source": source,
                "tables": {
                    name: {"title": title, "description": description}
                    for name, title in PRACTICE_TABLES.items()
                },
            }
        },
    }
