"""The staff UI: server-rendered pages (Jinja2), plain HTML forms, no build step.

Pages: request queue, request detail (the decision explained and cited, overrides), booking
timeline, alarms. Logging in stores the API token in an HttpOnly cookie.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from detainer_desk.access.check import Actor, Permission, is_allowed
from detainer_desk.desk.service import Desk
from detainer_desk.errors import AccessError, DetainerDeskError
from detainer_desk.vocabulary import ReleaseReason, WarrantKind
from detainer_desk.web.errors import status_for
from detainer_desk.web.formatting import cite_text, effect_text, label, local_time, time_left

router = APIRouter(prefix="/ui", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; every time on it is in the desk's one clock (its zone, abbreviated)."""
    desk = _desk(request)
    zone, now = desk.settings.zone, desk.clock.now()
    context["when"] = lambda value: local_time(value, zone)
    context["left"] = lambda value: time_left(value, now)
    context["desk_clock"] = {"zone": desk.settings.timezone, "now": local_time(now, zone)}
    context["label"] = label
    context["cite_text"] = cite_text
    context["effect_text"] = effect_text
    context["agency"] = {"name": desk.settings.agency_name, "office": desk.settings.agency_office}
    return templates.TemplateResponse(request, name, context, status_code=status)


def _guarded(request: Request, name: str, build: Any) -> Response:
    """Resolve the logged-in actor, build the page's data, and turn our errors into pages."""
    desk = _desk(request)
    try:
        actor = desk.actor_for(request.cookies.get("dd_token"))
        data = build(desk, actor)
    except AccessError as exc:
        if status_for(exc) == 401:
            return RedirectResponse("/ui/login", status_code=303)
        return _page(request, "error.html", 403, message=exc.message, actor=None)
    except DetainerDeskError as exc:
        return _page(request, "error.html", status_for(exc), message=exc.message, actor=None)
    if isinstance(data, Response):
        return data
    return _page(request, name, actor=actor, can=lambda p: is_allowed(actor, Permission(p)), **data)


def request_history(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """Everything that happened to a request, in time order (oldest first)."""
    items: list[dict[str, Any]] = []
    items.append({"at": detail["received_at"], "what": "received", "d": detail})
    items += [{"at": d["decided_at"], "what": "decision", "d": d} for d in detail["decisions"]]
    items += [{"at": o["at"], "what": "override", "d": o} for o in detail["overrides"]]
    items += [{"at": n["at"], "what": "annotation", "d": n} for n in detail["annotations"]]
    for n in detail["notifications"]:
        items.append({"at": n["sent_at"] or n["queued_at"], "what": "notification", "d": n})
    return sorted(items, key=lambda i: (_moment(i["at"]), i["what"] != "received"))


def _moment(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else datetime.min.replace(tzinfo=UTC)


def request_forms_context(current: dict[str, Any] | None) -> dict[str, Any]:
    """What the request page's amend and interview forms offer."""
    interview_actions = {"allow_in_person_interview", "allow_remote_interview"}
    asked = [a for a in (current or {}).get("actions", []) if a["action"] in interview_actions]
    conditions = {c["id"]: c for a in asked for c in a.get("conditions", [])}
    return {
        "warrant_choices": [(w.value, label(w.value)) for w in WarrantKind],
        "interview_conditions": list(conditions.values()) if asked else None,
    }


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html", actor=None, message=None)


@router.post("/login")
def login(request: Request, token: Annotated[str, Form()]) -> Response:
    try:
        _desk(request).actor_for(token.strip())
    except AccessError as exc:
        return _page(request, "login.html", 401, actor=None, message=exc.message)
    response = RedirectResponse("/ui/", status_code=303)
    response.set_cookie("dd_token", token.strip(), httponly=True, samesite="strict")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie("dd_token")
    return response


@router.get("/requests/{request_id}")
def request_page(request: Request, request_id: int) -> Response:
    def build(desk: Desk, actor: Actor) -> dict[str, Any]:
        detail = desk.request_detail(actor, request_id)
        current = detail["decisions"][-1]["document"] if detail.get("decisions") else None
        context = {"r": detail, "current": current, "history": request_history(detail)}
        return context | request_forms_context(current)

    return _guarded(request, "request.html", build)


@router.post("/requests/{request_id}/override")
def override(
    request: Request,
    request_id: int,
    action: Annotated[str, Form()],
    effect: Annotated[str, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    def build(desk: Desk, actor: Actor) -> Response:
        desk.override(actor, request_id, {"action": action, "effect": effect, "reason": reason})
        return RedirectResponse(f"/ui/requests/{request_id}", status_code=303)

    return _guarded(request, "error.html", build)


@router.get("/bookings/{booking_id}")
def booking_page(request: Request, booking_id: str) -> Response:
    def build(desk: Desk, actor: Actor) -> dict[str, Any]:
        reasons = [(r.value, label(r.value)) for r in ReleaseReason]
        return {"b": desk.booking_detail(actor, booking_id), "release_reasons": reasons}

    return _guarded(request, "booking.html", build)


@router.get("/alarms")
def alarms_page(request: Request) -> Response:
    return _guarded(request, "alarms.html", lambda d, a: {"alarms": d.alarms(a, open_only=False)})


@router.post("/alarms/{alarm_id}/acknowledge")
def acknowledge(request: Request, alarm_id: int, note: Annotated[str, Form()]) -> Response:
    def build(desk: Desk, actor: Actor) -> Response:
        desk.acknowledge_alarm(actor, alarm_id, {"note": note})
        return RedirectResponse("/ui/alarms", status_code=303)

    return _guarded(request, "error.html", build)
