"""Issue 22: a jail event's raw body is screened for forbidden fields exactly once, at the edge.

Every screening walker (`screen`, `find_forbidden_fields`, `forbidden_categories`) is wrapped,
wherever a module of the package holds it, by a spy that counts the calls given the raw body.
The ledger trusts the screened entry it is handed and scans nothing further on this path.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from detainer_desk.cli import app as cli
from detainer_desk.desk.service import Desk
from detainer_desk.ledger.tables import LedgerEntry
from detainer_desk.request import forbidden
from detainer_desk.web.app import create_app

from .helpers import booked

WALKERS = ("screen", "find_forbidden_fields", "forbidden_categories")


@pytest.fixture
def screens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every document a screening walker was called with, in call order (recursion excluded)."""
    seen: list[Any] = []
    depth = [0]

    def spy(original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(document: Any, *args: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:
                seen.append(json.loads(json.dumps(document, default=str)))
            depth[0] += 1
            try:
                result = original(document, *args, **kwargs)
                return list(result) if original is forbidden.find_forbidden_fields else result
            finally:
                depth[0] -= 1

        return counted

    originals = {id(getattr(forbidden, name)): getattr(forbidden, name) for name in WALKERS}
    for name, module in list(sys.modules.items()):
        if not name.startswith("detainer_desk") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if callable(value) and id(value) in originals:
                monkeypatch.setattr(module, attribute, spy(value))
    yield seen


def _raw_screens(seen: list[Any], raw: dict[str, Any]) -> int:
    return sum(1 for document in seen if document == raw)


def test_an_event_posted_to_the_api_is_screened_once(desk: Desk, screens: list[Any]) -> None:
    token = desk.create_token("clerk", "clerk")
    raw = booked("SCREEN-1", "denver")
    with TestClient(create_app(desk, worker=False)) as client:
        screens.clear()
        answer = client.post("/api/events", json=raw, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text
    assert _raw_screens(screens, raw) == 1
    assert screens == [raw]  # nothing else was scanned: not the ledger's entry either


def test_an_event_from_the_cli_is_screened_once(tmp_path: Path, screens: list[Any]) -> None:
    home = str(tmp_path / "home")  # SQLite: the CLI process's engine is never disposed of
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--home", home]).exit_code == 0
    extra = json.dumps({"jurisdiction": "denver"})
    args = ["event", "SCREEN-2", "booked", "--at", "2017-09-25T22:10:00", "--extra", extra]
    screens.clear()
    result = runner.invoke(cli, [*args, "--home", home])
    assert result.exit_code == 0, result.output
    raw = {"booking_id": "SCREEN-2", "kind": "booked", "at": "2017-09-25T22:10:00"}
    assert _raw_screens(screens, {**raw, "jurisdiction": "denver"}) == 1
    assert len(screens) == 1


def test_a_refused_event_is_screened_once_and_its_refusal_counted(
    desk: Desk, screens: list[Any]
) -> None:
    token = desk.create_token("clerk", "clerk")
    raw = {**booked("SCREEN-3", "denver"), "countryOfBirth": "x"}
    with TestClient(create_app(desk, worker=False)) as client:
        screens.clear()
        answer = client.post("/api/events", json=raw, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 422
    assert screens == [raw]  # the refusal's categories travelled with the error
    with desk.sessions() as session:
        bodies = [json.loads(b) for b in session.execute(select(LedgerEntry.body)).scalars()]
    refused = [b["data"] for b in bodies if b["kind"] == "forbidden_field_refused"]
    assert refused == [
        {"where": "event", "category": "birthplace", "day": "2017-09-27", "count": 1}
    ]


def test_the_screen_finds_paths_and_categories_in_one_walk() -> None:
    found = forbidden.screen({"b": {"countryOfBirth": 1}, "citizenship": 2, "ok": [{"x": 1}]})
    assert found.paths == ("b.countryOfBirth", "citizenship")
    assert found.categories == ("birthplace", "citizenship")
    assert not found.clean
    assert forbidden.screen({"ok": 1}).clean
