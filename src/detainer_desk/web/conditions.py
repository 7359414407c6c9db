"""The request page's conditions checklist: tick a decision's conditions as met (staff UI).

The form sends `tick` = "action|condition" for each box ticked and `note:action|condition` for
its optional note. The route checks origin and CSRF (`_posted`), then the role, before it reads
the form any further; the desk checks every tick against the current decision's own conditions
and writes nothing unless all of them are.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk.service import Desk
from detainer_desk.errors import InputError
from detainer_desk.web.intake import _posted

router = APIRouter(prefix="/ui", include_in_schema=False)
MAX_TICKS = 50
MAX_FIELD = 400  # longer than any action|condition pair or note the desk accepts


def ticks_from_form(form: FormData) -> list[dict[str, Any]]:
    """The checked boxes as the desk's ticks: [{"action", "condition", "note"?}, …]."""
    ticks: list[dict[str, Any]] = []
    for value in form.getlist("tick")[: MAX_TICKS + 1]:
        if not isinstance(value, str) or not value:
            continue
        action, _, condition = value[:MAX_FIELD].partition("|")
        tick: dict[str, Any] = {"action": action, "condition": condition}
        note = form.get(f"note:{value[:MAX_FIELD]}")
        if isinstance(note, str) and note.strip():
            tick["note"] = note.strip()[:MAX_FIELD]
        ticks.append(tick)
    if not ticks:
        raise InputError("tick at least one condition that is met", field="tick")
    return ticks


@router.post("/requests/{request_id}/conditions")
async def tick_conditions(request: Request, request_id: int) -> Response:
    form = await request.form()

    def build(desk: Desk, actor: Actor) -> Response:
        require(actor, Permission.record_condition)
        desk.record_conditions(actor, request_id, {"ticks": ticks_from_form(form)})
        return RedirectResponse(f"/ui/requests/{request_id}#conditions", status_code=303)

    return await _posted(request, form, "error.html", build)
