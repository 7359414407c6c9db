"""The staff UI's request queue (/ui/): paged on the server, searched, filtered, sorted."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from detainer_desk.access.check import Actor
from detainer_desk.coverage.coverage import duty_dict
from detainer_desk.desk.queue import FILTER_LABELS
from detainer_desk.desk.service import Desk
from detainer_desk.web.ui import _guarded

router = APIRouter(prefix="/ui", include_in_schema=False)

COLUMNS = (
    ("newest", "#"),
    ("received", "Received"),
    ("booking", "Booking"),
    ("kind", "Kind"),
    (None, "Form / warrant"),
    ("office", "Office"),
    (None, "Status"),
    (None, "Decisions"),
)


def duties(desk: Desk) -> dict[str, Any]:
    """The standing duties in force for the desk's place on its local today (home page)."""
    place = desk.settings.jurisdiction
    today = desk.clock.now().astimezone(desk.settings.zone).date()
    if not place:
        return {"duties": None, "duties_on": today}
    found = [duty_dict(pack, d) for pack, d in desk.library.duties(place, today)]
    return {"duties": found, "duties_on": today}


@router.get("/")
def queue(request: Request) -> Response:
    raw = dict(request.query_params)
    raw = {k: v for k, v in raw.items() if v != ""}

    def build(desk: Desk, actor: Actor) -> dict[str, Any]:
        page = desk.queue_page(actor, raw)

        def link(**changes: Any) -> str:
            params = page.query.model_dump(mode="json", exclude_defaults=True) | changes
            return "/ui/?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})

        filters = [(f.value, text) for f, text in FILTER_LABELS.items()]
        return {"page": page, "link": link, "filters": filters, "columns": COLUMNS} | duties(desk)

    return _guarded(request, "queue.html", build)
