"""Creating a desk (`init`) and opening one."""

from __future__ import annotations

from dataclasses import dataclass

from detainer_desk.desk.clock import Clock, SystemClock
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


def initialise(settings: DeskSettings) -> Initialised:
    """Create the home folder, the schema (Alembic) and the ledger signing key; idempotent."""
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    created = ensure_signing_key(settings.signing_key_path, settings.public_key_path)
    return Initialised(settings.db_url, settings.public_key_path.read_text().strip(), created)


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
    return Desk(sessions(engine), settings, clock or SystemClock(), library or default_library())
