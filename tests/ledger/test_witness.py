"""The witness, over real HTTP: it cosigns a desk whose log only grows, and refuses — and
`ledger verify --witness` fails — for a rolled-back database and for a log rebuilt and re-signed
with the desk's own key (which verifies by itself)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detainer_desk.cli import app
from detainer_desk.desk import DeskSettings, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.ledger.log import verify_database
from detainer_desk.ledger.standalone import VerificationError
from detainer_desk.ledger.witness import (
    WitnessHome,
    WitnessRefusal,
    check_cosignature,
    desk_fetchers,
    observe,
    serve_cosigned,
)
from tests.ledger.helpers import grow, sqlite_desk

from ..desk.conftest import free_port, serving

NOW = datetime(2026, 11, 25, 6, tzinfo=UTC)


def _observe(witness: WitnessHome, desk: Desk) -> str:
    with serving(desk) as base:
        checkpoint, proof = desk_fetchers(base)
        vkey = desk.settings.public_key_path.read_text()
        return observe(witness, checkpoint(), vkey, proof, NOW)


def _copy_keys(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for name in ("ledger-signing.key", "ledger-signing.pub"):
        shutil.copy2(source / name, target / name)


def test_witness_cosigns_growth_and_catches_rollback_and_rebuild(tmp_path: Path) -> None:
    honest_home = tmp_path / "desk"
    desk = sqlite_desk(honest_home)
    witness = WitnessHome(tmp_path / "witness", "witness.county-board.example")
    grow(desk, 12, "witness_test", tag="honest")
    desk.checkpoint()
    first = _observe(witness, desk)
    wvkey = witness.vkey_path.read_text()
    assert check_cosignature(first, wvkey) == int(NOW.timestamp())
    assert first.split("\n")[1] == "12"

    rolled_home = tmp_path / "rolled-back"  # the database as it was then, kept aside
    _copy_keys(honest_home, rolled_home)
    source = sqlite3.connect(honest_home / "desk.db")
    target = sqlite3.connect(rolled_home / "desk.db")
    source.backup(target)
    source.close()
    target.close()

    grow(desk, 9, "witness_test", tag="honest")
    desk.checkpoint()
    second = _observe(witness, desk)  # consistency proof fetched over HTTP and checked
    assert second.split("\n")[1] == "21"

    rolled = open_desk(DeskSettings(home=rolled_home))
    with pytest.raises(WitnessRefusal, match="rollback"):
        _observe(witness, rolled)
    rolled.close()

    rebuilt_home = tmp_path / "rebuilt"  # the whole log redone with other entries, re-signed
    _copy_keys(honest_home, rebuilt_home)
    rebuilt = sqlite_desk(rebuilt_home)
    grow(rebuilt, 25, "witness_test", tag="rewritten")
    rebuilt.checkpoint()
    with rebuilt.sessions() as session:  # on its own, the rebuilt desk verifies
        verify_database(session, rebuilt.settings.public_key_path.read_text())
    with pytest.raises(WitnessRefusal, match="fork"):
        _observe(witness, rebuilt)

    refusals = [json.loads(line) for line in witness.refusals_path.read_text().splitlines()]
    assert [r["kind"] for r in refusals] == ["rollback", "fork"]
    assert witness.last() == second  # nothing was cosigned after the refusals

    port = free_port()
    server = serve_cosigned(witness, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    key_file = witness.vkey_path
    runner = CliRunner()
    try:
        for home, code in ((honest_home, 0), (rebuilt_home, 1), (rolled_home, 1)):
            result = runner.invoke(
                app,
                [
                    "ledger",
                    "verify",
                    "--home",
                    str(home),
                    "--witness",
                    url,
                    "--witness-key",
                    str(key_file),
                ],
            )
            assert result.exit_code == code, (home, result.stdout, result.stderr)
    finally:
        server.shutdown()
        server.server_close()
    rebuilt.close()
    desk.close()


def test_a_forged_cosignature_is_refused(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path / "desk")
    desk.checkpoint()
    witness = WitnessHome(tmp_path / "witness")
    note = _observe(witness, desk)
    body, _, sigs = note.partition("\n\n")
    lines = sigs.splitlines()
    forged_line = lines[-1][:-6] + ("AAAAA=" if not lines[-1].endswith("AAAAA=") else "BBBBB=")
    forged = body + "\n\n" + "\n".join([*lines[:-1], forged_line]) + "\n"
    with pytest.raises(VerificationError):
        check_cosignature(forged, witness.vkey_path.read_text())
    other = WitnessHome(tmp_path / "other", "other.example")
    other.key()
    with pytest.raises(VerificationError, match="no cosignature"):
        check_cosignature(note, other.vkey_path.read_text())
    desk.close()


def test_witness_cli_once(tmp_path: Path) -> None:
    desk = sqlite_desk(tmp_path / "desk")
    grow(desk, 3, "witness_test", tag="cli")
    desk.checkpoint()
    with serving(desk) as base:
        result = CliRunner().invoke(
            app,
            [
                "witness",
                "--desk",
                base,
                "--desk-key",
                str(desk.settings.public_key_path),
                "--home",
                str(tmp_path / "w"),
                "--once",
            ],
        )
    assert result.exit_code == 0, result.stderr
    assert "cosigned the desk's checkpoint of size 3" in result.stdout
    assert (tmp_path / "w" / "cosigned.txt").exists()
    desk.close()
