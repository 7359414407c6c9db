"""A desk of historical data runs on the data's clock; it owes only its own statutory reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.clock import RunningClock, SystemClock
from detainer_desk.publish.statutory import formats_for

from .helpers import DENVER_OFFICE, booked, detainer

ADMIN = Actor("setup", Role.supervisor)
DATA_END = datetime(2017, 9, 28, 12, tzinfo=UTC)


def _desk_of_2017(home: Path) -> None:
    initialise(DeskSettings(home=home, jurisdiction="denver", clock_starts_at=DATA_END))
    desk = open_desk(DeskSettings(home=home), SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))
    desk.record_event(ADMIN, booked("D-1", "denver"))  # still in custody at the data's end
    desk.receive_request(ADMIN, detainer("D-1", "denver", DENVER_OFFICE))
    desk.close()


def test_a_desk_of_2017_stays_under_2017_law(tmp_path: Path) -> None:
    _desk_of_2017(tmp_path)
    desk = open_desk(DeskSettings(home=tmp_path))  # the clock comes from the desk's file
    assert isinstance(desk.clock, RunningClock)
    assert DATA_END <= desk.clock.now() < DATA_END.replace(hour=13)
    assert desk.check_clock()["redecided"] == 0
    effects = desk.request_detail(ADMIN, 1)["effects"]
    desk.close()
    assert effects["notify_release"] == "permit"


def test_on_todays_clock_the_same_desk_is_re_decided(tmp_path: Path) -> None:
    """The contrast that makes the test above mean something: today's law differs."""
    _desk_of_2017(tmp_path)
    desk = open_desk(DeskSettings(home=tmp_path), SystemClock())
    assert desk.check_clock()["redecided"] == 1
    desk.close()


def test_a_desk_owes_only_its_own_jurisdictions_statutory_formats() -> None:
    assert formats_for("denver") == () and formats_for("washington") == ()
    assert formats_for(None) == ()
    nyc = {f.id for f in formats_for("new-york-city")}
    assert nyc == {
        "nyc-10-178-quarterly",
        "nyc-doc-9-131",
        "nyc-probation-9-205",
        "nypd-civil-immigration-detainers",
    }
    assert {f.id for f in formats_for("los-angeles")} == {"california-truth-act-forum"}
