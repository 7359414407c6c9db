"""Appending to the ledger: canonical JSON entries, written in the caller's transaction.

An entry body is canonical JSON (sorted keys, no spaces, UTF-8) of
`{"seq", "at", "kind", "actor", "data"}`. Its leaf hash is RFC 9162's `SHA-256(0x00 ‖ body)`;
its chain hash is `SHA-256(previous chain hash ‖ leaf hash)` so the first edited entry can be named.
Appends are serialised (PostgreSQL advisory lock; SQLite's write lock), so `seq` has no gaps.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from detainer_desk.desk.tables import LedgerEntry
from detainer_desk.request.forbidden import find_forbidden_fields

GENESIS = "0" * 64
LEDGER_LOCK = 7_372_001  # PostgreSQL advisory lock key for appends


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def leaf_hash(body: str) -> str:
    return hashlib.sha256(b"\x00" + body.encode("utf-8")).hexdigest()


def chain_hash(previous: str, leaf: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(leaf)).hexdigest()


def entry_body(seq: int, at: datetime, kind: str, actor: str, data: dict[str, Any]) -> str:
    return canonical({"seq": seq, "at": at.isoformat(), "kind": kind, "actor": actor, "data": data})


def lock_ledger(session: Session) -> None:
    """Serialise writers on the ledger (PostgreSQL; SQLite's write lock already does).

    Writers take this lock first, before any row lock, so no two transactions can wait on each
    other in opposite orders. Re-taking it in the same transaction is a no-op.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_LOCK})


def append(session: Session, kind: str, actor: str, at: datetime, data: dict[str, Any]) -> int:
    """Append one entry in the session's open transaction; returns its sequence number.

    Refuses (ValueError) any data carrying a forbidden field name: the ledger must never hold
    immigration status, citizenship or birthplace, whatever a caller passes.
    """
    forbidden = sorted(find_forbidden_fields(data))
    if forbidden:
        raise ValueError(f"ledger data may not carry {forbidden[0]!r}")
    lock_ledger(session)
    last = session.execute(
        select(LedgerEntry.seq, LedgerEntry.chain_hash).order_by(LedgerEntry.seq.desc()).limit(1)
    ).first()
    seq = 1 if last is None else last.seq + 1
    previous = GENESIS if last is None else last.chain_hash
    body = entry_body(seq, at, kind, actor, data)
    leaf = leaf_hash(body)
    session.add(
        LedgerEntry(seq=seq, body=body, leaf_hash=leaf, chain_hash=chain_hash(previous, leaf))
    )
    session.flush()
    return seq
