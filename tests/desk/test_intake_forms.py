"""The clerk's forms: a new request with per-field messages, jail events from the booking page,
amendments, interviews, offices and tokens; every POST authorizes before it writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from detainer_desk.desk.service import Desk
from detainer_desk.ledger.tables import LedgerEntry
from detainer_desk.web.app import create_app

from .helpers import DENVER_OFFICE, ui_csrf, ui_login, ui_post

FORM = {
    "booking_id": "UI-7",
    "jurisdiction": "denver",
    "kind": "detainer",
    "form": "I-247A",
    "issued_on": "2017-09-26",
    "warrant_kind": "administrative_I200",
    "office": DENVER_OFFICE,
    "received_at": "2017-09-27T08:30",
    "probable_cause_bases": "biometric_and_database_check",
    "actions": ["hold_beyond_release", "notify_release"],
}


def login(client: TestClient, desk: Desk, role: str) -> None:
    """Log in through the login form as a new token of `role`."""
    client.cookies.clear()
    ui_login(client, desk.create_token(role, role))


csrf, post = ui_csrf, ui_post


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
    made = post(client, desk, "/ui/requests/new", FORM)
    assert made.status_code == 303 and made.headers["location"] == "/ui/requests/1"
    page = client.get("/ui/requests/1").text
    assert "D.R.M.C." in page and "UI-7" in page
    stored = desk.request_detail(desk.ui_session(client.cookies["dd_session"]).actor, 1)
    assert stored["warrant_kind"] == "administrative_I200"


def test_each_bad_field_gets_its_own_message(client: TestClient, desk: Desk) -> None:
    before = ledger_size(desk)
    bad = dict(FORM, booking_id="", kind="arrest_everyone", issued_on="26/09/2017")
    bad["office"] = "Typed By The Clerk"
    answer = post(client, desk, "/ui/requests/new", bad)
    assert answer.status_code == 422
    page = answer.text
    assert 'id="booking_id-error"' in page and 'id="kind-error"' in page
    assert 'id="issued_on-error"' in page and 'aria-invalid="true"' in page
    assert 'value="Typed By The Clerk"' in page  # kept what was typed
    assert f'name="csrf" value="{csrf(client, desk)}"' in page  # and it can be sent again
    assert ledger_size(desk) == before  # nothing written


def test_jail_events_from_the_booking_page_amend_and_interview(
    client: TestClient, desk: Desk
) -> None:
    post(client, desk, "/ui/requests/new", FORM)
    booking = client.get("/ui/bookings/UI-7").text
    assert 'value="release_eligible"' in booking
    done = post(
        client,
        desk,
        "/ui/bookings/UI-7/events",
        {"kind": "release_eligible", "at": "2017-09-27T14:00", "release_reason": "bond_posted"},
    )
    assert done.status_code == 303
    assert "release_eligible" in client.get("/ui/bookings/UI-7").text
    judicial = {
        "warrant_kind": "judicial_criminal_warrant",
        "jw_court": "U.S. District Court, D. Colo.",
        "jw_judge": "Magistrate Judge A. Example",
        "jw_offence": "8 U.S.C. § 1326",
    }
    amended = post(client, desk, "/ui/requests/1/amend", judicial)
    assert amended.status_code == 303
    detail = client.get("/ui/requests/1").text
    assert "warrant_attached" in detail or "judicial criminal warrant" in detail
    recorded = post(
        client,
        desk,
        "/ui/requests/1/interviews",
        {"modality": "remote", "written_advisement_given": "1", "advisement_language": "es"},
    )
    assert recorded.status_code == 303
    assert "Interview #1" in client.get("/ui/requests/1").text


def test_offices_and_tokens_are_for_supervisors(client: TestClient, desk: Desk) -> None:
    before = ledger_size(desk)
    assert post(client, desk, "/ui/tokens", {"name": "x", "role": "clerk"}).status_code == 403
    office = {"name": DENVER_OFFICE, "channel": "email", "address": "ero@ice.example"}
    assert post(client, desk, "/ui/offices", office).status_code == 403
    assert client.get("/ui/tokens").status_code == 403
    assert ledger_size(desk) == before  # refused before anything was written
    login(client, desk, "supervisor")
    assert post(client, desk, "/ui/offices", office).status_code == 303
    assert "ero@ice.example" in client.get("/ui/offices").text
    issued = post(client, desk, "/ui/tokens", {"name": "lee", "role": "clerk"})
    assert issued.status_code == 200 and 'id="new-token">dd_' in issued.text
    # one tokens page: the new token is listed beside the others, each with its Revoke form
    listed = client.get("/ui/tokens").text
    assert "<td>lee</td>" in listed and 'action="/ui/tokens/' in listed
    boss = post(client, desk, "/ui/tokens", {"name": "boss", "role": "supervisor"})
    assert boss.status_code == 422 and "token create" in boss.text


def test_a_public_token_cannot_post_a_request(client: TestClient, desk: Desk) -> None:
    login(client, desk, "public")
    before = ledger_size(desk)
    assert post(client, desk, "/ui/requests/new", FORM).status_code == 403
    event = {"kind": "booked", "at": "2017-09-27T14:00"}
    assert post(client, desk, "/ui/bookings/X/events", event).status_code == 403
    assert ledger_size(desk) == before


# Every form of the clerk's day, with what it sends (the CSRF token aside).
CLERK_FORMS = [
    ("/ui/requests/new", FORM),
    ("/ui/bookings/UI-7/events", {"kind": "release_eligible", "at": "2017-09-27T14:00"}),
    ("/ui/bookings/UI-7/facts", {"release_date_public": "yes", "back": "/ui/requests/1"}),
    ("/ui/requests/1/amend", {"warrant_kind": "judicial_criminal_warrant"}),
    ("/ui/requests/1/interviews", {"modality": "remote"}),
    ("/ui/requests/1/conditions", {"tick": "notify_release|den.drmc.28-253.advise-and-record"}),
    ("/ui/interviews/1/outcome", {"held": "no", "outcome": "declined"}),
    ("/ui/offices", {"name": DENVER_OFFICE, "channel": "email", "address": "ero@ice.example"}),
    ("/ui/tokens", {"name": "lee", "role": "clerk"}),
    ("/ui/tokens/1/revoke", {}),
]


@pytest.mark.parametrize(("url", "data"), CLERK_FORMS)
def test_every_form_needs_the_csrf_token_and_this_origin(
    client: TestClient, desk: Desk, url: str, data: dict[str, Any]
) -> None:
    login(client, desk, "supervisor")  # allowed to send every one of them
    post(client, desk, "/ui/requests/new", FORM)
    before = ledger_size(desk)
    assert client.post(url, data=data).status_code == 403  # no token
    assert client.post(url, data={**data, "csrf": "forged"}).status_code == 403
    other_site = {"origin": "https://evil.example"}
    with_token = {**data, "csrf": csrf(client, desk)}
    assert client.post(url, data=with_token, headers=other_site).status_code == 403
    assert ledger_size(desk) == before  # nothing written by any of them
