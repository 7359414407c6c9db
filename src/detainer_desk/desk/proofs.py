"""The ledger's desk-side proofs: signing a checkpoint, the latest one, consistency and
inclusion proofs."""

from __future__ import annotations

from typing import Any

from detainer_desk.access.check import Actor, Permission, require
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import NotFoundError
from detainer_desk.ledger import tree
from detainer_desk.ledger.keys import load_signing_key
from detainer_desk.ledger.log import (
    latest_checkpoint as newest_checkpoint,
)
from detainer_desk.ledger.log import (
    make_checkpoint,
    prove_consistency,
    prove_inclusion,
)


def checkpoint(ctx: DeskContext) -> str:
    """Sign the ledger's current root; returns the signed note."""
    key = load_signing_key(ctx.settings.signing_key_path)
    with ctx.write() as session:
        return make_checkpoint(session, ctx.settings.log_origin, key, ctx.clock.now()).note


def latest_checkpoint(ctx: DeskContext) -> str:
    with ctx.write() as session:
        row = newest_checkpoint(session)
        if row is None:
            raise NotFoundError("no checkpoint yet; run 'detainer-desk ledger checkpoint'")
        return row.note


def consistency(ctx: DeskContext, old: int, new: int) -> dict[str, Any]:
    """RFC 9162 consistency proof between two tree sizes (public, like the checkpoint)."""
    with ctx.write() as session:
        size = tree.size(session)
        if not 0 <= old <= new <= size:
            raise NotFoundError(
                f"no consistency proof from {old} to {new}: the ledger has {size} entries",
                field="new",
            )
        path = prove_consistency(session, old, new) if 0 < old < new else []
        return {"old": old, "new": new, "proof": [p.hex() for p in path]}


def prove(ctx: DeskContext, actor: Actor, seq: int) -> dict[str, Any]:
    require(actor, Permission.read_ledger)
    with ctx.write() as session:
        return prove_inclusion(session, seq)
