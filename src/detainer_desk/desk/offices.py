"""Offices: where a requesting office wants its release notifications delivered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk.documents import OfficeDocument, parse_edge
from detainer_desk.desk.tables import Office
from detainer_desk.desk.uow import DeskContext
from detainer_desk.ledger.entries import append


def set_office(ctx: DeskContext, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
    require(actor, Permission.manage_offices)
    doc = parse_edge(OfficeDocument, raw)
    with ctx.write() as session:
        office = session.get(Office, doc.name) or Office(name=doc.name, channel="", address="")
        office.channel, office.address = doc.channel, doc.address
        session.add(office)
        append(
            session,
            "office_configured",
            actor.label,
            ctx.clock.now(),
            {"office": doc.name, "channel": doc.channel},
        )
        return {"name": doc.name, "channel": doc.channel, "address": doc.address}


def offices(ctx: DeskContext, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.manage_offices)
    with ctx.write() as session:
        rows = session.execute(select(Office).order_by(Office.name)).scalars()
        return [{"name": o.name, "channel": o.channel, "address": o.address} for o in rows]
