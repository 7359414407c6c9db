"""Interviews: recording the conditions an interview was held under, and its outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk import views
from detainer_desk.desk.deciding import effective_effects, latest_decision
from detainer_desk.desk.documents import InterviewDocument, InterviewOutcomeDocument, parse_edge
from detainer_desk.desk.lookups import existing, request_and_booking
from detainer_desk.desk.redecide import decide
from detainer_desk.desk.tables import InterviewRecord
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import ConflictError, InputError
from detainer_desk.ledger.entries import append
from detainer_desk.vocabulary import Action, Effect


def record_interview(
    ctx: DeskContext, actor: Actor, request_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    require(actor, Permission.record_interview)
    doc = parse_edge(InterviewDocument, raw)
    with ctx.write() as session:
        request, booking = request_and_booking(session, request_id)
        _check_condition_ids(session, request.id, doc)
        now = ctx.clock.now()
        row = InterviewRecord(
            request_pk=request.id,
            modality=doc.modality,
            written_advisement_given=doc.written_advisement_given,
            advisement_language=doc.advisement_language,
            written_consent_signed=doc.written_consent_signed,
            declined=doc.declined,
            attorney_requested=doc.attorney_requested,
            conditions_met=doc.conditions_met,
            status="recorded",
            recorded_at=now,
            recorded_by=actor.label,
        )
        session.add(row)
        session.flush()
        append(
            session,
            "interview_conditions_recorded",
            actor.label,
            now,
            {
                "interview": row.id,
                "request": request.id,
                "modality": row.modality,
                "written_advisement_given": row.written_advisement_given,
                "written_consent_signed": row.written_consent_signed,
                "declined": row.declined,
                "attorney_requested": row.attorney_requested,
                "conditions_met": sorted(row.conditions_met),
            },
        )
        decide(ctx, session, request, booking, "interview_recorded", actor.label)
        return views.interview(row)


def interview_outcome(
    ctx: DeskContext, actor: Actor, interview_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    """Mark an interview held (only if permitted and every condition is recorded met)."""
    require(actor, Permission.record_interview)
    doc = parse_edge(InterviewOutcomeDocument, raw)
    with ctx.write() as session:
        row = existing(session, InterviewRecord, interview_id, "interview_id", "interview")
        if doc.held:
            _check_may_hold_interview(session, row)
        row.status = "held" if doc.held else "not_held"
        row.outcome = doc.outcome
        append(
            session,
            "interview_outcome",
            actor.label,
            ctx.clock.now(),
            {"interview": row.id, "request": row.request_pk, "status": row.status},
        )
        return views.interview(row)


def _interview_action(modality: str) -> Action:
    if modality == "in_person":
        return Action.allow_in_person_interview
    return Action.allow_remote_interview


def _check_condition_ids(session: Session, request_pk: int, doc: InterviewDocument) -> None:
    """`conditions_met` keys must be the current decision's own condition ids."""
    action = _interview_action(doc.modality)
    current = latest_decision(session, request_pk)
    actions = current.document["actions"] if current is not None else []
    ids = sorted(
        c["id"] for a in actions if a["action"] == action.value for c in a.get("conditions", [])
    )
    if any(key not in ids for key in doc.conditions_met):
        allowed = ", ".join(ids) or "none: this decision sets no conditions"
        raise InputError(
            "conditions_met has a key that is not a condition id of this request's "
            f"{action.value} decision; use its condition ids ({allowed})",
            field="conditions_met",
        )


def _check_may_hold_interview(session: Session, row: InterviewRecord) -> None:
    action = _interview_action(row.modality)
    current = latest_decision(session, row.request_pk)
    effects = effective_effects(session, row.request_pk)
    if effects.get(action) is not Effect.permit:
        raise ConflictError(
            f"{action.value} is {effects.get(action, 'not decided')}, not permit; the "
            "interview may not be held",
            field="held",
        )
    assert current is not None
    wanted = next(a for a in current.document["actions"] if a["action"] == action.value)
    ticked = {
        t.condition_id
        for t in views.condition_ticks(session, row.request_pk)
        if t.action == action.value
    }
    met = set(row.conditions_met) | ticked  # on the interview record, or on the checklist
    missing = [c["id"] for c in wanted["conditions"] if c["id"] not in met]
    if missing:
        raise ConflictError(
            f"condition {missing[0]!r} is not recorded as met; tick it on the request's "
            "conditions checklist before the interview is marked held",
            field="conditions_met",
        )
