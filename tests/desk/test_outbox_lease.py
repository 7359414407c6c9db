"""Owned leases: two workers on one SQLite desk, a slow real SMTP server and a controlled clock.

The race the issue reproduced: worker A leases a batch; its sends are slow, so the lease on the
rest of the batch runs out mid-batch; worker B takes those rows and sends them; A, not checking
the row is still its own, sent them again. Here the clock is the desk's injected clock, moved on
by the SMTP server each time it is asked to deliver ("this send took 45 seconds"), so the leases
run out at exactly the same point on every run.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.outbox import (
    LEASE_LOST,
    Lease,
    NetworkTransport,
    deliver_due,
    deliver_one,
    lease_due,
    lease_length,
)
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Alarm, LedgerEntry, Notification

from .conftest import SmtpSink
from .helpers import DENVER_OFFICE, booked, detainer, event

ADMIN = Actor("setup", Role.supervisor)
LEASE = timedelta(seconds=60)
SEND_TAKES = timedelta(seconds=45)  # what the clock moves on per delivery: leases expire mid-batch
START = datetime(2017, 9, 27, 21, 0, tzinfo=UTC)


@pytest.fixture
def lease_desk(tmp_path: Path, smtp: SmtpSink) -> Iterator[tuple[Desk, SettableClock]]:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'lease.db'}")
    initialise(settings)
    clock = SettableClock(START)
    desk = open_desk(settings, clock)
    desk.set_office(
        ADMIN, {"name": DENVER_OFFICE, "channel": "email", "address": "ero@ice.example"}
    )
    for i in range(3):
        desk.record_event(ADMIN, booked(f"L{i}", "denver"))
        desk.receive_request(ADMIN, detainer(f"L{i}", "denver", DENVER_OFFICE))
        desk.record_event(ADMIN, event(f"L{i}", "release_eligible", "2017-09-28T14:00:00"))
    yield desk, clock
    desk.close()


def _transport(smtp: SmtpSink) -> NetworkTransport:
    return NetworkTransport(smtp.host, smtp.port, "desk@county.example", timeout=10.0)


def _notes(desk: Desk) -> list[Notification]:
    with desk.sessions() as session:
        return list(session.execute(select(Notification).order_by(Notification.id)).scalars())


def test_two_workers_leases_expiring_mid_batch_send_each_once(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    zone = desk.settings.zone
    transport = _transport(smtp)
    b_may_run, b_done = threading.Event(), threading.Event()
    deliveries = 0
    original = smtp.handle_RCPT

    async def slow_rcpt(*args: Any) -> str:
        """A's deliveries take 45 s each on the desk's clock; during A's second, B makes its
        pass (A's batch lease, START + 60 s, ran out at START + 90 s)."""
        nonlocal deliveries
        deliveries += 1
        if deliveries > 2:  # B's sends overlap A's second one: no more time passes
            return await original(*args)  # type: ignore[arg-type]
        clock.advance(SEND_TAKES)
        if deliveries == 2:
            b_may_run.set()
            deadline = time.monotonic() + 20
            while not b_done.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        return await original(*args)  # type: ignore[arg-type]

    smtp.handle_RCPT = slow_rcpt  # type: ignore[method-assign]
    smtp.rcpt_delay = 0.05
    results: dict[str, dict[str, int]] = {}

    def worker_b() -> None:
        try:
            assert b_may_run.wait(20), "worker A never reached its second send"
            results["B"] = deliver_due(desk.sessions, transport, clock, zone, "B", lease_for=LEASE)
        finally:
            b_done.set()

    b = threading.Thread(target=worker_b)
    b.start()
    results["A"] = deliver_due(desk.sessions, transport, clock, zone, "A", lease_for=LEASE)
    b.join(30)
    assert not b.is_alive()

    keys = Counter(smtp.keys())
    assert len(keys) == 3 and set(keys.values()) == {1}, keys  # each notification exactly once
    notes = _notes(desk)
    assert [n.status for n in notes] == ["sent"] * 3
    # A sent the first two (its lease renewed before each send); B took the third, whose
    # lease had run out, and A, finding it no longer its own, did not send it.
    assert results["A"] == {"sent": 2, LEASE_LOST: 1}, results
    assert results["B"] == {"sent": 1}, results
    assert [n.leased_by for n in notes] == ["A", "A", "B"]
    assert all(n.lease_until is None for n in notes)
    assert deliveries == 3


def test_a_result_after_the_lease_ran_out_is_not_recorded_on_the_row(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    """Compare-and-set on the record: a send that outlives its lease leaves the row alone."""
    desk, clock = lease_desk
    transport = _transport(smtp)
    leases = lease_due(desk.sessions, clock, "A", limit=1, lease=LEASE)
    assert [lease.worker for lease in leases] == ["A"]

    def outlive_the_lease(lease: Lease) -> None:
        clock.advance(timedelta(seconds=61))  # the send "took" longer than the lease

    status = deliver_one(
        desk.sessions, leases[0], transport, clock, desk.settings.zone, outlive_the_lease, LEASE
    )
    assert status == LEASE_LOST
    note = _notes(desk)[0]
    assert note.status == "sending" and note.sent_at is None  # the row is not A's to record
    with desk.sessions() as session:
        bodies = list(session.execute(select(LedgerEntry.body)).scalars())
    lost = [b for b in bodies if "notification_result_after_lease_lost" in b]
    assert len(lost) == 1 and '"worker":"A"' in lost[0].replace(" ", "")  # the ledger says so
    # The row is due again: the next worker sends it once more, with the same key.
    assert deliver_due(desk.sessions, transport, clock, desk.settings.zone, "B") == {"sent": 3}
    assert Counter(smtp.keys())[f"<{leases[0].key}@detainer-desk>"] == 2


def test_a_lease_taken_over_is_not_sent_by_its_first_holder(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    transport = _transport(smtp)
    stale = lease_due(desk.sessions, clock, "A", limit=3, lease=LEASE)
    clock.advance(LEASE + timedelta(seconds=1))
    fresh = lease_due(desk.sessions, clock, "B", limit=3, lease=LEASE)
    assert [lease.notification_id for lease in fresh] == [s.notification_id for s in stale]
    for lease in stale:
        assert deliver_one(desk.sessions, lease, transport, clock, desk.settings.zone) == (
            LEASE_LOST
        )
    assert smtp.messages == []
    for lease in fresh:
        assert deliver_one(desk.sessions, lease, transport, clock, desk.settings.zone) == "sent"
    assert len(smtp.messages) == 3


def test_lease_is_sized_to_the_send_timeout() -> None:
    slow = NetworkTransport("127.0.0.1", 25, "d@x", timeout=100.0)
    assert lease_length(timedelta(seconds=60), slow) == timedelta(seconds=150)
    quick = NetworkTransport("127.0.0.1", 25, "d@x", timeout=1.0)
    assert lease_length(timedelta(seconds=60), quick) == timedelta(seconds=60)


def test_an_smtp_send_is_cut_off_at_its_timeout(smtp: SmtpSink) -> None:
    """The timeout bounds the whole conversation, not each socket operation."""
    from detainer_desk.desk.outbox import Message

    smtp.rcpt_delay = 0.8
    transport = NetworkTransport(smtp.host, smtp.port, "d@x", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        transport.send("email", "ero@ice.example", Message("k", "s", "b", START))
    assert time.monotonic() - started < 0.8


def test_repeated_delivery_failures_raise_an_alarm(
    lease_desk: tuple[Desk, SettableClock], closed_port: int
) -> None:
    desk, clock = lease_desk
    dead = NetworkTransport("127.0.0.1", closed_port, "desk@county.example", timeout=2.0)
    for attempt in range(1, 4):
        assert deliver_due(desk.sessions, dead, clock, desk.settings.zone) == {"queued": 3}
        with desk.sessions() as session:
            alarms = list(session.execute(select(Alarm)).scalars())
        assert len(alarms) == (3 if attempt >= 3 else 0), attempt
        clock.advance(timedelta(hours=1))  # past the back-off
    assert {a.kind for a in alarms} == {"notification_delivery_failing"}
    assert "failed 3 times" in alarms[0].message
    deliver_due(desk.sessions, dead, clock, desk.settings.zone)
    with desk.sessions() as session:
        assert len(list(session.execute(select(Alarm)).scalars())) == 3  # raised once each


def test_a_worker_failing_pass_after_pass_raises_an_alarm(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from sqlalchemy import text

    from detainer_desk.desk.worker import FAILED_PASSES_ALARM, Schedule, WorkerHealth, run_worker

    desk, _ = lease_desk
    with desk.sessions.begin() as session:  # break the database under the worker
        session.execute(text("ALTER TABLE notifications RENAME TO notifications_gone"))
    stop, health = threading.Event(), WorkerHealth()
    worker = threading.Thread(
        target=run_worker,
        args=(desk, stop, _transport(smtp), Schedule(deliver_every=0.01)),
        kwargs={"health": health},
    )
    with caplog.at_level(logging.ERROR, logger="detainer_desk.worker"):
        worker.start()
        deadline = time.monotonic() + 20
        while health.failed_in_a_row < 2 * FAILED_PASSES_ALARM and time.monotonic() < deadline:
            time.sleep(0.02)
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    assert health.alarms >= 2 and "notifications" in (health.last_error or "")
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == health.alarms
    assert "ALARM: the worker has failed 3 passes in a row" in critical[0].getMessage()
