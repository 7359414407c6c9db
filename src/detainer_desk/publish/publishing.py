"""Making a report from a desk: the tables, suppression, a fresh signed checkpoint, the files."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from detainer_desk.desk.service import Desk
from detainer_desk.publish.figures import Period, build_tables
from detainer_desk.publish.report import FORMATS, Report, make_report, write_report
from detainer_desk.publish.statutory import StatutoryFormat, formats_for, statutory_report


def report_from_desk(
    desk: Desk, start: date, end: date, by: str, title: str | None = None
) -> Report:
    period = Period(start, end, by, desk.settings.zone)
    with desk.sessions() as session:
        tables = build_tables(session, period)
    checkpoint = desk.checkpoint()  # every published report carries the ledger's signed root
    return make_report(
        tables,
        title=title or f"Immigration requests at {desk.settings.agency_name}",
        jurisdiction=desk.settings.agency_name,
        period_from=start.isoformat(),
        period_to=end.isoformat(),
        by=by,
        made_at=desk.clock.now(),
        checkpoint=checkpoint,
        public_key=desk.settings.public_key_path.read_text().strip(),
        cosignatures=tuple(desk.cosignatures(limit=10)),
    )


def publish(
    desk: Desk,
    start: date,
    end: date,
    by: str,
    out: Path | None = None,
    formats: tuple[str, ...] = FORMATS,
    statutory: tuple[StatutoryFormat, ...] | None = None,
) -> tuple[Report, list[Path]]:
    """Write the report; by default into the desk's public folder, served at /public/.

    `statutory`: the statutory formats to publish with it; by default the desk's jurisdiction's.
    """
    report = report_from_desk(desk, start, end, by)
    folder = out or published_folder(desk)
    results = statutory_results(desk, start, end, statutory)
    written = write_report(report, folder, formats, results)
    return report, written + write_statutory(results, folder)


def statutory_results(
    desk: Desk,
    start: date,
    end: date,
    formats: tuple[StatutoryFormat, ...] | None = None,
) -> list[dict[str, Any]]:
    """Each statutory format's published rows for the period: by default only those the desk's
    own jurisdiction owes (a Denver desk publishes no New York City table)."""
    chosen = formats_for(desk.settings.jurisdiction) if formats is None else formats
    with desk.sessions() as session:
        return [
            statutory_report(session, fmt, start, end, desk.settings.zone).to_dict()
            for fmt in chosen
        ]


def write_statutory(results: list[dict[str, Any]], folder: Path) -> list[Path]:
    """Each statutory format as JSON and CSV, beside the report."""
    written = []
    for result in results:
        path = folder / f"statutory-{result['format']}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        table = folder / f"statutory-{result['format']}.csv"
        with table.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["period", *result["fields"]])
            writer.writeheader()
            writer.writerows(result["rows"])
        written += [path, table]
    return written


def published_folder(desk: Desk) -> Path:
    return desk.settings.home / "published"
