"""The report's count tables, computed from the desk's records for a period.

Every table is period × category. A request counts in the period it was received; its decision
is the current one (after overrides); people count in the period they became release-eligible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.desk.deciding import effective_effects, latest_decision
from detainer_desk.desk.tables import (
    Alarm,
    Booking,
    FederalRequest,
    InterviewRecord,
    Notification,
    Override,
)
from detainer_desk.errors import InputError
from detainer_desk.publish.suppression import CountTable
from detainer_desk.vocabulary import Action, Effect

GROUPINGS = ("month", "quarter", "year")
HOLD_LENGTHS = ("under 6 h", "6-24 h", "24-48 h", "over 48 h")
LEAD_TIMES = ("late (after release)", "under 1 h", "1-6 h", "6-24 h", "24-48 h", "48 h or more")
NOTIFICATION_OUTCOMES = ("sent before release", "sent, late", "pending", "failed", "not possible")
# Categories with a natural order are shown in it; the rest alphabetically.
ORDERS: dict[str, tuple[str, ...]] = {
    "holds": HOLD_LENGTHS,
    "notification_lead_times": LEAD_TIMES,
    "notifications": NOTIFICATION_OUTCOMES,
}


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    by: str
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.by not in GROUPINGS:
            raise InputError(f"--by {self.by!r}: use month, quarter or year", field="by")
        if self.end < self.start:
            raise InputError("--to is before --from", field="to")

    def label(self, moment: datetime) -> str | None:
        day = moment.astimezone(self.zone).date()
        if not self.start <= day <= self.end:
            return None
        if self.by == "month":
            return f"{day.year}-{day.month:02d}"
        if self.by == "quarter":
            return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
        return str(day.year)

    def labels(self) -> list[str]:
        """Every period label from start to end, in order (empty periods included)."""
        out: list[str] = []
        day = self.start
        while day <= self.end:
            label = self.label(datetime.combine(day, datetime.min.time(), self.zone))
            if label is not None and label not in out:
                out.append(label)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return out


class _Tally:
    def __init__(self, name: str, title: str, unit: str) -> None:
        self.table = CountTable(name, title, unit, [], [])

    def add(self, period: str | None, category: str) -> None:
        if period is None:
            return
        t = self.table
        if period not in t.rows:
            t.rows.append(period)
        if category not in t.cols:
            t.cols.append(category)
        t.counts[(period, category)] = t.counts.get((period, category), 0) + 1

    def done(self) -> CountTable:
        self.table.rows.sort()
        order = ORDERS.get(self.table.name, ())
        self.table.cols.sort(key=lambda c: (order.index(c) if c in order else len(order), c))
        return self.table


def _hold_length(hours: float) -> str:
    if hours < 6:
        return "under 6 h"
    if hours < 24:
        return "6-24 h"
    return "24-48 h" if hours <= 48 else "over 48 h"


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    for limit, label in (
        (0, "late (after release)"),
        (1, "under 1 h"),
        (6, "1-6 h"),
        (24, "6-24 h"),
        (48, "24-48 h"),
    ):
        if hours < limit:
            return label
    return "48 h or more"


def build_tables(session: Session, period: Period) -> list[CountTable]:
    tallies = {
        name: _Tally(name, title, unit)
        for name, title, unit in (
            ("requests_by_kind", "Requests received, by kind", "requests"),
            ("requests_by_office", "Requests received, by requesting office", "requests"),
            (
                "decisions",
                "Decisions by action and effect (current decision of each request)",
                "decisions",
            ),
            ("deciding_provisions", "Decisions by deciding provision", "decisions"),
            (
                "holds",
                "People held past release eligibility on a permitted hold, by length",
                "people",
            ),
            ("notifications", "Release notifications by outcome", "notifications"),
            ("notification_lead_times", "Notice given before the actual release", "notifications"),
            ("interviews", "Interviews by modality and consent", "interviews"),
            ("alarms", "Hold-clock alarms by kind", "alarms"),
            ("overrides", "Supervisor overrides by action and new effect", "overrides"),
        )
    }
    _requests(session, period, tallies)
    _holds(session, period, tallies["holds"])
    _notifications(session, period, tallies)
    for interview in session.execute(select(InterviewRecord)).scalars():
        tallies["interviews"].add(period.label(interview.recorded_at), _consent(interview))
    for alarm in session.execute(select(Alarm)).scalars():
        tallies["alarms"].add(period.label(alarm.raised_at), alarm.kind)
    for override in session.execute(select(Override)).scalars():
        category = f"{override.action} -> {override.effect}"
        tallies["overrides"].add(period.label(override.at), category)
    return [t.done() for t in tallies.values()]


def _requests(session: Session, period: Period, tallies: dict[str, _Tally]) -> None:
    for request in session.execute(select(FederalRequest)).scalars():
        label = period.label(request.received_at)
        if label is None:
            continue
        tallies["requests_by_kind"].add(label, request.kind)
        tallies["requests_by_office"].add(label, request.office or "(not given)")
        current = latest_decision(session, request.id)
        effects = effective_effects(session, request.id, current)
        for action, effect in effects.items():
            tallies["decisions"].add(label, f"{action.value}: {effect.value}")
        if current is None:
            continue
        for decided in current.document["actions"]:
            ids = [p["id"] for p in decided["provisions"]] or ["(no provision: default)"]
            for provision in ids:
                tallies["deciding_provisions"].add(label, provision)


def _holds(session: Session, period: Period, tally: _Tally) -> None:
    for booking in session.execute(select(Booking)).scalars():
        if booking.release_eligible_at is None:
            continue
        requests = session.execute(
            select(FederalRequest.id).where(FederalRequest.booking_pk == booking.id)
        ).scalars()
        held = any(
            effective_effects(session, r).get(Action.hold_beyond_release) is Effect.permit
            for r in requests
        )
        left = booking.released_at or booking.transferred_at
        if not held or left is None:
            continue
        hours = (left - booking.release_eligible_at).total_seconds() / 3600
        tally.add(period.label(booking.release_eligible_at), _hold_length(hours))


def _notifications(session: Session, period: Period, tallies: dict[str, _Tally]) -> None:
    for note in session.execute(select(Notification)).scalars():
        label = period.label(note.queued_at)
        if note.status == "sent":
            late = note.lead_seconds is not None and note.lead_seconds < 0
            outcome = "sent, late" if late else "sent before release"
        else:
            outcome = {"not_possible": "not possible", "failed": "failed"}.get(
                note.status, "pending"
            )
        tallies["notifications"].add(label, outcome)
        if note.status == "sent" and note.lead_seconds is not None:
            tallies["notification_lead_times"].add(label, _hours(note.lead_seconds))


def _consent(interview: InterviewRecord) -> str:
    if interview.written_consent_signed:
        return f"{interview.modality}: consented"
    return f"{interview.modality}: {'declined' if interview.declined else 'no written consent'}"
