"""Refusing forbidden data: the refusal is counted, in its own unit, before the error is raised."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from detainer_desk.access.check import Actor
from detainer_desk.desk.tables import RefusalCount
from detainer_desk.desk.uow import DeskContext
from detainer_desk.ledger.entries import append
from detainer_desk.request.forbidden import Screened


def refuse_forbidden(ctx: DeskContext, actor: Actor, where: str, categories: Iterable[str]) -> None:
    """Count a refusal of forbidden fields by an authorized caller; the input is dropped.

    `categories` come from the screen at the edge (never scanned again here). Only the category
    is kept (citizenship, birthplace, …), never the field's name or value; the ledger gets the
    day's 1st, 10th, 100th … refusal per actor, place and category.
    """
    now = ctx.clock.now()
    day = now.astimezone(ctx.settings.zone).date().isoformat()
    with ctx.write() as session:
        for category in categories:
            row = session.execute(
                select(RefusalCount).where(
                    RefusalCount.actor == actor.label,
                    RefusalCount.day == day,
                    RefusalCount.where == where,
                    RefusalCount.category == category,
                )
            ).scalar_one_or_none()
            if row is None:
                row = RefusalCount(
                    actor=actor.label, day=day, where=where, category=category, count=0
                )
                session.add(row)
            row.count += 1
            if str(row.count).rstrip("0") == "1":
                append(
                    session,
                    "forbidden_field_refused",
                    actor.label,
                    now,
                    Screened(  # the categories the edge's screen found; never a field name
                        {"where": where, "category": category, "day": day, "count": row.count}
                    ),
                )
