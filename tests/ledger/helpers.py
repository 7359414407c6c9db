"""A small SQLite desk for the ledger tests, and entries to grow its log with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.ledger.entries import append

AT = datetime(2017, 9, 27, 12, tzinfo=UTC)


def sqlite_desk(home: Path) -> Desk:
    """A fresh desk in `home` (SQLite), its clock stopped at AT."""
    settings = DeskSettings(home=home, db=f"sqlite:///{home / 'desk.db'}")
    initialise(settings)
    return open_desk(settings, SettableClock(AT))


def grow(desk: Desk, n: int, kind: str = "tree_test", **payload: Any) -> None:
    """Append n entries of `kind` (data {"i": 0..n-1, **payload}) in one transaction."""
    with desk.sessions.begin() as session:
        for i in range(n):
            append(session, kind, "test", desk.clock.now(), {"i": i, **payload})
