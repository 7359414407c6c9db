"""The hold clock's alarms, tick by tick, on SQLite: what is raised, when, once, and what the
ledger records of it. (The API and PostgreSQL halves are in test_end_to_end.py.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Alarm
from detainer_desk.ledger.tables import LedgerEntry

from .helpers import DENVER_OFFICE, TEXAS_OFFICE, booked, detainer, event

ADMIN = Actor("setup", Role.supervisor)
DEADLINE = datetime(2017, 9, 29, 20, 0, tzinfo=UTC)  # 48 h flat from 14:00 MDT on 27 Sep


@pytest.fixture
def clock_desk(tmp_path: Path) -> Iterator[tuple[Desk, SettableClock]]:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'clock.db'}")
    initialise(settings)
    clock = SettableClock(datetime(2017, 9, 27, 12, 0, tzinfo=UTC))
    desk = open_desk(settings, clock)
    yield desk, clock
    desk.close()


def _alarms(desk: Desk) -> list[Alarm]:
    with desk.sessions() as session:
        return list(session.execute(select(Alarm).order_by(Alarm.id)).scalars())


def _alarm_entries(desk: Desk) -> list[dict[str, object]]:
    with desk.sessions() as session:
        bodies = [json.loads(b) for b in session.execute(select(LedgerEntry.body)).scalars()]
    return [b for b in bodies if "alarm_raised" in json.dumps(b)]


def _texas_hold(desk: Desk, clock: SettableClock, booking: str = "TX-1") -> int:
    desk.record_event(ADMIN, booked(booking, "texas"))
    request = desk.receive_request(ADMIN, detainer(booking, "texas", TEXAS_OFFICE))["id"]
    clock.set(datetime(2017, 9, 27, 20, 0, tzinfo=UTC))
    desk.record_event(ADMIN, event(booking, "release_eligible", "2017-09-27T14:00:00"))
    return int(request)


def test_hold_alarms_raised_on_time_once_each_and_ledgered(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    desk, clock = clock_desk
    request = _texas_hold(desk, clock)
    clock.set(DEADLINE - timedelta(hours=6, minutes=1))
    assert desk.check_clock() == {"redecided": 0, "alarms_raised": 0}
    clock.set(DEADLINE - timedelta(hours=6))  # exactly `approaching` before: raised
    assert desk.check_clock() == {"redecided": 0, "alarms_raised": 1}
    assert desk.check_clock() == {"redecided": 0, "alarms_raised": 0}
    clock.set(DEADLINE - timedelta(seconds=1))
    assert desk.check_clock()["alarms_raised"] == 0
    clock.set(DEADLINE)  # at the deadline: passed
    assert desk.check_clock()["alarms_raised"] == 1
    alarms = _alarms(desk)
    assert [a.kind for a in alarms] == ["hold_deadline_approaching", "hold_deadline_passed"]
    assert all(a.request_pk == request and a.due_at == DEADLINE for a in alarms)
    assert alarms[0].raised_at == DEADLINE - timedelta(hours=6)
    assert alarms[0].message == "the hold ends at the due time; prepare the release"
    assert alarms[1].message == "the hold deadline (due time) has passed; release now"
    entries = _alarm_entries(desk)
    assert len(entries) == 2
    data = json.dumps(entries[1])
    for value in ('"kind": "hold_deadline_passed"', f'"request": {request}', '"hold_clock"'):
        assert value in data, data
    assert DEADLINE.isoformat() in data and f'"alarm": {alarms[1].id}' in data


def test_released_or_transferred_people_raise_nothing(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    desk, clock = clock_desk
    _texas_hold(desk, clock, "TX-1")
    _texas_hold(desk, clock, "TX-2")
    desk.record_event(ADMIN, event("TX-1", "released", "2017-09-27T15:00:00"))
    desk.record_event(
        ADMIN, event("TX-2", "transferred", "2017-09-27T15:00:00", transferred_to="X")
    )
    clock.set(DEADLINE + timedelta(days=1))
    assert desk.check_clock()["alarms_raised"] == 0 and _alarms(desk) == []


def test_kept_after_eligibility_without_a_permitted_hold(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    desk, clock = clock_desk
    desk.record_event(ADMIN, booked("DEN-1", "denver"))
    desk.record_event(ADMIN, booked("DEN-2", "denver"))
    desk.receive_request(ADMIN, detainer("DEN-1", "denver", DENVER_OFFICE))
    clock.set(datetime(2017, 9, 27, 20, 0, tzinfo=UTC))
    desk.record_event(ADMIN, event("DEN-1", "release_eligible", "2017-09-27T14:00:00"))
    clock.set(datetime(2017, 9, 27, 22, 0, tzinfo=UTC) - timedelta(seconds=1))
    assert desk.check_clock()["alarms_raised"] == 0
    clock.set(datetime(2017, 9, 27, 22, 0, tzinfo=UTC))  # exactly the 2-hour grace
    assert desk.check_clock()["alarms_raised"] == 1
    (alarm,) = _alarms(desk)
    assert alarm.kind == "held_after_release_eligible" and alarm.request_pk is None
    assert alarm.due_at == datetime(2017, 9, 27, 20, 0, tzinfo=UTC)
    assert alarm.message == "still in custody after release eligibility with no permitted hold"
    assert desk.check_clock()["alarms_raised"] == 0  # once


def test_two_holds_on_one_booking_raise_an_alarm_each_in_one_tick(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    desk, clock = clock_desk
    first = _texas_hold(desk, clock)
    second = desk.receive_request(ADMIN, detainer("TX-1", "texas", TEXAS_OFFICE))["id"]
    clock.set(DEADLINE - timedelta(hours=1))
    assert desk.check_clock() == {"redecided": 0, "alarms_raised": 2}
    clock.set(DEADLINE)
    assert desk.check_clock() == {"redecided": 0, "alarms_raised": 2}
    assert sorted((a.request_pk, a.kind) for a in _alarms(desk)) == [
        (first, "hold_deadline_approaching"),
        (first, "hold_deadline_passed"),
        (second, "hold_deadline_approaching"),
        (second, "hold_deadline_passed"),
    ]


def test_a_request_without_a_hold_does_not_stop_the_next_ones_clock(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    desk, clock = clock_desk
    desk.record_event(ADMIN, booked("TX-1", "texas"))
    ask = detainer("TX-1", "texas", TEXAS_OFFICE)
    ask["request"].update(
        {"kind": "information_request", "form": "other", "warrant_kind": "none"},
        information_sought=["release_date"],
        probable_cause_bases=[],
    )
    desk.receive_request(ADMIN, ask)  # asks no hold: the clock passes over it
    hold = desk.receive_request(ADMIN, detainer("TX-1", "texas", TEXAS_OFFICE))["id"]
    clock.set(datetime(2017, 9, 27, 20, 0, tzinfo=UTC))
    desk.record_event(ADMIN, event("TX-1", "release_eligible", "2017-09-27T14:00:00"))
    clock.set(DEADLINE)
    assert desk.check_clock()["alarms_raised"] == 1
    assert [(a.request_pk, a.kind) for a in _alarms(desk)] == [(hold, "hold_deadline_passed")]


def test_each_booking_kept_past_eligibility_gets_its_own_alarm(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    desk, clock = clock_desk
    for booking in ("DEN-1", "DEN-2"):
        desk.record_event(ADMIN, booked(booking, "denver"))
        desk.record_event(ADMIN, event(booking, "release_eligible", "2017-09-27T06:00:00"))
    clock.set(datetime(2017, 9, 27, 14, 0, tzinfo=UTC))  # 08:00 MDT: two hours past
    assert desk.check_clock()["alarms_raised"] == 2
    entries: list[dict[str, Any]] = _alarm_entries(desk)
    assert [e["data"]["kind"] for e in entries] == ["held_after_release_eligible"] * 2
    alarms = _alarms(desk)
    assert [e["data"]["booking"] for e in entries] == [a.booking_pk for a in alarms]
    assert [e["data"]["due_at"] for e in entries] == ["2017-09-27T12:00:00+00:00"] * 2


def test_law_changes_at_the_jails_midnight_for_people_still_in_custody(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    """Denver's Ord. 940-17 takes effect 28 Aug 2017: at 00:00 MDT, 06:00 UTC."""
    desk, clock = clock_desk
    clock.set(datetime(2017, 8, 27, 18, 0, tzinfo=UTC))
    for booking in ("D-1", "D-2", "D-3"):
        desk.record_event(ADMIN, booked(booking, "denver", "2017-08-27T09:00:00"))
        ask = detainer(booking, "denver", DENVER_OFFICE, "2017-08-27T10:00:00")
        desk.receive_request(ADMIN, ask)
    desk.record_event(ADMIN, event("D-2", "released", "2017-08-27T11:00:00"))
    desk.record_event(ADMIN, event("D-3", "transferred", "2017-08-27T11:00:00", transferred_to="X"))
    clock.set(datetime(2017, 8, 28, 5, 59, tzinfo=UTC))  # 23:59 on 27 Aug in Denver
    assert desk.check_clock()["redecided"] == 0
    clock.set(datetime(2017, 8, 28, 6, 0, tzinfo=UTC))
    assert desk.check_clock()["redecided"] == 1  # D-1 only: D-2 and D-3 have left custody
    assert desk.check_clock()["redecided"] == 0


def test_no_law_in_force_is_not_redecided_every_tick(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    desk, clock = clock_desk
    clock.set(datetime(2001, 1, 1, 18, 0, tzinfo=UTC))
    desk.record_event(ADMIN, booked("D-0", "denver", "2001-01-01T09:00:00"))
    desk.receive_request(ADMIN, detainer("D-0", "denver", DENVER_OFFICE, "2001-01-01T10:00:00"))
    clock.set(datetime(2001, 1, 2, 18, 0, tzinfo=UTC))
    assert desk.check_clock()["redecided"] == 0


def test_an_alarm_without_a_due_time_is_ledgered_as_null(
    clock_desk: tuple[Desk, SettableClock],
) -> None:
    from detainer_desk.desk.holdclock import raise_alarm
    from detainer_desk.desk.tables import Booking

    desk, clock = clock_desk
    desk.record_event(ADMIN, booked("DEN-1", "denver"))
    with desk.sessions.begin() as session:
        booking = session.execute(select(Booking)).scalar_one()
        assert raise_alarm(session, booking, None, "k", "m", None, clock.now()) is True
        assert raise_alarm(session, booking, None, "k", "m", None, clock.now()) is False
    entries: list[dict[str, Any]] = _alarm_entries(desk)
    assert len(entries) == 1  # the second call found the first alarm and wrote nothing
    assert (entries[0]["kind"], entries[0]["actor"]) == ("alarm_raised", "hold_clock")
    assert entries[0]["data"] == {
        "alarm": 1,
        "booking": 1,
        "request": None,
        "kind": "k",
        "due_at": None,
    }
