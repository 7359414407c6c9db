"""`init` signs the first checkpoint: a fresh desk's `ledger verify` passes at once."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from detainer_desk.cli import app


def test_a_fresh_desk_verifies(tmp_path: Path) -> None:
    runner = CliRunner()
    home = str(tmp_path / "home")
    assert runner.invoke(app, ["init", "--home", home]).exit_code == 0
    result = runner.invoke(app, ["ledger", "verify", "--home", home])
    assert result.exit_code == 0, result.stderr
    assert "verified: 0 entries; checkpoint size 0" in result.stdout
    again = runner.invoke(app, ["init", "--home", home])  # idempotent: no second checkpoint
    assert again.exit_code == 0
    note = runner.invoke(app, ["ledger", "verify", "--home", home])
    assert note.exit_code == 0
