"""The decision page and the booking's one timeline, as a clerk reads them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.web.app import create_app
from detainer_desk.web.formatting import cite_text, effect_text, label

from .helpers import TEXAS_OFFICE, booked, detainer, event, ui_login, ui_post

SUPERVISOR = Actor("sam", Role.supervisor)


def test_labels_and_citations_read_as_words() -> None:
    assert label("booking.release_date_public") == "the release date is public"
    assert label("review_required") == "review required"
    assert label("administrative_I200") == "I-200 administrative warrant"
    assert cite_text("ICE I-247A guidance: 48 hours (FED_I247A_GUIDANCE)") == (
        "ICE I-247A guidance: 48 hours"
    )
    assert cite_text("Tex. Code Crim. Proc. art. 2.251(a)(1) (SB 4, 2017)") == (
        "Tex. Code Crim. Proc. art. 2.251(a)(1) (SB 4, 2017)"
    )
    assert effect_text("permit", required=True) == "required"
    assert effect_text("permit") == "permit"


def test_a_texas_request_page_and_its_booking_timeline(tmp_path: Path) -> None:
    initialise(DeskSettings(home=tmp_path, jurisdiction="texas"))
    clock = SettableClock(datetime(2017, 9, 27, 14, tzinfo=UTC))  # received 13:30 UTC
    desk = open_desk(DeskSettings(home=tmp_path), clock)
    desk.record_event(SUPERVISOR, booked("TX-9", "texas"))
    desk.receive_request(SUPERVISOR, detainer("TX-9", "texas", TEXAS_OFFICE))
    clock.set(datetime(2017, 9, 27, 20, tzinfo=UTC))
    desk.record_event(SUPERVISOR, event("TX-9", "release_eligible", "2017-09-27T14:00:00"))
    clock.set(datetime(2017, 9, 27, 21, tzinfo=UTC))
    desk.override(
        SUPERVISOR,
        1,
        {"action": "notify_release", "effect": "deny", "reason": "Counsel: notice already given."},
    )
    clock.set(datetime(2017, 9, 29, 16, tzinfo=UTC))
    desk.check_clock()
    token = desk.create_token("kim", "clerk")
    with TestClient(create_app(desk, worker=False)) as client:
        ui_login(client, token)
        page = client.get("/ui/requests/1").text
        booking = client.get("/ui/bookings/TX-9").text
    desk.close()
    decision = page[
        page.index('id="decision"') : page.index("</table>", page.index('id="decision"'))
    ]
    assert ">required</span>" in decision and "the law requires it" in decision
    assert "Tex. Code Crim. Proc. art. 2.251(a)(1)" in decision
    assert not re.search(r"\b[A-Z]+(?:_[A-Z0-9]+)+\b", decision)  # no FED_I247A_GUIDANCE
    assert "hold_beyond_release" not in decision and "booking." not in decision
    history = page[page.index('id="history"') :]
    order = [history.index(w) for w in ("received from", "decided (received)", "override by")]
    assert order == sorted(order)
    timeline = booking[booking.index('id="timeline"') :]
    steps = [
        "booked",
        "detainer from",
        "release notification",
        "<td>override</td>",
        "hold deadline approaching",
    ]
    missing = [s for s in steps if s not in timeline]
    assert not missing, (missing, re.sub(r"<[^>]+>", " ", timeline)[:3000])
    where = [timeline.index(s) for s in steps]
    assert where == sorted(where), steps
    assert "CDT" in timeline and "MDT" not in booking


def test_a_missing_fact_is_supplied_and_the_request_decided_again(tmp_path: Path) -> None:
    initialise(DeskSettings(home=tmp_path, jurisdiction="washington"))
    clock = SettableClock(datetime(2019, 6, 1, 18, tzinfo=UTC))
    desk = open_desk(DeskSettings(home=tmp_path), clock)
    desk.record_event(SUPERVISOR, booked("WA-1", "washington", "2019-05-30T10:00:00"))
    ask = detainer("WA-1", "washington", "ICE ERO Seattle Field Office", "2019-06-01T10:00:00")
    ask["request"] = {"kind": "information_request", "form": "other"}
    desk.receive_request(SUPERVISOR, ask)
    token = desk.create_token("kim", "clerk")
    with TestClient(create_app(desk, worker=False), follow_redirects=False) as client:
        ui_login(client, token)
        page = client.get("/ui/requests/1").text
        assert "Supply a missing fact" in page and "the release date is public" in page
        assert ">review required</span>" in page
        done = ui_post(
            client,
            desk,
            "/ui/bookings/WA-1/facts",
            {"release_date_public": "yes", "back": "/ui/requests/1"},
        )
        assert done.status_code == 303 and done.headers["location"] == "/ui/requests/1"
        after = client.get("/ui/requests/1").text
        nothing = ui_post(client, desk, "/ui/bookings/WA-1/facts", {"back": "/ui/requests/1"})
    desk.close()
    assert "Supply a missing fact" not in after
    assert "decided (charges changed)" in after
    assert ">review required</span>" not in after[after.index('id="decision"') :]
    assert nothing.status_code == 422
