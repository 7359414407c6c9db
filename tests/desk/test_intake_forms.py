"""The clerk's forms: a new request with per-field messages, jail events from the booking page,
amendments, interviews, offices and tokens; every POST authorizes before it writes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import LedgerEntry
from detainer_desk.web.app import create_app

from .helpers import DENVER_OFFICE

FORM = {
    "booking_id": "UI-7",
    "jurisdiction": "denver",
    "kind": "detainer",
    "form": "I-247A",
    "issued_on": "2017-09-26",
    "warrant_kind": "administrative_I200",
    "warrant_issuer": "Supervisory Detention and Deportation Officer",
    "office": DENVER_OFFICE,
    "received_at": "2017-09-27T08:30",
    "probable_cause_bases": "biometric_and_database_check",
    "actions": ["hold_beyond_release", "notify_release"],
}


def login(client: TestClient, desk: Desk, role: str) -> None:
    client.cookies.clear()
    client.post("/ui/login", data={"token": desk.create_token(role, role)})


def ledger_size(desk: Desk) -> int:
    with desk.sessions() as session:
        return int(session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one())


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk, worker=False), follow_redirects=False) as c:
        login(c, desk, "clerk")
        yield c


def test_new_request_is_saved_and_decided(client: TestClient, desk: Desk) -> None:
    assert "Read the PDF" in client.get("/ui/requests/new").text
    made = client.post("/ui/requests/new", data=FORM)
    assert made.status_code == 303 and made.headers["location"] == "/ui/requests/1"
    page = client.get("/ui/requests/1").text
    assert "D.R.M.C." in page and "UI-7" in page
    stored = desk.request_detail(desk.actor_for(client.cookies["dd_token"]), 1)
    assert stored["warrant_kind"] == "administrative_I200"


def test_each_bad_field_gets_its_own_message(client: TestClient, desk: Desk) -> None:
    before = ledger_size(desk)
    bad = dict(FORM, booking_id="", kind="arrest_everyone", issued_on="26/09/2017")
    answer = client.post("/ui/requests/new", data=bad)
    assert answer.status_code == 422
    page = answer.text
    assert 'id="booking_id-error"' in page and 'id="kind-error"' in page
    assert 'id="issued_on-error"' in page and 'aria-invalid="true"' in page
    assert 'value="Supervisory Detention and Deportation Officer"' in page  # kept what was typed
    assert ledger_size(desk) == before  # nothing written


def test_jail_events_from_the_booking_page_amend_and_interview(
    client: TestClient, desk: Desk
) -> None:
    client.post("/ui/requests/new", data=FORM)
    booking = client.get("/ui/bookings/UI-7").text
    assert 'value="release_eligible"' in booking
    done = client.post(
        "/ui/bookings/UI-7/events",
        data={
            "kind": "release_eligible",
            "at": "2017-09-27T14:00",
            "release_reason": "bond_posted",
        },
    )
    assert done.status_code == 303
    assert "release_eligible" in client.get("/ui/bookings/UI-7").text
    amended = client.post(
        "/ui/requests/1/amend", data={"warrant_kind": "judicial_criminal_warrant"}
    )
    assert amended.status_code == 303
    detail = client.get("/ui/requests/1").text
    assert "warrant_attached" in detail or "judicial criminal warrant" in detail
    recorded = client.post(
        "/ui/requests/1/interviews",
        data={"modality": "remote", "written_advisement_given": "1", "advisement_language": "es"},
    )
    assert recorded.status_code == 303
    assert "Interview #1" in client.get("/ui/requests/1").text


def test_offices_and_tokens_are_for_supervisors(client: TestClient, desk: Desk) -> None:
    before = ledger_size(desk)
    assert client.post("/ui/tokens", data={"name": "x", "role": "clerk"}).status_code == 403
    office = {"name": DENVER_OFFICE, "channel": "email", "address": "ero@ice.example"}
    assert client.post("/ui/offices", data=office).status_code == 403
    assert ledger_size(desk) == before  # refused before anything was written
    login(client, desk, "supervisor")
    assert client.post("/ui/offices", data=office).status_code == 303
    assert "ero@ice.example" in client.get("/ui/offices").text
    issued = client.post("/ui/tokens", data={"name": "lee", "role": "clerk"})
    assert issued.status_code == 200 and 'id="new-token">dd_' in issued.text
    boss = client.post("/ui/tokens", data={"name": "boss", "role": "supervisor"})
    assert boss.status_code == 422 and "token create" in boss.text


def test_a_public_token_cannot_post_a_request(client: TestClient, desk: Desk) -> None:
    login(client, desk, "public")
    before = ledger_size(desk)
    assert client.post("/ui/requests/new", data=FORM).status_code == 403
    event = {"kind": "booked", "at": "2017-09-27T14:00"}
    assert client.post("/ui/bookings/X/events", data=event).status_code == 403
    assert ledger_size(desk) == before
