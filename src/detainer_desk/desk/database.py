"""Engines, sessions and the schema: SQLite by default, PostgreSQL with a postgresql+psycopg URL.

The schema is created and upgraded by Alembic (`upgrade`), never by `create_all`, so the migrations
are what every test runs against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from detainer_desk.desk.tables import SEALED
from detainer_desk.errors import InputError
from detainer_desk.ledger.rows import cover
from detainer_desk.ledger.sealing import watch

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and write-locking transactions.

    The ledger is told here which of the desk's tables it seals (`SEALED`), so every session on
    a desk engine seals them, and `ledger verify` checks them, in that order.
    """
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"isolation_level": None, "timeout": 30})
            _sqlite_serialised(engine)
        elif url.startswith("postgresql") and not url.startswith("postgresql+psycopg"):
            raise InputError(
                "use a postgresql+psycopg:// URL (psycopg 3 is the driver installed)", field="db"
            )
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except ArgumentError:
        raise InputError(f"--db {url!r} is not a database URL", field="db") from None
    cover(engine, SEALED)
    return engine


def _sqlite_serialised(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every transaction takes the write lock up front: no lock-upgrade deadlocks between
        # the API, the worker and the clock, and the ledger's sequence stays gap-free.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose writes to business tables are sealed into the ledger (ledger.sealing)."""
    factory = sessionmaker(engine, expire_on_commit=False)
    watch(factory)
    return factory


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    try:
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise InputError(
            f"cannot reach the database: {exc.orig}; check --db / DETAINER_DESK_DB", field="db"
        ) from None


def is_initialised(engine: Engine) -> bool:
    try:
        return inspect(engine).has_table("ledger_entries")
    except OperationalError:
        return False
