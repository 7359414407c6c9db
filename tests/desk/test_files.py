"""The desk's files: home 0700, database and signing key 0600; `demo-desk` never deletes a
folder it did not make."""

from __future__ import annotations

import stat
from pathlib import Path

from typer.testing import CliRunner

from detainer_desk.cli import app
from detainer_desk.desk import DeskSettings, initialise


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_home_is_0700_database_and_key_0600(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    initialise(DeskSettings(home=home))
    assert _mode(home) == 0o700
    assert _mode(home / "desk.db") == 0o600
    assert _mode(home / "ledger-signing.key") == 0o600
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    initialise(DeskSettings(home=loose))  # an existing folder is tightened too
    assert _mode(loose) == 0o700 and _mode(loose / "desk.db") == 0o600


def test_demo_desk_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    home = tmp_path / "mine"
    home.mkdir()
    precious = home / "thesis.tex"
    precious.write_text("years of work")
    result = CliRunner().invoke(app, ["demo-desk", str(tmp_path / "no-data"), "--home", str(home)])
    assert result.exit_code == 2
    assert "not made by demo-desk" in result.stderr and "nothing was deleted" in result.stderr
    assert precious.read_text() == "years of work"


def test_demo_desk_may_rebuild_its_own_folder(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    home.mkdir()
    (home / ".demo-desk").write_text("made by detainer-desk demo-desk")
    (home / "desk.db").write_text("an old demo")
    result = CliRunner().invoke(app, ["demo-desk", str(tmp_path / "no-data"), "--home", str(home)])
    assert "not made by demo-desk" not in result.stderr
    assert not (home / "desk.db").exists()  # cleared; then the missing data stops it
