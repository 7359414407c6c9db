"""Release notifications "to the extent able": a transactional outbox and its worker.

Queued in the same transaction as the event that made them due; one per (request, release) by a
unique key. The worker leases due rows (PostgreSQL `FOR UPDATE SKIP LOCKED`, so several workers
never take the same row), sends each with its idempotency key as the e-mail Message-ID or the
webhook's Idempotency-Key header, then records the result.

Leases are owned: every write after the lease is a compare-and-set on (row, this worker, this
attempt, lease not expired), so a worker whose lease ran out records nothing and does not send.
Just before each send the lease is renewed (the same compare-and-set) to at least
`LEASE_PER_TIMEOUT` times the transport's timeout, and an e-mail send is cut off at that timeout
(a deadline over the whole SMTP conversation), so a send that starts finishes inside its lease.
What remains (docs/desk.md): a worker killed between the receiver's "250 OK" and our commit, a
worker frozen (or a clock wrong) for longer than the lease, and a webhook stalled in several
socket operations; the next worker then sends again with the same key, receivers can drop a
repeat by it, and the ledger shows every attempt.
"""

from __future__ import annotations

import json
import smtplib
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from detainer_desk.desk.clock import Clock
from detainer_desk.desk.holdclock import raise_alarm
from detainer_desk.desk.tables import Booking, FederalRequest, Notification, Office
from detainer_desk.ledger.entries import append, lock_ledger
from detainer_desk.ledger.rows import mark

LEASE = timedelta(seconds=60)
LEASE_PER_TIMEOUT = 1.5  # a lease is at least this many send timeouts long
MAX_ATTEMPTS = 8
ALARM_AFTER_FAILURES = 3  # consecutive failed attempts before the desk raises an alarm
WORKER = "worker"


@dataclass(frozen=True)
class Message:
    """One release notification, as delivered."""

    key: str
    subject: str
    body: str
    release_at: datetime


class Transport(Protocol):
    @property
    def timeout(self) -> float:
        """The longest one send may take, in seconds."""
        ...

    def send(self, channel: str, address: str, message: Message) -> str: ...


class _DeadlineSMTP(smtplib.SMTP):
    """smtplib with one deadline over the whole conversation, not one timeout per operation."""

    def __init__(self, host: str, port: int, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds
        super().__init__(host, port, timeout=seconds)

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the send took longer than its timeout")
        if self.sock is not None:
            self.sock.settimeout(left)
        return left

    def send(self, s: Any) -> None:  # bytes or str, as smtplib sends them
        self._left()
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        self._left()
        return super().getreply()


@dataclass(frozen=True)
class NetworkTransport:
    """SMTP for e-mail, HTTPS POST (JSON) for webhooks.

    `timeout` bounds a whole e-mail conversation; a webhook's, each socket operation.
    """

    smtp_host: str
    smtp_port: int
    mail_from: str
    timeout: float = 20.0

    def send(self, channel: str, address: str, message: Message) -> str:
        if channel == "email":
            return self._email(address, message)
        return self._webhook(address, message)

    def _email(self, address: str, message: Message) -> str:
        mail = EmailMessage()
        mail["From"] = self.mail_from
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{message.key}@detainer-desk>"
        mail.set_content(message.body)
        with _DeadlineSMTP(self.smtp_host, self.smtp_port, self.timeout) as smtp:
            refused = smtp.send_message(mail)
        if refused:
            raise OSError(f"recipient refused: {sorted(refused)}")
        return f"accepted by {self.smtp_host}:{self.smtp_port}"

    def _webhook(self, address: str, message: Message) -> str:
        payload = json.dumps(
            {
                "key": message.key,
                "subject": message.subject,
                "body": message.body,
                "release_at": message.release_at.isoformat(),
            }
        ).encode()
        request = urllib.request.Request(
            address,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": message.key},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return f"HTTP {response.status}"


def queue_release_notification(
    session: Session, request: FederalRequest, booking: Booking, at: datetime, actor: str
) -> bool:
    """Queue (once) the release notification for a request whose notify_release is permitted.

    Returns True when a new notification was queued. Safe under concurrency: the unique
    (request, purpose) key makes a second insert a no-op, on SQLite and PostgreSQL alike.
    """
    release_at = booking.release_scheduled_at or booking.release_eligible_at
    key = f"release-{request.id}-{booking.booking_id}"
    values = {
        "request_pk": request.id,
        "purpose": "release",
        "idempotency_key": key,
        "release_at": release_at,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": at,
        "queued_at": at,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Notification).values(**values).on_conflict_do_nothing()
    result = session.execute(statement.returning(Notification.id))
    new_id = result.scalar_one_or_none()
    if new_id is None:
        _update_release_time(session, request.id, release_at)
        return False
    queued = session.get(Notification, new_id)
    assert queued is not None
    mark(session, queued)  # a Core insert: seal its row with the entry below
    append(
        session,
        "notification_queued",
        actor,
        at,
        {"notification": new_id, "request": request.id, "release_at": _iso(release_at)},
    )
    return True


def _update_release_time(session: Session, request_pk: int, release_at: datetime | None) -> None:
    queued = session.execute(
        select(Notification).where(
            Notification.request_pk == request_pk, Notification.status == "queued"
        )
    ).scalar_one_or_none()
    if queued is not None and release_at is not None:
        queued.release_at = release_at


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass(frozen=True)
class Lease:
    notification_id: int
    key: str
    attempt: int
    worker: str = WORKER


def lease_length(lease: timedelta, transport: Transport) -> timedelta:
    """A lease long enough for one send: at least LEASE_PER_TIMEOUT times its timeout."""
    return max(lease, timedelta(seconds=transport.timeout * LEASE_PER_TIMEOUT))


def _owned(lease: Lease, now: datetime) -> list[Any]:
    """The compare-and-set every write after leasing makes: still ours, still in time."""
    return [
        Notification.id == lease.notification_id,
        Notification.leased_by == lease.worker,
        Notification.attempts == lease.attempt,
        Notification.status == "sending",
        Notification.lease_until > now,
    ]


def renew_lease(session: Session, lease: Lease, now: datetime, length: timedelta) -> bool:
    """Extend this worker's lease from now; False when it is no longer ours (or ran out)."""
    return _compare_and_set(session, lease, now, {"lease_until": now + length})


def _compare_and_set(session: Session, lease: Lease, now: datetime, values: dict[str, Any]) -> bool:
    """UPDATE … WHERE the row is still ours: True when it was (one row written)."""
    result = session.execute(update(Notification).where(*_owned(lease, now)).values(values))
    if cast(CursorResult[Any], result).rowcount != 1:
        return False
    # A bulk UPDATE bypasses the unit of work: seal the row's new content in the ledger too.
    # (The ORM-enabled UPDATE has already brought a row this session holds up to date:
    # synchronize_session="auto"; any other row is loaded fresh.)
    row = session.get(Notification, lease.notification_id)
    assert row is not None
    mark(session, row)
    return True


def lease_due(
    sessions: sessionmaker[Session],
    clock: Clock,
    worker: str,
    limit: int = 20,
    lease: timedelta = LEASE,
) -> list[Lease]:
    """Take up to `limit` due notifications for this worker (committed before any send)."""
    now = clock.now()
    with sessions.begin() as session:
        lock_ledger(session)  # the lease is ledgered: the ledger lock before any row lock
        query = (
            select(Notification)
            .where(
                Notification.status.in_(("queued", "sending")),
                Notification.next_attempt_at <= now,
                or_(Notification.lease_until.is_(None), Notification.lease_until < now),
            )
            .order_by(Notification.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.execute(query).scalars())
        for row in rows:
            row.status = "sending"
            row.attempts += 1
            row.lease_until = now + lease
            row.leased_by = worker
        if rows:
            append(
                session,
                "notifications_leased",
                worker,
                now,
                {"notifications": [r.id for r in rows]},
            )
        return [Lease(r.id, r.idempotency_key, r.attempts, worker) for r in rows]


def compose_message(
    request: FederalRequest, booking: Booking, release_at: datetime, zone: ZoneInfo, key: str
) -> Message:
    local = release_at.astimezone(zone)
    when = local.strftime("%Y-%m-%d %H:%M %Z")
    body = (
        f"Release notification for booking {booking.booking_id}.\n"
        f"Release time: {when} ({release_at.isoformat()})\n"
        f"In answer to the {request.kind} received {request.received_at.isoformat()} "
        f"from {request.office or 'the requesting office'}.\n"
        "Sent to the extent able under the law in force; this is not a hold.\n"
        f"Reference: {key}\n"
    )
    return Message(
        key, f"Release notification: booking {booking.booking_id} at {when}", body, release_at
    )


def deliver_one(
    sessions: sessionmaker[Session],
    lease: Lease,
    transport: Transport,
    clock: Clock,
    zone: ZoneInfo,
    before_send: Callable[[Lease], None] | None = None,
    lease_for: timedelta = LEASE,
) -> str:
    """Send one leased notification and record what happened. Returns its new status, or
    `lease_lost` when the lease ran out or another worker holds the row (nothing is sent)."""
    with sessions.begin() as session:
        lock_ledger(session)
        if not renew_lease(session, lease, clock.now(), lease_length(lease_for, transport)):
            return LEASE_LOST
        note = session.get(Notification, lease.notification_id)
        assert note is not None
        request = session.get(FederalRequest, note.request_pk)
        assert request is not None
        booking = session.get(Booking, request.booking_pk)
        assert booking is not None
        office = session.get(Office, request.office) if request.office else None
        problem = _cannot_send(note, booking, office)
        if problem is not None:
            _give_up(session, note, problem, clock.now())
            return note.status
        assert office is not None and note.release_at is not None
        message = compose_message(request, booking, note.release_at, zone, note.idempotency_key)
        channel, address = office.channel, office.address
    if before_send is not None:
        before_send(lease)
    try:
        result = transport.send(channel, address, message)
    except (OSError, smtplib.SMTPException) as exc:
        return _record_failure(sessions, lease, clock, f"{type(exc).__name__}: {exc}")
    return _record_sent(sessions, lease, clock, channel, address, result)


LEASE_LOST = "lease_lost"


def _lost(session: Session, lease: Lease, now: datetime, what: str, detail: str) -> str:
    """A result that came back after the lease was lost: into the ledger, not onto the row."""
    append(
        session,
        "notification_result_after_lease_lost",
        WORKER,
        now,
        {
            "notification": lease.notification_id,
            "attempt": lease.attempt,
            "worker": lease.worker,
            "outcome": what,
            "detail": detail,
        },
    )
    return LEASE_LOST


def _cannot_send(note: Notification, booking: Booking, office: Office | None) -> str | None:
    if office is None:
        return "no delivery address is configured for the requesting office"
    if note.release_at is None:
        return "no release time known"
    if booking.released_at is not None or booking.transferred_at is not None:
        return "the person left custody before the notification could be delivered"
    return None


def _give_up(session: Session, note: Notification, why: str, now: datetime) -> None:
    note.status = "not_possible"
    note.not_in_time_reason = why
    note.lease_until = None
    append(
        session,
        "notification_not_possible",
        WORKER,
        now,
        {"notification": note.id, "request": note.request_pk, "why": why},
    )


def _record_sent(
    sessions: sessionmaker[Session],
    lease: Lease,
    clock: Clock,
    channel: str,
    address: str,
    result: str,
) -> str:
    now = clock.now()
    with sessions.begin() as session:
        lock_ledger(session)
        sent = {
            "status": "sent",
            "sent_at": now,
            "result": result,
            "channel": channel,
            "address": address,
            "lease_until": None,
        }
        if not _compare_and_set(session, lease, now, sent):
            return _lost(session, lease, now, "sent", result)
        note = session.get(Notification, lease.notification_id)
        assert note is not None
        session.refresh(note)
        booking_released = _released_at(session, note)
        end = booking_released or note.release_at
        if end is not None:
            note.lead_seconds = int((end - now).total_seconds())
            if note.lead_seconds < 0:
                note.not_in_time_reason = "sent after the release"
        append(
            session,
            "notification_sent",
            WORKER,
            now,
            {
                "notification": note.id,
                "request": note.request_pk,
                "attempt": lease.attempt,
                "channel": channel,
                "result": result,
                "lead_seconds": note.lead_seconds,
            },
        )
        return note.status


def _released_at(session: Session, note: Notification) -> datetime | None:
    request = session.get(FederalRequest, note.request_pk)
    booking = session.get(Booking, request.booking_pk) if request else None
    return booking.released_at if booking else None


def _record_failure(sessions: sessionmaker[Session], lease: Lease, clock: Clock, error: str) -> str:
    now = clock.now()
    with sessions.begin() as session:
        lock_ledger(session)
        final = lease.attempt >= MAX_ATTEMPTS
        values: dict[str, Any] = {"result": error, "lease_until": None}
        if final:
            values["status"] = "failed"
            values["not_in_time_reason"] = f"delivery failed {lease.attempt} times: {error}"
        else:
            values["status"] = "queued"
            values["next_attempt_at"] = now + backoff(lease.attempt)
        if not _compare_and_set(session, lease, now, values):
            return _lost(session, lease, now, "failed", error)
        note = session.get(Notification, lease.notification_id)
        assert note is not None
        session.refresh(note)
        append(
            session,
            "notification_failed",
            WORKER,
            now,
            {
                "notification": note.id,
                "request": note.request_pk,
                "attempt": lease.attempt,
                "error": error,
                "final": note.status == "failed",
            },
        )
        if lease.attempt >= ALARM_AFTER_FAILURES:
            _alarm_failing(session, note, lease.attempt, error, now)
        return note.status


def _alarm_failing(
    session: Session, note: Notification, attempts: int, error: str, now: datetime
) -> None:
    """Repeated delivery failures are an alarm on the desk, not a silent retry loop."""
    request = session.get(FederalRequest, note.request_pk)
    booking = session.get(Booking, request.booking_pk) if request else None
    if booking is None:
        return
    raise_alarm(
        session,
        booking,
        note.request_pk,
        "notification_delivery_failing",
        f"release notification {note.idempotency_key} failed {attempts} times "
        f"(last: {error}); notify the requesting office another way",
        note.release_at,
        now,
    )


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 30 min."""
    return timedelta(seconds=min(30 * 2 ** (attempt - 1), 1800))


def deliver_due(
    sessions: sessionmaker[Session],
    transport: Transport,
    clock: Clock,
    zone: ZoneInfo,
    worker: str = WORKER,
    before_send: Callable[[Lease], None] | None = None,
    lease_for: timedelta = LEASE,
) -> dict[str, int]:
    """One pass of the worker: lease what is due, deliver each. Returns counts by new status."""
    counts: dict[str, int] = {}
    length = lease_length(lease_for, transport)
    for lease in lease_due(sessions, clock, worker, lease=length):
        status = deliver_one(sessions, lease, transport, clock, zone, before_send, length)
        counts[status] = counts.get(status, 0) + 1
    return counts


def record_actual_release(session: Session, booking: Booking) -> None:
    """On `released`: lead times are measured against the actual release."""
    if booking.released_at is None:
        return
    requests = select(FederalRequest.id).where(FederalRequest.booking_pk == booking.id)
    notes = session.execute(
        select(Notification).where(Notification.request_pk.in_(requests))
    ).scalars()
    for note in notes:
        if note.sent_at is not None:
            note.lead_seconds = int((booking.released_at - note.sent_at).total_seconds())
            note.not_in_time_reason = None if note.lead_seconds >= 0 else "sent after the release"
        elif note.status in ("queued", "sending"):
            note.not_in_time_reason = "released before the notification was delivered"
