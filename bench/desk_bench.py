"""Desk and ledger costs, measured side by side in one run (issues 3 and 4).

- intake rate: requests + jail events per second through `Desk` on SQLite (file) and PostgreSQL,
  with and without the ledger (the ledger appends patched out: the same code otherwise);
- baseline: the raw insert rate of the same database, one row per transaction (SQLAlchemy Core);
- decision latency through the HTTP API (in-process ASGI client), p50 / p99;
- ledger proofs: inclusion and consistency proof time at 10k and 1M entries (pymerkle, in memory),
  the desk's `ledger prove` from the database's persisted tree state, and `ledger verify --since`
  over the last 1,000 entries.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.orm import Session

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.database import make_engine
from detainer_desk.desk.service import Desk
from detainer_desk.ledger import entries as ledger_entries
from detainer_desk.ledger.log import prove_inclusion
from detainer_desk.ledger.standalone import build_tree

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
ADMIN = Actor("bench", Role.clerk)


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="dd-bench-"))
        try:
            yield f"sqlite:///{folder / 'desk.db'}"
        finally:
            shutil.rmtree(folder)
        return
    name = f"dd_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _desk(url: str) -> Desk:
    home = Path(tempfile.mkdtemp(prefix="dd-bench-home-"))
    settings = DeskSettings(home=home, db=url)
    initialise(settings)
    return open_desk(settings, SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))


def _workload(n: int, tag: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        b = f"{tag}-{i}"
        jurisdiction = "denver" if i % 2 else "texas"
        out.append(
            {
                "booking_id": b,
                "kind": "booked",
                "at": "2017-09-25T22:10:00",
                "jurisdiction": jurisdiction,
                "charges": [{"offence": "DUI", "level": "misdemeanor"}],
                "convictions": [],
            }
        )
        out.append(
            {
                "jurisdiction": jurisdiction,
                "received_at": "2017-09-27T08:30:00",
                "request": {
                    "kind": "detainer",
                    "form": "I-247A",
                    "warrant_kind": "administrative_I200",
                    "office": "ICE ERO Denver Field Office",
                },
                "booking": {"booking_id": b},
            }
        )
        out.append({"booking_id": b, "kind": "release_eligible", "at": "2017-09-27T14:00:00"})
    return out


def _intake(desk: Desk, records: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for record in records:
        if "request" in record:
            desk.receive_request(ADMIN, record)
        else:
            desk.record_event(ADMIN, record)
    return len(records) / (time.perf_counter() - start)


@contextlib.contextmanager
def ledger_disabled() -> Iterator[None]:
    """The same desk code with the ledger's appends and lock replaced by no-ops."""
    import detainer_desk.desk.deciding as deciding
    import detainer_desk.desk.events as events
    import detainer_desk.desk.holdclock as holdclock
    import detainer_desk.desk.intake as intake
    import detainer_desk.desk.outbox as outbox
    import detainer_desk.desk.uow as uow
    import detainer_desk.ledger.sealing as sealing  # the row sealing's own appends

    def no_append(*_: object, **__: object) -> int:
        return 0

    def no_lock(*_: object) -> None:
        return None

    modules = (intake, events, deciding, outbox, holdclock, sealing)
    saved = [(m, m.append) for m in modules]
    saved_locks = [(m, m.lock_ledger) for m in (uow, outbox)]
    for m in modules:
        m.append = no_append  # type: ignore[assignment]
    for m, _ in saved_locks:
        m.lock_ledger = no_lock  # type: ignore[assignment]
    try:
        yield
    finally:
        for m, fn in saved:
            m.append = fn  # type: ignore[assignment]
        for m, fn in saved_locks:
            m.lock_ledger = fn  # type: ignore[assignment]


def raw_insert_rate(url: str, n: int) -> float:
    engine = make_engine(url)
    table = Table(
        "bench_raw",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("payload", String(200)),
    )
    table.create(engine)
    start = time.perf_counter()
    for i in range(n):
        with engine.begin() as conn:
            conn.execute(insert(table).values(payload=f"row {i}"))
    rate = n / (time.perf_counter() - start)
    engine.dispose()
    return rate


def api_latency(url: str, n: int) -> list[float]:
    from fastapi.testclient import TestClient

    from detainer_desk.web.app import create_app

    desk = _desk(url)
    token = desk.create_token("bench", "clerk")
    records = _workload(n, "api")
    out = []
    with TestClient(create_app(desk, worker=False)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        for record in records:
            if "request" not in record:
                client.post("/api/events", json=record)
                continue
            start = time.perf_counter_ns()
            response = client.post("/api/requests", json=record)
            out.append((time.perf_counter_ns() - start) / 1000)
            assert response.status_code == 201
    desk.close()
    return out


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def desk_table(n_bookings: int, kinds: list[str]) -> None:
    print(
        f"\nDesk intake — {n_bookings} bookings × (booked, request, release_eligible), "
        "one transaction per record"
    )
    print(f"{'database':11} {'what':44} {'per second':>11} {'/ raw insert':>13}")
    for kind in kinds:
        with database(kind) as url:
            raw = raw_insert_rate(url, n_bookings * 3)
        rows: list[tuple[str, float]] = [("raw insert, 1 row per transaction (baseline)", raw)]
        with database(kind) as url:
            desk = _desk(url)
            rows.append(("desk intake, with ledger", _intake(desk, _workload(n_bookings, "a"))))
            desk.close()
        with database(kind) as url:
            desk = _desk(url)
            with ledger_disabled():
                rows.append(
                    ("desk intake, ledger patched out", _intake(desk, _workload(n_bookings, "b")))
                )
            desk.close()
        for name, rate in rows:
            print(f"{kind:11} {name:44} {rate:11.1f} {rate / raw:12.3f}×")
        print(f"{kind:11} {'ledger cost: with / without':44} {rows[1][1] / rows[2][1]:11.3f}×")
    print("\nDecision latency through the API (POST /api/requests, in-process ASGI client)")
    print(f"{'database':11} {'p50 ms':>9} {'p99 ms':>9}")
    for kind in kinds:
        with database(kind) as url:
            values = api_latency(url, max(50, n_bookings // 2))
        print(f"{kind:11} {statistics.median(values) / 1000:9.2f} {pct(values, 99) / 1000:9.2f}")


def _bodies(n: int) -> list[str]:
    at = datetime(2017, 9, 27, tzinfo=UTC)
    return [
        ledger_entries.entry_body(
            i,
            at + timedelta(seconds=i),
            "decision",
            "clerk:bench",
            {"request": i, "actions": [{"effect": "deny"}]},
        )
        for i in range(1, n + 1)
    ]


def timed(fn: Callable[[], object], repeat: int) -> float:
    values = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        values.append((time.perf_counter_ns() - start) / 1000)
    return statistics.median(values)


def ledger_table(sizes: list[int]) -> None:
    print("\nLedger proofs (RFC 9162). In memory: pymerkle, median of 200 random proofs.")
    print("From the database (SQLite file): `ledger prove` reads O(log n) rows of the persisted")
    print("tree state (median of 50); `verify --since` re-checks only the last 1,000 entries.")
    print(
        f"{'entries':>9} {'load s':>8} {'build tree s':>13} {'inclusion µs':>13} "
        f"{'consistency µs':>15} {'desk prove ms':>14} {'verify --since ms':>18}"
    )
    rng = random.Random(9162)
    for n in sizes:
        bodies = _bodies(n)
        start = time.perf_counter()
        tree = build_tree(bodies)
        build = time.perf_counter() - start
        inclusion = timed(lambda t=tree, k=n: t.prove_inclusion(rng.randint(1, k), k), 200)
        consistency = timed(lambda t=tree, k=n: t.prove_consistency(rng.randint(1, k - 1), k), 200)
        del tree
        load, prove_ms, since_ms = _desk_ledger_ms(bodies, rng)
        print(
            f"{n:9d} {load:8.1f} {build:13.2f} {inclusion:13.1f} {consistency:15.1f} "
            f"{prove_ms:14.2f} {since_ms:18.1f}"
        )


def _desk_ledger_ms(bodies: list[str], rng: random.Random) -> tuple[float, float, float]:
    """Load a SQLite desk with these entries and their tree state; time prove and verify --since."""
    from detainer_desk.ledger.keys import load_signing_key
    from detainer_desk.ledger.log import sign_note, verify_since
    from detainer_desk.ledger.tables import Checkpoint, LedgerEntry, TreeNode
    from detainer_desk.ledger.tree import Frontier

    folder = Path(tempfile.mkdtemp(prefix="dd-bench-ledger-"))
    try:
        settings = DeskSettings(home=folder)
        initialise(settings)
        key = load_signing_key(settings.signing_key_path)
        engine = make_engine(settings.db_url)
        n = len(bodies)
        held_size = max(n - 1000, 1)
        start = time.perf_counter()
        frontier = Frontier()
        previous = ledger_entries.GENESIS
        held_note = ""
        with engine.begin() as conn:
            for first in range(0, n, 20_000):
                rows, nodes = [], []
                for seq, body in enumerate(bodies[first : first + 20_000], start=first + 1):
                    leaf = ledger_entries.leaf_hash(body)
                    previous = ledger_entries.chain_hash(previous, leaf)
                    rows.append(
                        {"seq": seq, "body": body, "leaf_hash": leaf, "chain_hash": previous}
                    )
                    for level, index, h in frontier.push(bytes.fromhex(leaf)):
                        nodes.append({"level": level, "idx": index, "hash": h.hex()})
                    if seq == held_size:
                        held_note = sign_note(settings.log_origin, seq, frontier.root(), key)
                conn.execute(insert(LedgerEntry), rows)
                conn.execute(insert(TreeNode), nodes)
            note = sign_note(settings.log_origin, n, frontier.root(), key)
            conn.execute(
                insert(Checkpoint),
                [
                    {
                        "size": n,
                        "root_hash": frontier.root().hex(),
                        "note": note,
                        "made_at": datetime.now(UTC),
                    }
                ],
            )
        load = time.perf_counter() - start
        vkey = settings.public_key_path.read_text()
        with Session(engine) as session:
            prove_us = timed(lambda: prove_inclusion(session, rng.randint(1, n)), 50)
            start = time.perf_counter()
            verify_since(session, vkey, held_note)
            since = time.perf_counter() - start
        engine.dispose()
        return load, prove_us / 1000, since * 1000
    finally:
        shutil.rmtree(folder)
