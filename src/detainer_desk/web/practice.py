"""The public /practice page (no login): ICE's detainers per state beside the law, and downloads.

Where the data comes from, in order: the folder named by DETAINER_DESK_PRACTICE_DATA; the
national exports at ../shared/data/national (beside the working folder or the repository),
computed at the first request and kept for the app's life; else the summary shipped with the
package (counts only, computed by `detainer-desk practice`, with the packs of its day, and said
so); else a page that says the data is not available.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from detainer_desk.coverage import HoldStance, load_places
from detainer_desk.practice import CAVEATS, PracticeReport
from detainer_desk.practice.chart import monthly_svg
from detainer_desk.practice.deciding import LAW_LABELS
from detainer_desk.practice.outputs import chart_title, csv_tables

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
SUMMARY = "summary.json.gz"
SORTS = {
    "state": lambda r: r.name,
    "issued": lambda r: -r.counts.issued,
    "declined": lambda r: -r.counts.declined,
    "rate": lambda r: -(r.counts.decline_rate or 0),
    "booked": lambda r: -r.counts.booked,
    "law": lambda r: r.law_2015 or "~",
}


@dataclass(frozen=True)
class Loaded:
    report: PracticeReport | None
    source: str  # "computed from <folder>", "shipped summary", or why there is none


def data_folders() -> list[Path]:
    named = os.environ.get("DETAINER_DESK_PRACTICE_DATA")
    if named:
        return [Path(named)]
    repo = Path(__file__).resolve().parents[3]
    return [Path.cwd().parent / "shared/data/national", repo.parent / "shared/data/national"]


def shipped() -> PracticeReport | None:
    resource = resources.files("detainer_desk.practice").joinpath(SUMMARY)
    if not resource.is_file():
        return None
    return PracticeReport.from_dict(json.loads(gzip.decompress(resource.read_bytes())))


def load(request: Request) -> Loaded:
    """The report, computed once per app (kept on app.state), or the shipped summary."""
    cached: Loaded | None = getattr(request.app.state, "practice", None)
    if cached is not None:
        return cached
    from detainer_desk.practice import practice

    loaded = None
    for folder in data_folders():
        if folder.is_dir():
            report = practice([folder], request.app.state.desk.library)
            loaded = Loaded(report, f"computed from {folder.name}/ at first request")
            break
    if loaded is None:
        summary = shipped()
        loaded = (
            Loaded(summary, "the summary shipped with Detainer Desk")
            if summary
            else Loaded(None, "the national exports were not found and no summary is shipped")
        )
    request.app.state.practice = loaded
    return loaded


def _unavailable(loaded: Loaded) -> Response:
    return Response(f"data not available: {loaded.source}", status_code=503)


@router.get("/practice", response_class=HTMLResponse)
def practice_page(request: Request, sort: str = "issued") -> HTMLResponse:
    """Practice beside law: the map, the sortable table, the monthly chart, the downloads."""
    loaded = load(request)
    report = loaded.report
    context: dict[str, object] = {"loaded": loaded, "report": report, "caveats": CAVEATS}
    status = 200
    if report is None:
        status = 503
    else:
        key = SORTS.get(sort, SORTS["issued"])
        library = request.app.state.desk.library
        context.update(
            sort=sort if sort in SORTS else "issued",
            states=sorted(report.states, key=key),
            by_code={r.key: r for r in report.states},
            tiles=load_places().tiles,
            stances=list(HoldStance),
            labels=LAW_LABELS,
            chart=monthly_svg(report.months, chart_title(report)),
            counties=sorted(report.counties, key=lambda r: -r.counts.issued)[:40],
            flagged=[r for r in report.states if r.flagged],
            new_packs=sorted(set(library.names()) - set(report.packs)),
        )
    return templates.TemplateResponse(request, "practice.html", context, status_code=status)


@router.get("/practice.json")
def practice_json(request: Request) -> Response:
    """The whole report (format detainer-desk/practice/v1)."""
    loaded = load(request)
    if loaded.report is None:
        return _unavailable(loaded)
    return JSONResponse(
        loaded.report.to_dict(),
        headers={"Content-Disposition": 'attachment; filename="practice.json"'},
    )


@router.get("/practice.csv")
def practice_csv(request: Request, table: str = "states") -> Response:
    """One table as CSV: states (default), counties, months or state_series."""
    loaded = load(request)
    if loaded.report is None:
        return _unavailable(loaded)
    tables = csv_tables(loaded.report)
    text = tables.get(f"practice_{table}")
    if text is None:
        return Response(f"no table {table!r}; one of: states, counties, months, state_series",
                        status_code=404)  # fmt: skip
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="practice-{table}.csv"'},
    )
