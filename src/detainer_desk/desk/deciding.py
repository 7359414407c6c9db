"""Deciding a stored request: compose its document from the desk's records, decide, keep it.

Every decision is kept (never updated); the newest is the current one. When no law is in force
for the date, the answer is still a decision: holds denied, everything else review_required,
with the reason (DEVELOPERS.md: never hold on a guess).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.desk.tables import (
    ActionOutcome,
    Booking,
    DecisionRecord,
    FederalRequest,
    InterviewRecord,
    Override,
)
from detainer_desk.errors import NoVersionInForceError
from detainer_desk.law.decide import decide, decision_day, decision_without_law
from detainer_desk.law.decision import ActionDecision, Decision
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.ledger.entries import append
from detainer_desk.request.document import RequestDocument
from detainer_desk.vocabulary import Action, Effect

EXCEPTIONS_KEY = "exceptions_established"
"""Kept beside the request section in `FederalRequest.document`: rule ids, who, when — no proof."""


@dataclass(frozen=True)
class DeskAgency:
    name: str
    kind: str
    has_287g_agreement: bool


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat()


def compose_document(
    booking: Booking,
    request: FederalRequest,
    interview: InterviewRecord | None,
    agency: DeskAgency,
    zone: ZoneInfo,
) -> RequestDocument:
    """The request document as the desk knows it now: the jail's facts win over the request's."""
    facts: dict[str, Any] = dict(booking.facts)
    facts["booking_id"] = booking.booking_id
    facts["booked_at"] = _local(booking.booked_at, zone)
    facts["release_eligible_at"] = _local(booking.release_eligible_at, zone)
    facts["release_reason"] = booking.release_reason
    data: dict[str, Any] = {
        "jurisdiction": booking.jurisdiction,
        "received_at": _local(request.received_at, zone),
        "request": {k: v for k, v in request.document.items() if k != EXCEPTIONS_KEY}
        | {"warrant_kind": request.warrant_kind},
        "exceptions_established": request.document.get(EXCEPTIONS_KEY, []),
        "booking": {k: v for k, v in facts.items() if v is not None},
        "agency": {
            "name": agency.name,
            "kind": agency.kind,
            "has_287g_agreement": agency.has_287g_agreement,
            "time_zone": zone.key,
        },
    }
    if interview is not None:
        data["interview"] = {
            "written_advisement_given": interview.written_advisement_given,
            "advisement_language": interview.advisement_language,
            "written_consent_signed": interview.written_consent_signed,
            "declined": interview.declined,
            "attorney_requested": interview.attorney_requested,
        }
    return RequestDocument.model_validate(data)


def decide_document(
    document: RequestDocument, on: date | datetime, library: PolicyLibrary
) -> Decision:
    """`decide`, except that a date with no law in force gives deny-hold / review, with reason.

    An instant `on` is read on the jail's calendar (the document's agency zone) first.
    """
    try:
        return decide(document, on=on, library=library)
    except NoVersionInForceError as exc:
        return decision_without_law(document, decision_day(document, on, library), exc.message)


def latest_decision(session: Session, request_pk: int) -> DecisionRecord | None:
    return session.execute(
        select(DecisionRecord)
        .where(DecisionRecord.request_pk == request_pk)
        .order_by(DecisionRecord.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def active_overrides(session: Session, request_pk: int) -> list[Override]:
    """The request's overrides in force (confirmed where confirmation is needed), oldest first.

    An override stays in force across re-decisions: a new decision never drops it silently (a
    conflicting one raises an alarm instead, see `conflicting_overrides`).
    """
    return list(
        session.execute(
            select(Override)
            .where(Override.request_pk == request_pk, Override.status == "active")
            .order_by(Override.id)
        ).scalars()
    )


def decided_effects(current: DecisionRecord) -> dict[Action, Effect]:
    return {Action(a["action"]): Effect(a["effect"]) for a in current.document["actions"]}


def effective_effects(
    session: Session, request_pk: int, current: DecisionRecord | None = None
) -> dict[Action, Effect]:
    """Each action's effect now: the current decision, unless an active override changes it.

    Pass `current` when the caller already holds the request's latest decision.
    """
    current = current or latest_decision(session, request_pk)
    if current is None:
        return {}
    effects = decided_effects(current)
    for override in active_overrides(session, request_pk):
        effects[Action(override.action)] = Effect(override.effect)
    return effects


def conflicting_overrides(session: Session, current: DecisionRecord) -> list[Override]:
    """Active overrides made on an earlier decision whose effect the new decision contradicts."""
    decided = decided_effects(current)
    return [
        o
        for o in active_overrides(session, current.request_pk)
        if o.decision_pk != current.id and decided.get(Action(o.action)) is not Effect(o.effect)
    ]


DEFAULT_HOLD_HOURS = 48
"""8 C.F.R. § 287.7(d) and every detainer form: never more than 48 hours (fact sheet 2.1)."""


def hold_deadline(
    session: Session, request_pk: int, release_eligible_at: datetime | None
) -> datetime | None:
    """When the request's permitted hold must end; None only while release eligibility is unknown.

    A hold permitted by law ends at its decision's `hold_limit`; a hold permitted by an override
    (the law denied it) ends `hold_hours` after release eligibility; a permitted hold whose
    decision gave no end ends 48 hours after release eligibility. Never unbounded.
    """
    current = latest_decision(session, request_pk)
    if current is None:
        return None
    hold = Action.hold_beyond_release
    override = next(
        (o for o in reversed(active_overrides(session, request_pk)) if o.action == hold.value),
        None,
    )
    by_law = decided_effects(current).get(hold) is Effect.permit
    if override is not None and override.effect == Effect.permit.value and not by_law:
        if release_eligible_at is None:
            return None
        return release_eligible_at + timedelta(hours=override.hold_hours or DEFAULT_HOLD_HOURS)
    ends = session.execute(
        select(ActionOutcome.hold_ends_at).where(
            ActionOutcome.decision_pk == current.id,
            ActionOutcome.action == hold.value,
        )
    ).scalar_one_or_none()
    if ends is None and release_eligible_at is not None:
        return release_eligible_at + timedelta(hours=DEFAULT_HOLD_HOURS)
    return ends


def store_decision(
    session: Session,
    request: FederalRequest,
    decision: Decision,
    trigger: str,
    at: datetime,
    actor: str,
) -> DecisionRecord:
    """Keep a decision, one outcome row per action, and its ledger entry, in this transaction."""
    record = DecisionRecord(
        request_pk=request.id,
        decided_at=at,
        decided_on=decision.decided_on.isoformat(),
        trigger=trigger,
        pack_name=decision.pack.name if decision.pack else None,
        pack_version=decision.pack.version.isoformat() if decision.pack else None,
        pack_digest=decision.pack.digest if decision.pack else None,
        document=decision.to_dict(),
    )
    session.add(record)
    session.flush()
    for action in decision.actions:
        session.add(_outcome(record, request, action))
    append(
        session,
        "decision",
        actor,
        at,
        {
            "request": request.id,
            "decision": record.id,
            "trigger": trigger,
            "decided_on": record.decided_on,
            "pack": decision.pack.to_dict() if decision.pack else None,
            "actions": [
                {
                    "action": a.action.value,
                    "effect": a.effect.value,
                    "provisions": sorted(p["id"] for p in a.provisions),
                }
                for a in decision.actions
            ],
        },
    )
    return record


def _outcome(record: DecisionRecord, request: FederalRequest, a: ActionDecision) -> ActionOutcome:
    ends = a.hold_limit.ends_at if a.hold_limit and a.effect is Effect.permit else None
    return ActionOutcome(
        decision_pk=record.id,
        request_pk=request.id,
        action=a.action.value,
        effect=a.effect.value,
        deciding_provisions=",".join(sorted(p["id"] for p in a.provisions)),
        hold_ends_at=ends,
    )
