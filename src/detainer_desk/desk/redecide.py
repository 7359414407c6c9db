"""Deciding a request again (after intake, an event, new law) and queueing what it makes due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.desk.deciding import (
    compose_document,
    conflicting_overrides,
    decide_document,
    decided_effects,
    effective_effects,
    store_decision,
)
from detainer_desk.desk.holdclock import raise_alarm
from detainer_desk.desk.outbox import queue_release_notification
from detainer_desk.desk.tables import Booking, FederalRequest, InterviewRecord
from detainer_desk.desk.uow import DeskContext
from detainer_desk.vocabulary import Action, Effect


def decide(
    ctx: DeskContext,
    session: Session,
    request: FederalRequest,
    booking: Booking,
    trigger: str,
    actor: str,
    on: datetime | None = None,
) -> None:
    interview = session.execute(
        select(InterviewRecord)
        .where(InterviewRecord.request_pk == request.id)
        .order_by(InterviewRecord.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    document = compose_document(booking, request, interview, ctx.agency, ctx.settings.zone)
    # The instant is read on the jail's calendar (the document's agency zone) by `decide`.
    decision = decide_document(document, on or ctx.clock.now(), ctx.library)
    now = ctx.clock.now()
    record = store_decision(session, request, decision, trigger, now, actor)
    for override in conflicting_overrides(session, record):
        raise_alarm(
            session,
            booking,
            request.id,
            "override_conflicts_with_decision",
            f"override {override.id} ({override.action} -> {override.effect}) stays in force "
            f"but the new decision ({trigger}) says "
            f"{decided_effects(record).get(Action(override.action), 'nothing')}; review both",
            None,
            now,
        )
    queue_if_due(session, request, booking, now, actor)


def queue_if_due(
    session: Session,
    request: FederalRequest,
    booking: Booking,
    now: datetime,
    actor: str,
) -> None:
    release_known = booking.release_scheduled_at or booking.release_eligible_at
    if release_known is None or not booking.in_custody:
        return
    if effective_effects(session, request.id).get(Action.notify_release) is Effect.permit:
        queue_release_notification(session, request, booking, now, actor)
