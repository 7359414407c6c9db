"""The persisted tree state: roots, inclusion and consistency proofs from O(log n) stored nodes
agree with pymerkle's in-memory tree (an independent RFC 9162 implementation) at every size, and
verify with the RFC 9162 verification algorithms; `verify --since` checks only what is new."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from detainer_desk.cli import app
from detainer_desk.desk import DeskSettings, open_desk
from detainer_desk.ledger import tree
from detainer_desk.ledger.log import (
    export_lines,
    prove_consistency,
    prove_inclusion,
    verify_database,
    verify_since,
)
from detainer_desk.ledger.standalone import (
    VerificationError,
    build_tree,
    check_consistency_proof,
    root_from_inclusion,
)
from tests.ledger.helpers import grow, sqlite_desk


def test_roots_and_proofs_match_an_independent_tree_at_every_size(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    rng = random.Random(9162)
    grown = 0
    for target in (1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 100, 257):
        grow(desk, target - grown)
        grown = target
        with desk.sessions() as session:
            bodies = list(export_lines(session))
            reference = build_tree(bodies)
            for size in {1, target, rng.randint(1, target)}:
                assert tree.root(session, size) == reference.get_root(size)
            for seq in {1, target, rng.randint(1, target)}:
                proof = prove_inclusion(session, seq)
                path = [bytes.fromhex(p) for p in proof["proof"]["audit_path"]]
                leaf = bytes.fromhex(proof["leaf_hash"])
                assert proof["root"] == reference.get_root(target).hex()
                assert root_from_inclusion(seq - 1, target, leaf, path) == reference.get_root(
                    target
                )
            if target > 1:
                old = rng.randint(1, target - 1)
                path = prove_consistency(session, old, target)
                check_consistency_proof(
                    old, target, reference.get_root(old), reference.get_root(target), path
                )
                with pytest.raises(VerificationError):
                    check_consistency_proof(old, target, reference.get_root(old), bytes(32), path)
    desk.close()


def test_an_old_ledger_without_tree_state_is_filled_in(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 40)
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    db.execute("DROP TRIGGER tree_nodes_no_delete")
    db.execute("DELETE FROM tree_nodes")
    db.close()
    with desk.sessions.begin() as session:
        assert tree.stored_leaves(session) == 0
        proof = prove_inclusion(session, 17)  # fills the state in
        assert tree.stored_leaves(session) == 40
        reference = build_tree(list(export_lines(session)))
        assert proof["root"] == reference.get_root(40).hex()
    grow(desk, 3)
    with desk.sessions() as session:
        assert tree.stored_leaves(session) == 43
    desk.close()


def test_tree_nodes_are_append_only_and_edits_are_caught(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 10)
    desk.checkpoint()
    vkey = desk.settings.public_key_path.read_text()
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE tree_nodes SET hash = 'x'")
    db.execute("DROP TRIGGER tree_nodes_no_update")
    db.execute(f"UPDATE tree_nodes SET hash = '{'0' * 64}' WHERE level = 1 AND idx = 2")
    db.close()
    with desk.sessions() as session, pytest.raises(VerificationError, match="tree state"):
        verify_database(session, vkey)
    desk.close()


def test_verify_since_checks_only_what_is_new(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 50)
    held = desk.checkpoint()
    grow(desk, 20)
    desk.checkpoint()
    vkey = desk.settings.public_key_path.read_text()
    with desk.sessions() as session:
        result = verify_since(session, vkey, held)
    assert result.entries == 20 and result.older_size == 50 and result.checkpoint_size == 70
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    db.execute("DROP TRIGGER ledger_entries_no_update")
    db.execute("UPDATE ledger_entries SET body = replace(body, 'tree_test', 'forged') WHERE seq=60")
    db.close()
    with desk.sessions() as session, pytest.raises(VerificationError, match="entry 60"):
        verify_since(session, vkey, held)
    desk.close()


def test_verify_since_catches_a_rewritten_past(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path)
    grow(desk, 30)
    held = desk.checkpoint()
    vkey = desk.settings.public_key_path.read_text()
    db = sqlite3.connect(tmp_path / "desk.db", isolation_level=None)
    db.execute("DROP TRIGGER tree_nodes_no_update")
    db.execute(f"UPDATE tree_nodes SET hash = '{'1' * 64}' WHERE level = 4 AND idx = 0")
    db.close()
    with desk.sessions() as session, pytest.raises(VerificationError, match="rewritten"):
        verify_since(session, vkey, held)
    desk.close()


def test_cli_verify_since(tmp_path: Path) -> None:
    runner = CliRunner()
    home = tmp_path / "home"
    assert runner.invoke(app, ["init", "--home", str(home)]).exit_code == 0
    held = tmp_path / "held.txt"
    out = runner.invoke(app, ["ledger", "checkpoint", "--home", str(home), "--out", str(held)])
    assert out.exit_code == 0
    desk = open_desk(DeskSettings(home=home))
    grow(desk, 5)
    with desk.sessions() as session:
        session.execute(text("SELECT 1"))
    desk.close()
    runner.invoke(app, ["ledger", "checkpoint", "--home", str(home)])
    result = runner.invoke(app, ["ledger", "verify", "--home", str(home), "--since", str(held)])
    assert result.exit_code == 0, result.stderr
    assert (
        "verified: 5 entries; checkpoint size 5; checked only what is new since the checkpoint "
        "of size 0" in result.stdout
    )
