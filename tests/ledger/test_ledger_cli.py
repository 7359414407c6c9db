"""`ledger checkpoint / verify / prove / export` and the standalone verifier, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from detainer_desk.cli import app
from detainer_desk.ledger import standalone

from ..desk.helpers import DENVER_OFFICE, booked, detainer

runner = CliRunner()


def _cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ledger_commands_and_standalone_verifier(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    assert _cli("init", "--home", home)[0] == 0
    records = tmp_path / "in.jsonl"
    records.write_text(
        "\n".join(
            json.dumps(r) for r in [booked("L1", "denver"), detainer("L1", "denver", DENVER_OFFICE)]
        )
    )
    assert _cli("intake", str(records), "--home", home)[0] == 0
    code, older, _ = _cli(
        "ledger", "checkpoint", "--home", home, "--out", str(tmp_path / "old.txt")
    )
    assert code == 0 and older.splitlines()[1] == "3"  # booked, request received, decision
    records.write_text(json.dumps(booked("L2", "texas")))
    assert _cli("intake", str(records), "--home", home)[0] == 0
    code, _, _ = _cli("ledger", "checkpoint", "--home", home, "--out", str(tmp_path / "new.txt"))
    assert code == 0

    code, out, err = _cli("ledger", "verify", "--home", home, "--older", str(tmp_path / "old.txt"))
    assert code == 0, err
    assert "verified: 4 entries" in out and "consistent with checkpoint of size 3" in out

    code, out, _ = _cli("ledger", "prove", "2", "--home", home)
    proof = json.loads(out)
    assert (
        proof["entry"] == 2
        and proof["tree_size"] == 4
        and '"kind":"request_received"' in proof["body"]
    )
    assert _cli("ledger", "prove", "99", "--home", home)[0] == 2

    export = tmp_path / "ledger.jsonl"
    assert _cli("ledger", "export", str(export), "--home", home)[0] == 0
    pub = Path(home) / "ledger-signing.pub"
    ok = subprocess.run(
        [
            sys.executable,
            standalone.__file__,
            str(export),
            str(tmp_path / "new.txt"),
            str(pub),
            str(tmp_path / "old.txt"),
        ],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stdout
    lines = export.read_text().splitlines()
    export.write_text(
        "\n".join([lines[0], lines[1].replace("request_received", "request_refused"), *lines[2:]])
    )
    bad = subprocess.run(
        [sys.executable, standalone.__file__, str(export), str(tmp_path / "new.txt"), str(pub)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "NOT VERIFIED: entries 1..4" in bad.stdout


def test_forged_checkpoint_signature_is_rejected(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    _cli("init", "--home", home)
    note = _cli("ledger", "checkpoint", "--home", home)[1]
    forged = note.replace("\n0\n", "\n1\n", 1)
    (tmp_path / "forged.txt").write_text(forged)
    code, _, err = _cli(
        "ledger", "verify", "--home", home, "--checkpoint", str(tmp_path / "forged.txt")
    )
    assert code == 1 and "signature is invalid" in err
