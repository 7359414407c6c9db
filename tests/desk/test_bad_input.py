"""Bad input on every endpoint: a 4xx with the one envelope naming the field; nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Base
from detainer_desk.ledger.tables import LedgerEntry
from detainer_desk.web.app import create_app

from .conftest import PG_ADMIN, drop_pg_database, fresh_pg_database, postgres_available
from .helpers import DENVER_OFFICE, booked, detainer, event

ADMIN = Actor("setup", Role.supervisor)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Desk, TestClient, int]]:
    """One desk per database for every case: bad input must leave it exactly as it was."""
    tmp_path = tmp_path_factory.mktemp("bad-input")
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'b.db'}"
    else:
        if not postgres_available():
            pytest.skip(f"PostgreSQL at {PG_ADMIN} cannot be reached: NOT RUN on PostgreSQL")
        name, url = fresh_pg_database()
    settings = DeskSettings(home=tmp_path, db=url)
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))
    desk.record_event(ADMIN, booked("B1", "denver"))
    rid = desk.receive_request(ADMIN, detainer("B1", "denver", DENVER_OFFICE))["id"]
    with TestClient(create_app(desk, worker=False)) as c:
        c.headers["Authorization"] = f"Bearer {desk.create_token('sup', 'supervisor')}"
        yield desk, c, rid
    desk.close()
    if name is not None:
        drop_pg_database(name)


def _without(doc: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != key}


R = "/api/requests"
CASES: list[tuple[str, str, Any, int, str]] = [
    # (method, path, body, status, field)
    (
        "POST",
        R,
        _without(detainer("B1", "denver", DENVER_OFFICE), "received_at"),
        422,
        "received_at",
    ),
    ("POST", R, {**detainer("B1", "denver", DENVER_OFFICE), "jurisdiction": "atlantis"}, 422, None),
    ("POST", R, {**detainer("B1", "denver", DENVER_OFFICE), "surprise": 1}, 422, "surprise"),
    (
        "POST",
        R,
        detainer("B9", "denver", DENVER_OFFICE)
        | {"booking": {"booking_id": "B9", "countryOfBirth": "x"}},
        422,
        "booking.countryOfBirth",
    ),
    ("POST", R, {**detainer("B1", "texas", DENVER_OFFICE)}, 422, "jurisdiction"),
    ("POST", R, "not an object", 422, None),
    (
        "POST",
        "/api/events",
        _without(event("B1", "released", "2017-09-28T10:00:00"), "at"),
        422,
        "at",
    ),
    ("POST", "/api/events", event("B1", "escaped", "2017-09-28T10:00:00"), 422, "kind"),
    ("POST", "/api/events", event("NOPE", "released", "2017-09-28T10:00:00"), 404, "booking_id"),
    ("POST", "/api/events", booked("B1", "denver"), 409, "booking_id"),
    ("POST", "/api/events", {**booked("B2", "denver"), "citizenship": "x"}, 422, "citizenship"),
    (
        "POST",
        "/api/events",
        event("B1", "release_scheduled", "2017-09-28T10:00:00"),
        422,
        "release_at",
    ),
    ("POST", "/api/events", {**event("B1", "released", "yesterday")}, 422, "at"),
    ("POST", f"{R}/1/amend", {"warrant_kind": "pinky_promise"}, 422, "warrant_kind"),
    ("POST", f"{R}/999/amend", {"warrant_kind": "administrative_I200"}, 404, "request_id"),
    ("POST", f"{R}/1/overrides", {"action": "notify_release", "effect": "deny"}, 422, "reason"),
    (
        "POST",
        f"{R}/1/overrides",
        {"action": "fly", "effect": "deny", "reason": "x" * 20},
        422,
        "action",
    ),
    # authorize first: a supervisor may not annotate, so even bad input gets 403, not 422
    ("POST", f"{R}/1/annotations", {"text": ""}, 403, None),
    ("POST", f"{R}/1/interviews", {"modality": "telepathy"}, 422, "modality"),
    ("POST", "/api/interviews/5/outcome", {"held": True, "outcome": "x"}, 404, "interview_id"),
    ("POST", "/api/alarms/5/acknowledge", {"note": "seen"}, 404, "alarm_id"),
    ("POST", "/api/alarms/5/acknowledge", {}, 422, "note"),
    ("POST", "/api/offices", {"name": "X", "channel": "pigeon", "address": "roof"}, 422, "channel"),
    ("GET", f"{R}/abc", None, 422, "request_id"),
    ("GET", "/api/bookings/NOPE", None, 404, "booking_id"),
    ("GET", "/api/ledger/entries/999/proof", None, 404, "entry"),
    ("GET", "/api/no-such-thing", None, 404, None),
]


def _counts(desk: Desk) -> dict[str, int]:
    with desk.sessions() as session:
        return {
            t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
            if t.name != "api_tokens"
        }


@pytest.mark.parametrize(("method", "path", "body", "status", "field"), CASES)
def test_bad_input_gets_envelope_and_writes_nothing(
    client: tuple[Desk, TestClient, int],
    method: str,
    path: str,
    body: Any,
    status: int,
    field: str | None,
) -> None:
    desk, c, _ = client
    before = _counts(desk)
    response = c.request(method, path, json=body)
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["ok"] is False and payload["status"] == status
    assert payload["error"] and "Traceback" not in payload["error"]
    if field is not None:
        assert payload["field"] == field
    after = _counts(desk)
    categories = {"booking.countryOfBirth": "birthplace", "citizenship": "citizenship"}
    if field in categories:
        # the refusal itself is recorded in the ledger: its category, never the name or value
        assert after.pop("ledger_entries") == before.pop("ledger_entries") + 1
        assert after.pop("refusal_counts") == before.pop("refusal_counts") + 1
        after.pop("tree_nodes"), before.pop("tree_nodes")  # the ledger's tree grows with it
        with desk.sessions() as session:
            last = session.execute(
                select(LedgerEntry.body).order_by(LedgerEntry.seq.desc()).limit(1)
            ).scalar_one()
        assert "forbidden_field_refused" in last and f'"category":"{categories[field]}"' in last
        assert "countryOfBirth" not in last and '"x"' not in last
    assert after == before


def test_malformed_json_body(client: tuple[Desk, TestClient, int]) -> None:
    _, c, _ = client
    response = c.post(R, content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["field"] == "body"
