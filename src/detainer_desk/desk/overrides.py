"""Overrides: a supervisor overrides one action, counsel confirms a held-beyond-release permit,
and anyone on staff annotates a request."""

from __future__ import annotations

from datetime import date
from typing import Any

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk import views
from detainer_desk.desk.deciding import DEFAULT_HOLD_HOURS, decided_effects, latest_decision
from detainer_desk.desk.documents import (
    AnnotationDocument,
    ConfirmationDocument,
    OverrideDocument,
    parse_edge,
)
from detainer_desk.desk.lookups import existing, request_and_booking
from detainer_desk.desk.redecide import queue_if_due
from detainer_desk.desk.tables import Annotation, Booking, DecisionRecord, FederalRequest, Override
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import ConflictError, InputError, NoVersionInForceError
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.ledger.entries import append
from detainer_desk.vocabulary import Action, Effect, WarrantKind


def override(
    ctx: DeskContext, actor: Actor, request_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    """A supervisor overrides one action of the current decision.

    Permitting a hold the law denies is never silent nor unbounded: it needs a stated legal
    basis (the judicial warrant attached to the request, or a provision id of the
    jurisdiction's packs) and stays `pending` — changing nothing — until counsel, a second
    person, confirms it; the hold then ends `hold_hours` after release eligibility.
    """
    require(actor, Permission.override_decision)
    doc = parse_edge(OverrideDocument, raw)
    with ctx.write() as session:
        request, booking = request_and_booking(session, request_id)
        current = latest_decision(session, request.id)
        if current is None:
            raise ConflictError(f"request {request.id} has no decision to override", "action")
        decided = decided_effects(current).get(doc.action)
        if decided is None:
            raise InputError(
                f"request {request.id} does not ask for {doc.action.value!r}; override one "
                f"of: {', '.join(a.value for a in decided_effects(current))}",
                field="action",
            )
        hold_permit = _check_hold_override(ctx.library, doc, request, booking, decided)
        now = ctx.clock.now()
        row = Override(
            request_pk=request.id,
            decision_pk=current.id,
            action=doc.action.value,
            effect=doc.effect.value,
            reason=doc.reason,
            by=actor.label,
            at=now,
            status="pending" if hold_permit else "active",
            decided_effect=decided.value,
            basis_provision=doc.provision,
            basis_judicial_warrant=doc.judicial_warrant_attached,
            hold_hours=_override_hold_hours(ctx.library, booking, current) if hold_permit else None,
        )
        session.add(row)
        session.flush()
        append(
            session,
            "override",
            actor.label,
            now,
            {
                "override": row.id,
                "request": request.id,
                "decision": current.id,
                "action": row.action,
                "effect": row.effect,
                "decided_effect": row.decided_effect,
                "status": row.status,
                "basis_provision": row.basis_provision,
                "basis_judicial_warrant": row.basis_judicial_warrant,
                "hold_hours": row.hold_hours,
                "reason": row.reason,
            },
        )
        queue_if_due(session, request, booking, now, actor.label)
        return views.request_detail(session, request)


def _check_hold_override(
    library: PolicyLibrary,
    doc: OverrideDocument,
    request: FederalRequest,
    booking: Booking,
    decided: Effect,
) -> bool:
    """Refuse a hold override without its basis; True when it needs counsel's confirmation."""
    if doc.action is not Action.hold_beyond_release:
        return False
    if doc.effect is Effect.review_required:
        raise InputError(
            "a hold is permitted or denied, never left for review: use 'deny' (or 'permit' "
            "with a legal basis)",
            field="effect",
        )
    if doc.effect is not Effect.permit or decided is Effect.permit:
        return False
    if not doc.judicial_warrant_attached and doc.provision is None:
        raise InputError(
            "an override permitting a hold the law denies needs a stated legal basis: "
            "'judicial_warrant_attached': true (the warrant recorded on the request) or "
            "'provision': the id of the provision that authorizes it",
            field="provision",
        )
    if doc.judicial_warrant_attached and not WarrantKind(request.warrant_kind).is_judicial:
        raise InputError(
            f"request {request.id} records warrant_kind {request.warrant_kind!r}, not a "
            "judicial warrant; attach it first (POST /api/requests/{id}/amend)",
            field="judicial_warrant_attached",
        )
    if doc.provision is not None:
        known = {p.id for pack in library.chain(booking.jurisdiction) for p in pack.provisions}
        if doc.provision not in known:
            raise InputError(
                f"provision {doc.provision!r} is not a provision of {booking.jurisdiction} "
                "or the law it builds on; name one `detainer-desk policy show` lists",
                field="provision",
            )
    return True


def _override_hold_hours(library: PolicyLibrary, booking: Booking, current: DecisionRecord) -> int:
    """The shortest lawful window: 48 hours after release eligibility, less if the pack says.

    Flat hours (no weekend or holiday extension): an override never holds longer than that.
    """
    hours = DEFAULT_HOLD_HOURS
    try:
        vs = library.version_set(booking.jurisdiction, date.fromisoformat(current.decided_on))
    except NoVersionInForceError:
        return hours
    windows = [w.hours for w in vs.hold_windows.values()]
    return min([hours, *windows])


def confirm_override(
    ctx: DeskContext, actor: Actor, override_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    """Counsel confirms a pending override (a second person): it takes effect, bounded."""
    require(actor, Permission.confirm_override)
    doc = parse_edge(ConfirmationDocument, raw)
    with ctx.write() as session:
        row = existing(session, Override, override_id, "override_id", "override")
        if row.status != "pending":
            raise ConflictError(
                f"override {override_id} is {row.status}, not pending confirmation",
                field="override_id",
            )
        if row.by == actor.label:
            raise ConflictError(
                "the person who proposed an override cannot confirm it; a second person "
                "(counsel) must",
                field="override_id",
            )
        now = ctx.clock.now()
        row.status, row.confirmed_by, row.confirmed_at = "active", actor.label, now
        row.confirmation_note = doc.note
        append(
            session,
            "override_confirmed",
            actor.label,
            now,
            {"override": row.id, "request": row.request_pk, "note": doc.note},
        )
        request, booking = request_and_booking(session, row.request_pk)
        queue_if_due(session, request, booking, now, actor.label)
        return views.request_detail(session, request)


def annotate(
    ctx: DeskContext, actor: Actor, request_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    require(actor, Permission.annotate)
    doc = parse_edge(AnnotationDocument, raw)
    with ctx.write() as session:
        request, _ = request_and_booking(session, request_id)
        now = ctx.clock.now()
        row = Annotation(request_pk=request.id, text=doc.text, by=actor.label, at=now)
        session.add(row)
        session.flush()
        append(
            session,
            "annotation",
            actor.label,
            now,
            {"annotation": row.id, "request": request.id},
        )
        return {"annotation": row.id}
