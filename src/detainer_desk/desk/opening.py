"""Creating a desk (`init`) and opening one."""

from __future__ import annotations

from dataclasses import dataclass

from detainer_desk.desk.clock import Clock, RunningClock, SystemClock
from detainer_desk.desk.database import is_initialised, make_engine, sessions, upgrade
from detainer_desk.desk.service import Desk
from detainer_desk.desk.settings import DeskSettings
from detainer_desk.errors import InputError
from detainer_desk.law.decide import default_library
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.ledger.keys import ensure_signing_key


@dataclass(frozen=True)
class Initialised:
    db_url: str
    public_key: str
    key_created: bool
    settings: DeskSettings


def initialise(settings: DeskSettings, library: PolicyLibrary | None = None) -> Initialised:
    """Create the home folder, the schema (Alembic), the ledger signing key and the desk's file
    (its jurisdiction, clock and agency); idempotent: a second init keeps what the first chose.

    The desk's clock defaults to its jurisdiction's time zone (the pack manifest's `time_zone`).
    """
    settings = desk_identity(settings.with_desk_file(), library)
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    created = ensure_signing_key(settings.signing_key_path, settings.public_key_path)
    settings.write_desk_file()
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
    if clock is None:
        start = settings.clock_starts_at
        clock = SystemClock() if start is None else RunningClock(start)
    return Desk(sessions(engine), settings, clock, library or default_library())
