"""The public page on ICE's Operation Safe City (no login), with CSV and JSON downloads."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from detainer_desk.classify import load_definitions
from detainer_desk.safecity import SafeCityReport, safe_city, to_csv
from detainer_desk.vocabulary import Action

router = APIRouter()
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def _report(request: Request) -> SafeCityReport:
    return safe_city(request.app.state.desk.library)


@router.get("/safe-city", response_class=HTMLResponse)
def safe_city_page(request: Request) -> HTMLResponse:
    """Each area's arrests as ICE claimed them, beside the law of the place."""
    report = _report(request)
    return templates.TemplateResponse(
        request,
        "safe-city.html",
        {
            "report": report,
            "op": report.operation,
            "definitions": load_definitions(),
            "actions": list(Action),
        },
    )


@router.get("/safe-city.json")
def safe_city_json(request: Request) -> JSONResponse:
    """The same, as JSON (format detainer-desk/safe-city/v1)."""
    return JSONResponse(
        _report(request).to_dict(),
        headers={"Content-Disposition": 'attachment; filename="safe-city.json"'},
    )


@router.get(
    "/safe-city.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def safe_city_csv(request: Request) -> Response:
    """One CSV row per area: claimed count, sources, flag, answers and decisions."""
    return Response(
        to_csv(_report(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="safe-city.csv"'},
    )
