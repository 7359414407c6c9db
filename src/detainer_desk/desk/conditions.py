"""Conditions as a checklist: a clerk ticks a condition of the current decision as met."""

from __future__ import annotations

from typing import Any

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk import views
from detainer_desk.desk.deciding import latest_decision
from detainer_desk.desk.documents import ConditionTicksDocument, parse_edge
from detainer_desk.desk.lookups import request_and_booking
from detainer_desk.desk.tables import ConditionTick
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import ConflictError, InputError
from detainer_desk.ledger.entries import append


def record_conditions(
    ctx: DeskContext, actor: Actor, request_id: int, raw: dict[str, Any]
) -> dict[str, Any]:
    """Tick conditions of the current decision as met: one row and one ledger entry each.

    Each tick must name one of the current decision's own (action, condition) pairs, once,
    and not one ticked already; otherwise nothing at all is written. The entry names who,
    when, the request, the decision, the action and the condition; the note (how it was met,
    at most 200 characters) is in the row, which the entry seals by its digest."""
    require(actor, Permission.record_condition)
    doc = parse_edge(ConditionTicksDocument, raw)
    with ctx.write() as session:
        request, _ = request_and_booking(session, request_id)
        current = latest_decision(session, request.id)
        ticked = {(t.action, t.condition_id): t for t in views.condition_ticks(session, request.id)}
        offered = {
            (action, c["id"])
            for action, c in views.condition_items(current.document if current else None)
        }
        _check_ticks(doc, offered, ticked, request.id)
        assert current is not None  # offered is empty without a decision
        now = ctx.clock.now()
        for item in doc.ticks:
            row = ConditionTick(
                request_pk=request.id,
                decision_pk=current.id,
                action=item.action.value,
                condition_id=item.condition,
                note=(item.note or "").strip() or None,
                by=actor.label,
                at=now,
            )
            session.add(row)
            session.flush()
            append(
                session,
                "condition_met",
                actor.label,
                now,
                {
                    "tick": row.id,
                    "request": request.id,
                    "decision": current.id,
                    "action": row.action,
                    "condition": row.condition_id,
                },
            )
        ticks = views.condition_ticks(session, request.id)
        return {"request": request.id, "conditions": views.checklist(current.document, ticks)}


def _check_ticks(
    doc: ConditionTicksDocument,
    offered: set[tuple[str, str]],
    ticked: dict[tuple[str, str], ConditionTick],
    request_id: int,
) -> None:
    """Every tick names a condition of the current decision, once, not ticked before."""
    seen: set[tuple[str, str]] = set()
    for n, item in enumerate(doc.ticks):
        key, field = (item.action.value, item.condition), f"ticks.{n}.condition"
        if key not in offered:
            ids = sorted(c for a, c in offered if a == item.action.value)
            choices = ", ".join(ids) or "none: the current decision sets it no condition"
            raise InputError(
                f"{item.condition!r} is not a condition of {item.action.value} in request "
                f"{request_id}'s current decision; its conditions: {choices}",
                field=field,
            )
        if key in seen:
            raise InputError(f"{item.condition!r} is ticked twice; tick it once", field=field)
        if key in ticked:
            done = ticked[key]
            raise ConflictError(
                f"{item.condition!r} was already ticked as met by {done.by} at "
                f"{done.at.isoformat()}",
                field=field,
            )
        seen.add(key)
