"""Jail events: a booking's state as the jail records it (booked, charges, release, transfer).

An event may re-decide the booking's requests (new charges, release eligibility) or make a
release notification due. The event's body is screened for forbidden fields once, at the edge
(`parse_edge`); a refusal is counted in its own unit before the error is raised.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk.documents import EventKind, JailEventDocument, parse_edge
from detainer_desk.desk.lookups import booking_facts, find_booking
from detainer_desk.desk.outbox import record_actual_release
from detainer_desk.desk.redecide import decide, queue_if_due
from detainer_desk.desk.refusals import refuse_forbidden
from detainer_desk.desk.tables import Booking, FederalRequest, JailEvent
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import ConflictError, ForbiddenFieldError, InputError, NotFoundError
from detainer_desk.ledger.entries import append
from detainer_desk.request.forbidden import Screened


def record_event(ctx: DeskContext, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
    """Record one jail event; re-decide and queue notifications as it requires."""
    require(actor, Permission.record_event)  # before anything is recorded
    try:
        event = parse_edge(JailEventDocument, raw)
    except ForbiddenFieldError as exc:
        refuse_forbidden(ctx, actor, "event", exc.categories)
        raise
    with ctx.write() as session:
        return _apply_event(ctx, session, actor, event)


def _apply_event(
    ctx: DeskContext, session: Session, actor: Actor, event: JailEventDocument
) -> dict[str, Any]:
    now = ctx.clock.now()
    at = ctx.localise(event.at)
    booking = find_booking(session, event.booking_id)
    if event.kind is EventKind.booked:
        booking = _book(ctx, session, event, booking, at, now)
    elif booking is None:
        raise NotFoundError(
            f"booking {event.booking_id!r} has no 'booked' event; record that first",
            field="booking_id",
        )
    elif not booking.in_custody:
        raise ConflictError(
            f"booking {booking.booking_id!r} already left custody; nothing more can happen",
            field="kind",
        )
    else:
        _change_booking(ctx, booking, event, at)
    booking.updated_at = now
    row = JailEvent(
        booking_pk=booking.id,
        kind=event.kind.value,
        at=at,
        data=event.model_dump(mode="json", exclude_none=True),
        recorded_at=now,
        recorded_by=actor.label,
    )
    session.add(row)
    session.flush()
    append(
        session,
        "jail_event",
        actor.label,
        now,
        Screened(  # the desk's field names over an event screened at the edge
            {"event": row.id, "booking": booking.id, "kind": row.kind, "at": at.isoformat()}
        ),
    )
    _after_event(ctx, session, actor, booking, event, at)
    return {"event": row.id, "booking_id": booking.booking_id, "kind": row.kind}


def _book(
    ctx: DeskContext,
    session: Session,
    event: JailEventDocument,
    booking: Booking | None,
    at: datetime,
    now: datetime,
) -> Booking:
    if booking is not None:
        raise ConflictError(f"booking {event.booking_id!r} is already booked", "booking_id")
    if not event.jurisdiction:
        raise InputError(
            "a 'booked' event needs 'jurisdiction' (a policy pack name)", "jurisdiction"
        )
    ctx.library.pack(event.jurisdiction)
    booking = Booking(
        booking_id=event.booking_id,
        jurisdiction=event.jurisdiction,
        facts=_event_facts(event, {}),
        booked_at=at,
        updated_at=now,
    )
    session.add(booking)
    session.flush()
    return booking


def _change_booking(
    ctx: DeskContext, booking: Booking, event: JailEventDocument, at: datetime
) -> None:
    booking.facts = _event_facts(event, dict(booking.facts))
    if event.kind is EventKind.release_scheduled:
        if event.release_at is None:
            raise InputError("release_scheduled needs 'release_at'", field="release_at")
        booking.release_scheduled_at = ctx.localise(event.release_at)
    elif event.kind is EventKind.release_eligible:
        booking.release_eligible_at = at
        booking.release_reason = event.release_reason or "other_eligible"
    elif event.kind is EventKind.released:
        booking.released_at = at
    elif event.kind is EventKind.transferred:
        booking.transferred_at = at
        booking.transferred_to = event.transferred_to


def _after_event(
    ctx: DeskContext,
    session: Session,
    actor: Actor,
    booking: Booking,
    event: JailEventDocument,
    at: datetime,
) -> None:
    requests = list(
        session.execute(
            select(FederalRequest).where(FederalRequest.booking_pk == booking.id)
        ).scalars()
    )
    if event.kind is EventKind.released:
        record_actual_release(session, booking)
        return
    if event.kind in (EventKind.booked, EventKind.transferred):
        return
    for request in requests:
        if event.kind in (EventKind.charges_changed, EventKind.release_eligible):
            decide(ctx, session, request, booking, event.kind.value, actor.label, on=at)
        else:
            queue_if_due(session, request, booking, ctx.clock.now(), actor.label)


def _event_facts(event: JailEventDocument, facts: dict[str, Any]) -> dict[str, Any]:
    data = event.model_dump(mode="json", exclude_none=True)
    facts.update(booking_facts(data))
    return facts
