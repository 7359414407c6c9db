"""One clock per desk: init takes the jurisdiction's zone; every time shown is in it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.errors import InputError
from detainer_desk.web.app import create_app
from detainer_desk.web.formatting import local_time, time_left

from .helpers import TEXAS_OFFICE, booked, detainer, event, ui_login

ADMIN = Actor("setup", Role.supervisor)


def test_init_takes_the_packs_zone_and_keeps_it(tmp_path: Path) -> None:
    done = initialise(DeskSettings(home=tmp_path, jurisdiction="texas"))
    assert done.settings.timezone == "America/Chicago"
    stored = json.loads((tmp_path / "desk-settings.json").read_text())
    assert stored["timezone"] == "America/Chicago" and stored["jurisdiction"] == "texas"
    desk = open_desk(DeskSettings(home=tmp_path))  # no zone given: the desk's own
    assert desk.settings.timezone == "America/Chicago" and desk.settings.jurisdiction == "texas"
    desk.close()
    again = initialise(DeskSettings(home=tmp_path))  # a second init keeps the first's choices
    assert again.settings.timezone == "America/Chicago"


def test_an_explicit_zone_wins_and_an_unknown_pack_is_refused(tmp_path: Path) -> None:
    done = initialise(
        DeskSettings(home=tmp_path / "a", jurisdiction="texas", timezone="America/Denver")
    )
    assert done.settings.timezone == "America/Denver"  # El Paso County keeps Mountain time
    with pytest.raises(InputError) as bad:
        initialise(DeskSettings(home=tmp_path / "b", jurisdiction="atlantis"))
    assert "atlantis" in bad.value.message


def test_times_carry_the_zone_abbreviation_and_time_left() -> None:
    central = ZoneInfo("America/Chicago")
    assert local_time("2017-09-27T12:00:00+00:00", central) == "2017-09-27 07:00 CDT"
    assert local_time("2017-12-27T12:00:00+00:00", central) == "2017-12-27 06:00 CST"
    now = datetime(2017, 9, 27, 12, tzinfo=UTC)
    assert time_left(now + timedelta(hours=4, minutes=10), now) == "4 h 10 min left"
    assert time_left(now - timedelta(days=1, hours=2), now) == "overdue by 1 d 2 h"
    assert time_left(None, now) == ""


def test_a_texas_desk_shows_central_time_and_the_alarms_due_time(tmp_path: Path) -> None:
    initialise(DeskSettings(home=tmp_path, jurisdiction="texas"))
    clock = SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC))
    desk = open_desk(DeskSettings(home=tmp_path), clock)
    desk.record_event(ADMIN, booked("TX-1", "texas"))
    desk.receive_request(ADMIN, detainer("TX-1", "texas", TEXAS_OFFICE))
    desk.record_event(ADMIN, event("TX-1", "release_eligible", "2017-09-27T06:00:00"))
    clock.set(datetime(2017, 9, 29, 7, tzinfo=UTC))  # the 48-hour hold ends in 4 hours
    assert desk.check_clock()["alarms_raised"] >= 1
    token = desk.create_token("pat", "clerk")
    with TestClient(create_app(desk, worker=False)) as client:
        ui_login(client, token)
        page = client.get("/ui/alarms").text
        booking = client.get("/ui/bookings/TX-1").text
    desk.close()
    assert "hold deadline approaching" in page
    # 06:00 naive input is read on the desk's clock: 06:00 CDT; the hold ends 48 h later.
    assert "2017-09-29 06:00 CDT" in page and "4 h 0 min left" in page
    assert "2017-09-29 02:00 CDT" in page  # the desk clock in the header: now, in Central time
    assert "MDT" not in page + booking and "+00:00" not in page
    assert "2017-09-27 06:00 CDT" in booking
