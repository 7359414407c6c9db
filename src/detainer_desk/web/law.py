"""The public law pages: `/law` (every state and encoded place, how current, the standing duties
in force and a tile map of holds on a date) and `/law/changes` (every change of law, newest
first, as a page and as an Atom feed at `/law/changes.atom`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from detainer_desk.coverage import HoldStance, coverage
from detainer_desk.coverage.changes import changes_document
from detainer_desk.edge import parse_day
from detainer_desk.law.pack import PolicyLibrary

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
ATOM = "application/atom+xml; charset=utf-8"
PlaceQuery = Annotated[str | None, Query(max_length=120)]
SinceQuery = Annotated[str | None, Query(max_length=10)]


def _library(request: Request) -> PolicyLibrary:
    library: PolicyLibrary = request.app.state.desk.library
    return library


@router.get("/law", response_class=HTMLResponse)
def law_page(request: Request, on: str | None = None) -> HTMLResponse:
    """What is encoded where and since when, and what each state's law says about holds."""
    result = coverage(parse_day(on, "on"), _library(request))
    return templates.TemplateResponse(
        request, "law.html", {"c": result, "stances": list(HoldStance)}
    )


def _feed(request: Request, since: str | None, place: str | None) -> dict[str, object]:
    day = parse_day(since, "since") if since else None
    document = changes_document(_library(request), day, place or None)
    query = "&".join(f"{k}={v}" for k, v in (("since", since), ("place", place)) if v)
    return {"d": document, "query": query, "today": date.today().isoformat()}


@router.get("/law/changes", response_class=HTMLResponse)
def changes_page(request: Request, since: SinceQuery = None, place: PlaceQuery = None) -> Response:
    """Every change of law, newest first: what a jail follows to know its law changed."""
    return templates.TemplateResponse(request, "law_changes.html", _feed(request, since, place))


@router.get("/law/changes.atom")
def changes_feed(request: Request, since: SinceQuery = None, place: PlaceQuery = None) -> Response:
    """The same changes as an Atom feed (RFC 4287), one entry per change, newest first."""
    context = _feed(request, since, place)
    document = context["d"]
    assert isinstance(document, dict)
    days = [c["effective"] for c in document["changes"]]
    context["updated"] = max(days) if days else datetime.now(UTC).date().isoformat()
    context["base"] = str(request.base_url).rstrip("/")
    return templates.TemplateResponse(request, "law_changes.atom.xml", context, media_type=ATOM)
