"""The hold clock's alarms, tick by tick, on SQLite: what is raised, when, once, and what the
ledger records of it. (The API and PostgreSQL halves are in test_end_to_end.py.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Alarm, LedgerEntry

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
    assert alarms[0].message == f"hold ends {DEADLINE.isoformat()}"
    assert alarms[1].message == f"hold deadline {DEADLINE.isoformat()} has passed; release now"
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
