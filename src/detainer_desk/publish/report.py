"""Published reports: the same suppressed numbers as HTML (with SVG charts), CSV, JSON, Parquet.

Every report carries a fresh signed checkpoint of the ledger, so a reader can later check that the
records it was computed from were not changed. No booking id, name or date of a person appears:
only counts by period and category.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from detainer_desk.publish.charts import bar_chart_svg, series_chart_svg
from detainer_desk.publish.figures import LEAD_TIMES, ORDERS, Period
from detainer_desk.publish.glossary import TABLE_NOTES, terms_in
from detainer_desk.publish.queryable import (
    DATABASE,
    METADATA,
    datasette_metadata,
    write_sqlite,
)
from detainer_desk.publish.suppression import TOTAL, CountTable, Suppressed, suppress

REPORT_FORMAT = "detainer-desk/report/v1"
FORMATS = ("html", "csv", "json", "parquet", "sqlite")
COLUMNS = ("table", "period", "category", "count", "shown")


@dataclass(frozen=True)
class Report:
    title: str
    jurisdiction: str
    period_from: str
    period_to: str
    by: str
    made_at: datetime
    checkpoint: str
    public_key: str
    tables: tuple[Suppressed, ...]
    # witnesses' cosignatures the desk kept (ledger.cosignatures.public_view), newest first
    cosignatures: tuple[dict[str, Any], ...] = ()

    def records(self) -> list[dict[str, Any]]:
        """One row per published cell: `count` is null when withheld, `shown` is what to print."""
        out = []
        for s in self.tables:
            for period, category in s.table.cells():
                out.append(
                    {
                        "table": s.table.name,
                        "period": period,
                        "category": category,
                        "count": s.shown((period, category)),
                        "shown": s.display((period, category)),
                    }
                )
        return out

    def metadata(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "title": self.title,
            "jurisdiction": self.jurisdiction,
            "from": self.period_from,
            "to": self.period_to,
            "by": self.by,
            "made_at": self.made_at.isoformat(),
            "suppression": "counts of 1-4 shown as '<5'; other cells withheld ('suppressed') "
            "so that no small count can be worked out from totals",
            "ledger_checkpoint": self.checkpoint,
            "ledger_public_key": self.public_key,
            "tables": {
                s.table.name: {
                    "title": s.table.title,
                    "unit": s.table.unit,
                    "description": TABLE_NOTES.get(s.table.name, ""),
                }
                for s in self.tables
            },
        }


def make_report(
    tables: list[CountTable],
    *,
    title: str,
    jurisdiction: str,
    period_from: str,
    period_to: str,
    by: str,
    made_at: datetime,
    checkpoint: str,
    public_key: str,
    cosignatures: tuple[dict[str, Any], ...] = (),
) -> Report:
    return Report(
        title,
        jurisdiction,
        period_from,
        period_to,
        by,
        made_at,
        checkpoint,
        public_key,
        tuple(suppress(t) for t in tables),
        cosignatures,
    )


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report.records():
        writer.writerow({**row, "count": "" if row["count"] is None else row["count"]})
    return buffer.getvalue()


def to_json(report: Report) -> str:
    return json.dumps(
        {**report.metadata(), "cells": report.records()}, indent=2, ensure_ascii=False
    )


def write_parquet(report: Report, path: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(
        'CREATE TABLE cells ("table" VARCHAR, period VARCHAR, category VARCHAR, '
        "count BIGINT, shown VARCHAR)"
    )
    con.executemany(
        "INSERT INTO cells VALUES (?, ?, ?, ?, ?)",
        [tuple(r[c] for c in COLUMNS) for r in report.records()],
    )
    con.execute(f"COPY cells TO '{path}' (FORMAT PARQUET)")
    con.close()


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("detainer_desk.publish", "templates"),
        autoescape=select_autoescape(["html"]),
    )


@dataclass(frozen=True)
class Headline:
    """One figure at the top of the public page: a published cell, what it means, where from."""

    label: str
    shown: str
    explains: str
    table: str


def _column_total(s: Suppressed | None, category: str) -> str:
    if s is None or category not in s.table.cols:
        return "0"
    return s.display((TOTAL, category))


def headlines(report: Report) -> list[Headline]:
    """The figures people ask first, each read from a published (suppressed) cell."""
    by_name = {s.table.name: s for s in report.tables}
    requests = by_name.get("requests_by_kind")
    decisions = by_name.get("decisions")
    notes = by_name.get("notifications")
    return [
        Headline(
            "Requests received",
            requests.display((TOTAL, TOTAL)) if requests else "0",
            "documents from federal immigration authorities, of every kind",
            "requests_by_kind",
        ),
        Headline(
            "Holds honoured",
            _column_total(decisions, "hold_beyond_release: permit"),
            "detainers on which the law in force permitted holding the person past release",
            "decisions",
        ),
        Headline(
            "Holds denied",
            _column_total(decisions, "hold_beyond_release: deny"),
            "detainers on which the law forbade a hold, or no provision authorized one",
            "decisions",
        ),
        Headline(
            "Release notices sent in time",
            _column_total(notes, "sent before release"),
            "notices of release delivered before the person left custody",
            "notifications",
        ),
        Headline(
            "Release notices sent late",
            _column_total(notes, "sent, late"),
            "delivered after the person had already left custody",
            "notifications",
        ),
        Headline(
            "Release notices pending",
            _column_total(notes, "pending"),
            "queued but not yet delivered when this report was made (explained under Details)",
            "notifications",
        ),
    ]


def lead_times(report: Report) -> list[tuple[str, str]]:
    """How long before release the notices went out: each bucket's published total."""
    table = next((s for s in report.tables if s.table.name == "notification_lead_times"), None)
    return [(bucket, _column_total(table, bucket)) for bucket in LEAD_TIMES]


DISTRIBUTIONS = {
    "holds": "Hold length: people held past release eligibility, whole period",
    "notification_lead_times": "Notice before release: notices sent, whole period",
}


def to_html(report: Report) -> str:
    start, end = date.fromisoformat(report.period_from), date.fromisoformat(report.period_to)
    periods = Period(start, end, report.by, ZoneInfo("UTC")).labels()
    charts = {
        s.table.name: series_chart_svg(s, report.by, periods) for s in report.tables if s.table.rows
    }
    distributions = {
        s.table.name: bar_chart_svg(s, DISTRIBUTIONS[s.table.name], ORDERS[s.table.name])
        for s in report.tables
        if s.table.rows and s.table.name in DISTRIBUTIONS
    }
    return (
        _environment()
        .get_template("report.html")
        .render(
            report=report,
            meta=report.metadata(),
            charts=charts,
            distributions=distributions,
            headlines=headlines(report),
            lead_times=lead_times(report),
            notes=TABLE_NOTES,
            terms={s.table.name: terms_in(s.table.cols) for s in report.tables},
            TOTAL=TOTAL,
        )
    )


def datapackage(report: Report, resources: list[str]) -> dict[str, Any]:
    """A Frictionless Data Package describing the downloads."""
    schema = {
        "fields": [
            {"name": "table", "type": "string", "description": "which count table"},
            {"name": "period", "type": "string", "description": "month, quarter, year, or 'total'"},
            {"name": "category", "type": "string", "description": "category, or 'total'"},
            {"name": "count", "type": "integer", "description": "empty when withheld"},
            {"name": "shown", "type": "string", "description": "the count, '<5', or 'suppressed'"},
        ]
    }
    described: dict[str, dict[str, Any]] = {
        "report.csv": {"format": "csv", "mediatype": "text/csv", "schema": schema},
        "report.json": {"format": "json", "mediatype": "application/json"},
        "report.parquet": {
            "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
            "schema": schema,
        },
        DATABASE: {
            "format": "sqlite",
            "mediatype": "application/vnd.sqlite3",
            "description": "every published table, one SQLite table each; serve it with "
            "`datasette` on this folder (metadata.json)",
        },
        METADATA: {
            "format": "json",
            "mediatype": "application/json",
            "description": "Datasette metadata: titles, descriptions, units, licence, source",
        },
        "checkpoint.txt": {
            "format": "txt",
            "mediatype": "text/plain",
            "description": "signed ledger checkpoint (C2SP signed note)",
        },
    }
    return {
        "profile": "data-package",
        "name": f"detainer-desk-{report.jurisdiction}-{report.period_from}-{report.period_to}",
        "title": report.title,
        "created": report.made_at.isoformat(),
        "licenses": [{"name": "CC-BY-4.0"}],
        "resources": [
            {"name": name.replace(".", "-"), "path": name, **described[name]}
            for name in resources
            if name in described
        ],
    }


def write_report(
    report: Report,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
    statutory: Sequence[dict[str, Any]] = (),
) -> list[Path]:
    """Write the chosen formats, the checkpoint, the public key and datapackage.json.

    `statutory` (the statutory formats' results) go into the SQLite database as tables too.
    """
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Callable[[Path], object]] = {
        "checkpoint.txt": lambda p: p.write_text(report.checkpoint, encoding="utf-8"),
        "ledger-signing.pub": lambda p: p.write_text(report.public_key + "\n", encoding="utf-8"),
    }
    if "csv" in formats:
        files["report.csv"] = lambda p: p.write_text(to_csv(report), encoding="utf-8")
    if "json" in formats:
        files["report.json"] = lambda p: p.write_text(to_json(report), encoding="utf-8")
    if "parquet" in formats:
        files["report.parquet"] = lambda p: write_parquet(report, p)
    if "sqlite" in formats:
        files[DATABASE] = lambda p: write_sqlite(report, p, statutory)
        metadata = datasette_metadata(report, statutory)
        files[METADATA] = lambda p: p.write_text(json.dumps(metadata, indent=2, ensure_ascii=False))
    package = datapackage(report, list(files))
    files["datapackage.json"] = lambda p: p.write_text(json.dumps(package, indent=2))
    if "html" in formats:
        files["index.html"] = lambda p: p.write_text(to_html(report), encoding="utf-8")
    for name, write in files.items():
        write(out / name)
    return [out / name for name in files]
