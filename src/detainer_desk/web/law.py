"""The public `/law` page: every state and encoded place, and a tile map of holds on a date."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from detainer_desk.coverage import HoldStance, coverage
from detainer_desk.edge import parse_day

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


@router.get("/law", response_class=HTMLResponse)
def law_page(request: Request, on: str | None = None) -> HTMLResponse:
    """What is encoded where and since when, and what each state's law says about holds."""
    result = coverage(parse_day(on, "on"), request.app.state.desk.library)
    return templates.TemplateResponse(
        request, "law.html", {"c": result, "stances": list(HoldStance)}
    )
