"""Intake: receiving a request document, amending it with new paper, recording an exception.

Each function is one unit of work (`DeskContext.write`): the actor's role is checked first, the
input is screened and validated at the edge, and the rows and their ledger entries commit
together. A refusal of forbidden fields is counted in its own unit before the error is raised.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from detainer_desk.access.check import Actor, Permission, Role, require
from detainer_desk.desk import views
from detainer_desk.desk.bounds import check_json, check_text
from detainer_desk.desk.deciding import EXCEPTIONS_KEY
from detainer_desk.desk.documents import RequestAmendment, parse_edge
from detainer_desk.desk.lookups import booking_facts, find_booking, request_and_booking
from detainer_desk.desk.redecide import decide
from detainer_desk.desk.refusals import refuse_forbidden
from detainer_desk.desk.tables import Booking, FederalRequest
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import ConflictError, ForbiddenFieldError, InputError, NotFoundError
from detainer_desk.law.decide import check_exceptions, declared_exceptions
from detainer_desk.ledger.entries import append
from detainer_desk.request.document import ExceptionEstablished, RequestDocument, parse_request
from detainer_desk.request.forbidden import Screened, screen, strip_forbidden_fields


def receive_request(
    ctx: DeskContext,
    actor: Actor,
    raw: dict[str, Any],
    *,
    strip_forbidden: bool = False,
    paper_sha256: str | None = None,
) -> dict[str, Any]:
    """Store and decide one request document. Returns the request view.

    `paper_sha256`: the SHA-256 of the paper it was read from (an uploaded PDF); the paper
    itself is never stored, only this digest goes into the ledger as proof of receipt.
    """
    own_office = actor.office if actor.role is Role.federal_liaison else None
    require(actor, Permission.receive_request, own_office)  # before anything is recorded
    if paper_sha256 is not None and not _is_sha256(paper_sha256):
        raise InputError("pdf_sha256 must be 64 hexadecimal digits", field="pdf_sha256")
    check_json(raw)
    stripped: tuple[str, ...] = ()
    removed: list[str] = []
    if strip_forbidden:
        stripped = screen(raw).categories
        raw, removed = strip_forbidden_fields(raw)
    try:
        document = parse_request(raw)
    except ForbiddenFieldError as exc:
        refuse_forbidden(ctx, actor, "request", exc.categories)
        raise
    require(actor, Permission.receive_request, document.request.office)
    if document.request.office is not None:
        check_text(document.request.office, "request.office", limit=200)
    with ctx.write() as session:
        now = ctx.clock.now()
        if removed:
            append(
                session,
                "forbidden_field_stripped",
                actor.label,
                now,
                {"where": "request", "categories": list(stripped), "fields": len(removed)},
            )
        booking = _booking_for_request(ctx, session, actor, document, now)
        request = _store_request(ctx, session, actor, booking, document, now)
        if paper_sha256 is not None:
            append(
                session,
                "paper_received",
                actor.label,
                now,
                {"request": request.id, "sha256": paper_sha256.lower()},
            )
        decide(ctx, session, request, booking, "received", actor.label, on=request.received_at)
        return views.request_status(session, request)


def _booking_for_request(
    ctx: DeskContext, session: Session, actor: Actor, document: RequestDocument, now: datetime
) -> Booking:
    booking = find_booking(session, document.booking.booking_id)
    if booking is not None:
        if booking.jurisdiction != document.jurisdiction:
            raise InputError(
                f"booking {booking.booking_id!r} is in {booking.jurisdiction!r}, not "
                f"{document.jurisdiction!r}; fix 'jurisdiction'",
                field="jurisdiction",
            )
        return booking
    if actor.role is Role.federal_liaison:
        raise NotFoundError(
            f"booking {document.booking.booking_id!r} is not known to this jail; check the "
            "booking id",
            field="booking.booking_id",
        )
    ctx.library.pack(document.jurisdiction)  # unknown jurisdiction -> InputError
    facts = document.booking.model_dump(mode="json", exclude_none=True)
    booking = Booking(
        booking_id=document.booking.booking_id,
        jurisdiction=document.jurisdiction,
        facts=booking_facts(facts),
        booked_at=ctx.localise_opt(document.booking.booked_at),
        release_eligible_at=ctx.localise_opt(document.booking.release_eligible_at),
        release_reason=document.booking.release_reason,
        updated_at=now,
    )
    session.add(booking)
    session.flush()
    append(
        session,
        "booking_created_from_request",
        actor.label,
        now,
        {"booking": booking.id, "booking_id": booking.booking_id},
    )
    return booking


def _store_request(
    ctx: DeskContext,
    session: Session,
    actor: Actor,
    booking: Booking,
    document: RequestDocument,
    now: datetime,
) -> FederalRequest:
    req = document.request
    body = req.model_dump(mode="json", exclude_none=True)
    body.pop("warrant_kind", None)
    if document.exceptions_established:
        check_exceptions(document, ctx.library)
        body[EXCEPTIONS_KEY] = [e.model_dump(mode="json") for e in document.exceptions_established]
    if req.actions is None:
        body["actions"] = [a.value for a in document.actions_asked()]
    request = FederalRequest(
        booking_pk=booking.id,
        kind=req.kind.value,
        form=req.form.value,
        warrant_kind=req.warrant_kind.value,
        office=req.office,
        received_at=ctx.localise(document.received_at),
        document=body,
        received_by=actor.label,
    )
    session.add(request)
    session.flush()
    append(
        session,
        "request_received",
        actor.label,
        now,
        Screened(  # the desk's field names over a document screened at the edge
            {
                "request": request.id,
                "booking": booking.id,
                "kind": request.kind,
                "form": request.form,
                "warrant_kind": request.warrant_kind,
                "office": request.office,
                "received_at": request.received_at.isoformat(),
            }
        ),
    )
    return request


def amend_request(
    ctx: DeskContext, actor: Actor, request_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    """New paper for a request (e.g. a judicial warrant attached): re-decide."""
    require(actor, Permission.amend_request)  # staff only; the office is checked below
    amendment = parse_edge(RequestAmendment, raw)
    with ctx.write() as session:
        request, booking = request_and_booking(session, request_id)
        require(actor, Permission.amend_request, request.office)
        if amendment.judicial_warrant is not None and not amendment.warrant_kind.is_judicial:
            raise InputError(
                "field 'judicial_warrant' describes a judicial warrant, but warrant_kind is "
                f"{amendment.warrant_kind.value!r}; send the judicial kind with it",
                field="judicial_warrant",
            )
        request.warrant_kind = amendment.warrant_kind.value
        body = {k: v for k, v in request.document.items() if k != "judicial_warrant"}
        if amendment.judicial_warrant is not None:
            body["judicial_warrant"] = amendment.judicial_warrant.model_dump(mode="json")
        request.document = body
        now = ctx.clock.now()
        append(
            session,
            "request_amended",
            actor.label,
            now,
            {
                "request": request.id,
                "warrant_kind": request.warrant_kind,
                "judicial_warrant": body.get("judicial_warrant"),
            },
        )
        decide(ctx, session, request, booking, "warrant_attached", actor.label)
        return views.request_detail(session, request)


def record_exception(
    ctx: DeskContext, actor: Actor, request_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    """Record that a rule's exception is established (e.g. Texas art. 2.251(b)); re-decide.

    Only the rule id, who determined it (counsel or supervisor) and when are kept: never the
    document shown, nor any status, citizenship or birthplace value.
    """
    require(actor, Permission.record_exception)
    try:
        doc = parse_edge(ExceptionEstablished, raw)
    except ForbiddenFieldError as exc:
        refuse_forbidden(ctx, actor, "exception", exc.categories)
        raise
    with ctx.write() as session:
        request, booking = request_and_booking(session, request_id)
        known = declared_exceptions(ctx.library, booking.jurisdiction)
        if doc.exception not in known:
            raise InputError(
                f"exception {doc.exception!r} is not declared by a rule of "
                f"{booking.jurisdiction}; known: {', '.join(sorted(known)) or 'none'}",
                field="exception",
            )
        recorded = list(request.document.get(EXCEPTIONS_KEY, []))
        if any(e["exception"] == doc.exception for e in recorded):
            raise ConflictError(
                f"exception {doc.exception!r} is already recorded on request {request.id}",
                field="exception",
            )
        recorded.append(doc.model_dump(mode="json"))
        request.document = {**request.document, EXCEPTIONS_KEY: recorded}
        now = ctx.clock.now()
        append(
            session,
            "exception_established",
            actor.label,
            now,
            {"request": request.id, **doc.model_dump(mode="json")},
        )
        decide(ctx, session, request, booking, "exception_established", actor.label)
        return views.request_detail(session, request)


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)
