"""The desk's log, exactly: every refusal of `verify`, `verify --since` and `prove` word for word
(naming the first bad entry, row, node or checkpoint), the row digests by hand, and what
`checkpoint`, `export` and `prove` return.

A small desk with offices only: an office row is three strings, so its RFC 8785 digest is worked
out here with json.dumps (sorted keys, no spaces: the same bytes for ASCII strings). Tampering
is done the way an administrator with the database file would: triggers dropped, rows edited.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Office
from detainer_desk.errors import NotFoundError
from detainer_desk.ledger import tree
from detainer_desk.ledger.cosignatures import check_note, keep
from detainer_desk.ledger.entries import GENESIS, append, canonical, chain_hash, leaf_hash
from detainer_desk.ledger.keys import load_signing_key
from detainer_desk.ledger.log import (
    Verified,
    bodies,
    export_lines,
    make_checkpoint,
    prove_consistency,
    prove_inclusion,
    sign_note,
    verify_database,
    verify_since,
    write_export,
)
from detainer_desk.ledger.rows import (
    PENDING,
    check_sealed,
    mark,
    row_digest,
    sealed_digests,
    table_digests,
)
from detainer_desk.ledger.standalone import VerificationError, canonical_legacy, read_checkpoint
from detainer_desk.ledger.tables import Checkpoint
from detainer_desk.ledger.witness import cosign, cosigner_vkey

SUPERVISOR = Actor("sup", Role.supervisor)
AT = datetime(2017, 9, 27, 12, tzinfo=UTC)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _by_hand(content: object) -> str:
    return _sha(json.dumps(content, sort_keys=True, separators=(",", ":")).encode())


def _office(name: str, address: str) -> dict[str, str]:
    return {"name": name, "channel": "email", "address": address}


def _desk(tmp: Path, offices: int = 3) -> Desk:
    """Offices O0..O{n-1}, one entry each (entries 1..n); then a checkpoint of size n."""
    settings = DeskSettings(home=tmp, db=f"sqlite:///{tmp / 'desk.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(AT))
    for n in range(offices):
        desk.set_office(SUPERVISOR, _office(f"O{n}", f"o{n}@example.org"))
    desk.checkpoint()
    return desk


def _vkey(desk: Desk) -> str:
    return desk.settings.public_key_path.read_text()


def _sql(tmp: Path, *statements: str) -> None:
    db = sqlite3.connect(tmp / "desk.db", isolation_level=None)
    for statement in statements:
        db.execute(statement)
    db.close()


def _verify_fails(desk: Desk, message: str, **kwargs: str) -> None:
    with desk.sessions() as session, pytest.raises(VerificationError) as caught:
        verify_database(session, _vkey(desk), **kwargs)
    assert str(caught.value) == message


# -- row digests ----------------------------------------------------------------------------


def test_row_digest_by_hand_with_every_kind_of_value(monkeypatch: pytest.MonkeyPatch) -> None:
    row = {
        "a": 1,
        "gone": None,  # NULL columns are left out
        "big": 2**53,  # past JavaScript's safe integers: its decimal string
        "safe": 2**53 - 1,
        "neg": -(2**53 - 1),
        "negbig": -(2**53),
        "yes": True,
        "f": 1.5,
        "s": "é",
        "when": datetime(2017, 9, 27, 6, tzinfo=timezone(timedelta(hours=-6))),  # as UTC
        "doc": {"k": [1, None, 2**60, (True, "x")], "n": None},
        "list": [0.25],
        "dec": Decimal("2.50"),  # anything else: its string
    }
    expected = {
        "row": {
            "a": 1,
            "big": "9007199254740992",
            "safe": 9007199254740991,
            "neg": -9007199254740991,
            "negbig": "-9007199254740992",
            "yes": True,
            "f": 1.5,
            "s": "é",
            "when": "2017-09-27T12:00:00+00:00",
            "doc": {"k": [1, None, "1152921504606846976", [True, "x"]], "n": None},
            "list": [0.25],
            "dec": "2.50",
        },
        "t": "things",
    }
    text = json.dumps(expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert row_digest("things", row) == _sha(text.encode())
    # The machine's own time zone plays no part: datetimes are written in UTC.
    with monkeypatch.context() as patched:
        patched.setenv("TZ", "America/Denver")
        time.tzset()
        try:
            assert row_digest("things", row) == _sha(text.encode())
        finally:
            patched.undo()
            time.tzset()


def test_sealed_digests_replay_the_newest_digest_of_each_row() -> None:
    legacy = json.dumps({"seq": 1, "data": {}})
    first = canonical({"seq": 2, "canon": "rfc8785", "rows": [{"t": "x", "id": 1, "sha256": "a"}]})
    second = canonical(
        {
            "seq": 3,
            "canon": "rfc8785",
            "rows": [{"t": "x", "id": 1, "sha256": None}, {"t": "y", "id": "k", "sha256": "b"}],
        }
    )
    assert sealed_digests([legacy]) == ({}, False)
    assert sealed_digests([legacy, first, second]) == (
        {("x", 1): (None, 3), ("y", "k"): ("b", 3)},
        True,
    )


def test_an_entry_seals_its_rows_sorted_and_a_deleted_one_as_null(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=0)
    with desk.sessions.begin() as session:
        session.add(Office(**_office("B", "b@example.org")))
        session.add(Office(**_office("A", "a@example.org")))
        append(session, "two", "t", AT, {})
    with desk.sessions.begin() as session:
        office = session.get(Office, "B")
        assert office is not None
        session.delete(office)
        append(session, "gone", "t", AT, {})
    with desk.sessions() as session:
        two, gone = (json.loads(b) for b in export_lines(session))
    assert two["rows"] == [
        {"t": "offices", "id": n, "sha256": _by_hand({"row": _office(n, a), "t": "offices"})}
        for n, a in (("A", "a@example.org"), ("B", "b@example.org"))
    ]
    assert gone["rows"] == [{"t": "offices", "id": "B", "sha256": None}]
    with desk.sessions() as session:  # B deleted through the desk: not missing, A checked
        assert verify_database(session, _vkey(desk), desk.checkpoint()).rows == 1
    desk.close()


# -- verify ---------------------------------------------------------------------------------


def test_an_honest_desk_verifies_and_counts_what_it_checked(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    with desk.sessions() as session:
        held = session.execute(select(Checkpoint.note).order_by(Checkpoint.id)).scalars().all()
    desk.set_office(SUPERVISOR, _office("O9", "o9@example.org"))
    newest = desk.checkpoint()
    with desk.sessions() as session:
        assert verify_database(session, _vkey(desk)) == Verified(4, 4, None, 4, True, 0)
        # Against the size-3 checkpoint, with the size-0 one of `init` as the older.
        assert verify_database(session, _vkey(desk), held[1], held[1]) == Verified(
            4, 3, 3, 4, True, 0
        )
        assert verify_database(session, _vkey(desk), newest, held[1]) == Verified(
            4, 4, 3, 4, True, 0
        )
    desk.close()


def test_a_table_row_that_differs_is_named_with_its_entry(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    _sql(tmp_path, "UPDATE offices SET address = 'x@example.org' WHERE name = 'O1'")
    _verify_fails(
        desk,
        "offices row O1: differs from what ledger entry 2 sealed (changed outside the desk)",
    )
    desk.close()


def test_a_row_written_outside_the_desk_is_named(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    _sql(tmp_path, "INSERT INTO offices VALUES ('A0', 'email', 'a@example.org')")
    _verify_fails(desk, "offices row A0: not in the ledger (written outside the desk)")
    desk.close()


def test_rows_deleted_outside_the_desk_are_named_earliest_entry_first(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    desk.set_office(SUPERVISOR, _office("O1", "new@example.org"))  # O1 sealed again: entry 4
    desk.checkpoint()
    _sql(tmp_path, "DELETE FROM offices WHERE name IN ('O1', 'O2')")
    _verify_fails(
        desk,
        "offices row O2: sealed by ledger entry 3 but missing from the database "
        "(deleted outside the desk)",
    )
    desk.close()


def test_a_row_recorded_deleted_but_still_there_is_named(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    with desk.sessions.begin() as session:
        office = session.get(Office, "O0")
        assert office is not None
        session.delete(office)
        append(session, "office_removed", "t", AT, {})
    desk.checkpoint()
    _sql(tmp_path, "INSERT INTO offices VALUES ('O0', 'email', 'o0@example.org')")
    _verify_fails(desk, "offices row O0: ledger entry 4 recorded it deleted, but it is there")
    desk.close()


def test_an_edited_entry_and_a_broken_chain_are_named(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    _sql(
        tmp_path,
        "DROP TRIGGER ledger_entries_no_update",
        "UPDATE ledger_entries SET body = replace(body, 'O1', 'X1') WHERE seq = 2",
    )
    _verify_fails(desk, "entry 2: its content does not match its stored hash")
    desk.close()
    desk = _desk(tmp_path / "again")
    with desk.sessions() as session:
        body = list(export_lines(session))[1]
    # Entry 2 edited and its leaf hash recomputed, but not the chain: the chain breaks there.
    edited = body.replace("O1", "X1")
    _sql(
        tmp_path / "again",
        "DROP TRIGGER ledger_entries_no_update",
        f"UPDATE ledger_entries SET body = '{edited}', leaf_hash = '{leaf_hash(edited)}' "
        "WHERE seq = 2",
    )
    _verify_fails(desk, "entry 2: hash chain broken (entry before it changed?)")
    desk.close()


def _rewrite_last(tmp: Path, desk: Desk) -> None:
    """Edit the last entry and recompute its leaf and chain hash, as a careful attacker."""
    with desk.sessions() as session:
        rows = list(bodies(session))
    last, before = rows[-1], rows[-2]
    entry = json.loads(last.body)
    entry["actor"] = "forged"
    body = canonical(entry)
    leaf = leaf_hash(body)
    _sql(
        tmp,
        "DROP TRIGGER ledger_entries_no_update",
        f"UPDATE ledger_entries SET body = '{body}', leaf_hash = '{leaf}', "
        f"chain_hash = '{chain_hash(before.chain_hash, leaf)}' WHERE seq = {last.seq}",
    )


def test_a_rewritten_entry_is_caught_by_the_stored_checkpoints(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    held = desk.checkpoint()  # checkpoint #3, size 3 (#1 is init's, #2 the first size 3)
    _rewrite_last(tmp_path, desk)
    _verify_fails(
        desk,
        "entries 1..3 do not match the root signed in stored checkpoint #2 (size 3): at least "
        "one of them was changed, removed or replaced",
    )
    _sql(tmp_path, "DROP TRIGGER checkpoints_no_delete", "DELETE FROM checkpoints WHERE size = 3")
    _verify_fails(
        desk,
        "entries 1..3 do not match the root signed in the checkpoint: at least one of them was "
        "changed, removed or replaced",
        checkpoint=held,
    )
    with desk.sessions() as session:
        (init,) = session.execute(select(Checkpoint.note)).scalars()
    _verify_fails(
        desk,
        "entries 1..3 do not match the root signed in the older checkpoint: at least one of them "
        "was changed, removed or replaced",
        checkpoint=init,
        older=held,
    )
    desk.close()


def test_with_no_checkpoint_there_is_nothing_to_verify_against(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    _sql(tmp_path, "DROP TRIGGER checkpoints_no_delete", "DELETE FROM checkpoints")
    _verify_fails(desk, "no signed checkpoint to verify against; run 'ledger checkpoint'")
    desk.close()


def test_an_older_checkpoint_that_is_not_older_is_refused(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    with desk.sessions() as session:
        init, three = session.execute(select(Checkpoint.note).order_by(Checkpoint.id)).scalars()
    _verify_fails(
        desk, "the older checkpoint is not older than the newer one", checkpoint=init, older=three
    )
    desk.close()


def test_a_tree_node_no_entry_made_and_an_edited_node_are_named(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    _sql(tmp_path, f"INSERT INTO tree_nodes VALUES (0, 3, '{'ab' * 32}')")
    _verify_fails(desk, "the stored tree state has a node (0, 3) no entry made")
    desk.close()
    desk = _desk(tmp_path / "again")
    # Stored in append order: (0,0) (0,1) (1,0) (0,2); the third is edited.
    _sql(
        tmp_path / "again",
        "DROP TRIGGER tree_nodes_no_update",
        f"UPDATE tree_nodes SET hash = '{'cd' * 32}' WHERE level = 1 AND idx = 0",
    )
    _verify_fails(
        desk,
        "the stored tree state (tree_nodes) does not match the entries at node (1, 0): edited?",
    )
    desk.close()
    desk = _desk(tmp_path / "third")
    _sql(
        tmp_path / "third",
        "DROP TRIGGER tree_nodes_no_delete",
        "DELETE FROM tree_nodes WHERE level = 1 AND idx = 0",
    )
    _verify_fails(
        desk,
        "the stored tree state (tree_nodes) does not match the entries at node (1, 0): edited?",
    )
    desk.close()


# -- verify --since -------------------------------------------------------------------------


def test_verify_since_checks_the_new_entries_rows_and_checkpoints(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=2)
    held = desk.checkpoint()
    desk.set_office(SUPERVISOR, _office("O5", "o5@example.org"))
    desk.set_office(SUPERVISOR, _office("O0", "changed@example.org"))  # O0 again
    newest = desk.checkpoint()
    with desk.sessions() as session:
        # Two new entries, each sealing one office; the newest checkpoint (size 4) is checked.
        assert verify_since(session, _vkey(desk), held) == Verified(2, 4, 2, 2, True)
        assert verify_since(session, _vkey(desk), newest) == Verified(0, 4, 4, 0, True)
    _sql(tmp_path, "UPDATE offices SET address = 'x@example.org' WHERE name = 'O5'")
    with desk.sessions() as session, pytest.raises(VerificationError) as caught:
        verify_since(session, _vkey(desk), held)
    assert str(caught.value) == (
        "offices row O5: differs from what ledger entry 3 sealed (changed outside the desk)"
    )
    _sql(tmp_path, "DELETE FROM offices WHERE name = 'O5'")
    with desk.sessions() as session, pytest.raises(VerificationError) as caught:
        verify_since(session, _vkey(desk), held)
    assert str(caught.value) == (
        "offices row O5: sealed by ledger entry 3 but missing from the database "
        "(deleted outside the desk)"
    )
    desk.close()


def test_verify_since_from_the_empty_checkpoint(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=0)
    empty = desk.checkpoint()
    desk.set_office(SUPERVISOR, _office("O1", "o1@example.org"))
    with desk.sessions.begin() as session:
        office = session.get(Office, "O1")
        assert office is not None
        session.delete(office)
        append(session, "office_removed", "t", AT, {})
    with desk.sessions() as session:
        assert verify_since(session, _vkey(desk), empty) == Verified(2, 0, 0, 1, True)
    _sql(tmp_path, "INSERT INTO offices VALUES ('O1', 'email', 'o1@example.org')")
    with desk.sessions() as session, pytest.raises(VerificationError) as caught:
        verify_since(session, _vkey(desk), empty)
    assert (
        str(caught.value) == "offices row O1: ledger entry 2 recorded it deleted, but it is there"
    )
    desk.close()


def _since_fails(desk: Desk, held: str, message: str) -> None:
    with desk.sessions() as session, pytest.raises(VerificationError) as caught:
        verify_since(session, _vkey(desk), held)
    assert str(caught.value) == message


def test_verify_since_refusals_word_for_word(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    held = desk.checkpoint()
    desk.set_office(SUPERVISOR, _office("O7", "o7@example.org"))
    desk.checkpoint()
    # A held checkpoint larger than the log.
    key = load_signing_key(desk.settings.signing_key_path)
    with desk.sessions() as session:
        big = sign_note(desk.settings.log_origin, 9, tree.root(session, 4), key)
    _since_fails(
        desk,
        big,
        "the checkpoint you hold covers 9 entries but the log has only 4: entries 5..9 were "
        "removed",
    )
    # A rewritten entry after the held one: its content no longer matches its hashes.
    _sql(
        tmp_path,
        "DROP TRIGGER ledger_entries_no_update",
        "UPDATE ledger_entries SET body = replace(body, 'O7', 'X7') WHERE seq = 4",
    )
    _since_fails(desk, held, "entry 4: its content or hash chain was changed")
    desk.close()


def test_verify_since_names_a_stored_checkpoint_that_does_not_match(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    held = desk.checkpoint()  # #3
    desk.set_office(SUPERVISOR, _office("O7", "o7@example.org"))
    desk.checkpoint()  # #4, size 4
    _rewrite_last(tmp_path, desk)
    _since_fails(desk, held, "stored checkpoint #4 (size 4) does not match the entries")
    desk.close()


def test_verify_since_names_a_stale_tree_state(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    held = desk.checkpoint()
    desk.set_office(SUPERVISOR, _office("O7", "o7@example.org"))
    # The entry's hashes rewritten consistently, the tree state left as it was.
    _rewrite_last(tmp_path, desk)
    _since_fails(desk, held, "the stored tree state does not match the new entries: edited?")
    _sql(tmp_path, "DROP TRIGGER tree_nodes_no_delete", "DELETE FROM tree_nodes WHERE idx = 3")
    _since_fails(
        desk,
        held,
        "the tree state is not complete; run a full 'ledger verify' ('ledger checkpoint' fills "
        "it in)",
    )
    desk.close()


def test_verify_since_names_a_rewritten_past(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    held = desk.checkpoint()
    # The frontier of 3 leaves is nodes (1, 0) and (0, 2): one of them edited.
    _sql(
        tmp_path,
        "DROP TRIGGER tree_nodes_no_update",
        f"UPDATE tree_nodes SET hash = '{'cd' * 32}' WHERE level = 0 AND idx = 2",
    )
    _since_fails(
        desk,
        held,
        "entries 1..3 no longer match the root of the checkpoint you hold: the log was rewritten",
    )
    desk.close()


# -- prove, checkpoint, export --------------------------------------------------------------


def test_an_inclusion_proof_is_the_rfc9162_path_as_json(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    with desk.sessions() as session:
        lines = list(export_lines(session))
        leaves = [bytes.fromhex(leaf_hash(b)) for b in lines]
        h01 = hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).digest()
        root = hashlib.sha256(b"\x01" + h01 + leaves[2]).digest()
        # PATH(2, D[3]) = [MTH(D[0:2])]; PATH(0, D[3]) = [leaf 1, leaf 2].
        assert prove_inclusion(session, 3) == {
            "entry": 3,
            "body": lines[2],
            "leaf_hash": leaves[2].hex(),
            "tree_size": 3,
            "root": root.hex(),
            "proof": {
                "type": "rfc9162-inclusion",
                "leaf_index": 2,
                "tree_size": 3,
                "audit_path": [h01.hex()],
            },
        }
        assert prove_inclusion(session, 1)["proof"]["audit_path"] == [
            leaves[1].hex(),
            leaves[2].hex(),
        ]
        # PROOF(2, D[3]) = [leaf 2] (2 is a power of two: the old root is not repeated).
        assert prove_consistency(session, 2, 3) == [leaves[2]]
        for seq in (0, 4):
            with pytest.raises(NotFoundError) as caught:
                prove_inclusion(session, seq)
            assert caught.value.message == f"no ledger entry {seq}; the ledger has 3"
            assert caught.value.field == "entry"
    _sql(
        tmp_path,
        "DROP TRIGGER tree_nodes_no_update",
        f"UPDATE tree_nodes SET hash = '{'cd' * 32}' WHERE level = 0 AND idx = 2",
    )
    with desk.sessions() as session, pytest.raises(VerificationError) as failed:
        prove_inclusion(session, 3)
    assert str(failed.value) == "the stored tree state is inconsistent; run 'ledger verify'"
    desk.close()


def test_a_checkpoint_is_kept_with_its_size_root_note_and_time(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    key = load_signing_key(desk.settings.signing_key_path)
    when = datetime(2017, 9, 28, 9, tzinfo=UTC)
    with desk.sessions.begin() as session:
        root = tree.root(session, 3)
        made = make_checkpoint(session, "kat.example/log", key, when)
        assert (made.size, made.root_hash, made.made_at) == (3, root.hex(), when)
        assert made.note == sign_note("kat.example/log", 3, root, key)
        assert made.id is not None
    signed = read_checkpoint(made.note, _vkey(desk))
    assert (signed.origin, signed.size, signed.root) == ("kat.example/log", 3, root)
    desk.close()


def test_bodies_in_batches_after_a_sequence_number_and_the_export(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=5)
    with desk.sessions() as session:
        everything = list(export_lines(session))
        assert [json.loads(b)["seq"] for b in everything] == [1, 2, 3, 4, 5]
        assert [r.seq for r in bodies(session, batch=2, after=1)] == [2, 3, 4, 5]
        assert [r.body for r in bodies(session, batch=1)] == everything
        out = tmp_path / "ledger.jsonl"
        assert write_export(session, out) == 5
    assert out.read_bytes() == "".join(b + "\n" for b in everything).encode("utf-8")
    desk.close()


# -- which rows a session seals -------------------------------------------------------------


def _kinds_and_rows(desk: Desk) -> list[tuple[str, str, list[str]]]:
    with desk.sessions() as session:
        entries = [json.loads(b) for b in export_lines(session)]
    return [(e["kind"], e["actor"], [r["id"] for r in e.get("rows", [])]) for e in entries]


def test_a_rolled_back_change_is_forgotten_and_a_commit_ends_the_last_actor(
    tmp_path: Path,
) -> None:
    desk = _desk(tmp_path, offices=1)  # entry 1 seals O0
    with desk.sessions() as session:
        session.add(Office(**_office("Gone", "g@example.org")))
        session.flush()  # collected ...
        session.rollback()  # ... and forgotten with the transaction
        append(session, "after_rollback", "clerk:a", AT, {})
        session.commit()
        # A later change in the same session, with no entry of its own: sealed by the desk,
        # not in the name of the last transaction's actor.
        office = session.get(Office, "O0")
        assert office is not None
        office.address = "new@example.org"
        session.commit()
        office.channel = "email"  # the same value: not a change, nothing to seal
        session.commit()
    assert _kinds_and_rows(desk) == [
        ("office_configured", "supervisor:sup", ["O0"]),
        ("after_rollback", "clerk:a", []),
        ("rows_changed", "desk", ["O0"]),
    ]
    with desk.sessions() as session:
        assert verify_database(session, _vkey(desk), desk.checkpoint()).rows == 1
    desk.close()


def test_a_change_without_an_entry_is_sealed_by_the_desk_now(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=0)
    before = datetime.now(UTC)
    with desk.sessions.begin() as session:
        session.add(Office(**_office("A", "a@example.org")))
    after = datetime.now(UTC)
    with desk.sessions() as session:
        (entry,) = (json.loads(b) for b in export_lines(session))
    assert (entry["kind"], entry["actor"], entry["data"]) == ("rows_changed", "desk", {})
    assert before <= datetime.fromisoformat(entry["at"]) <= after
    with desk.sessions.begin() as session:  # nothing changed: no entry
        session.get(Office, "A")
    assert len(_kinds_and_rows(desk)) == 1
    desk.close()


def test_a_row_written_past_the_unit_of_work_is_sealed_when_marked(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=0)
    with desk.sessions.begin() as session:
        assert PENDING not in session.info  # nothing flushed yet: mark starts the list
        for name in ("Core", "Core2"):
            session.execute(Office.__table__.insert().values(**_office(name, "c@example.org")))
            office = session.get(Office, name)
            assert office is not None
            mark(session, office)
        append(session, "core_insert", "t", AT, {})
    assert _kinds_and_rows(desk) == [("core_insert", "t", ["Core", "Core2"])]
    desk.close()


def test_sealed_rows_are_compared_in_batches(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=5)
    with desk.sessions() as session:
        sealed, _ = sealed_digests(export_lines(session))
        assert len(sealed) == 5
        for batch in (1, 2, 500):
            assert check_sealed(session, sealed, batch=batch) == 5
        assert check_sealed(session, {("not_covered", 1): ("x", 1)}) == 0  # not a desk table
    desk.close()


def test_verify_since_names_an_entry_whose_chain_alone_was_changed(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    held = desk.checkpoint()
    desk.set_office(SUPERVISOR, _office("O7", "o7@example.org"))
    with desk.sessions() as session:
        body = list(export_lines(session))[3]
    edited = body.replace("O7", "X7")
    # Body and leaf hash rewritten together: only the chain hash still tells.
    _sql(
        tmp_path,
        "DROP TRIGGER ledger_entries_no_update",
        f"UPDATE ledger_entries SET body = '{edited}', leaf_hash = '{leaf_hash(edited)}' "
        "WHERE seq = 4",
    )
    _since_fails(desk, held, "entry 4: its content or hash chain was changed")
    _sql(
        tmp_path,
        f"UPDATE ledger_entries SET body = '{body}', leaf_hash = '{leaf_hash(body)}', "
        f"chain_hash = '{'0' * 64}' WHERE seq = 4",
    )
    _since_fails(desk, held, "entry 4: its content or hash chain was changed")
    desk.close()


def test_a_size_0_checkpoint_says_nothing_whatever_root_it_carries(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=2)
    key = load_signing_key(desk.settings.signing_key_path)
    odd = sign_note(desk.settings.log_origin, 0, bytes(32), key)
    with desk.sessions() as session:
        assert verify_since(session, _vkey(desk), odd) == Verified(2, 2, 0, 2, True)
    desk.close()


def test_table_digests_read_in_batches_give_every_row(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=0)
    for n in (3, 1, 4, 0, 2):  # stored out of key order
        desk.set_office(SUPERVISOR, _office(f"O{n}", f"o{n}@example.org"))
    with desk.sessions() as session:
        everything = list(table_digests(session))
        assert [(t, pk) for t, pk, _ in everything] == [("offices", f"O{n}") for n in range(5)]
        assert list(table_digests(session, batch=2)) == everything
        assert list(table_digests(session, batch=1)) == everything
    desk.close()


def test_a_ledger_from_before_row_sealing_verifies_unbound(tmp_path: Path) -> None:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'desk.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(AT))
    previous = GENESIS
    with desk.sessions.begin() as session:
        for seq in (1, 2):
            body = canonical_legacy(
                {"seq": seq, "at": "x", "kind": "old", "actor": "a", "data": {}}
            )
            leaf = leaf_hash(body)
            previous = chain_hash(previous, leaf)
            session.execute(
                text("INSERT INTO ledger_entries VALUES (:s, :b, :l, :c)"),
                {"s": seq, "b": body, "l": leaf, "c": previous},
            )
    desk.checkpoint()
    with desk.sessions() as session:
        assert verify_database(session, _vkey(desk)) == Verified(2, 2, None, 0, False, 0)
    desk.close()


def test_the_newest_checkpoint_is_the_largest_not_the_last_stored(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=3)
    key = load_signing_key(desk.settings.signing_key_path)
    with desk.sessions() as session:
        note = sign_note(desk.settings.log_origin, 2, tree.root(session, 2), key)
    _sql(
        tmp_path,
        "INSERT INTO checkpoints (size, root_hash, note, made_at) VALUES "
        f"(2, 'x', '{note}', '2017-09-28 00:00:00.000000')",
    )
    with desk.sessions() as session:
        assert verify_database(session, _vkey(desk)).checkpoint_size == 3
    desk.close()


def test_verify_checks_the_kept_witness_cosignatures_again(tmp_path: Path) -> None:
    desk = _desk(tmp_path, offices=2)
    witness = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
    with desk.sessions.begin() as session:
        note = cosign(desk.checkpoint(), "w.example", witness, 1_764_050_400)
        fields = check_note(session, note, cosigner_vkey("w.example", witness), _vkey(desk))
        keep(session, fields, "http://w.example", AT)
    newest = desk.checkpoint()  # entry 3 sealed the kept row
    with desk.sessions() as session:
        assert verify_database(session, _vkey(desk), newest) == Verified(3, 3, None, 3, True, 1)
    desk.close()
