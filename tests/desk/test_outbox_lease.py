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
from detainer_desk.desk.tables import Alarm, Notification
from detainer_desk.ledger.tables import LedgerEntry

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


def test_backoff_doubles_from_30_seconds_and_stops_at_30_minutes() -> None:
    from detainer_desk.desk.outbox import backoff

    seconds = [backoff(attempt).total_seconds() for attempt in range(1, 10)]
    assert seconds == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]


def test_the_message_names_the_booking_release_time_request_and_key() -> None:
    from zoneinfo import ZoneInfo

    from detainer_desk.desk.outbox import compose_message
    from detainer_desk.desk.tables import Booking, FederalRequest

    request = FederalRequest(
        kind="detainer", received_at=datetime(2017, 9, 27, 14, 30, tzinfo=UTC), office="ERO X"
    )
    release = datetime(2017, 9, 28, 20, 0, tzinfo=UTC)
    message = compose_message(
        request, Booking(booking_id="B-7"), release, ZoneInfo("America/Denver"), "release-1-B-7"
    )
    assert message.key == "release-1-B-7" and message.release_at == release
    assert message.subject == "Release notification: booking B-7 at 2017-09-28 14:00 MDT"
    assert message.body == (
        "Release notification for booking B-7.\n"
        "Release time: 2017-09-28 14:00 MDT (2017-09-28T20:00:00+00:00)\n"
        "In answer to the detainer received 2017-09-27T14:30:00+00:00 from ERO X.\n"
        "Sent to the extent able under the law in force; this is not a hold.\n"
        "Reference: release-1-B-7\n"
    )
    request.office = None
    unnamed = compose_message(request, Booking(booking_id="B-7"), release, ZoneInfo("UTC"), "k")
    assert "from the requesting office." in unnamed.body


def test_a_sent_notification_records_what_went_where_and_its_lead_time(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    assert deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone) == {"sent": 3}
    note = _notes(desk)[0]
    assert note.sent_at == START and note.channel == "email"
    assert note.address == "ero@ice.example"
    assert note.result == f"accepted by {smtp.host}:{smtp.port}"
    release = datetime(2017, 9, 28, 20, 0, tzinfo=UTC)  # 14:00 in Denver
    assert note.release_at == release and note.lead_seconds == (release - START).total_seconds()
    assert note.not_in_time_reason is None and note.attempts == 1 and note.lease_until is None
    mail = smtp.messages[0]
    assert mail["From"] == "desk@county.example" and mail["To"] == "ero@ice.example"
    assert mail["Message-ID"] == f"<{note.idempotency_key}@detainer-desk>"
    assert mail["Subject"] == "Release notification: booking L0 at 2017-09-28 14:00 MDT"
    # Released ten minutes before the notice went out: the lead time is measured again.
    desk.record_event(ADMIN, event("L0", "released", "2017-09-27T14:50:00"))
    note = _notes(desk)[0]
    assert note.lead_seconds == -600 and note.not_in_time_reason == "sent after the release"


def test_a_notification_sent_after_the_release_says_so(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    clock.set(datetime(2017, 9, 28, 21, 0, tzinfo=UTC))  # an hour after the release time
    deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone)
    note = _notes(desk)[0]
    assert note.lead_seconds == -3600 and note.not_in_time_reason == "sent after the release"


def test_failures_back_off_then_give_up_after_eight_attempts(
    lease_desk: tuple[Desk, SettableClock], closed_port: int
) -> None:
    from detainer_desk.desk.outbox import MAX_ATTEMPTS, backoff

    desk, clock = lease_desk
    dead = NetworkTransport("127.0.0.1", closed_port, "desk@county.example", timeout=2.0)
    for attempt in range(1, MAX_ATTEMPTS):
        assert deliver_due(desk.sessions, dead, clock, desk.settings.zone) == {"queued": 3}
        note = _notes(desk)[0]
        assert note.attempts == attempt and note.status == "queued"
        assert note.next_attempt_at == clock.now() + backoff(attempt)
        assert note.result is not None and note.result.startswith("ConnectionRefusedError")
        assert deliver_due(desk.sessions, dead, clock, desk.settings.zone) == {}  # not yet due
        clock.set(note.next_attempt_at)
    assert deliver_due(desk.sessions, dead, clock, desk.settings.zone) == {"failed": 3}
    note = _notes(desk)[0]
    assert note.status == "failed" and note.attempts == MAX_ATTEMPTS
    assert (note.not_in_time_reason or "").startswith("delivery failed 8 times: Connection")
    clock.advance(timedelta(days=1))
    assert deliver_due(desk.sessions, dead, clock, desk.settings.zone) == {}  # never again


def test_no_office_address_or_person_gone_is_recorded_not_possible(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    desk.record_event(ADMIN, event("L1", "released", "2017-09-27T14:50:00"))
    desk.record_event(ADMIN, event("L2", "transferred", "2017-09-27T14:50:00", transferred_to="X"))
    counts = deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone)
    assert counts == {"sent": 1, "not_possible": 2}
    notes = _notes(desk)
    assert [n.status for n in notes] == ["sent", "not_possible", "not_possible"]
    why = "the person left custody before the notification could be delivered"
    assert notes[1].not_in_time_reason == why and notes[2].lease_until is None
    assert len(smtp.messages) == 1


def test_a_rescheduled_release_moves_the_queued_notification_once(
    lease_desk: tuple[Desk, SettableClock],
) -> None:
    desk, _ = lease_desk
    later = "2017-09-29T09:00:00"
    desk.record_event(ADMIN, event("L0", "release_scheduled", later, release_at=later))
    notes = _notes(desk)
    assert len(notes) == 3 and notes[0].status == "queued"
    assert notes[0].release_at == datetime(2017, 9, 29, 15, 0, tzinfo=UTC)
    assert notes[0].idempotency_key.startswith("release-") and notes[0].attempts == 0


def test_a_failure_after_the_lease_ran_out_is_not_recorded_on_the_row(
    lease_desk: tuple[Desk, SettableClock], closed_port: int
) -> None:
    desk, clock = lease_desk
    dead = NetworkTransport("127.0.0.1", closed_port, "desk@county.example", timeout=2.0)
    leases = lease_due(desk.sessions, clock, "A", limit=1, lease=LEASE)

    def outlive_the_lease(lease: Lease) -> None:
        clock.advance(LEASE + timedelta(seconds=1))

    status = deliver_one(
        desk.sessions, leases[0], dead, clock, desk.settings.zone, outlive_the_lease, LEASE
    )
    assert status == LEASE_LOST
    note = _notes(desk)[0]
    assert note.status == "sending" and note.result is None and note.attempts == 1
    with desk.sessions() as session:
        bodies = list(session.execute(select(LedgerEntry.body)).scalars())
    lost = [b.replace(" ", "") for b in bodies if "notification_result_after_lease_lost" in b]
    assert len(lost) == 1
    assert '"outcome":"failed"' in lost[0] and "ConnectionRefusedError" in lost[0]
    assert f'"notification":{leases[0].notification_id}' in lost[0]


def test_a_lease_ending_exactly_now_is_neither_the_holders_nor_free_to_take_yet(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    """The boundary, on both sides: the holder may write while lease_until > now; others may
    take the row once lease_until < now; at equality neither."""
    desk, clock = lease_desk
    first = lease_due(desk.sessions, clock, "A", limit=1, lease=LEASE)[0]
    clock.advance(LEASE)
    assert lease_due(desk.sessions, clock, "B", limit=3, lease=LEASE)[0].notification_id != (
        first.notification_id
    )
    assert deliver_one(desk.sessions, first, _transport(smtp), clock, desk.settings.zone) == (
        LEASE_LOST
    )
    assert smtp.messages == []


def _ledger(desk: Desk, kind: str) -> list[dict[str, Any]]:
    import json

    with desk.sessions() as session:
        bodies = session.execute(select(LedgerEntry.body).order_by(LedgerEntry.seq)).scalars()
        entries = [json.loads(body) for body in bodies]
    return [entry for entry in entries if entry["kind"] == kind]


def test_queued_and_sent_are_ledgered_with_their_payloads(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    queued = _ledger(desk, "notification_queued")
    assert [(e["actor"], e["data"]) for e in queued] == [
        (
            "supervisor:setup",
            {"notification": i, "request": i, "release_at": "2017-09-28T14:00:00-06:00"},
        )
        for i in (1, 2, 3)
    ]
    deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone)
    sent = _ledger(desk, "notification_sent")
    # Sent 21:00 UTC on 27 Sep, release 20:00 UTC on 28 Sep: 23 hours ahead.
    accepted = f"accepted by {smtp.host}:{smtp.port}"
    assert [(e["actor"], e["data"]) for e in sent] == [
        (
            "worker",
            {
                "notification": i,
                "request": i,
                "attempt": 1,
                "channel": "email",
                "result": accepted,
                "lead_seconds": 82800,
            },
        )
        for i in (1, 2, 3)
    ]


def test_a_release_during_the_send_is_the_lead_time_end(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    """Released at 14:50 Denver (20:50 UTC) while the notice was on its way at 21:00 UTC."""
    desk, clock = lease_desk
    lease = lease_due(desk.sessions, clock, "A", limit=1, lease=LEASE)[0]

    def released_meanwhile(_: Lease) -> None:
        desk.record_event(ADMIN, event("L0", "released", "2017-09-27T14:50:00"))
        sending = _notes(desk)[0]
        assert sending.not_in_time_reason == "released before the notification was delivered"

    status = deliver_one(
        desk.sessions, lease, _transport(smtp), clock, desk.settings.zone, released_meanwhile
    )
    assert status == "sent"
    note = _notes(desk)[0]
    assert note.lead_seconds == -600 and note.not_in_time_reason == "sent after the release"
    assert _ledger(desk, "notification_sent")[0]["data"]["lead_seconds"] == -600


def test_a_release_before_delivery_and_a_release_on_the_minute(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    lease_due(desk.sessions, clock, "A", limit=1, lease=LEASE)  # L0 is being sent
    desk.record_event(ADMIN, event("L0", "released", "2017-09-27T14:30:00"))
    desk.record_event(ADMIN, event("L1", "released", "2017-09-27T14:30:00"))  # still queued
    notes = _notes(desk)
    assert [n.status for n in notes] == ["sending", "queued", "queued"]
    late = "released before the notification was delivered"
    assert [n.not_in_time_reason for n in notes] == [late, late, None]
    # L2 is sent at 21:01:01 UTC and released at exactly 15:01:01 Denver: a lead of 0 is in time.
    clock.advance(LEASE + timedelta(seconds=1))
    deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone)
    assert _notes(desk)[2].sent_at == datetime(2017, 9, 27, 21, 1, 1, tzinfo=UTC)
    desk.record_event(ADMIN, event("L2", "released", "2017-09-27T15:01:01"))
    note = _notes(desk)[2]
    assert note.lead_seconds == 0 and note.not_in_time_reason is None


def test_not_possible_is_ledgered_with_why(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    desk.record_event(ADMIN, event("L1", "released", "2017-09-27T14:50:00"))
    deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone)
    why = "the person left custody before the notification could be delivered"
    entries = _ledger(desk, "notification_not_possible")
    assert [(e["actor"], e["data"]) for e in entries] == [
        ("worker", {"notification": 2, "request": 2, "why": why})
    ]


def test_no_office_address_is_not_possible(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    desk, clock = lease_desk
    desk.record_event(ADMIN, booked("L9", "denver"))
    desk.receive_request(ADMIN, detainer("L9", "denver", "ICE ERO Nowhere Office"))
    desk.record_event(ADMIN, event("L9", "release_eligible", "2017-09-28T14:00:00"))
    assert deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone) == {
        "sent": 3,
        "not_possible": 1,
    }
    why = "no delivery address is configured for the requesting office"
    assert _notes(desk)[3].not_in_time_reason == why
    assert _ledger(desk, "notification_not_possible")[0]["data"]["why"] == why


def test_failures_are_ledgered_attempt_by_attempt(
    lease_desk: tuple[Desk, SettableClock], closed_port: int
) -> None:
    from detainer_desk.desk.outbox import MAX_ATTEMPTS

    desk, clock = lease_desk
    dead = NetworkTransport("127.0.0.1", closed_port, "desk@county.example", timeout=2.0)
    for _ in range(MAX_ATTEMPTS):
        deliver_due(desk.sessions, dead, clock, desk.settings.zone)
        clock.advance(timedelta(hours=1))  # past every back-off
    failed = [e for e in _ledger(desk, "notification_failed") if e["data"]["notification"] == 1]
    assert [e["data"]["attempt"] for e in failed] == list(range(1, 9))
    assert [e["data"]["final"] for e in failed] == [False] * 7 + [True]
    assert {e["actor"] for e in failed} == {"worker"}
    assert {e["data"]["request"] for e in failed} == {1}
    assert all(e["data"]["error"].startswith("ConnectionRefusedError") for e in failed)
    with desk.sessions() as session:
        alarm = session.execute(select(Alarm).order_by(Alarm.id)).scalars().first()
    assert alarm is not None and alarm.request_pk == 1
    assert "(last: ConnectionRefusedError" in alarm.message
    assert alarm.due_at == datetime(2017, 9, 28, 20, 0, tzinfo=UTC)


def test_a_webhook_posts_the_message_as_json_with_its_key() -> None:
    """A real HTTP receiver on a port the OS picks: body, headers, and the status back."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from detainer_desk.desk.outbox import Message

    received: list[tuple[str, str, dict[str, str], bytes]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.command, self.path, dict(self.headers), body))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ice/notify"
        transport = NetworkTransport("127.0.0.1", 25, "d@x", timeout=5.0)
        message = Message("release-1-B-7", "Release notification", "Body.\n", START)
        assert transport.send("webhook", url, message) == "HTTP 202"
    finally:
        server.shutdown()
        server.server_close()
    ((method, path, headers, body),) = received
    assert (method, path) == ("POST", "/ice/notify")
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == "release-1-B-7"
    assert json.loads(body) == {
        "key": "release-1-B-7",
        "subject": "Release notification",
        "body": "Body.\n",
        "release_at": "2017-09-27T21:00:00+00:00",
    }


def _add_due_rows(desk: Desk, count: int, at: datetime) -> None:
    """`count` more queued notifications (on request 1, purposes of their own), due at `at`."""
    with desk.sessions.begin() as session:
        for i in range(count):
            session.add(
                Notification(
                    request_pk=1,
                    purpose=f"extra-{i}",
                    idempotency_key=f"extra-{i}",
                    release_at=datetime(2017, 9, 28, 20, 0, tzinfo=UTC),
                    status="queued",
                    attempts=0,
                    next_attempt_at=at,
                    queued_at=at,
                )
            )


def test_a_pass_leases_at_most_twenty_rows_oldest_first_and_ledgers_which(
    lease_desk: tuple[Desk, SettableClock],
) -> None:
    """23 due rows: notifications 1-3 'sending' with a lease that ran out, 4-23 queued. A pass
    takes 20 by id (1-20, the expired leases among them, not the queued rows first), the next
    the last 3 (21-23); each lease is ledgered with the worker, the moment and the ids."""
    desk, clock = lease_desk
    lease_due(desk.sessions, clock, "A", limit=3, lease=LEASE)  # 1-3 'sending', until +60 s
    clock.advance(LEASE + timedelta(seconds=1))  # those leases ran out a second ago
    _add_due_rows(desk, 20, clock.now())  # ids 4-23
    first = lease_due(desk.sessions, clock, "B")
    assert [lease.notification_id for lease in first] == list(range(1, 21))
    assert [lease.attempt for lease in first] == [2, 2, 2] + [1] * 17  # 1-3: second attempt
    assert {lease.worker for lease in first} == {"B"}
    second = lease_due(desk.sessions, clock, "C")
    assert [lease.notification_id for lease in second] == [21, 22, 23]
    leased = _ledger(desk, "notifications_leased")
    # START + 61 s = 21:01:01 UTC for both of the last two passes.
    assert [(e["actor"], e["at"], e["data"]) for e in leased] == [
        ("A", "2017-09-27T21:00:00+00:00", {"notifications": [1, 2, 3]}),
        ("B", "2017-09-27T21:01:01+00:00", {"notifications": list(range(1, 21))}),
        ("C", "2017-09-27T21:01:01+00:00", {"notifications": [21, 22, 23]}),
    ]


def test_a_result_after_the_lease_ran_out_is_ledgered_in_full(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    """What was sent, by whom, on which attempt: notification 1, A's first attempt, sent."""
    desk, clock = lease_desk
    (lease,) = lease_due(desk.sessions, clock, "A", limit=1, lease=LEASE)

    def outlive_the_lease(_: Lease) -> None:
        clock.advance(LEASE + timedelta(seconds=1))

    transport = _transport(smtp)
    status = deliver_one(
        desk.sessions, lease, transport, clock, desk.settings.zone, outlive_the_lease, LEASE
    )
    assert status == LEASE_LOST
    (lost,) = _ledger(desk, "notification_result_after_lease_lost")
    assert (lost["actor"], lost["data"]) == (
        "worker",
        {
            "notification": 1,
            "attempt": 1,
            "worker": "A",
            "outcome": "sent",
            "detail": f"accepted by {smtp.host}:{smtp.port}",
        },
    )


def test_a_send_exactly_at_the_release_time_is_in_time(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    """Release at 20:00 UTC (14:00 Denver); sent at 20:00:00 UTC: a lead of 0 s, not late."""
    desk, clock = lease_desk
    clock.set(datetime(2017, 9, 28, 20, 0, tzinfo=UTC))
    assert deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone) == {"sent": 3}
    note = _notes(desk)[0]
    assert note.lead_seconds == 0 and note.not_in_time_reason is None


def test_a_pass_passes_its_lease_length_and_hook_to_every_send(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    """A 120 s lease (more than the 60 s default) and sends that take 90 s each.

    t0 = 21:00:00: the pass leases 1-3 until t0+120. Send 1: renewed at t0 to t0+120, takes 90 s,
    recorded at t0+90 (< t0+120). Send 2: its lease (t0+120) still holds at t0+90, renewed to
    t0+210, recorded at t0+180. Send 3: its lease ran out at t0+120 < t0+180: lost, not sent.
    With the 60 s default instead, send 1 would be lost at t0+90 (> t0+60) and so would the rest.
    """
    desk, clock = lease_desk
    hooked: list[int] = []

    def slow_send(lease: Lease) -> None:
        hooked.append(lease.notification_id)
        clock.advance(timedelta(seconds=90))

    counts = deliver_due(
        desk.sessions,
        _transport(smtp),
        clock,
        desk.settings.zone,
        "A",
        before_send=slow_send,
        lease_for=timedelta(seconds=120),
    )
    assert counts == {"sent": 2, LEASE_LOST: 1}
    assert hooked == [1, 2]  # the hook ran before each send that went ahead, with its lease
    assert len(smtp.messages) == 2
    assert [n.status for n in _notes(desk)] == ["sent", "sent", "sending"]


def test_the_smtp_deadline_covers_the_whole_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_left` on a fake monotonic clock: 10 s from t = 100, the deadline is t = 110."""
    from detainer_desk.desk import outbox

    now = [100.0]
    monkeypatch.setattr(outbox.time, "monotonic", lambda: now[0])
    smtp = outbox._DeadlineSMTP("", 0, 10.0)  # no host: smtplib does not connect
    assert smtp.timeout == 10.0  # the connection attempt is bounded too
    timeouts: list[float | None] = []

    class Socket:
        def settimeout(self, seconds: float | None) -> None:
            timeouts.append(seconds)

    assert smtp._left() == 10.0  # no socket yet: nothing to set
    smtp.sock = Socket()  # type: ignore[assignment]
    now[0] = 109.5
    assert smtp._left() == 0.5 and timeouts == [0.5]  # half a second left: still allowed
    now[0] = 110.0  # exactly at the deadline: nothing left
    with pytest.raises(TimeoutError, match=r"^the send took longer than its timeout$"):
        smtp._left()
    assert timeouts == [0.5]


def test_a_webhook_that_never_answers_times_out() -> None:
    """A receiver that accepts the connection and says nothing for 5 s; the timeout is 0.3 s."""
    import socket

    from detainer_desk.desk.outbox import Message

    listener = socket.create_server(("127.0.0.1", 0))
    release = threading.Event()

    def accept_and_stay_silent() -> None:
        conn, _ = listener.accept()
        release.wait(5)
        conn.close()

    thread = threading.Thread(target=accept_and_stay_silent, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/ice/notify"
    transport = NetworkTransport("127.0.0.1", 25, "d@x", timeout=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            transport.send("webhook", url, Message("k", "s", "b", START))
        assert time.monotonic() - started < 3  # cut off by the timeout, not by the receiver
    finally:
        release.set()
        thread.join(5)
        listener.close()


def test_queueing_directly_returns_whether_it_queued_and_a_missing_release_time_is_reported(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    """The desk queues only once a release time is known; called with none (booking L9 has
    no release time yet), the notification is queued without one and cannot be sent."""
    from detainer_desk.desk.outbox import queue_release_notification
    from detainer_desk.desk.tables import Booking, FederalRequest

    desk, clock = lease_desk
    desk.record_event(ADMIN, booked("L9", "denver"))
    desk.receive_request(ADMIN, detainer("L9", "denver", DENVER_OFFICE))
    assert len(_notes(desk)) == 3  # no release time: nothing queued for L9
    with desk.sessions.begin() as session:
        booking = session.execute(select(Booking).where(Booking.booking_id == "L9")).scalar_one()
        request = session.execute(
            select(FederalRequest).where(FederalRequest.booking_pk == booking.id)
        ).scalar_one()
        assert queue_release_notification(session, request, booking, clock.now(), "test")
        assert not queue_release_notification(session, request, booking, clock.now(), "test")
    note = _notes(desk)[3]
    assert (note.request_pk, note.purpose, note.release_at) == (4, "release", None)
    assert note.idempotency_key == "release-4-L9" and note.status == "queued"
    counts = deliver_due(desk.sessions, _transport(smtp), clock, desk.settings.zone)
    assert counts == {"sent": 3, "not_possible": 1}
    assert _notes(desk)[3].not_in_time_reason == "no release time known"


def test_a_new_release_time_moves_only_the_queued_notification(
    lease_desk: tuple[Desk, SettableClock], smtp: SmtpSink
) -> None:
    """L0's notification is sent (release 14:00 Denver, 28 Sep); L0's release is then scheduled
    for 09:00 on 29 Sep. The sent notification keeps the time it announced."""
    desk, clock = lease_desk
    (lease,) = lease_due(desk.sessions, clock, "A", limit=1, lease=LEASE)
    assert deliver_one(desk.sessions, lease, _transport(smtp), clock, desk.settings.zone) == "sent"
    later = "2017-09-29T09:00:00"
    desk.record_event(ADMIN, event("L0", "release_scheduled", later, release_at=later))
    notes = _notes(desk)
    assert notes[0].status == "sent"
    assert notes[0].release_at == datetime(2017, 9, 28, 20, 0, tzinfo=UTC)


def test_a_recipient_refused_among_several_fails_the_send(smtp: SmtpSink) -> None:
    """An office address may list several recipients; when the server refuses one of them
    (and takes the others) the send counts as failed, naming the refused address."""
    from detainer_desk.desk.outbox import Message

    original = smtp.handle_RCPT

    async def refuse_one(server: Any, session: Any, envelope: Any, address: str, o: Any) -> str:
        if address == "gone@ice.example":
            return "550 5.1.1 no such mailbox"
        return await original(server, session, envelope, address, o)

    smtp.handle_RCPT = refuse_one  # type: ignore[method-assign]
    transport = NetworkTransport(smtp.host, smtp.port, "d@x", timeout=5.0)
    message = Message("k", "s", "b", START)
    with pytest.raises(OSError, match=r"^recipient refused: \['gone@ice\.example'\]$"):
        transport.send("email", "ero@ice.example, gone@ice.example", message)
    assert len(smtp.messages) == 1  # the other recipient got it (a retry resends, same key)
