"""One unit of work for the desk's use cases: its sessions, settings, clock and law library.

Every use case (`intake`, `events`, `overrides`, …) is a function `f(ctx, actor, …)` that takes a
`DeskContext`. `write()` is one transaction that takes the ledger's lock first, so the business
rows and their ledger entry commit together or not at all; `read()` opens a session that takes
no ledger lock (reads need not queue behind writers).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from detainer_desk.desk.clock import Clock
from detainer_desk.desk.deciding import DeskAgency
from detainer_desk.desk.settings import DeskSettings
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.ledger.entries import lock_ledger


@dataclass(frozen=True)
class DeskContext:
    sessions: sessionmaker[Session]
    settings: DeskSettings
    clock: Clock
    library: PolicyLibrary

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction, holding the ledger's lock: committed when the block ends."""
        with self.sessions.begin() as session:
            lock_ledger(session)
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading: no ledger lock, nothing written."""
        with self.sessions() as session:
            yield session

    @property
    def agency(self) -> DeskAgency:
        s = self.settings
        return DeskAgency(s.agency_name, s.agency_kind, s.has_287g_agreement)

    def localise(self, moment: datetime) -> datetime:
        """A time without a zone is the jail's local time."""
        return moment if moment.tzinfo else moment.replace(tzinfo=self.settings.zone)

    def localise_opt(self, moment: datetime | None) -> datetime | None:
        return None if moment is None else self.localise(moment)
