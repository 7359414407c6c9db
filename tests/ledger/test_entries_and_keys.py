"""Appending, exactly: the body, leaf and chain hashes, the rows an entry seals, and refusals;
the signing key's files and errors, exactly.

Expected bodies are written out by hand (RFC 8785 sorts member names by their UTF-16 code
units; for these ASCII names that is plain sorting, and strings and small integers are written
as JSON writes them), their hashes with hashlib: leaf = SHA-256(0x00 ‖ body), chain =
SHA-256(previous chain ‖ leaf), the first previous being 32 zero bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from detainer_desk.desk.tables import Office
from detainer_desk.errors import InputError
from detainer_desk.ledger import tree
from detainer_desk.ledger.entries import GENESIS, LEDGER_LOCK, append, entry_body, lock_ledger
from detainer_desk.ledger.keys import ensure_signing_key, load_signing_key, verifier_key
from tests.ledger.helpers import sqlite_desk

AT = datetime(2017, 9, 27, 12, tzinfo=UTC)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entries(tmp: Path) -> list[tuple[int, str, str, str]]:
    db = sqlite3.connect(tmp / "desk.db")
    rows = db.execute("SELECT seq, body, leaf_hash, chain_hash FROM ledger_entries ORDER BY seq")
    found = list(rows)
    db.close()
    return found


def _office_digest(name: str, channel: str, address: str) -> str:
    """rows.row_digest by hand: SHA-256 of {"row": {...}, "t": "offices"}, keys sorted."""
    content = {"row": {"address": address, "channel": channel, "name": name}, "t": "offices"}
    return _sha(json.dumps(content, sort_keys=True, separators=(",", ":")).encode())


def test_entry_body_is_the_canonical_entry_with_rows_only_when_there_are_some() -> None:
    assert GENESIS == "0" * 64
    at = datetime(2017, 9, 27, 12, 30, tzinfo=UTC)
    plain = entry_body(3, at, "kat", "clerk:a", {"n": 1, "b": "x"})
    assert plain == (
        '{"actor":"clerk:a","at":"2017-09-27T12:30:00+00:00","canon":"rfc8785",'
        '"data":{"b":"x","n":1},"kind":"kat","seq":3}'
    )
    assert entry_body(3, at, "kat", "clerk:a", {"n": 1, "b": "x"}, []) == plain
    sealed = entry_body(3, at, "kat", "clerk:a", {}, [{"t": "offices", "id": "X", "sha256": None}])
    assert sealed == (
        '{"actor":"clerk:a","at":"2017-09-27T12:30:00+00:00","canon":"rfc8785","data":{},'
        '"kind":"kat","rows":[{"id":"X","sha256":null,"t":"offices"}],"seq":3}'
    )


def test_appends_write_the_exact_entries_hashes_and_seals(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    with desk.sessions.begin() as session:
        session.add(Office(name="Denver ERO", channel="email", address="ero@example.org"))
        assert append(session, "office_set", "clerk:a", AT, {"name": "Denver ERO"}) == 1
        assert append(session, "note", "clerk:b", AT + timedelta(minutes=1), {"n": 2}) == 2
    digest = _office_digest("Denver ERO", "email", "ero@example.org")
    first = (
        '{"actor":"clerk:a","at":"2017-09-27T12:00:00+00:00","canon":"rfc8785",'
        '"data":{"name":"Denver ERO"},"kind":"office_set",'
        f'"rows":[{{"id":"Denver ERO","sha256":"{digest}","t":"offices"}}],"seq":1}}'
    )
    # The second entry seals nothing: no row changed since the first.
    second = (
        '{"actor":"clerk:b","at":"2017-09-27T12:01:00+00:00","canon":"rfc8785",'
        '"data":{"n":2},"kind":"note","seq":2}'
    )
    leaf1 = _sha(b"\x00" + first.encode())
    leaf2 = _sha(b"\x00" + second.encode())
    chain1 = _sha(bytes(32) + bytes.fromhex(leaf1))
    chain2 = _sha(bytes.fromhex(chain1) + bytes.fromhex(leaf2))
    assert _entries(tmp_path) == [(1, first, leaf1, chain1), (2, second, leaf2, chain2)]
    with desk.sessions() as session:
        node = hashlib.sha256(b"\x01" + bytes.fromhex(leaf1) + bytes.fromhex(leaf2)).digest()
        assert tree.root(session, 2) == node
    desk.close()


def test_rows_changed_after_the_last_entry_get_an_entry_by_the_same_actor(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    later = AT + timedelta(hours=3)
    with desk.sessions.begin() as session:
        append(session, "note", "supervisor:kim", later, {})
        session.add(Office(name="El Paso ERO", channel="email", address="ep@example.org"))
    (_, note, _, _), (_, rest, _, _) = _entries(tmp_path)
    assert json.loads(note)["kind"] == "note"
    entry = json.loads(rest)
    assert (entry["kind"], entry["actor"], entry["at"], entry["data"]) == (
        "rows_changed",
        "supervisor:kim",
        "2017-09-27T15:00:00+00:00",
        {},
    )
    assert entry["rows"] == [
        {
            "t": "offices",
            "id": "El Paso ERO",
            "sha256": _office_digest("El Paso ERO", "email", "ep@example.org"),
        }
    ]
    desk.close()


def test_forbidden_data_is_refused_naming_the_first_field_only(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    with desk.sessions.begin() as session:
        with pytest.raises(ValueError) as caught:
            append(session, "note", "clerk:a", AT, {"z": {"citizenship": "x"}, "birthplace": "y"})
        # Sorted paths: "birthplace" < "z.citizenship"; the value is never repeated.
        assert str(caught.value) == "ledger data may not carry 'birthplace'"
    assert _entries(tmp_path) == []
    desk.close()


# -- the signing key ----------------------------------------------------------------------------


def test_the_key_pair_is_created_once_private_and_its_public_half_restored(
    tmp_path: Path,
) -> None:
    private, public = tmp_path / "ledger.key", tmp_path / "ledger.pub"
    assert ensure_signing_key(private, public) is True
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key = load_signing_key(private)
    assert public.read_text() == verifier_key(key) + "\n"
    pem = private.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert ensure_signing_key(private, public) is False
    assert private.read_bytes() == pem
    public.unlink()
    assert ensure_signing_key(private, public) is False  # only the public half is written again
    assert private.read_bytes() == pem
    assert public.read_text() == verifier_key(key) + "\n"


def test_a_verifier_key_by_hand_with_another_name() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    raw = key.public_key().public_bytes_raw()
    key_hash = hashlib.sha256(b"other-log\n\x01" + raw).digest()[:4].hex()
    encoded = base64.b64encode(b"\x01" + raw).decode()
    assert verifier_key(key, "other-log") == f"other-log+{key_hash}+{encoded}"


def test_an_unreadable_or_foreign_key_is_refused_with_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "none.key"
    with pytest.raises(InputError) as caught:
        load_signing_key(missing)
    assert caught.value.message == (
        f"cannot read the ledger signing key {missing}; run 'detainer-desk init'"
    )
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key\n")
    with pytest.raises(InputError) as caught:
        load_signing_key(garbage)
    assert caught.value.message == (
        f"cannot read the ledger signing key {garbage}; run 'detainer-desk init'"
    )
    other = tmp_path / "ec.key"
    other.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(InputError) as caught:
        load_signing_key(other)
    assert caught.value.message == f"{other} is not an Ed25519 key"


# -- the PostgreSQL lock, as sent -----------------------------------------------------------


class _Recording:
    """A stand-in session on a given dialect: records each statement with its parameters
    bound, compiled for PostgreSQL as the server would receive it."""

    def __init__(self, dialect: str) -> None:
        self.sent: list[str] = []
        self._dialect = dialect

    def get_bind(self) -> Any:
        return SimpleNamespace(dialect=SimpleNamespace(name=self._dialect))

    def execute(self, statement: Any, params: dict[str, Any]) -> None:
        bound = statement.bindparams(**params)  # refuses a parameter the SQL does not name
        compiled = bound.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        self.sent.append(str(compiled))


def test_appends_are_serialised_by_their_own_advisory_lock_on_postgresql() -> None:
    from detainer_desk.desk.holdclock import CLOCK_LOCK

    on_postgres = _Recording("postgresql")
    lock_ledger(cast(Session, on_postgres))
    # SQL keywords and function names are case-insensitive in PostgreSQL; the key is not.
    assert [s.lower() for s in on_postgres.sent] == [f"select pg_advisory_xact_lock({LEDGER_LOCK})"]
    assert LEDGER_LOCK != CLOCK_LOCK  # the hold clock's lock is another one
    on_sqlite = _Recording("sqlite")  # SQLite's write lock serialises already
    lock_ledger(cast(Session, on_sqlite))
    assert on_sqlite.sent == []
