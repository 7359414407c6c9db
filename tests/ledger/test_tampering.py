"""Mutation test: 240 random tamperings of a ledger of a few thousand entries, each detected.

The attacker here is an administrator with the database file: triggers dropped, rows edited,
hashes recomputed. What they cannot do is re-sign: the verifier holds an earlier checkpoint.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.database import make_engine
from detainer_desk.ledger.entries import GENESIS, append, canonical, chain_hash, leaf_hash
from detainer_desk.ledger.log import verify_database
from detainer_desk.ledger.standalone import VerificationError

from ..desk.helpers import DENVER_OFFICE, booked, detainer, event

ADMIN = Actor("setup", Role.supervisor)
TRIALS = 240


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A desk with real traffic plus bulk entries (~3000), and a checkpoint held outside."""
    home = tmp_path_factory.mktemp("ledger")
    settings = DeskSettings(home=home, db=f"sqlite:///{home / 'desk.db'}")
    initialise(settings)
    clock = SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC))
    desk = open_desk(settings, clock)
    for n in range(120):
        jurisdiction = "denver" if n % 2 else "texas"
        desk.record_event(ADMIN, booked(f"B{n}", jurisdiction))
        desk.receive_request(ADMIN, detainer(f"B{n}", jurisdiction, DENVER_OFFICE))
        desk.record_event(ADMIN, event(f"B{n}", "release_eligible", "2017-09-27T14:00:00"))
        clock.advance(timedelta(minutes=7))
    with desk.sessions.begin() as session:
        for n in range(2200):
            append(session, "bulk_test_entry", "test", clock.now(), {"n": n, "note": f"e{n}"})
    held = desk.checkpoint()
    vkey = settings.public_key_path.read_text()
    desk.close()
    return home / "desk.db", held, vkey


def _rows(db: sqlite3.Connection) -> list[tuple[int, str]]:
    return list(db.execute("SELECT seq, body FROM ledger_entries ORDER BY seq"))


def _rewrite(db: sqlite3.Connection, bodies: list[str], renumber: bool) -> None:
    """Replace the whole table with these bodies, hashes recomputed (a careful attacker)."""
    db.execute("DELETE FROM ledger_entries")
    previous = GENESIS
    for i, body in enumerate(bodies, start=1):
        if renumber:
            parsed = json.loads(body)
            parsed["seq"] = i
            body = canonical(parsed)
        leaf = leaf_hash(body)
        previous = chain_hash(previous, leaf)
        db.execute("INSERT INTO ledger_entries VALUES (?, ?, ?, ?)", (i, body, leaf, previous))


def _edit(body: str, rng: random.Random) -> str:
    parsed = json.loads(body)
    choice = rng.choice(["at", "kind", "actor", "data"])
    if choice == "data":
        parsed["data"]["tampered"] = rng.randint(0, 9)
    else:
        parsed[choice] = str(parsed[choice]) + "x"
    return canonical(parsed)


def edit_in_place(db: sqlite3.Connection, rng: random.Random) -> None:
    seq, body = rng.choice(_rows(db))
    db.execute("UPDATE ledger_entries SET body=? WHERE seq=?", (_edit(body, rng), seq))


def edit_and_rehash_everything(db: sqlite3.Connection, rng: random.Random) -> None:
    bodies = [b for _, b in _rows(db)]
    i = rng.randrange(len(bodies))
    bodies[i] = _edit(bodies[i], rng)
    _rewrite(db, bodies, renumber=False)


def delete_one(db: sqlite3.Connection, rng: random.Random) -> None:
    seq, _ = rng.choice(_rows(db)[:-1])
    db.execute("DELETE FROM ledger_entries WHERE seq=?", (seq,))


def delete_and_renumber(db: sqlite3.Connection, rng: random.Random) -> None:
    bodies = [b for _, b in _rows(db)]
    del bodies[rng.randrange(len(bodies))]
    _rewrite(db, bodies, renumber=True)


def swap_two(db: sqlite3.Connection, rng: random.Random) -> None:
    rows = _rows(db)
    (a, body_a), (b, body_b) = rng.sample(rows, 2)
    db.execute("UPDATE ledger_entries SET body=? WHERE seq=?", (body_b, a))
    db.execute("UPDATE ledger_entries SET body=? WHERE seq=?", (body_a, b))


def swap_and_renumber(db: sqlite3.Connection, rng: random.Random) -> None:
    bodies = [b for _, b in _rows(db)]
    i, j = rng.sample(range(len(bodies)), 2)
    bodies[i], bodies[j] = bodies[j], bodies[i]
    _rewrite(db, bodies, renumber=True)


def truncate_tail(db: sqlite3.Connection, rng: random.Random) -> None:
    rows = _rows(db)
    keep = rows[-1][0] - rng.randint(1, 50)
    db.execute("DELETE FROM ledger_entries WHERE seq>?", (keep,))


def insert_forged(db: sqlite3.Connection, rng: random.Random) -> None:
    bodies = [b for _, b in _rows(db)]
    forged = canonical(
        {
            "seq": 0,
            "at": "2017-09-27T12:00:00+00:00",
            "kind": "decision",
            "actor": "supervisor:nobody",
            "data": {"forged": True},
        }
    )
    bodies.insert(rng.randrange(len(bodies)), forged)
    _rewrite(db, bodies, renumber=True)


def rebuild_from_edited_data(db: sqlite3.Connection, rng: random.Random) -> None:
    bodies = [_edit(b, rng) if rng.random() < 0.01 else b for _, b in _rows(db)]
    if all(b == o for b, (_, o) in zip(bodies, _rows(db), strict=True)):
        bodies[0] = _edit(bodies[0], rng)
    _rewrite(db, bodies, renumber=False)
    db.execute("DELETE FROM checkpoints")  # and drop the stored checkpoints that would tell


TAMPERINGS: list[Callable[[sqlite3.Connection, random.Random], None]] = [
    edit_in_place,
    edit_and_rehash_everything,
    delete_one,
    delete_and_renumber,
    swap_two,
    swap_and_renumber,
    truncate_tail,
    insert_forged,
    rebuild_from_edited_data,
]


def _verify(path: Path, held: str, vkey: str) -> None:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with Session(engine) as session:
            verify_database(session, vkey, checkpoint=held)
    finally:
        engine.dispose()


def test_untouched_ledger_verifies(ledger_file: tuple[Path, str, str], tmp_path: Path) -> None:
    path, held, vkey = ledger_file
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    _verify(copy, held, vkey)


def test_database_refuses_update_and_delete(ledger_file: tuple[Path, str, str]) -> None:
    path, _, _ = ledger_file
    db = sqlite3.connect(path)
    for statement in (
        "UPDATE ledger_entries SET body='x' WHERE seq=1",
        "DELETE FROM ledger_entries WHERE seq=1",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)
    db.close()


def test_every_tampering_is_detected(ledger_file: tuple[Path, str, str], tmp_path: Path) -> None:
    path, held, vkey = ledger_file
    rng = random.Random(20170927)
    undetected = []
    for trial in range(TRIALS):
        tamper = TAMPERINGS[trial % len(TAMPERINGS)]
        copy = tmp_path / f"t{trial}.db"
        shutil.copy(path, copy)
        db = sqlite3.connect(copy, isolation_level=None)
        db.execute("DROP TRIGGER ledger_entries_no_update")
        db.execute("DROP TRIGGER ledger_entries_no_delete")
        db.execute("DROP TRIGGER checkpoints_no_delete")
        db.execute("BEGIN")
        tamper(db, rng)
        db.execute("COMMIT")
        db.close()
        try:
            _verify(copy, held, vkey)
            undetected.append(f"{trial}: {tamper.__name__}")
        except VerificationError:
            pass
        copy.unlink()
    assert not undetected, undetected
