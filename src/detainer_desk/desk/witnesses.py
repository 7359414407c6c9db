"""Witnesses: fetching what each witness cosigned (outside any unit of work), keeping each note
that checks, and showing the kept cosignatures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from detainer_desk.desk.bounds import check_id
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import NotFoundError
from detainer_desk.ledger.cosignatures import Witness, check_note, fetch_cosigned, keep, kept_note
from detainer_desk.ledger.cosignatures import newest as newest_cosignatures
from detainer_desk.ledger.entries import append
from detainer_desk.ledger.standalone import VerificationError


def fetch_cosignatures(
    ctx: DeskContext,
    witnesses: Sequence[Witness],
    fetch: Callable[[Witness], str] = fetch_cosigned,
) -> list[dict[str, Any]]:
    """Ask each witness for what it cosigned; keep (and ledger) each note that checks.

    A note that fails any check (witness key, desk key, this ledger's root) is not kept.
    Returns one result per witness: kept, already kept, refused or unreachable.
    """
    desk_vkey = ctx.settings.public_key_path.read_text()
    results: list[dict[str, Any]] = []
    for witness in witnesses:
        try:
            note = fetch(witness)  # over the network: no transaction is held open meanwhile
        except (OSError, ValueError) as exc:
            results.append(
                {"witness": witness.url, "status": "unreachable", "reason": str(exc)[:500]}
            )
            continue
        results.append(_keep(ctx, witness, note, desk_vkey))
    return results


def _keep(ctx: DeskContext, witness: Witness, note: str, desk_vkey: str) -> dict[str, Any]:
    result: dict[str, Any] = {"witness": witness.url}
    with ctx.write() as session:
        try:
            fields = check_note(session, note, witness.vkey, desk_vkey)
        except VerificationError as exc:
            return {**result, "status": "refused", "reason": str(exc)[:500]}
        now = ctx.clock.now()
        row, new = keep(session, fields, witness.url, now)
        if new:
            append(
                session,
                "cosignature_kept",
                "admin",
                now,
                {
                    "cosignature": row.id,
                    "witness": row.witness_name,
                    "key_id": row.key_id,
                    "tree_size": row.tree_size,
                    "root": row.root_hash,
                },
            )
        return {
            **result,
            "status": "kept" if new else "already kept",
            "id": row.id,
            "name": row.witness_name,
            "tree_size": row.tree_size,
        }


def cosignatures(ctx: DeskContext, limit: int = 100) -> list[dict[str, Any]]:
    """The newest kept cosignatures (public), each checked again as it is shown."""
    desk_vkey = ctx.settings.public_key_path.read_text()
    with ctx.read() as session:
        return newest_cosignatures(session, desk_vkey, limit)


def cosigned_note(ctx: DeskContext, cosignature_id: int) -> str:
    check_id(cosignature_id, "cosignature_id", "cosignature")
    with ctx.read() as session:
        note = kept_note(session, cosignature_id)
        if note is None:
            raise NotFoundError(f"no cosignature {cosignature_id}", field="cosignature_id")
        return note
