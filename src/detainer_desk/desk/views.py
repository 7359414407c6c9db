"""What the API and the UI show: plain dicts built from the desk's rows.

`request_status` is the only view a federal liaison ever gets: the request and the effect of
each action, never booking facts (charges, convictions, release times).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.desk.deciding import (
    EXCEPTIONS_KEY,
    effective_effects,
    hold_deadline,
    latest_decision,
)
from detainer_desk.desk.tables import (
    Alarm,
    Annotation,
    Booking,
    ConditionTick,
    DecisionRecord,
    FederalRequest,
    InterviewRecord,
    JailEvent,
    Notification,
    Override,
)
from detainer_desk.vocabulary import Action, Effect


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def request_status(session: Session, request: FederalRequest) -> dict[str, Any]:
    current = latest_decision(session, request.id)
    return {
        "id": request.id,
        "kind": request.kind,
        "form": request.form,
        "warrant_kind": request.warrant_kind,
        "office": request.office,
        "received_at": _iso(request.received_at),
        "decided_on": current.decided_on if current else None,
        "effects": {a.value: e.value for a, e in effective_effects(session, request.id).items()},
    }


def request_detail(session: Session, request: FederalRequest) -> dict[str, Any]:
    booking = session.get(Booking, request.booking_pk)
    assert booking is not None
    decisions = list(
        session.execute(
            select(DecisionRecord)
            .where(DecisionRecord.request_pk == request.id)
            .order_by(DecisionRecord.id)
        ).scalars()
    )
    ticks = condition_ticks(session, request.id)
    overrides = session.execute(
        select(Override).where(Override.request_pk == request.id).order_by(Override.id)
    ).scalars()
    notes = session.execute(
        select(Annotation).where(Annotation.request_pk == request.id).order_by(Annotation.id)
    ).scalars()
    interviews = session.execute(
        select(InterviewRecord)
        .where(InterviewRecord.request_pk == request.id)
        .order_by(InterviewRecord.id)
    ).scalars()
    return {
        **request_status(session, request),
        "booking_id": booking.booking_id,
        "jurisdiction": booking.jurisdiction,
        "actions_asked": request.document.get("actions", []),
        "exceptions_established": request.document.get(EXCEPTIONS_KEY, []),
        "decisions": [
            {
                "id": d.id,
                "decided_at": _iso(d.decided_at),
                "trigger": d.trigger,
                "document": d.document,
            }
            for d in decisions
        ],
        "overrides": [
            {
                "id": o.id,
                "decision": o.decision_pk,
                "action": o.action,
                "effect": o.effect,
                "reason": o.reason,
                "by": o.by,
                "at": _iso(o.at),
                "status": o.status,
                "decided_effect": o.decided_effect,
                "basis_provision": o.basis_provision,
                "basis_judicial_warrant": o.basis_judicial_warrant,
                "hold_hours": o.hold_hours,
                "confirmed_by": o.confirmed_by,
                "confirmed_at": _iso(o.confirmed_at),
                "confirmation_note": o.confirmation_note,
            }
            for o in overrides
        ],
        "hold_ends_at": _iso(
            hold_deadline(session, request.id, booking.release_eligible_at)
            if effective_effects(session, request.id).get(Action.hold_beyond_release)
            is Effect.permit
            else None
        ),
        "annotations": [{"text": n.text, "by": n.by, "at": _iso(n.at)} for n in notes],
        "interviews": [interview(i) for i in interviews],
        "conditions": checklist(decisions[-1].document if decisions else None, ticks),
        "condition_ticks": [tick(t) for t in ticks],
        "notifications": [notification(n) for n in _notifications(session, request.id)],
    }


def condition_ticks(session: Session, request_pk: int) -> list[ConditionTick]:
    """Every condition ticked on the request, oldest first."""
    return list(
        session.execute(
            select(ConditionTick)
            .where(ConditionTick.request_pk == request_pk)
            .order_by(ConditionTick.id)
        ).scalars()
    )


def tick(row: ConditionTick) -> dict[str, Any]:
    return {
        "id": row.id,
        "decision": row.decision_pk,
        "action": row.action,
        "condition": row.condition_id,
        "note": row.note,
        "by": row.by,
        "at": _iso(row.at),
    }


def condition_items(document: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """(action, condition) for every condition of a decision document, in its order, once each."""
    items: list[tuple[str, dict[str, Any]]] = []
    for action in (document or {}).get("actions", []):
        seen: set[str] = set()
        for condition in action.get("conditions", []):
            if condition["id"] not in seen:
                seen.add(condition["id"])
                items.append((action["action"], condition))
    return items


def checklist(current: dict[str, Any] | None, ticks: list[ConditionTick]) -> list[dict[str, Any]]:
    """The current decision's conditions (its document), one item per (action, condition), each
    with its tick (who, when, how) or None. A tick made under an earlier decision counts while
    the condition is still attached to the same action."""
    by_key = {(t.action, t.condition_id): t for t in ticks}
    out = []
    for action, condition in condition_items(current):
        done = by_key.get((action, condition["id"]))
        out.append(
            {
                "action": action,
                "condition": condition["id"],
                "text": condition.get("text", ""),
                "cite": condition.get("cite", ""),
                "ticked": tick(done) if done is not None else None,
            }
        )
    return out


def _notifications(session: Session, request_pk: int) -> list[Notification]:
    return list(
        session.execute(select(Notification).where(Notification.request_pk == request_pk)).scalars()
    )


def notification(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "status": n.status,
        "attempts": n.attempts,
        "release_at": _iso(n.release_at),
        "queued_at": _iso(n.queued_at),
        "sent_at": _iso(n.sent_at),
        "result": n.result,
        "lead_seconds": n.lead_seconds,
        "not_in_time_reason": n.not_in_time_reason,
        "channel": n.channel,
    }


def interview(row: InterviewRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "request": row.request_pk,
        "modality": row.modality,
        "written_advisement_given": row.written_advisement_given,
        "advisement_language": row.advisement_language,
        "written_consent_signed": row.written_consent_signed,
        "declined": row.declined,
        "attorney_requested": row.attorney_requested,
        "conditions_met": row.conditions_met,
        "status": row.status,
        "outcome": row.outcome,
    }


def booking_timeline(session: Session, booking: Booking) -> dict[str, Any]:
    events = session.execute(
        select(JailEvent).where(JailEvent.booking_pk == booking.id).order_by(JailEvent.at)
    ).scalars()
    requests = session.execute(
        select(FederalRequest)
        .where(FederalRequest.booking_pk == booking.id)
        .order_by(FederalRequest.id)
    ).scalars()
    return {
        "booking_id": booking.booking_id,
        "jurisdiction": booking.jurisdiction,
        "in_custody": booking.in_custody,
        "booked_at": _iso(booking.booked_at),
        "release_scheduled_at": _iso(booking.release_scheduled_at),
        "release_eligible_at": _iso(booking.release_eligible_at),
        "release_reason": booking.release_reason,
        "released_at": _iso(booking.released_at),
        "transferred_at": _iso(booking.transferred_at),
        "facts": booking.facts,
        "events": [{"kind": e.kind, "at": _iso(e.at), "by": e.recorded_by} for e in events],
        "requests": [request_status(session, r) for r in requests],
        "timeline": booking_story(session, booking),
    }


def booking_story(session: Session, booking: Booking) -> list[dict[str, Any]]:
    """One timeline per booking: jail events, requests, decisions, overrides, conditions ticked,
    notifications and alarms, oldest first. Each item: at, what, request (or None), and plain
    details."""
    items: list[dict[str, Any]] = []
    for e in session.execute(select(JailEvent).where(JailEvent.booking_pk == booking.id)).scalars():
        items.append(_item(e.at, "event", None, kind=e.kind, by=e.recorded_by))
    requests = list(
        session.execute(
            select(FederalRequest).where(FederalRequest.booking_pk == booking.id)
        ).scalars()
    )
    ids = [r.id for r in requests]
    for r in requests:
        items.append(_item(r.received_at, "request", r.id, kind=r.kind, office=r.office))
    for d in session.execute(select(DecisionRecord).where(DecisionRecord.request_pk.in_(ids))):
        row = d[0]
        effects = {a["action"]: a["effect"] for a in row.document["actions"]}
        required = [a["action"] for a in row.document["actions"] if a.get("required")]
        items.append(
            _item(
                row.decided_at,
                "decision",
                row.request_pk,
                trigger=row.trigger,
                effects=effects,
                required=required,
            )
        )
    for o in session.execute(select(Override).where(Override.request_pk.in_(ids))).scalars():
        items.append(
            _item(o.at, "override", o.request_pk, action=o.action, effect=o.effect, by=o.by)
        )
    for t in session.execute(
        select(ConditionTick).where(ConditionTick.request_pk.in_(ids))
    ).scalars():
        items.append(
            _item(
                t.at, "condition", t.request_pk, action=t.action, condition=t.condition_id, by=t.by
            )
        )
    for n in session.execute(
        select(Notification).where(Notification.request_pk.in_(ids))
    ).scalars():
        items.append(_item(n.sent_at or n.queued_at, "notification", n.request_pk, status=n.status))
    for a in session.execute(select(Alarm).where(Alarm.booking_pk == booking.id)).scalars():
        items.append(
            _item(a.raised_at, "alarm", a.request_pk, kind=a.kind, open=a.acknowledged_at is None)
        )
        if a.acknowledged_at is not None:
            items.append(
                _item(
                    a.acknowledged_at,
                    "alarm_acknowledged",
                    a.request_pk,
                    kind=a.kind,
                    by=a.acknowledged_by,
                )
            )
    items.sort(key=lambda i: (i["at"] or "", _ORDER.get(i["what"], 9)))
    return items


_ORDER = {
    "event": 0,
    "request": 1,
    "decision": 2,
    "override": 3,
    "condition": 4,
    "notification": 5,
    "alarm": 6,
}


def _item(at: Any, what: str, request: int | None, **details: Any) -> dict[str, Any]:
    return {"at": _iso(at), "what": what, "request": request, **details}


def alarm(session: Session, row: Alarm) -> dict[str, Any]:
    booking = session.get(Booking, row.booking_pk)
    return {
        "id": row.id,
        "kind": row.kind,
        "message": row.message,
        "booking_id": booking.booking_id if booking else None,
        "request": row.request_pk,
        "due_at": _iso(row.due_at),
        "raised_at": _iso(row.raised_at),
        "acknowledged_at": _iso(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by,
        "note": row.note,
    }
