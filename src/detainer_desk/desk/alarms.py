"""The hold clock and its alarms: a tick re-decides on new law and raises due alarms; staff
read and acknowledge them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk import views
from detainer_desk.desk.documents import AcknowledgementDocument, parse_edge
from detainer_desk.desk.holdclock import (
    AlarmRule,
    check_booking,
    in_custody,
    law_changed,
    take_clock_lock,
)
from detainer_desk.desk.lookups import existing
from detainer_desk.desk.redecide import decide
from detainer_desk.desk.tables import Alarm, Booking
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import ConflictError
from detainer_desk.ledger.entries import append


def check_clock(ctx: DeskContext) -> dict[str, int]:
    """One tick: re-decide on new law, then raise due alarms. Returns counts."""
    now = ctx.clock.now()
    rule = AlarmRule(ctx.settings.approaching, ctx.settings.release_grace)
    with ctx.write() as session:
        take_clock_lock(session)
        stale = law_changed(session, ctx.library, ctx.settings.zone, now)
        for request in stale:
            booking = session.get(Booking, request.booking_pk)
            assert booking is not None
            decide(ctx, session, request, booking, "law_changed", "hold_clock")
        raised = sum(check_booking(session, b, rule, now) for b in list(in_custody(session)))
    return {"redecided": len(stale), "alarms_raised": raised}


def acknowledge_alarm(
    ctx: DeskContext, actor: Actor, alarm_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    require(actor, Permission.acknowledge_alarm)
    doc = parse_edge(AcknowledgementDocument, raw)
    with ctx.write() as session:
        alarm = existing(session, Alarm, alarm_id, "alarm_id", "alarm")
        if alarm.acknowledged_at is not None:
            raise ConflictError(f"alarm {alarm_id} is already acknowledged", field="alarm_id")
        now = ctx.clock.now()
        alarm.acknowledged_at, alarm.acknowledged_by, alarm.note = now, actor.label, doc.note
        append(
            session,
            "alarm_acknowledged",
            actor.label,
            now,
            {"alarm": alarm.id, "note": doc.note},
        )
        return views.alarm(session, alarm)


def alarms(ctx: DeskContext, actor: Actor, open_only: bool = True) -> list[dict[str, Any]]:
    require(actor, Permission.read_alarms)
    with ctx.write() as session:
        query = select(Alarm).order_by(Alarm.id)
        if open_only:
            query = query.where(Alarm.acknowledged_at.is_(None))
        return [views.alarm(session, a) for a in session.execute(query).scalars()]
