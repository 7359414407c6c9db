"""Each entry names its canonical form: ledgers written before RFC 8785 still verify, and the
first entry written after the upgrade seals every business row that already existed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.ledger.entries import GENESIS, chain_hash, leaf_hash
from detainer_desk.ledger.log import export_lines, verify_database
from detainer_desk.ledger.standalone import (
    VerificationError,
    canonical,
    canonical_legacy,
    check_entries,
)

from ..desk.helpers import booked

CLERK = Actor("clerk", Role.clerk)


def test_new_entries_are_rfc8785_and_say_so(tmp_path: Path) -> None:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'desk.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))
    desk.record_event(CLERK, booked("B1", "denver"))
    with desk.sessions() as session:
        bodies = list(export_lines(session))
    desk.close()
    for body in bodies:
        entry = json.loads(body)
        assert entry["canon"] == "rfc8785" and canonical(entry) == body
    booking = json.loads(bodies[-1])["rows"]
    assert {"t": "bookings", "id": 1} in [{k: r[k] for k in ("t", "id")} for r in booking]


def test_rfc8785_differs_from_legacy_where_it_should() -> None:
    """Numbers: RFC 8785 writes 1.0 as 1 (ECMAScript), the legacy form as 1.0."""
    assert canonical({"b": 1.0, "a": "é"}) == '{"a":"é","b":1}'
    assert canonical_legacy({"b": 1.0, "a": "é"}) == '{"a":"é","b":1.0}'


def test_an_entry_in_the_wrong_form_for_its_name_is_refused() -> None:
    entry = {"seq": 1, "at": "x", "kind": "k", "actor": "a", "data": {"n": 1.0}}
    legacy_body = canonical_legacy(entry)
    assert check_entries([legacy_body]) == [legacy_body]
    named = dict(entry, canon="rfc8785")
    with pytest.raises(VerificationError, match="canonical form it names"):
        check_entries([canonical_legacy(named)])
    with pytest.raises(VerificationError, match="canonical form it names"):
        check_entries([canonical(dict(entry, canon="jcs-2099"))])


def test_a_legacy_ledger_verifies_and_is_sealed_on_the_next_entry(tmp_path: Path) -> None:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'desk.db'}")
    initialise(settings)
    clock = SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC))
    desk = open_desk(settings, clock)
    # Two entries as the desk wrote them before RFC 8785 (no "canon", no "rows").
    previous = GENESIS
    with desk.sessions.begin() as session:
        for seq in (1, 2):
            body = canonical_legacy(
                {
                    "seq": seq,
                    "at": "2017-09-27T12:00:00+00:00",
                    "kind": "old",
                    "actor": "a",
                    "data": {"n": seq},
                }
            )
            leaf = leaf_hash(body)
            previous = chain_hash(previous, leaf)
            session.execute(
                text("INSERT INTO ledger_entries VALUES (:s, :b, :l, :c)"),
                {"s": seq, "b": body, "l": leaf, "c": previous},
            )
    desk.checkpoint()
    vkey = settings.public_key_path.read_text()
    with desk.sessions() as session:
        result = verify_database(session, vkey)
    assert result.entries == 2 and not result.rows_bound
    desk.record_event(CLERK, booked("B1", "denver"))
    desk.checkpoint()
    with desk.sessions() as session:
        result = verify_database(session, vkey)
        first_new = json.loads(list(export_lines(session))[2])
    desk.close()
    assert result.rows_bound and result.rows >= 2
    assert first_new["canon"] == "rfc8785"
    assert {r["t"] for r in first_new["rows"]} >= {"bookings", "jail_events"}
