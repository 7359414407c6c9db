"""Appending to the ledger: canonical JSON entries, written in the caller's transaction.

An entry body is RFC 8785 canonical JSON (the JSON Canonicalization Scheme, via the `rfc8785`
package) of `{"seq", "at", "kind", "actor", "data", "canon": "rfc8785", "rows"}`: `canon` names
the canonical form, and `rows` seals the business rows the transaction wrote (see
`detainer_desk.ledger.rows`). Entries written before carry no `canon`; their form is
`json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)` ("legacy"), and they
still verify. Its leaf hash is RFC 9162's `SHA-256(0x00 ‖ body)`;
its chain hash is `SHA-256(previous chain hash ‖ leaf hash)` so the first edited entry can be named.
Appends are serialised (PostgreSQL advisory lock; SQLite's write lock), so `seq` has no gaps.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from detainer_desk.ledger.rows import LAST_APPEND, all_rows, take_pending
from detainer_desk.ledger.standalone import CANON, canonical, canonical_legacy
from detainer_desk.ledger.tables import LedgerEntry
from detainer_desk.ledger.tree import add_leaf
from detainer_desk.request.forbidden import Screened, find_forbidden_fields

__all__ = ["canonical", "canonical_legacy"]

GENESIS = "0" * 64
LEDGER_LOCK = 7_372_001  # PostgreSQL advisory lock key for appends


def leaf_hash(body: str) -> str:
    return hashlib.sha256(b"\x00" + body.encode()).hexdigest()  # UTF-8


def chain_hash(previous: str, leaf: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(leaf)).hexdigest()


def entry_body(
    seq: int,
    at: datetime,
    kind: str,
    actor: str,
    data: dict[str, Any],
    rows: list[dict[str, Any]] | None = None,
) -> str:
    entry: dict[str, Any] = {
        "seq": seq,
        "at": at.isoformat(),
        "kind": kind,
        "actor": actor,
        "data": data,
        "canon": CANON,
    }
    if rows:
        entry["rows"] = rows
    return canonical(entry)


def lock_ledger(session: Session) -> None:
    """Serialise writers on the ledger (PostgreSQL; SQLite's write lock already does).

    Writers take this lock first, before any row lock, so no two transactions can wait on each
    other in opposite orders. Re-taking it in the same transaction is a no-op.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_LOCK})


def append(
    session: Session,
    kind: str,
    actor: str,
    at: datetime,
    data: dict[str, Any] | Screened[dict[str, Any]],
) -> int:
    """Append one entry in the session's open transaction; returns its sequence number.

    Refuses (ValueError) plain data carrying a forbidden field name: the ledger must never hold
    immigration status, citizenship or birthplace, whatever a caller passes. `Screened` data was
    made from input screened at the edge; the ledger trusts the type and does not scan it again.
    """
    if isinstance(data, Screened):
        data = data.value
    else:
        forbidden = sorted(find_forbidden_fields(data))
        if forbidden:
            raise ValueError(f"ledger data may not carry {forbidden[0]!r}")
    lock_ledger(session)
    session.flush()  # the rows this transaction wrote so far are collected now
    last = session.execute(
        select(LedgerEntry.seq, LedgerEntry.chain_hash, LedgerEntry.body)
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
    ).first()
    seq = 1 if last is None else last.seq + 1
    previous = GENESIS if last is None else last.chain_hash
    if last is not None and f'"canon":"{CANON}"' not in last.body:
        rows = all_rows(session)  # a ledger written before rows were sealed: seal them all now
        take_pending(session)
    else:
        rows = take_pending(session)
    body = entry_body(seq, at, kind, actor, data, rows)
    session.info[LAST_APPEND] = (actor, at)
    leaf = leaf_hash(body)
    session.add(
        LedgerEntry(seq=seq, body=body, leaf_hash=leaf, chain_hash=chain_hash(previous, leaf))
    )
    session.flush()
    add_leaf(session, seq - 1, bytes.fromhex(leaf))  # the persisted tree state
    return seq
