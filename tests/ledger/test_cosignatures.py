"""The desk fetches what its witnesses cosigned over real HTTP, checks it, keeps it (ledgered,
append-only, re-checked by `ledger verify`) and shows it on the public page; a cosignature
checked with the wrong key, or cosigning another log, is refused and not shown."""

from __future__ import annotations

import json
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detainer_desk.cli import app
from detainer_desk.desk import DeskSettings, SettableClock, open_desk
from detainer_desk.desk.settings import parse_witnesses
from detainer_desk.desk.worker import run_worker
from detainer_desk.errors import InputError
from detainer_desk.ledger.cosignatures import Witness, check_witness
from detainer_desk.ledger.witness import WitnessHome, serve_cosigned
from detainer_desk.publish.publishing import publish
from tests.ledger.helpers import grow, sqlite_desk

from ..desk.conftest import serving
from ..helpers import CHROMIUM
from .test_witness import NOW, _copy_keys, _observe


@contextmanager
def _witness_server(home: WitnessHome) -> Iterator[str]:
    server = serve_cosigned(home, 0)  # binds a free loopback port itself
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _fetch(home: Path, url: str, key: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        [
            "ledger",
            "witnesses",
            "fetch",
            "--home",
            str(home),
            "--witness",
            url,
            "--witness-key",
            str(key),
        ],
    )
    return result.exit_code, result.stdout, result.stderr


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        body: bytes = response.read()
    return body.decode()


def test_desk_keeps_and_shows_what_its_witness_cosigned(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    desk = sqlite_desk(home)
    grow(desk, 7, "witness_test", tag="public")
    desk.checkpoint()
    witness = WitnessHome(tmp_path / "witness", "witness.county-board.example")
    cosigned = _observe(witness, desk)  # the witness fetched the checkpoint over HTTP, cosigned
    size = int(cosigned.split("\n")[1])
    impostor = WitnessHome(tmp_path / "impostor", "impostor.example")
    impostor.key()

    with _witness_server(witness) as url:
        code, out, err = _fetch(home, url, impostor.vkey_path)  # the wrong witness key
        assert code == 1, (out, err)
        assert "REFUSED" in err and "no cosignature by witness 'impostor.example'" in err
        assert desk.cosignatures() == []

        code, out, err = _fetch(home, url, witness.vkey_path)
        assert code == 0, (out, err)
        assert f"kept: witness.county-board.example cosigned size {size}" in out
        code, out, err = _fetch(home, url, witness.vkey_path)
        assert code == 0 and "already kept" in out, (out, err)

    [row] = desk.cosignatures()
    assert row["verified"] is True
    assert row["tree_size"] == size
    assert row["witness"] == "witness.county-board.example"
    assert row["note"] == cosigned
    assert row["key_id"] == witness.vkey_path.read_text().split("+")[1]

    result = CliRunner().invoke(app, ["ledger", "verify", "--home", str(home)])
    assert result.exit_code == 0, result.stderr
    assert "1 kept witness cosignatures check" in result.stdout

    with serving(desk) as base:
        page = _get(f"{base}/ledger/cosignatures")
        assert "witness.county-board.example" in page
        assert f'data-size="{size}"' in page
        assert "impostor.example" not in page
        assert ">yes<" in page
        listed = json.loads(_get(f"{base}/api/ledger/cosignatures"))
        assert [(r["witness"], r["tree_size"], r["verified"]) for r in listed] == [
            ("witness.county-board.example", size, True)
        ]
        assert _get(f"{base}/ledger/cosignatures/{row['id']}.txt") == cosigned
        with pytest.raises(urllib.error.HTTPError) as missing:
            _get(f"{base}/ledger/cosignatures/99.txt")
        assert missing.value.code == 404
        # The published report (served at /public/) shows them beside its own checkpoint.
        publish(desk, date(2017, 7, 1), date(2017, 9, 30), "month")
        report = _get(f"{base}/public/index.html")
        assert '<tr data-witness="witness.county-board.example" data-size="' + str(size) in report
        assert "impostor.example" not in report
    desk.close()

    # The row is sealed: an edit made past the append-only trigger fails `ledger verify`.
    db = sqlite3.connect(home / "desk.db")
    db.execute("DROP TRIGGER cosignatures_no_update")
    db.execute("UPDATE cosignatures SET tree_size = tree_size + 1")
    db.commit()
    db.close()
    result = CliRunner().invoke(app, ["ledger", "verify", "--home", str(home)])
    assert result.exit_code == 1
    assert "cosignatures" in result.stderr


def test_a_cosignature_of_another_log_is_refused(tmp_path: Path) -> None:
    honest = sqlite_desk(tmp_path / "desk")
    grow(honest, 4, "witness_test", tag="honest")
    honest.checkpoint()
    rebuilt_home = tmp_path / "rebuilt"  # same desk key, other entries: a fork
    _copy_keys(tmp_path / "desk", rebuilt_home)
    rebuilt = sqlite_desk(rebuilt_home)
    grow(rebuilt, 2, "witness_test", tag="rewritten")
    rebuilt.checkpoint()
    witness = WitnessHome(tmp_path / "witness", "w.example")
    note = _observe(witness, rebuilt)  # validly cosigned, but not of the honest log
    vkey = witness.vkey_path.read_text()
    [result] = honest.fetch_cosignatures([Witness("http://w.example", vkey)], lambda _: note)
    assert result["status"] == "refused"
    assert "fork" in result["reason"]
    [unreachable] = honest.fetch_cosignatures(
        [Witness("http://w.example", vkey)], lambda _: (_ for _ in ()).throw(OSError("down"))
    )
    assert unreachable["status"] == "unreachable"
    assert honest.cosignatures() == []
    rebuilt.close()
    honest.close()


def test_witness_settings_and_bounds(tmp_path: Path) -> None:
    assert parse_witnesses("http://a:1|/k/a.pub, https://b|b.pub") == (
        ("http://a:1", Path("/k/a.pub")),
        ("https://b", Path("b.pub")),
    )
    with pytest.raises(InputError) as bad:
        parse_witnesses("http://a:1")
    assert bad.value.field == "witnesses"
    for url in ("ftp://x", "http://", "http://a b", "http://" + "a" * 2000):
        with pytest.raises(InputError) as bad:
            check_witness(url, "n+0011aabb+AAAA")
        assert bad.value.field == "witness"
    with pytest.raises(InputError) as bad:
        check_witness("http://ok", "not a key")
    assert bad.value.field == "witness_key"


@pytest.mark.browser
def test_cosignatures_page_in_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it): UI tests NOT RUN")
    from playwright.sync_api import expect, sync_playwright

    from ..desk.test_ui_browser import ARGS

    home = tmp_path / "desk"
    desk = sqlite_desk(home)
    grow(desk, 3, "witness_test", tag="browser")
    desk.checkpoint()
    witness = WitnessHome(tmp_path / "witness", "witness.browser.example")
    size = int(_observe(witness, desk).split("\n")[1])
    with _witness_server(witness) as url:
        assert _fetch(home, url, witness.vkey_path)[0] == 0
    with serving(desk) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{base}/ledger/cosignatures")
        table = page.locator("#cosignatures")
        expect(table).to_contain_text("witness.browser.example")
        expect(table.locator(f'tr[data-size="{size}"]')).to_contain_text("yes")
        browser.close()
    desk.close()


def test_worker_fetches_from_the_configured_witnesses(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    desk = sqlite_desk(home)
    grow(desk, 5, "witness_test", tag="worker")
    desk.checkpoint()
    witness = WitnessHome(tmp_path / "witness", "witness.worker.example")
    size = int(_observe(witness, desk).split("\n")[1])
    desk.close()
    with _witness_server(witness) as url:
        settings = DeskSettings(
            home=home,
            db=f"sqlite:///{home / 'desk.db'}",
            witnesses=parse_witnesses(f"{url}|{witness.vkey_path}"),
        )
        worker_desk = open_desk(settings, SettableClock(NOW))
        health = run_worker(worker_desk, threading.Event(), once=True)
    assert health.failed_in_a_row == 0, health.last_error
    assert [(c["witness"], c["tree_size"]) for c in worker_desk.cosignatures()] == [
        ("witness.worker.example", size)
    ]
    worker_desk.close()
