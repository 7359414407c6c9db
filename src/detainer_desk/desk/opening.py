"""Creating a desk (`init`) and opening one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from detainer_desk.desk.clock import Clock, RunningClock, SystemClock
from detainer_desk.desk.database import is_initialised, make_engine, sessions, upgrade
from detainer_desk.desk.service import Desk
from detainer_desk.desk.settings import DeskSettings
from detainer_desk.errors import InputError
from detainer_desk.law.decide import default_library
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.ledger.entries import lock_ledger
from detainer_desk.ledger.keys import ensure_signing_key, load_signing_key
from detainer_desk.ledger.log import latest_checkpoint, make_checkpoint


@dataclass(frozen=True)
class Initialised:
    db_url: str
    public_key: str
    key_created: bool
    settings: DeskSettings


def initialise(
    settings: DeskSettings, library: PolicyLibrary | None = None, clock: Clock | None = None
) -> Initialised:
    """Create the home folder, the schema (Alembic), the ledger signing key and the desk's file
    (its jurisdiction, clock and agency); idempotent: a second init keeps what the first chose.

    The desk's clock defaults to its jurisdiction's time zone (the pack manifest's `time_zone`).
    The home folder is the desk's own (mode 0700), and the SQLite database and the signing key
    are readable by their owner only (0600). A new desk's first checkpoint is signed here, so
    `ledger verify` passes from the start.
    """
    settings = desk_identity(settings.with_desk_file(), library)
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(settings.home, 0o700)
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
        database = engine.url.database if engine.dialect.name == "sqlite" else None
    finally:
        engine.dispose()
    if database and database != ":memory:":
        for path in (Path(database), Path(database + "-wal"), Path(database + "-shm")):
            if path.exists():
                os.chmod(path, 0o600)
    created = ensure_signing_key(settings.signing_key_path, settings.public_key_path)
    settings.write_desk_file()
    _first_checkpoint(settings, clock or desk_clock(settings))
    return Initialised(
        settings.db_url, settings.public_key_path.read_text().strip(), created, settings
    )


def desk_identity(settings: DeskSettings, library: PolicyLibrary | None) -> DeskSettings:
    """Check the jurisdiction names a pack; take the pack's time zone unless one was given."""
    if settings.jurisdiction is None:
        return settings
    pack = (library or default_library()).pack(settings.jurisdiction)  # unknown: InputError
    if "timezone" in settings.model_fields_set:
        return settings
    return settings.with_changes(timezone=pack.manifest.time_zone)


def _first_checkpoint(settings: DeskSettings, clock: Clock) -> None:
    engine = make_engine(settings.db_url)
    try:
        with sessions(engine).begin() as session:
            lock_ledger(session)
            if latest_checkpoint(session) is None:
                key = load_signing_key(settings.signing_key_path)
                make_checkpoint(session, settings.log_origin, key, clock.now())
    finally:
        engine.dispose()


def open_desk(
    settings: DeskSettings, clock: Clock | None = None, library: PolicyLibrary | None = None
) -> Desk:
    settings = settings.with_desk_file()
    engine = make_engine(settings.db_url)
    if not is_initialised(engine):
        engine.dispose()
        raise InputError(
            f"no desk database at {settings.db_url}; run 'detainer-desk init' first", field="db"
        )
    return Desk(
        sessions(engine), settings, clock or desk_clock(settings), library or default_library()
    )


def desk_clock(settings: DeskSettings) -> Clock:
    """The desk's own clock: the system's, or one running from `clock_starts_at` (a desk of
    historical data)."""
    start = settings.clock_starts_at
    return SystemClock() if start is None else RunningClock(start)
