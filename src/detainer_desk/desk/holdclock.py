"""The hold clock: alarms before anyone is held past a lawful limit, and re-decision on new law.

Alarms (each raised once per booking, request and kind):
- `hold_deadline_approaching`: a permitted hold ends within `approaching` of now;
- `hold_deadline_passed`: a permitted hold's deadline has passed and the person is still here;
- `held_after_release_eligible`: still in custody `release_grace` after release eligibility
  with no permitted hold — the detention the courts held unconstitutional;
- `override_conflicts_with_decision` (raised when a request is re-decided): an active override
  says one thing and the new decision another; both stay visible, the override stays in force
  (bounded like any hold) until someone acts.

A hold permitted by an override ends `hold_hours` (48 unless the pack says less) after release
eligibility; every permitted hold has an end (see `deciding.hold_deadline`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from detainer_desk.desk.deciding import effective_effects, hold_deadline, latest_decision
from detainer_desk.desk.tables import Alarm, Booking, FederalRequest
from detainer_desk.errors import NoVersionInForceError
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.ledger.entries import append
from detainer_desk.vocabulary import Action, Effect

CLOCK_LOCK = 7_372_002
CLOCK = "hold_clock"


@dataclass(frozen=True)
class AlarmRule:
    approaching: timedelta
    release_grace: timedelta


def in_custody(session: Session) -> Iterable[Booking]:
    return session.execute(
        select(Booking).where(Booking.released_at.is_(None), Booking.transferred_at.is_(None))
    ).scalars()


def raise_alarm(
    session: Session,
    booking: Booking,
    request_pk: int | None,
    kind: str,
    message: str,
    due_at: datetime | None,
    now: datetime,
) -> bool:
    existing = session.scalar(
        select(Alarm.id).where(
            Alarm.booking_pk == booking.id,
            Alarm.kind == kind,
            Alarm.request_pk.is_(None) if request_pk is None else Alarm.request_pk == request_pk,
        )
    )
    if existing is not None:
        return False
    alarm = Alarm(
        booking_pk=booking.id,
        request_pk=request_pk,
        kind=kind,
        message=message,
        due_at=due_at,
        raised_at=now,
    )
    session.add(alarm)
    session.flush()
    append(
        session,
        "alarm_raised",
        CLOCK,
        now,
        {
            "alarm": alarm.id,
            "booking": booking.id,
            "request": request_pk,
            "kind": kind,
            "due_at": due_at.isoformat() if due_at else None,
        },
    )
    return True


def check_booking(session: Session, booking: Booking, rule: AlarmRule, now: datetime) -> int:
    """Raise whatever alarms this booking calls for now; returns how many were new."""
    if booking.release_eligible_at is None or not booking.in_custody:
        return 0
    raised = 0
    permitted_hold = False
    requests = session.execute(
        select(FederalRequest).where(FederalRequest.booking_pk == booking.id)
    ).scalars()
    for request in requests:
        if (
            effective_effects(session, request.id).get(Action.hold_beyond_release)
            is not Effect.permit
        ):
            continue
        permitted_hold = True
        # Every permitted hold, by law or override, has an end once release eligibility is known.
        deadline = hold_deadline(session, request.id, booking.release_eligible_at)
        assert deadline is not None, "a permitted hold without an end time"
        if now >= deadline:
            raised += raise_alarm(
                session,
                booking,
                request.id,
                "hold_deadline_passed",
                "the hold deadline (due time) has passed; release now",
                deadline,
                now,
            )
        elif now >= deadline - rule.approaching:
            raised += raise_alarm(
                session,
                booking,
                request.id,
                "hold_deadline_approaching",
                "the hold ends at the due time; prepare the release",
                deadline,
                now,
            )
    due = booking.release_eligible_at + rule.release_grace
    if not permitted_hold and now >= due:
        raised += raise_alarm(
            session,
            booking,
            None,
            "held_after_release_eligible",
            "still in custody after release eligibility with no permitted hold",
            booking.release_eligible_at,
            now,
        )
    return raised


def law_changed(
    session: Session, library: PolicyLibrary, zone: ZoneInfo, now: datetime
) -> list[FederalRequest]:
    """Requests of people in custody whose decision was made under other law than today's."""
    today: date = now.astimezone(zone).date()
    digests: dict[str, str | None] = {}
    stale = []
    for booking in in_custody(session):
        if booking.jurisdiction not in digests:
            try:
                digests[booking.jurisdiction] = library.version_set(
                    booking.jurisdiction, today
                ).digest
            except NoVersionInForceError:
                digests[booking.jurisdiction] = None
        requests = session.execute(
            select(FederalRequest).where(FederalRequest.booking_pk == booking.id)
        ).scalars()
        for request in requests:
            current = latest_decision(session, request.id)
            if current is not None and current.pack_digest != digests[booking.jurisdiction]:
                stale.append(request)
    return stale


def take_clock_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLOCK_LOCK})
