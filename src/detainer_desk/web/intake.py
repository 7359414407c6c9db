"""The clerk's intake in the browser: new requests, jail events, amendments, interviews, offices
and tokens. Server-rendered forms; no build step.

Every POST resolves the logged-in actor and checks its role before it reads the form into a
document or writes anything; the desk's own methods check again. The new-request form is
validated by the same Pydantic models the API uses (`RequestDocument`), and every field in error
gets its own message beside it.
"""

from __future__ import annotations

import email.policy
from email.parser import BytesParser
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk.service import Desk
from detainer_desk.errors import InputError
from detainer_desk.request.document import RequestDocument, check_paper
from detainer_desk.request.forbidden import refuse_forbidden_fields
from detainer_desk.request.paper import PaperReading, read_paper
from detainer_desk.vocabulary import (
    DEFAULT_ACTIONS,
    Action,
    Form,
    ProbableCauseBasis,
    ReleaseReason,
    RequestKind,
    WarrantKind,
)
from detainer_desk.web.formatting import label
from detainer_desk.web.ui import _guarded

router = APIRouter(prefix="/ui", include_in_schema=False)

# Form field ← the document's dotted path (for putting each validation message in its place).
FIELD_OF = {
    "jurisdiction": "jurisdiction",
    "received_at": "received_at",
    "request.kind": "kind",
    "request.form": "form",
    "request.issued_on": "issued_on",
    "request.warrant_kind": "warrant_kind",
    "request.judicial_warrant": "jw_court",
    "request.judicial_warrant.issuing_court": "jw_court",
    "request.judicial_warrant.judge": "jw_judge",
    "request.judicial_warrant.offence": "jw_offence",
    "request.judicial_warrant.issued_on": "jw_issued_on",
    "request.probable_cause_bases": "probable_cause_bases",
    "request.actions": "actions",
    "request.office": "office",
    "booking.booking_id": "booking_id",
}
MAX_TEXT = 200
# The judicial warrant's who and what (request.judicial_warrant): form field ← its key.
JUDICIAL_FIELDS = {
    "jw_court": "issuing_court",
    "jw_judge": "judge",
    "jw_offence": "offence",
    "jw_issued_on": "issued_on",
}


def choices() -> dict[str, list[tuple[str, str]]]:
    """The select and checkbox options of the new-request form, in the vocabulary's words."""
    return {
        "kind": [(k.value, label(k.value)) for k in RequestKind],
        "form": [(f.value, f.value) for f in Form],
        "warrant_kind": [(w.value, label(w.value)) for w in WarrantKind],
        "probable_cause_bases": [(b.value, label(b.value)) for b in ProbableCauseBasis],
        "actions": [(a.value, label(a.value)) for a in Action],
        "release_reason": [(r.value, label(r.value)) for r in ReleaseReason],
    }


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[: MAX_TEXT * 5] if isinstance(value, str) else ""


def _many(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v][:20]


def form_values(form: FormData) -> dict[str, Any]:
    """What the clerk typed (kept to re-show the form with its messages)."""
    values: dict[str, Any] = {
        name: _text(form, name)
        for name in (
            "booking_id",
            "jurisdiction",
            "kind",
            "form",
            "issued_on",
            "warrant_kind",
            *JUDICIAL_FIELDS,
            "office",
            "received_at",
            "pdf_sha256",
        )
    }
    values["probable_cause_bases"] = _many(form, "probable_cause_bases")
    values["actions"] = _many(form, "actions")
    return values


def to_document(values: dict[str, Any]) -> dict[str, Any]:
    """The request document the form describes (empty fields left out: the model's defaults)."""
    request: dict[str, Any] = {
        "kind": values["kind"] or None,
        "form": values["form"] or None,
        "issued_on": values["issued_on"] or None,
        "warrant_kind": values["warrant_kind"] or None,
        "judicial_warrant": _judicial_warrant(values),
        "probable_cause_bases": values["probable_cause_bases"],
        "actions": values["actions"] or None,
        "office": values["office"] or None,
    }
    return {
        "jurisdiction": values["jurisdiction"] or None,
        "received_at": values["received_at"] or None,
        "request": {k: v for k, v in request.items() if v is not None},
        "booking": {"booking_id": values["booking_id"]},
    }


def _judicial_warrant(values: dict[str, Any]) -> dict[str, str] | None:
    """`request.judicial_warrant` from its four fields; None when none was filled in."""
    given = {key: values[name] for name, key in JUDICIAL_FIELDS.items() if values.get(name)}
    return given or None


def field_errors(document: dict[str, Any]) -> dict[str, str]:
    """Every problem the API's own model finds, keyed by form field."""
    try:
        refuse_forbidden_fields(document)
        check_paper(RequestDocument.model_validate(document).request)
    except InputError as exc:
        return {FIELD_OF.get(exc.field or "", "form_error"): exc.message}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
            field = FIELD_OF.get(path, "form_error")
            message = "required" if error["type"] == "missing" else error["msg"]
            errors.setdefault(field, message)
        return errors
    return {}


def blank_values(desk: Desk) -> dict[str, Any]:
    now = desk.clock.now().astimezone(desk.settings.zone)
    return {
        "booking_id": "",
        "jurisdiction": desk.settings.jurisdiction or "",
        "kind": RequestKind.detainer.value,
        "form": Form.I_247A.value,
        "issued_on": "",
        "warrant_kind": WarrantKind.none.value,
        **dict.fromkeys(JUDICIAL_FIELDS, ""),
        "office": "",
        "received_at": now.strftime("%Y-%m-%dT%H:%M"),
        "pdf_sha256": "",
        "probable_cause_bases": [],
        "actions": [a.value for a in DEFAULT_ACTIONS[RequestKind.detainer]],
    }


def new_request_context(
    desk: Desk,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    paper: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors or {},
        "choices": choices(),
        "packs": desk.library.names(),
        "paper": paper,
        "max_upload": desk.settings.max_upload_bytes,
    }


@router.get("/requests/new")
def new_request_form(request: Request) -> Response:
    def build(desk: Desk, actor: Actor) -> dict[str, Any]:
        require(actor, Permission.receive_request, actor.office)
        return new_request_context(desk, blank_values(desk))

    return _guarded(request, "new_request.html", build)


@router.post("/requests/new")
async def new_request(request: Request) -> Response:
    form = await request.form()
    values = form_values(form)

    def build(desk: Desk, actor: Actor) -> Any:
        require(actor, Permission.receive_request, values["office"] or actor.office)
        document = to_document(values)
        errors = field_errors(document)
        if errors:
            return _form_again(request, actor, desk, values, errors)
        receipt = values["pdf_sha256"] or None
        try:
            made = desk.receive_request(actor, document, paper_sha256=receipt)
        except InputError as exc:  # e.g. a booking of another jurisdiction
            field = FIELD_OF.get(exc.field or "", "form_error")
            return _form_again(request, actor, desk, values, {field: exc.message})
        return RedirectResponse(f"/ui/requests/{made['id']}", status_code=303)

    return await _posted(request, form, "new_request.html", build)


async def _posted(request: Request, form: FormData, name: str, build: Any) -> Response:
    """A form POST: it must come from this desk's own page (same origin) and carry the
    session's CSRF token; both are checked before `build` authorizes and writes anything."""
    csrf = form.get("csrf")
    token = csrf if isinstance(csrf, str) else None
    return await run_in_threadpool(_guarded, request, name, build, token, True)


def _staff_page(
    request: Request, name: str, status: int, actor: Actor, desk: Desk, **context: Any
) -> Response:
    """A page rendered from inside a `build` (a form shown again): with the session's CSRF
    token, so the form on it can be sent again."""
    from detainer_desk.access.check import is_allowed
    from detainer_desk.web.ui import SESSION_COOKIE, _page

    csrf = desk.ui_session(request.cookies.get(SESSION_COOKIE)).csrf
    return _page(
        request,
        name,
        status,
        actor=actor,
        csrf=csrf,
        can=lambda p: is_allowed(actor, Permission(p)),
        **context,
    )


def _form_again(
    request: Request, actor: Actor, desk: Desk, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    return _staff_page(
        request, "new_request.html", 422, actor, desk, **new_request_context(desk, values, errors)
    )


@router.post("/bookings/{booking_id}/events")
async def booking_event(request: Request, booking_id: str) -> Response:
    form = await request.form()

    def build(desk: Desk, actor: Actor) -> Response:
        require(actor, Permission.record_event)
        kind = _text(form, "kind")
        event: dict[str, Any] = {"booking_id": booking_id, "kind": kind, "at": _at(desk, form)}
        if kind == "release_eligible":
            event["release_reason"] = _text(form, "release_reason") or None
        if kind == "release_scheduled":
            event["release_at"] = _text(form, "release_at") or None
        if kind == "transferred":
            event["transferred_to"] = _text(form, "transferred_to")[:MAX_TEXT] or None
        desk.record_event(actor, {k: v for k, v in event.items() if v is not None})
        return RedirectResponse(f"/ui/bookings/{booking_id}", status_code=303)

    return await _posted(request, form, "error.html", build)


def _at(desk: Desk, form: FormData) -> str:
    """When the event happened: the clerk's time (desk zone), or now."""
    typed = _text(form, "at")
    if typed:
        return typed
    return desk.clock.now().astimezone(desk.settings.zone).isoformat(timespec="seconds")


@router.post("/requests/{request_id}/amend")
async def amend(request: Request, request_id: int) -> Response:
    form = await request.form()

    def build(desk: Desk, actor: Actor) -> Response:
        require(actor, Permission.amend_request, actor.office)  # the desk checks the office too
        body: dict[str, Any] = {"warrant_kind": _text(form, "warrant_kind")}
        judicial = _judicial_warrant({name: _text(form, name) for name in JUDICIAL_FIELDS})
        if judicial is not None:
            body["judicial_warrant"] = judicial
        desk.amend_request(actor, request_id, body)
        return RedirectResponse(f"/ui/requests/{request_id}", status_code=303)

    return await _posted(request, form, "error.html", build)


@router.post("/requests/{request_id}/interviews")
async def interview(request: Request, request_id: int) -> Response:
    form = await request.form()

    def build(desk: Desk, actor: Actor) -> Response:
        require(actor, Permission.record_interview)
        note = _text(form, "conditions_note")[:MAX_TEXT] or "recorded met at the desk"
        record = {
            "modality": _text(form, "modality"),
            "written_advisement_given": bool(form.get("written_advisement_given")),
            "advisement_language": _text(form, "advisement_language")[:80] or None,
            "written_consent_signed": bool(form.get("written_consent_signed")),
            "declined": bool(form.get("declined")),
            "attorney_requested": bool(form.get("attorney_requested")),
            "conditions_met": {c[:120]: note for c in _many(form, "conditions_met")},
        }
        desk.record_interview(actor, request_id, record)
        return RedirectResponse(f"/ui/requests/{request_id}", status_code=303)

    return await _posted(request, form, "error.html", build)


@router.post("/interviews/{interview_id}/outcome")
async def interview_outcome(request: Request, interview_id: int) -> Response:
    form = await request.form()

    def build(desk: Desk, actor: Actor) -> Response:
        require(actor, Permission.record_interview)
        done = desk.interview_outcome(
            actor,
            interview_id,
            {"held": _text(form, "held") == "yes", "outcome": _text(form, "outcome")[:2000]},
        )
        return RedirectResponse(f"/ui/requests/{done['request']}", status_code=303)

    return await _posted(request, form, "error.html", build)


@router.get("/offices")
def offices_page(request: Request) -> Response:
    return _guarded(request, "offices.html", lambda d, a: {"offices": d.offices(a)})


@router.post("/offices")
async def set_office(request: Request) -> Response:
    form = await request.form()

    def build(desk: Desk, actor: Actor) -> Response:
        require(actor, Permission.manage_offices)
        desk.set_office(
            actor,
            {k: _text(form, k)[:500] for k in ("name", "channel", "address")},
        )
        return RedirectResponse("/ui/offices", status_code=303)

    return await _posted(request, form, "error.html", build)


TOKEN_ROLES = ("clerk", "counsel", "auditor", "federal_liaison", "public")


def tokens_context(desk: Desk, actor: Actor, issued: dict[str, Any] | None) -> dict[str, Any]:
    """The one tokens page (supervisors): issue a token, list every token, revoke one."""
    return {"roles": TOKEN_ROLES, "issued": issued, "tokens": desk.tokens(actor)}


@router.get("/tokens")
def tokens_page(request: Request) -> Response:
    return _guarded(request, "tokens.html", lambda d, a: tokens_context(d, a, None))


@router.post("/tokens")
async def issue_token(request: Request) -> Response:
    form = await request.form()

    def build(desk: Desk, actor: Actor) -> dict[str, Any]:
        require(actor, Permission.manage_tokens)
        name, role = _text(form, "name")[:120], _text(form, "role")
        if not name:
            raise InputError("the token needs a name (who will use it)", field="name")
        office = _text(form, "office")[:MAX_TEXT] or None
        token = desk.issue_token(actor, name, role, office, _days(_text(form, "expires_days")))
        return tokens_context(desk, actor, {"name": name, "role": role, "token": token})

    return await _posted(request, form, "tokens.html", build)


def _days(text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text[:20])
    except ValueError:
        raise InputError("expires_days must be a number of days (1-3650)", "expires_days") from None


PDF_UPLOAD_PATH = "/ui/requests/new/pdf"
UPLOAD_SLACK = 10_000  # the multipart envelope around the file


@router.post("/requests/new/pdf")
async def read_pdf(request: Request) -> Response:
    """Read an uploaded ICE PDF in memory and show the new-request form filled in from it.

    The body is read into memory (bounded: the Content-Length and the bytes actually sent), and
    parsed there; it never touches the disk, and is dropped when the page is rendered. The form's
    CSRF token travels in the same multipart body, so it is taken from the parts parsed here, and
    checked (with the origin) before anything else is done with the file.
    """
    desk: Desk = request.app.state.desk
    limit = desk.settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    too_big = f"the PDF is larger than {limit:,} bytes; ask for a smaller copy"
    if declared.isdigit() and int(declared) > limit + UPLOAD_SLACK:
        return _upload_refused(request, 413, too_big)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit + UPLOAD_SLACK:
            return _upload_refused(request, 413, too_big)
    problem: InputError | None = None
    try:
        parts = multipart_parts(request.headers.get("content-type", ""), bytes(body))
    except InputError as exc:
        parts, problem = {}, exc
    csrf = parts.get("csrf")
    token = csrf[1].decode("ascii", "replace")[:200] if csrf else None

    def build(desk: Desk, actor: Actor) -> Any:
        require(actor, Permission.receive_request, actor.office)
        if problem is not None:
            raise problem
        filename, data = pdf_part(parts)
        if len(data) > limit:
            raise InputError(too_big, field="pdf")
        reading = read_paper(data)
        values = prefilled(blank_values(desk), reading)
        paper = {
            "filename": filename,
            "sha256": reading.sha256,
            "has_text": reading.has_text,
            "found": [label(f) for f in reading.found()],
        }
        context = new_request_context(desk, values, None, paper)
        return _staff_page(request, "new_request.html", 200, actor, desk, **context)

    return await run_in_threadpool(_guarded, request, "new_request.html", build, token, True)


def _upload_refused(request: Request, status: int, message: str) -> Response:
    from detainer_desk.web.ui import _page

    return _page(request, "error.html", status, message=message, actor=None)


def multipart_parts(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The parts of a multipart/form-data body, parsed in memory: name → (filename, bytes)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise InputError("send the PDF as multipart/form-data (the form's file field)", "pdf")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes) and name not in parts:
            filename = part.get_param("filename", None, "content-disposition")
            parts[name] = (str(filename) if filename is not None else None, payload)
    return parts


def pdf_part(parts: dict[str, tuple[str | None, bytes]]) -> tuple[str, bytes]:
    """The file part named `pdf`: its file name and bytes."""
    name, payload = parts.get("pdf", (None, b""))
    if not payload:
        raise InputError("no PDF was attached; choose a file", field="pdf")
    return (name or "upload.pdf")[:120], payload


def prefilled(values: dict[str, Any], reading: PaperReading) -> dict[str, Any]:
    """The blank form with what the paper says filled in, and its SHA-256 to record on save."""
    out = dict(values, pdf_sha256=reading.sha256)
    if not reading.has_text:
        return out
    for name in ("form", "kind", "warrant_kind"):
        value = getattr(reading, name)
        if value is not None:
            out[name] = value.value
    if reading.issued_on:
        out["issued_on"] = reading.issued_on.isoformat()
    out["office"] = reading.office or out["office"]
    out["probable_cause_bases"] = [b.value for b in reading.probable_cause_bases]
    if reading.actions:
        out["actions"] = [a.value for a in reading.actions]
    return out


@router.post("/bookings/{booking_id}/facts")
async def supply_facts(request: Request, booking_id: str) -> Response:
    """Supply facts a decision said were missing; recorded as a `charges_changed` jail event, so
    every request on the booking is decided again with them."""
    form = await request.form()

    def build(desk: Desk, actor: Actor) -> Response:
        require(actor, Permission.record_event)
        facts: dict[str, Any] = {}
        public = _text(form, "release_date_public")
        if public in ("yes", "no"):
            facts["release_date_public"] = public == "yes"
        if _text(form, "no_convictions") == "1":
            facts["convictions"] = []
        if not facts:
            raise InputError("choose at least one fact to record", field="release_date_public")
        event = {"booking_id": booking_id, "kind": "charges_changed", "at": _at(desk, form)}
        desk.record_event(actor, event | facts)
        back = _text(form, "back")
        target = back if back.startswith("/ui/requests/") and back[13:].isdigit() else "/ui/"
        return RedirectResponse(target, status_code=303)

    return await _posted(request, form, "error.html", build)
