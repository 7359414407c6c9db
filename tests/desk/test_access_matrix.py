"""Every role × every endpoint: allowed cells succeed, denied cells get 403, no token gets 401.

The expected matrix is written out here by hand from issue 3 §6, independently of access.cedar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.web.app import create_app

from .helpers import DENVER_OFFICE, booked, detainer, event

OTHER_OFFICE = "ICE ERO Chicago Field Office"
ADMIN = Actor("setup", Role.supervisor)
STAFF = {"clerk", "supervisor"}
READERS = {"clerk", "supervisor", "counsel", "auditor"}
EVERYONE = {r.value for r in Role}


@dataclass(frozen=True)
class World:
    own_request: int
    other_request: int
    interview: int
    alarm: int


def _build_world(desk: Desk, clock: SettableClock) -> World:
    for n in range(1, 4):
        desk.record_event(ADMIN, booked(f"B{n}", "denver"))
    own = desk.receive_request(ADMIN, detainer("B1", "denver", DENVER_OFFICE))["id"]
    other = desk.receive_request(ADMIN, detainer("B2", "denver", OTHER_OFFICE))["id"]
    interview = desk.record_interview(ADMIN, own, {"modality": "remote"})["id"]
    desk.record_event(ADMIN, event("B3", "release_eligible", "2017-09-27T06:00:00"))
    clock.set(datetime(2017, 9, 28, tzinfo=UTC))
    desk.check_clock()
    alarm = desk.alarms(ADMIN)[0]["id"]
    desk.checkpoint()
    return World(own, other, interview, alarm)


@dataclass(frozen=True)
class Cell:
    name: str
    method: str
    path: Callable[[World], str]
    body: Callable[[World, int], dict[str, Any] | None]
    allowed: set[str]


def _new_booking_request(w: World, i: int) -> dict[str, Any]:
    return detainer("B1", "denver", DENVER_OFFICE)


CELLS = [
    Cell(
        "receive request (own office)",
        "POST",
        lambda w: "/api/requests",
        _new_booking_request,
        STAFF | {"federal_liaison"},
    ),
    Cell(
        "receive request (other office)",
        "POST",
        lambda w: "/api/requests",
        lambda w, i: detainer("B2", "denver", OTHER_OFFICE),
        STAFF,
    ),
    Cell(
        "list requests",
        "GET",
        lambda w: "/api/requests",
        lambda w, i: None,
        READERS | {"federal_liaison"},
    ),
    Cell(
        "read own-office request",
        "GET",
        lambda w: f"/api/requests/{w.own_request}",
        lambda w, i: None,
        READERS | {"federal_liaison"},
    ),
    Cell(
        "read other-office request",
        "GET",
        lambda w: f"/api/requests/{w.other_request}",
        lambda w, i: None,
        READERS,
    ),
    Cell(
        "amend request",
        "POST",
        lambda w: f"/api/requests/{w.own_request}/amend",
        lambda w, i: {"warrant_kind": "administrative_I200"},
        STAFF,
    ),
    Cell(
        "override",
        "POST",
        lambda w: f"/api/requests/{w.own_request}/overrides",
        lambda w, i: {
            "action": "notify_release",
            "effect": "deny",
            "reason": "test of the access matrix",
        },
        {"supervisor"},
    ),
    Cell(
        "annotate",
        "POST",
        lambda w: f"/api/requests/{w.own_request}/annotations",
        lambda w, i: {"text": "note"},
        {"counsel"},
    ),
    Cell(
        "record interview",
        "POST",
        lambda w: f"/api/requests/{w.own_request}/interviews",
        lambda w, i: {"modality": "remote"},
        STAFF,
    ),
    Cell(
        "tick a condition met",  # Denver's notify_release carries D.R.M.C. § 28-253's condition
        "POST",
        lambda w: f"/api/requests/{w.own_request}/conditions",
        lambda w, i: {
            "ticks": [
                {"action": "notify_release", "condition": "den.drmc.28-253.advise-and-record"}
            ]
        },
        STAFF,
    ),
    Cell(
        "interview outcome",
        "POST",
        lambda w: f"/api/interviews/{w.interview}/outcome",
        lambda w, i: {"held": False, "outcome": "ICE did not call"},
        STAFF,
    ),
    Cell(
        "record event",
        "POST",
        lambda w: "/api/events",
        lambda w, i: booked(f"NEW-{i}", "denver"),
        STAFF,
    ),
    Cell("read booking", "GET", lambda w: "/api/bookings/B1", lambda w, i: None, READERS),
    Cell("list alarms", "GET", lambda w: "/api/alarms", lambda w, i: None, READERS),
    Cell(
        "acknowledge alarm",
        "POST",
        lambda w: f"/api/alarms/{w.alarm}/acknowledge",
        lambda w, i: {"note": "seen, released"},
        STAFF,
    ),
    Cell(
        "configure office",
        "POST",
        lambda w: "/api/offices",
        lambda w, i: {"name": "X", "channel": "email", "address": "x@ice.example"},
        {"supervisor"},
    ),
    Cell(
        "ledger proof",
        "GET",
        lambda w: "/api/ledger/entries/1/proof",
        lambda w, i: None,
        {"supervisor", "counsel", "auditor"},
    ),
    Cell(
        "ledger checkpoint (public)",
        "GET",
        lambda w: "/api/ledger/checkpoint",
        lambda w, i: None,
        EVERYONE | {"anonymous"},
    ),
]


@pytest.fixture
def world(tmp_path: Path, db_url: str) -> Iterator[tuple[Desk, World, TestClient]]:
    clock = SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC))
    settings = DeskSettings(home=tmp_path, db=db_url)
    initialise(settings)
    desk = open_desk(settings, clock)
    w = _build_world(desk, clock)
    with TestClient(create_app(desk, worker=False)) as client:
        yield desk, w, client
    desk.close()


HIDDEN_FROM_LIAISON = {"read other-office request", "read booking"}


@pytest.mark.parametrize("role", [*sorted(EVERYONE), "anonymous"])
def test_role_endpoint_matrix(role: str, world: tuple[Desk, World, TestClient]) -> None:
    desk, w, client = world
    headers = {}
    if role != "anonymous":
        office = DENVER_OFFICE if role == "federal_liaison" else None
        headers["Authorization"] = f"Bearer {desk.create_token(role, role, office)}"
    failures = []
    for i, cell in enumerate(CELLS):
        response = client.request(cell.method, cell.path(w), json=cell.body(w, i), headers=headers)
        if role in cell.allowed:
            ok = response.status_code < 300
        elif role == "anonymous":
            ok = response.status_code == 401
        elif role == "federal_liaison" and cell.name in HIDDEN_FROM_LIAISON:
            ok = response.status_code == 404  # the same answer as a record that does not exist
        else:
            ok = response.status_code == 403
        if not ok:
            failures.append(f"{cell.name}: {response.status_code} {response.text[:120]}")
        if response.status_code >= 400:
            assert set(response.json()) == {"ok", "status", "error", "field"}
    assert not failures, failures


def test_liaison_sees_status_only_never_booking_details(
    world: tuple[Desk, World, TestClient],
) -> None:
    desk, w, client = world
    token = desk.create_token("liaison", "federal_liaison", DENVER_OFFICE)
    headers = {"Authorization": f"Bearer {token}"}
    own = client.get(f"/api/requests/{w.own_request}", headers=headers).json()
    assert set(own) == {
        "id",
        "kind",
        "form",
        "warrant_kind",
        "office",
        "received_at",
        "decided_on",
        "effects",
    }
    listed = client.get("/api/requests", headers=headers).json()["items"]  # a page since 13c
    assert {r["office"] for r in listed} == {DENVER_OFFICE}
    assert w.other_request not in {r["id"] for r in listed}
    text = client.get("/api/requests", headers=headers).text
    assert "B1" not in text and "DUI" not in text
    assert client.get("/api/bookings/B1", headers=headers).status_code == 404  # as if unknown


def test_staff_reads_of_a_record_are_in_the_ledger(
    world: tuple[Desk, World, TestClient],
) -> None:
    desk, _, client = world
    token = desk.create_token("auditor", "auditor")
    client.get("/api/bookings/B1", headers={"Authorization": f"Bearer {token}"})
    with desk.sessions() as session:
        from detainer_desk.ledger.log import export_lines

        last = list(export_lines(session))[-1]
    assert '"kind":"record_read"' in last and '"actor":"auditor:auditor"' in last


def test_tokens_are_stored_hashed(world: tuple[Desk, World, TestClient]) -> None:
    desk, _, _ = world
    token = desk.create_token("clerk-x", "clerk")
    from sqlalchemy import text

    with desk.sessions() as session:
        stored = [r[0] for r in session.execute(text("SELECT token_sha256 FROM api_tokens"))]
    assert token not in stored and all(len(s) == 64 for s in stored)
