"""Mutation test over the business tables: random edits, deletions and forged rows in decisions,
action outcomes, overrides, jail events, notifications (and the rest), made by an administrator
who dropped the triggers first, are each caught by `ledger verify`, which names the row.

Each tampering runs in a transaction that is rolled back afterwards, so every trial starts
from the same honest desk.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Boolean, Connection, Integer, delete, insert, inspect, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.database import make_engine
from detainer_desk.desk.outbox import lease_due
from detainer_desk.desk.tables import (
    ActionOutcome,
    Base,
    Booking,
    DecisionRecord,
    InterviewRecord,
    JailEvent,
    Notification,
    Override,
    UtcDateTime,
)
from detainer_desk.ledger.log import verify_database
from detainer_desk.ledger.standalone import VerificationError

from ..desk.conftest import drop_pg_database, fresh_pg_database, postgres_available
from ..desk.helpers import DENVER_OFFICE, booked, detainer, event

CLERK = Actor("clerk", Role.clerk)
SUPERVISOR = Actor("sup", Role.supervisor)
COUNSEL = Actor("counsel", Role.counsel)
TARGETS: tuple[type[Base], ...] = (
    DecisionRecord,
    ActionOutcome,
    Override,
    JailEvent,
    Notification,
    Booking,
    InterviewRecord,
)
# Overrides have a lifecycle (pending until counsel confirms): sealed by the ledger, not frozen.
HISTORY = ("decisions", "action_outcomes", "jail_events", "annotations")


@dataclass
class Populated:
    url: str
    vkey: str


def _populate(settings: DeskSettings) -> str:
    initialise(settings)
    clock = SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC))
    desk = open_desk(settings, clock)
    desk.set_office(SUPERVISOR, {"name": DENVER_OFFICE, "channel": "email", "address": "e@x.gov"})
    for n in range(12):
        jurisdiction = "denver" if n % 2 else "texas"
        desk.record_event(CLERK, booked(f"B{n}", jurisdiction))
        request = desk.receive_request(CLERK, detainer(f"B{n}", jurisdiction, DENVER_OFFICE))
        desk.record_event(CLERK, event(f"B{n}", "release_eligible", "2017-09-27T14:00:00"))
        desk.override(
            SUPERVISOR,
            request["id"],
            {"action": "notify_release", "effect": "deny", "reason": f"Trial {n} reason."},
        )
        desk.record_interview(CLERK, request["id"], {"modality": "remote"})
        desk.annotate(COUNSEL, request["id"], {"text": f"note {n}"})
        clock.advance(timedelta(minutes=7))
    lease_due(desk.sessions, clock, "worker-test", limit=3)
    desk.checkpoint()
    vkey = settings.public_key_path.read_text()
    desk.close()
    return vkey


@pytest.fixture(scope="module")
def sqlite_desk(tmp_path_factory: pytest.TempPathFactory) -> Populated:
    home = tmp_path_factory.mktemp("tables")
    settings = DeskSettings(home=home, db=f"sqlite:///{home / 'desk.db'}")
    return Populated(settings.db_url, _populate(settings))


@pytest.fixture(scope="module")
def pg_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Populated]:
    if not postgres_available():
        pytest.skip("PostgreSQL unreachable: the PostgreSQL table tampering test DID NOT RUN")
    name, url = fresh_pg_database()
    try:
        home = tmp_path_factory.mktemp("tables-pg")
        yield Populated(url, _populate(DeskSettings(home=home, db=url)))
    finally:
        drop_pg_database(name)


def _drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for table in HISTORY:
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
            conn.exec_driver_sql(f"DROP TRIGGER {table}_no_delete")
    else:
        for table in HISTORY:
            conn.exec_driver_sql(f"DROP TRIGGER {table}_append_only ON {table}")


def _changed(value: Any, column: Any, rng: random.Random) -> Any:
    if isinstance(column.type, Boolean):
        return not value
    if isinstance(column.type, UtcDateTime):
        base = value or datetime(2017, 9, 27, tzinfo=UTC)
        return base + timedelta(seconds=rng.randint(1, 86_400))
    if isinstance(value, dict):
        return {**value, "tampered": rng.randint(0, 9)}
    if isinstance(value, list):
        return [*value, "tampered"]
    if isinstance(value, int) or (value is None and isinstance(column.type, Integer)):
        return (value or 0) + rng.randint(1, 5)
    if value == "deny":
        return "permit"
    return f"{value or ''}x"


def _tamper(conn: Connection, rng: random.Random) -> str:
    """One random edit, deletion or forged row; returns the table it touched."""
    while True:
        model = rng.choice(TARGETS)
        table = inspect(model).local_table
        (pk,) = inspect(model).primary_key
        row = rng.choice(conn.execute(select(table)).mappings().all())
        kind = rng.choices(["edit", "delete", "forge"], weights=[8, 1, 1])[0]
        if kind == "delete":
            statement: Any = delete(table).where(pk == row[pk.name])
        elif kind == "forge":
            forged = dict(row)
            forged.pop(pk.name)
            if "idempotency_key" in forged:
                forged["idempotency_key"] += "-forged"
                forged["purpose"] = "forged"
            if "booking_id" in forged:
                forged["booking_id"] += "-forged"
            statement = insert(table).values(**forged)
        else:
            column = rng.choice([c for c in table.columns if c is not pk])
            new = _changed(row[column.name], column, rng)
            statement = update(table).where(pk == row[pk.name]).values({column.name: new})
        savepoint = conn.begin_nested()
        try:
            conn.execute(statement)
            savepoint.commit()
            return table.name
        except (IntegrityError, DataError):  # a constraint or column size said no: another
            savepoint.rollback()


def _trials(populated: Populated, trials: int, seed: int) -> None:
    engine = make_engine(populated.url)
    rng = random.Random(seed)
    undetected: list[str] = []
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            with Session(bind=conn) as session:
                verify_database(session, populated.vkey)  # the honest desk verifies
            transaction.rollback()
            for trial in range(trials):
                transaction = conn.begin()
                _drop_triggers(conn)
                table = _tamper(conn, rng)
                with Session(bind=conn) as session:
                    try:
                        verify_database(session, populated.vkey)
                        undetected.append(f"trial {trial}: {table}")
                    except VerificationError as exc:
                        assert f"{table} row" in str(exc), (table, str(exc))
                transaction.rollback()
    finally:
        engine.dispose()
    assert not undetected, undetected


def test_honest_rows_are_all_sealed(sqlite_desk: Populated) -> None:
    engine = make_engine(sqlite_desk.url)
    try:
        with Session(engine) as session:
            result = verify_database(session, sqlite_desk.vkey)
    finally:
        engine.dispose()
    assert result.rows_bound and result.rows > 150


def test_history_tables_refuse_update_and_delete(sqlite_desk: Populated) -> None:
    engine = make_engine(sqlite_desk.url)
    try:
        for table in HISTORY:
            for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
                with engine.connect() as conn, pytest.raises(IntegrityError, match="append-only"):
                    conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_210_table_tamperings_are_each_detected_sqlite(sqlite_desk: Populated) -> None:
    _trials(sqlite_desk, 210, seed=20170927)


@pytest.mark.postgres
def test_table_tamperings_are_detected_postgresql(pg_desk: Populated) -> None:
    _trials(pg_desk, 40, seed=20170928)


@pytest.mark.postgres
def test_history_tables_refuse_update_and_delete_postgresql(pg_desk: Populated) -> None:
    from sqlalchemy.exc import InternalError, ProgrammingError

    engine = make_engine(pg_desk.url)
    try:
        for table in HISTORY:
            for statement in (f"UPDATE {table} SET id = id", f"TRUNCATE {table} CASCADE"):
                with (
                    engine.connect() as conn,
                    pytest.raises((InternalError, ProgrammingError), match="append-only"),
                ):
                    conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_an_unsealed_desk_row_is_named(sqlite_desk: Populated, tmp_path: Path) -> None:
    """The message names the table and row, so an auditor knows where to look."""
    engine = make_engine(sqlite_desk.url)
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            _drop_triggers(conn)
            first = conn.execute(select(DecisionRecord.id).order_by(DecisionRecord.id)).scalar()
            conn.execute(
                update(DecisionRecord.__table__)
                .where(DecisionRecord.id == first)
                .values(trigger="edited")
            )
            with (
                Session(bind=conn) as session,
                pytest.raises(VerificationError, match=rf"decisions row {first}: differs"),
            ):
                verify_database(session, sqlite_desk.vkey)
            transaction.rollback()
    finally:
        engine.dispose()
