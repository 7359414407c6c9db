"""Hostile input bounces, with the same answer on SQLite and PostgreSQL, and writes nothing:
ids past the database's integer range (404), NUL and control characters (422), bodies over the
limit (413), over-long texts and lists (422)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Base
from detainer_desk.web.app import create_app

from .helpers import DENVER_OFFICE, booked, detainer

SETUP = Actor("setup", Role.supervisor)


@pytest.fixture
def client(db_url: str, tmp_path: Any) -> Iterator[tuple[Desk, TestClient]]:
    settings = DeskSettings(home=tmp_path, db=db_url)
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))
    desk.record_event(SETUP, booked("B1", "denver"))
    desk.receive_request(SETUP, detainer("B1", "denver", DENVER_OFFICE))
    with TestClient(create_app(desk, worker=False)) as c:
        c.headers["Authorization"] = f"Bearer {desk.create_token('sup', 'supervisor')}"
        yield desk, c
    desk.close()


def _counts(desk: Desk) -> dict[str, int]:
    with desk.sessions() as session:
        return {
            t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


BIG_IDS = [2**31, 2**63, 2**64 + 5, 0, -1]


def test_ids_out_of_range_are_404(client: tuple[Desk, TestClient]) -> None:
    desk, c = client
    before = _counts(desk)
    for n in BIG_IDS:
        for method, path, body in (
            ("GET", f"/api/requests/{n}", None),
            ("POST", f"/api/requests/{n}/amend", {"warrant_kind": "administrative_I200"}),
            ("POST", f"/api/requests/{n}/interviews", {"modality": "remote"}),
            ("POST", f"/api/interviews/{n}/outcome", {"held": False, "outcome": "no"}),
            ("POST", f"/api/alarms/{n}/acknowledge", {"note": "seen it"}),
            ("GET", f"/api/ledger/entries/{n}/proof", None),
        ):
            response = c.request(method, path, json=body)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["ok"] is False
    assert _counts(desk) == before


@pytest.mark.parametrize("bad", ["B\x001", "B\x07", "B\x1b[31m", "B\x85"])
def test_control_characters_are_422_everywhere(client: tuple[Desk, TestClient], bad: str) -> None:
    desk, c = client
    before = _counts(desk)
    event = booked(bad, "denver")
    assert c.post("/api/events", json=event).json()["field"] == "booking_id"
    request = detainer(bad, "denver", DENVER_OFFICE)
    response = c.post("/api/requests", json=request)
    assert response.status_code == 422 and response.json()["field"] == "booking.booking_id"
    office = detainer("B1", "denver", DENVER_OFFICE + bad)
    assert c.post("/api/requests", json=office).status_code == 422
    response = c.post(
        "/api/requests/1/overrides",
        json={"action": "notify_release", "effect": "deny", "reason": f"A reason {bad} here."},
    )
    assert response.status_code == 422 and response.json()["field"] == "reason"
    assert c.get(f"/api/bookings/{quote(bad)}").status_code == 422
    assert _counts(desk) == before


def test_body_over_the_limit_is_413_and_texts_and_lists_are_capped(
    client: tuple[Desk, TestClient],
) -> None:
    desk, c = client
    before = _counts(desk)
    huge = booked("B2", "denver")
    huge["charges"] = [{"offence": "x" * 10_000_000, "level": "felony"}]
    response = c.post("/api/events", json=huge)
    assert response.status_code == 413 and response.json()["status"] == 413
    long_text = booked("B2", "denver")
    long_text["charges"] = [{"offence": "x" * 20_000, "level": "felony"}]
    response = c.post("/api/events", json=long_text)
    assert response.status_code == 422 and response.json()["field"] == "charges[0].offence"
    many = booked("B2", "denver")
    many["charges"] = [{"offence": "x", "level": "felony"}] * 501
    assert c.post("/api/events", json=many).status_code == 422
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(20):
        node["n"] = {}
        node = node["n"]
    assert c.post("/api/events", json={**booked("B2", "denver"), "deep": deep}).status_code == 422
    assert c.post("/api/requests", json={**detainer("B2", "denver", "x" * 300)}).status_code == 422
    assert c.post("/api/requests", content=b'{"a": NaN}').status_code == 422
    assert _counts(desk) == before


def test_a_smaller_limit_is_a_setting(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'd.db'}", max_body_bytes=100)
    initialise(settings)
    desk = open_desk(settings)
    with TestClient(create_app(desk, worker=False)) as c:
        assert c.post("/api/events", content=b"{" + b" " * 200 + b"}").status_code == 413
    desk.close()
    monkeypatch.setenv("DETAINER_DESK_MAX_BODY_BYTES", "5")
    assert DeskSettings.from_env().max_body_bytes == 5
