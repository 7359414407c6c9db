"""Binding the business tables to the ledger: every row the desk shows is sealed by an entry.

Each ledger entry (RFC 8785 form) carries `rows`: for every business row inserted, changed or
deleted in its transaction since the previous entry, `{"t": table, "id": primary key,
"sha256": digest}` (`null` for a deleted row). The digest is SHA-256 of the RFC 8785 JSON of
`{"t": table, "row": {column: value}}`, datetimes as UTC ISO 8601. The digest, not the row, goes
into the entry: a ledger export can be handed to outsiders without the booking facts it seals.

`ledger verify` replays the entries (the newest digest of each row wins) and re-derives every
covered table from the database: the first row whose content differs, that has no entry, or
that an entry recorded and the database lost, is named.

Which tables are covered is the desk's to say: `cover(engine, tables)` registers them on the
engine (the desk does so whenever it makes one), and the ledger adds its own cosignatures after
them. Nothing is registered at import. Sealing and verifying fail closed: a session whose engine
was told nothing raises rather than seal or check no table.

The binding is automatic: a session listener (`ledger.sealing.watch`) collects every covered row
the session flushes; `append` seals what it has collected into the entry it writes, and a
transaction that changed covered rows after its last entry gets one more entry (`rows_changed`)
before it commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from detainer_desk.ledger.standalone import VerificationError
from detainer_desk.ledger.tables import WitnessCosignature
from detainer_desk.schema import Base

COVERS = "detainer_desk_ledger_covers"  # engine execution option: the tables under the proof
PENDING = "ledger_pending_rows"  # session.info key: {(table, id): instance or None (deleted)}
LAST_APPEND = "ledger_last_append"  # session.info key: (actor, at) of the session's last entry
SAFE_INT = 2**53 - 1


def _json_safe(value: Any) -> Any:
    """JSON values RFC 8785 accepts: integers past 2^53 become their decimal string."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return value if -SAFE_INT <= value <= SAFE_INT else str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


def _column_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dict | list):
        return _json_safe(json.loads(json.dumps(value)))  # what the JSON column gives back
    return _json_safe(value)


def row_digest(table: str, row: dict[str, Any]) -> str:
    # NULL columns are left out, so a migration adding a nullable column keeps old seals valid.
    values = {k: _column_value(v) for k, v in row.items() if v is not None}
    content: Any = {"t": table, "row": values}
    return hashlib.sha256(rfc8785.dumps(content)).hexdigest()


def _instance_row(instance: Base) -> dict[str, Any]:
    mapper = inspect(type(instance))
    return {column.name: getattr(instance, key) for key, column in mapper.columns.items()}


def _primary_key(instance: Base) -> Any:
    mapper = inspect(type(instance))
    (column,) = mapper.primary_key
    return getattr(instance, mapper.get_property_by_column(column).key)


def instance_digest(instance: Base) -> str:
    return row_digest(type(instance).__tablename__, _instance_row(instance))


def mark(session: Session, instance: Base) -> None:
    """Collect a row written outside the unit of work (a Core INSERT … ON CONFLICT)."""
    pending: dict[int, tuple[Base, bool]] = session.info.setdefault(PENDING, {})
    pending[id(instance)] = (instance, False)


def cover(engine: Engine, tables: Sequence[type[Base]]) -> None:
    """Tell the ledger which business tables, in this order, every session on `engine` seals
    and `ledger verify` checks; the ledger's own cosignatures are added last."""
    engine.update_execution_options(**{COVERS: (*tables, WitnessCosignature)})


def covered(session: Session) -> tuple[type[Base], ...]:
    """The tables under the proof for this session's database; raises when none were given."""
    tables: tuple[type[Base], ...] | None = session.get_bind().get_execution_options().get(COVERS)
    if not tables:
        raise VerificationError(
            "the ledger was not told which tables it seals (ledger.rows.cover); nothing checked"
        )
    return tables


def _covered_by_name(session: Session) -> dict[str, type[Base]]:
    return {model.__tablename__: model for model in covered(session)}


def take_pending(session: Session) -> list[dict[str, Any]]:
    """The `rows` of the next entry: every collected row's digest, sorted; clears the list."""
    pending: dict[int, tuple[Base, bool]] = session.info.pop(PENDING, {})
    sealed: dict[tuple[str, str], dict[str, Any]] = {}
    for instance, deleted in pending.values():
        table, pk = type(instance).__tablename__, _primary_key(instance)
        digest = None if deleted else instance_digest(instance)
        sealed[(table, json.dumps(pk))] = {"t": table, "id": pk, "sha256": digest}
    return [sealed[k] for k in sorted(sealed)]


def all_rows(session: Session) -> list[dict[str, Any]]:
    """Digests of every covered row now in the database (sealing a ledger written before)."""
    return [
        {"t": table, "id": pk, "sha256": digest} for table, pk, digest in table_digests(session)
    ]


def table_digests(session: Session, batch: int = 5000) -> Iterator[tuple[str, Any, str]]:
    """(table, primary key, digest) of every covered row, read fresh from the database."""
    for model in covered(session):
        mapper = inspect(model)
        table = mapper.local_table
        (pk_column,) = mapper.primary_key
        last: Any = None
        while True:
            query = select(table).order_by(pk_column).limit(batch)
            if last is not None:
                query = query.where(pk_column > last)
            rows = session.execute(query).mappings().all()
            if not rows:
                break
            for row in rows:
                yield (
                    model.__tablename__,
                    row[pk_column.name],
                    row_digest(model.__tablename__, dict(row)),
                )
            last = rows[-1][pk_column.name]


@dataclass(frozen=True)
class TablesChecked:
    rows: int  # business rows re-derived and matched
    bound: bool  # False: the ledger predates row sealing entirely (nothing to check against)


def sealed_digests(
    bodies: Iterable[str],
) -> tuple[dict[tuple[str, Any], tuple[str | None, int]], bool]:
    """Replay the entries: each row's newest digest and the entry that sealed it."""
    sealed: dict[tuple[str, Any], tuple[str | None, int]] = {}
    bound = False
    for body in bodies:
        entry = json.loads(body)
        if entry.get("canon") is not None:
            bound = True
        for row in entry.get("rows", ()):
            sealed[(row["t"], row["id"])] = (row["sha256"], entry["seq"])
    return sealed, bound


def check_tables(session: Session, bodies: Iterable[str]) -> TablesChecked:
    """Re-derive every covered table and compare it with the ledger; name the first difference."""
    by_name = _covered_by_name(session)
    sealed, bound = sealed_digests(bodies)
    if not bound:
        return TablesChecked(0, False)
    seen = 0
    for table, pk, digest in table_digests(session):
        recorded = sealed.pop((table, pk), None)
        if recorded is None:
            raise VerificationError(
                f"{table} row {pk}: not in the ledger (written outside the desk)"
            )
        expected, seq = recorded
        if expected is None:
            raise VerificationError(
                f"{table} row {pk}: ledger entry {seq} recorded it deleted, but it is there"
            )
        if digest != expected:
            raise VerificationError(
                f"{table} row {pk}: differs from what ledger entry {seq} sealed "
                "(changed outside the desk)"
            )
        seen += 1
    for (table, pk), (expected, seq) in sorted(sealed.items(), key=lambda i: i[1][1]):
        if expected is not None and table in by_name:
            raise VerificationError(
                f"{table} row {pk}: sealed by ledger entry {seq} but missing from the database "
                "(deleted outside the desk)"
            )
    return TablesChecked(seen, True)


def check_sealed(
    session: Session, sealed: dict[tuple[str, Any], tuple[str | None, int]], batch: int = 500
) -> int:
    """Compare just these rows (the ones new entries sealed) with the database; returns how many."""
    by_name = _covered_by_name(session)
    by_table: dict[str, list[Any]] = {}
    for table, pk in sealed:
        if table in by_name:
            by_table.setdefault(table, []).append(pk)
    checked = 0
    for table, keys in by_table.items():
        mapper = inspect(by_name[table])
        (pk_column,) = mapper.primary_key
        found: dict[Any, str] = {}
        for i in range(0, len(keys), batch):
            query = select(mapper.local_table).where(pk_column.in_(keys[i : i + batch]))
            for row in session.execute(query).mappings():
                found[row[pk_column.name]] = row_digest(table, dict(row))
        for pk in keys:
            expected, seq = sealed[(table, pk)]
            digest = found.get(pk)
            if expected is None and digest is not None:
                raise VerificationError(
                    f"{table} row {pk}: ledger entry {seq} recorded it deleted, but it is there"
                )
            if expected is not None and digest is None:
                raise VerificationError(
                    f"{table} row {pk}: sealed by ledger entry {seq} but missing from the "
                    "database (deleted outside the desk)"
                )
            if digest != expected:
                raise VerificationError(
                    f"{table} row {pk}: differs from what ledger entry {seq} sealed "
                    "(changed outside the desk)"
                )
            checked += 1
    return checked
