"""Writing the practice report: JSON, one CSV per table, the monthly chart, a Datasette database."""

from __future__ import annotations

import json
from pathlib import Path

from detainer_desk.practice.chart import monthly_svg
from detainer_desk.practice.report import CAVEATS, PracticeReport, to_csv
from detainer_desk.publish.queryable import (
    METADATA,
    PRACTICE_DATABASE,
    practice_metadata,
    write_practice_db,
)


def csv_tables(report: PracticeReport) -> dict[str, str]:
    """Each table as CSV text, by its database name."""
    return {
        "practice_states": to_csv(report.states, "state_code"),
        "practice_counties": to_csv(report.counties, "county_fips"),
        "practice_months": to_csv(report.months, "month"),
        "practice_state_series": to_csv(report.series, "fiscal_year"),
    }


def chart_title(report: PracticeReport) -> str:
    return f"ICE detainers per month, {report.period[0]} to {report.period[1]}, by outcome"


def write_outputs(report: PracticeReport, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "practice.json").write_text(report.to_json() + "\n")
    tables = csv_tables(report)
    for name, text in tables.items():
        (out / f"{name.removeprefix('practice_')}.csv").write_text(text)
    (out / "monthly.svg").write_text(monthly_svg(report.months, chart_title(report)) + "\n")
    write_practice_db(tables, out / PRACTICE_DATABASE)
    metadata = practice_metadata(CAVEATS, report.period)
    (out / METADATA).write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
