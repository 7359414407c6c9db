"""The staff UI: server-rendered pages (Jinja2), plain HTML forms, no build step.

Pages: request queue, request detail (the decision explained and cited, overrides), booking
timeline, alarms. Logging in with an API token opens a server-side session: the cookie holds
the session's random id (HttpOnly, SameSite=Strict, Secure over HTTPS), never the token. Every
form carries the session's CSRF token and every POST must come from this origin; failed logins
are throttled (429).
"""

from __future__ import annotations

import secrets
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
from detainer_desk.web.security import LoginThrottle, same_origin

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


SESSION_COOKIE = "dd_session"
LOGIN_CSRF_COOKIE = "dd_login_csrf"


def _guarded(
    request: Request, name: str, build: Any, csrf: str | None = None, post: bool = False
) -> Response:
    """Resolve the logged-in actor, build the page's data, and turn our errors into pages.

    A POST (`post=True`) must come from this origin and carry the session's CSRF token.
    """
    desk = _desk(request)
    try:
        login = desk.ui_session(request.cookies.get(SESSION_COOKIE))
        actor = login.actor
        if post and (
            not same_origin(request) or csrf is None or not secrets.compare_digest(csrf, login.csrf)
        ):
            return _page(
                request,
                "error.html",
                403,
                message="this form did not come from this desk's own page; reload and retry",
                actor=None,
            )
        data = build(desk, actor)
    except AccessError as exc:
        if status_for(exc) == 401:
            return RedirectResponse("/ui/login", status_code=303)
        return _page(request, "error.html", 403, message=exc.message, actor=None)
    except DetainerDeskError as exc:
        return _page(request, "error.html", status_for(exc), message=exc.message, actor=None)
    if isinstance(data, Response):
        return data
    return _page(
        request,
        name,
        actor=actor,
        csrf=login.csrf,
        can=lambda p: is_allowed(actor, Permission(p)),
        **data,
    )


def _login_page(request: Request, status: int, message: str | None) -> HTMLResponse:
    csrf = secrets.token_urlsafe(32)
    response = _page(request, "login.html", status, actor=None, message=message, csrf=csrf)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/ui/login",
    )
    return response


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def request_history(detail: dict[str, Any]) -> list[dict[str, Any]]:
    """Everything that happened to a request, in time order (oldest first)."""
    items: list[dict[str, Any]] = []
    items.append({"at": detail["received_at"], "what": "received", "d": detail})
    items += [{"at": d["decided_at"], "what": "decision", "d": d} for d in detail["decisions"]]
    items += [{"at": o["at"], "what": "override", "d": o} for o in detail["overrides"]]
    items += [
        {"at": o["confirmed_at"], "what": "confirmation", "d": o}
        for o in detail["overrides"]
        if o.get("confirmed_at")
    ]
    items += [{"at": n["at"], "what": "annotation", "d": n} for n in detail["annotations"]]
    items += [{"at": t["at"], "what": "condition", "d": t} for t in detail["condition_ticks"]]
    for n in detail["notifications"]:
        items.append({"at": n["sent_at"] or n["queued_at"], "what": "notification", "d": n})
    return sorted(items, key=lambda i: (_moment(i["at"]), i["what"] != "received"))


def _moment(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else datetime.min.replace(tzinfo=UTC)


def request_forms_context(current: dict[str, Any] | None) -> dict[str, Any]:
    """What the request page's amend and interview forms offer. An interview's conditions are
    not offered here: they are on the one conditions checklist (`_conditions.html`)."""
    interview_actions = {"allow_in_person_interview", "allow_remote_interview"}
    asked = [a for a in (current or {}).get("actions", []) if a["action"] in interview_actions]
    return {
        "warrant_choices": [(w.value, label(w.value)) for w in WarrantKind],
        "interview_asked": bool(asked),
    }


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request, 200, None)


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    client = request.client.host if request.client else "unknown"
    throttle = _throttle(request)
    if throttle.blocked(client):
        return _page(
            request,
            "login.html",
            429,
            actor=None,
            csrf="",
            message="too many failed logins from here; wait a quarter of an hour",
        )
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not same_origin(request) or not csrf or not secrets.compare_digest(csrf, expected):
        return _login_page(request, 403, "the login form expired or came from elsewhere; retry")
    try:
        login = _desk(request).log_in(token.strip())
    except AccessError as exc:
        throttle.failed(client)
        return _login_page(request, 401, exc.message)
    throttle.succeeded(client)
    desk = _desk(request)
    response = RedirectResponse("/ui/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        login.session_id,
        max_age=int(desk.settings.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ui/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    desk = _desk(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    try:
        login = desk.ui_session(session_id)
    except AccessError:
        login = None
    if login is not None:
        if not same_origin(request) or not secrets.compare_digest(csrf, login.csrf):
            return _page(
                request, "error.html", 403, message="log out from the desk's own page", actor=None
            )
        desk.log_out(session_id)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
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
    action: Annotated[str, Form(max_length=60)] = "",
    effect: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=5000)] = "",
    provision: Annotated[str, Form(max_length=200)] = "",
    judicial_warrant_attached: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """No preset action or effect: an empty choice reaches the desk and is refused, naming it."""
    body: dict[str, Any] = {"action": action, "effect": effect, "reason": reason}
    if provision.strip():
        body["provision"] = provision.strip()
    if judicial_warrant_attached:
        body["judicial_warrant_attached"] = True

    def build(desk: Desk, actor: Actor) -> Response:
        desk.override(actor, request_id, body)
        return RedirectResponse(f"/ui/requests/{request_id}", status_code=303)

    return _guarded(request, "error.html", build, csrf=csrf, post=True)


@router.post("/overrides/{override_id}/confirm")
def confirm_override(
    request: Request,
    override_id: int,
    request_id: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=2000)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    def build(desk: Desk, actor: Actor) -> Response:
        desk.confirm_override(actor, override_id, {"note": note})
        return RedirectResponse(f"/ui/requests/{request_id}", status_code=303)

    return _guarded(request, "error.html", build, csrf=csrf, post=True)


@router.get("/bookings/{booking_id}")
def booking_page(request: Request, booking_id: str) -> Response:
    def build(desk: Desk, actor: Actor) -> dict[str, Any]:
        reasons = [(r.value, label(r.value)) for r in ReleaseReason]
        return {"b": desk.booking_detail(actor, booking_id), "release_reasons": reasons}

    return _guarded(request, "booking.html", build)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: int, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    def build(desk: Desk, actor: Actor) -> Response:
        desk.revoke_token(token_id, actor)
        return RedirectResponse("/ui/tokens", status_code=303)

    return _guarded(request, "error.html", build, csrf=csrf, post=True)


@router.get("/alarms")
def alarms_page(request: Request) -> Response:
    return _guarded(request, "alarms.html", lambda d, a: {"alarms": d.alarms(a, open_only=False)})


@router.post("/alarms/{alarm_id}/acknowledge")
def acknowledge(
    request: Request,
    alarm_id: int,
    note: Annotated[str, Form(max_length=2000)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    def build(desk: Desk, actor: Actor) -> Response:
        desk.acknowledge_alarm(actor, alarm_id, {"note": note})
        return RedirectResponse("/ui/alarms", status_code=303)

    return _guarded(request, "error.html", build, csrf=csrf, post=True)
