"""Issue 3's end-to-end cases, through the HTTP API, on SQLite and on PostgreSQL.

Denver (2017-09-27): I-247A + I-200 -> hold denied, notification permitted -> release_eligible ->
exactly one e-mail naming the release time -> released on time -> no alarm.
Texas: hold permitted with its deadline; nobody records `released` -> alarm.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from detainer_desk.desk import SettableClock
from detainer_desk.desk.outbox import NetworkTransport, deliver_due
from detainer_desk.desk.service import Desk
from detainer_desk.web.app import create_app
from tests.helpers import JUDICIAL_PAPER

from .conftest import SmtpSink
from .helpers import DENVER_OFFICE, TEXAS_OFFICE, booked, detainer, event


@pytest.fixture
def api(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk, worker=False)) as client:
        clerk = desk.create_token("clerk-1", "clerk")
        client.headers["Authorization"] = f"Bearer {clerk}"
        yield client


def _deliver(desk: Desk, smtp: SmtpSink) -> dict[str, int]:
    transport = NetworkTransport(smtp.host, smtp.port, "desk@county.example")
    return deliver_due(desk.sessions, transport, desk.clock, desk.settings.zone)


def _supervisor(desk: Desk, api: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {desk.create_token('sup', 'supervisor')}"}


def test_denver_notifies_once_and_releases_on_time(
    desk: Desk, api: TestClient, smtp: SmtpSink, clock: SettableClock
) -> None:
    sup = _supervisor(desk, api)
    office = {"name": DENVER_OFFICE, "channel": "email", "address": "ero-denver@ice.example"}
    assert api.post("/api/offices", json=office, headers=sup).status_code == 200
    assert api.post("/api/events", json=booked("DEN-1", "denver")).status_code == 201

    received = api.post("/api/requests", json=detainer("DEN-1", "denver", DENVER_OFFICE))
    assert received.status_code == 201, received.text
    effects = received.json()["effects"]
    assert effects == {"hold_beyond_release": "deny", "notify_release": "permit"}
    request_id = received.json()["id"]

    clock.set(datetime(2017, 9, 27, 20, 0, tzinfo=UTC))  # 14:00 in Denver
    eligible = event(
        "DEN-1", "release_eligible", "2017-09-27T14:00:00", release_reason="bond_posted"
    )
    assert api.post("/api/events", json=eligible).status_code == 201
    assert _deliver(desk, smtp) == {"sent": 1}
    assert _deliver(desk, smtp) == {}  # nothing left: never twice
    assert len(smtp.messages) == 1
    body = smtp.messages[0].get_payload()
    assert "DEN-1" in str(body) and "2017-09-27 14:00 MDT" in str(body)
    assert smtp.messages[0]["To"] == "ero-denver@ice.example"

    clock.advance(timedelta(minutes=45))
    assert (
        api.post("/api/events", json=event("DEN-1", "released", "2017-09-27T14:45:00")).status_code
        == 201
    )
    clock.advance(timedelta(days=3))
    desk.check_clock()
    assert api.get("/api/alarms?all=true").json() == []

    detail = api.get(f"/api/requests/{request_id}").json()
    note = detail["notifications"][0]
    assert note["status"] == "sent" and note["lead_seconds"] == 45 * 60
    triggers = [d["trigger"] for d in detail["decisions"]]
    assert triggers == ["received", "release_eligible"]  # every decision kept


def test_texas_hold_permitted_with_deadline_then_alarm(
    desk: Desk, api: TestClient, smtp: SmtpSink, clock: SettableClock
) -> None:
    assert api.post("/api/events", json=booked("TX-1", "texas")).status_code == 201
    received = api.post("/api/requests", json=detainer("TX-1", "texas", TEXAS_OFFICE))
    assert received.json()["effects"]["hold_beyond_release"] == "permit"
    request_id = received.json()["id"]

    clock.set(datetime(2017, 9, 27, 20, 0, tzinfo=UTC))
    eligible = event(
        "TX-1", "release_eligible", "2017-09-27T14:00:00", release_reason="bond_posted"
    )
    api.post("/api/events", json=eligible)
    detail = api.get(f"/api/requests/{request_id}").json()
    hold = next(
        a
        for a in detail["decisions"][-1]["document"]["actions"]
        if a["action"] == "hold_beyond_release"
    )
    deadline = datetime.fromisoformat(hold["hold_limit"]["ends_at"])
    assert deadline == datetime(2017, 9, 29, 14, 0, tzinfo=deadline.tzinfo)  # 48 h flat (I-247A)
    assert deadline.utcoffset() == timedelta(hours=-6)

    desk.check_clock()
    assert api.get("/api/alarms").json() == []  # a lawful hold, not near its end
    clock.set(deadline.astimezone(UTC) - timedelta(hours=2))
    desk.check_clock()
    assert [a["kind"] for a in api.get("/api/alarms").json()] == ["hold_deadline_approaching"]
    clock.set(deadline.astimezone(UTC) + timedelta(minutes=1))
    desk.check_clock()
    desk.check_clock()  # raised once, however often the clock ticks
    kinds = sorted(a["kind"] for a in api.get("/api/alarms").json())
    assert kinds == ["hold_deadline_approaching", "hold_deadline_passed"]

    passed = next(a for a in api.get("/api/alarms").json() if a["kind"] == "hold_deadline_passed")
    ack = api.post(f"/api/alarms/{passed['id']}/acknowledge", json={"note": "released at 14:05"})
    assert ack.status_code == 200 and ack.json()["acknowledged_by"] == "clerk:clerk-1"
    assert [a["kind"] for a in api.get("/api/alarms").json()] == ["hold_deadline_approaching"]


def test_denver_person_kept_after_eligibility_raises_alarm(
    desk: Desk, api: TestClient, clock: SettableClock
) -> None:
    api.post("/api/events", json=booked("DEN-2", "denver"))
    api.post("/api/requests", json=detainer("DEN-2", "denver", DENVER_OFFICE))
    clock.set(datetime(2017, 9, 27, 20, 0, tzinfo=UTC))
    api.post("/api/events", json=event("DEN-2", "release_eligible", "2017-09-27T14:00:00"))
    clock.advance(timedelta(hours=1))
    desk.check_clock()
    assert api.get("/api/alarms").json() == []  # within out-processing grace
    clock.advance(timedelta(hours=2))
    desk.check_clock()
    assert [a["kind"] for a in api.get("/api/alarms").json()] == ["held_after_release_eligible"]


def test_judicial_warrant_attached_redecides_and_keeps_history(desk: Desk, api: TestClient) -> None:
    api.post("/api/events", json=booked("DEN-3", "denver"))
    rid = api.post("/api/requests", json=detainer("DEN-3", "denver", DENVER_OFFICE)).json()["id"]
    amended = api.post(
        f"/api/requests/{rid}/amend",
        json={"warrant_kind": "judicial_criminal_warrant", "judicial_warrant": JUDICIAL_PAPER},
    )
    assert amended.status_code == 200, amended.text
    decisions = amended.json()["decisions"]
    assert [d["trigger"] for d in decisions] == ["received", "warrant_attached"]
    before = decisions[0]["document"]["actions"][0]
    after = decisions[1]["document"]["actions"][0]
    assert before["effect"] == "deny"
    assert after["effect"] == "permit", after["reason"]


def test_no_law_in_force_denies_hold_with_reason(desk: Desk, api: TestClient) -> None:
    api.post("/api/events", json=booked("DEN-4", "denver", at="1990-01-01T10:00:00"))
    doc = detainer("DEN-4", "denver", DENVER_OFFICE, received_at="1990-01-02T09:00:00")
    response = api.post("/api/requests", json=doc)
    assert response.status_code == 201, response.text
    assert response.json()["effects"]["hold_beyond_release"] == "deny"
    detail = api.get(f"/api/requests/{response.json()['id']}").json()
    hold = detail["decisions"][0]["document"]["actions"][0]
    assert hold["reason"].startswith("no law in force")
    assert detail["decisions"][0]["document"]["pack"] is None


def test_supervisor_override_needs_reason_and_is_kept(desk: Desk, api: TestClient) -> None:
    sup = _supervisor(desk, api)
    api.post("/api/events", json=booked("DEN-5", "denver"))
    rid = api.post("/api/requests", json=detainer("DEN-5", "denver", DENVER_OFFICE)).json()["id"]
    short = api.post(
        f"/api/requests/{rid}/overrides",
        headers=sup,
        json={"action": "notify_release", "effect": "deny", "reason": "no"},
    )
    assert short.status_code == 422 and short.json()["field"] == "reason"
    done = api.post(
        f"/api/requests/{rid}/overrides",
        headers=sup,
        json={
            "action": "notify_release",
            "effect": "deny",
            "reason": "City attorney: the I-247A here names no release information request.",
        },
    )
    assert done.status_code == 201
    assert done.json()["effects"]["notify_release"] == "deny"
    assert done.json()["decisions"][-1]["document"]["actions"][1]["effect"] == "permit"


def test_database_itself_refuses_to_change_the_ledger(desk: Desk, api: TestClient) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    api.post("/api/events", json=booked("DEN-9", "denver"))
    desk.checkpoint()
    for statement in (
        "UPDATE ledger_entries SET body = 'x'",
        "DELETE FROM ledger_entries",
        "DELETE FROM checkpoints",
    ):
        with desk.sessions.begin() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))


def test_new_law_in_force_redecides_people_in_custody(
    desk: Desk, api: TestClient, clock: SettableClock
) -> None:
    """Texas SB 4's detainer mandate took effect on 2017-09-25 (Fifth Circuit stay)."""
    clock.set(datetime(2017, 9, 20, 15, tzinfo=UTC))
    api.post("/api/events", json=booked("TX-LAW", "texas", at="2017-09-19T10:00:00"))
    rid = api.post(
        "/api/requests",
        json=detainer("TX-LAW", "texas", TEXAS_OFFICE, received_at="2017-09-20T09:00:00"),
    ).json()["id"]
    first = api.get(f"/api/requests/{rid}").json()["decisions"][-1]["document"]
    clock.set(datetime(2017, 9, 26, 15, tzinfo=UTC))
    assert desk.check_clock()["redecided"] == 1
    assert desk.check_clock()["redecided"] == 0  # once per change of law
    decisions = api.get(f"/api/requests/{rid}").json()["decisions"]
    assert [d["trigger"] for d in decisions] == ["received", "law_changed"]
    assert decisions[-1]["document"]["pack"]["version"] == "2017-09-25"
    assert decisions[-1]["document"]["pack"]["version"] != first["pack"]["version"]
    assert decisions[-1]["document"]["actions"][0]["effect"] == "permit"
