"""Sealing a session's writes: the listeners that bind every covered row to a ledger entry.

`watch(factory)` makes each session of `factory` collect the covered rows it flushes
(`ledger.rows`), and seal whatever is left unsealed at commit in one more entry, `rows_changed`.
Which tables are covered is registered on the engine by the desk (`ledger.rows.cover`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from detainer_desk.ledger.entries import append
from detainer_desk.ledger.rows import LAST_APPEND, PENDING, covered
from detainer_desk.schema import Base


def watch(factory: sessionmaker[Session]) -> None:
    """Collect the covered rows each flush writes (sessions made by this factory)."""

    @event.listens_for(factory, "after_flush")
    def _collect(session: Session, _context: Any) -> None:
        tables = covered(session)
        pending: dict[int, tuple[Base, bool]] = session.info.setdefault(PENDING, {})
        for instance in session.new:
            if type(instance) in tables:
                pending[id(instance)] = (instance, False)
        for instance in session.dirty:
            if type(instance) in tables and session.is_modified(instance):
                pending[id(instance)] = (instance, False)
        for instance in session.deleted:
            if type(instance) in tables:
                pending[id(instance)] = (instance, True)

    @event.listens_for(factory, "before_commit")
    def _seal_rest(session: Session) -> None:
        session.flush()
        if not session.info.get(PENDING):
            return
        actor, at = session.info.get(LAST_APPEND) or ("desk", datetime.now(UTC))
        append(session, "rows_changed", actor, at, {})

    @event.listens_for(factory, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(PENDING, None)
        session.info.pop(LAST_APPEND, None)

    @event.listens_for(factory, "after_commit")
    def _done(session: Session) -> None:
        session.info.pop(LAST_APPEND, None)
