"""Reading the desk: the queue, a request's detail, a booking's timeline.

A staff read of a request or a booking is itself recorded (`record_read`, in its own unit); a
federal liaison sees only its own office's requests, and only their status.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from detainer_desk.access.check import Actor, Permission, Role, is_allowed, require
from detainer_desk.desk import views
from detainer_desk.desk.bounds import check_text
from detainer_desk.desk.documents import parse_edge
from detainer_desk.desk.lookups import find_booking, request_and_booking
from detainer_desk.desk.queue import QueuePage, QueueQuery, page_query, page_rows
from detainer_desk.desk.tables import FederalRequest
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import NotFoundError
from detainer_desk.ledger.entries import append


def queue(ctx: DeskContext, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    require(actor, Permission.read_queue, actor.office)
    with ctx.write() as session:
        query = select(FederalRequest).order_by(FederalRequest.id.desc()).limit(limit)
        if actor.role is Role.federal_liaison:
            query = query.where(FederalRequest.office == actor.office)
        return [views.request_status(session, r) for r in session.execute(query).scalars()]


def queue_page(ctx: DeskContext, actor: Actor, raw: dict[str, Any]) -> QueuePage:
    """One page of the queue: searched, filtered, sorted; staff see each row's status."""
    require(actor, Permission.read_queue, actor.office)  # authorize first, then read input
    query = parse_edge(QueueQuery, raw)
    liaison = actor.role is Role.federal_liaison
    now = ctx.clock.now()
    rows_stmt, count_stmt = page_query(query, now, actor.office if liaison else None)
    with ctx.read() as session:  # a read: no need to queue behind ledger writers
        pairs = [(r, b) for r, b in session.execute(rows_stmt).all()]
        rows = page_rows(session, pairs, now, staff=not liaison)
        total = session.execute(count_stmt).scalar_one()
    return QueuePage(rows, total, query)


def request_detail(ctx: DeskContext, actor: Actor, request_id: int) -> dict[str, Any]:
    """Full view (staff; the read is logged) or status only (federal liaison, own office)."""
    with ctx.write() as session:
        request, _ = request_and_booking(session, request_id)
        if actor.role is Role.federal_liaison:
            if not is_allowed(actor, Permission.read_request_status, request.office):
                # another office's request: the same answer as one that does not exist
                raise NotFoundError(f"no request {request_id}", field="request_id")
            return views.request_status(session, request)
        require(actor, Permission.read_request, request.office)
        append(
            session,
            "record_read",
            actor.label,
            ctx.clock.now(),
            {"request": request.id, "booking": request.booking_pk},
        )
        return views.request_detail(session, request)


def booking_detail(ctx: DeskContext, actor: Actor, booking_id: str) -> dict[str, Any]:
    if actor.role is Role.federal_liaison:
        # a liaison sees no booking: the same 404 whether it exists or not (no enumeration)
        raise NotFoundError(f"no booking {booking_id!r}", field="booking_id")
    require(actor, Permission.read_booking)
    check_text(booking_id, "booking_id", limit=200)
    with ctx.write() as session:
        booking = find_booking(session, booking_id)
        if booking is None:
            raise NotFoundError(f"no booking {booking_id!r}", field="booking_id")
        append(session, "record_read", actor.label, ctx.clock.now(), {"booking": booking.id})
        return views.booking_timeline(session, booking)
