"""The request queue at scale: server-side paging, search, filters, sorting, a status per row.

Every filter is one SQL condition on indexed columns (request id, booking id, the latest decision
per request, overrides by decision, open notifications by request, open alarms by booking; see
migration 0004), so a page costs the same at a hundred requests as at a hundred thousand. Only the
page's own rows get their status worked out in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from detainer_desk.desk.tables import (
    ActionOutcome,
    Alarm,
    Booking,
    DecisionRecord,
    FederalRequest,
    Notification,
    Override,
)
from detainer_desk.vocabulary import Action, Effect

OPEN_NOTIFICATION = ("queued", "sending")


class QueueFilter(StrEnum):
    awaiting_decision = "awaiting_decision"  # an action is review_required (after overrides)
    hold_running = "hold_running"  # a permitted hold, release-eligible, in custody, not ended
    notification_pending = "notification_pending"  # a release notification not yet sent
    open_alarms = "open_alarms"  # the booking has an unacknowledged alarm
    overridden = "overridden"  # a supervisor overrode a decision on it


FILTER_LABELS = {
    QueueFilter.awaiting_decision: "awaiting decision",
    QueueFilter.hold_running: "hold running",
    QueueFilter.notification_pending: "notification pending",
    QueueFilter.open_alarms: "open alarm",
    QueueFilter.overridden: "overridden",
}


class QueueSort(StrEnum):
    newest = "newest"
    oldest = "oldest"
    received = "received"  # newest received first
    booking = "booking"
    office = "office"
    kind = "kind"


# The bounds of a page (the UI's query string and `GET /api/requests` alike).
MAX_SEARCH = 200
SEARCH_PATTERN = r"^[^\x00-\x1f]*$"  # no control characters (NUL included)
MAX_PAGE = 100_000
MIN_PER_PAGE, DEFAULT_PER_PAGE, MAX_PER_PAGE = 10, 50, 200


class QueueQuery(BaseModel):
    """What a page of the queue asks for (the UI's query string, validated at the edge)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str = Field("", max_length=MAX_SEARCH, pattern=SEARCH_PATTERN)
    status: QueueFilter | None = None
    sort: QueueSort = QueueSort.newest
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(DEFAULT_PER_PAGE, ge=MIN_PER_PAGE, le=MAX_PER_PAGE)


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    query: QueueQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    @property
    def next_page(self) -> int | None:
        """The next page's number, or None on the last page."""
        return self.query.page + 1 if self.query.page < self.pages else None


def _effective(outcome: type[ActionOutcome] | Any) -> ColumnElement[Any]:
    """The outcome's effect after the newest override of the same action on the same decision."""
    newest_override = (
        select(Override.effect)
        .where(Override.decision_pk == outcome.decision_pk, Override.action == outcome.action)
        .order_by(Override.id.desc())
        .limit(1)
        .correlate(outcome)
        .scalar_subquery()
    )
    return func.coalesce(newest_override, outcome.effect)


def filter_condition(which: QueueFilter, now: datetime) -> ColumnElement[bool]:
    """Each filter as `id IN (…)` driven by a small indexed set, not a scan of every request."""
    if which is QueueFilter.awaiting_decision:
        return FederalRequest.id.in_(_effect_now(Effect.review_required, None))
    if which is QueueFilter.overridden:
        return FederalRequest.id.in_(select(Override.request_pk))
    if which is QueueFilter.notification_pending:
        return FederalRequest.id.in_(
            select(Notification.request_pk).where(Notification.status.in_(OPEN_NOTIFICATION))
        )
    if which is QueueFilter.open_alarms:
        return FederalRequest.booking_pk.in_(
            select(Alarm.booking_pk).where(Alarm.acknowledged_at.is_(None))
        )
    eligible_in_custody = select(Booking.id).where(
        Booking.released_at.is_(None),
        Booking.transferred_at.is_(None),
        Booking.release_eligible_at.is_not(None),
    )
    # Few people are in custody past release eligibility: start from them, find their requests'
    # latest decisions (one grouped query), and keep those whose hold is permitted and running.
    candidates = select(FederalRequest.id).where(FederalRequest.booking_pk.in_(eligible_in_custody))
    latest = (
        select(func.max(DecisionRecord.id).label("decision"))
        .where(DecisionRecord.request_pk.in_(candidates))
        .group_by(DecisionRecord.request_pk)
    )
    hold = aliased(ActionOutcome)
    holding = select(hold.request_pk).where(
        hold.decision_pk.in_(latest),
        hold.action == Action.hold_beyond_release.value,
        _effective(hold) == Effect.permit.value,
        or_(hold.hold_ends_at.is_(None), hold.hold_ends_at > now),
    )
    return FederalRequest.id.in_(holding)


def _effect_now(effect: Effect, action: Action | None) -> Any:
    """Requests whose latest decision, after overrides, gives `effect` (to `action`)."""
    outcome = aliased(ActionOutcome)
    newest = aliased(DecisionRecord)
    latest = (
        select(func.max(newest.id))
        .where(newest.request_pk == outcome.request_pk)
        .correlate(outcome)
        .scalar_subquery()
    )
    conditions = [_effective(outcome) == effect.value, outcome.decision_pk == latest]
    if action is not None:
        conditions.append(outcome.action == action.value)
    decided = select(outcome.request_pk).where(outcome.effect == effect.value, *conditions)
    # An override can also turn another effect into this one.
    overridden = select(outcome.request_pk).where(
        outcome.id.in_(_overridden_to(effect, action)), *conditions
    )
    return decided.union(overridden)


def _overridden_to(effect: Effect, action: Action | None) -> Any:
    conditions = [
        Override.effect == effect.value,
        ActionOutcome.decision_pk == Override.decision_pk,
    ]
    conditions.append(ActionOutcome.action == Override.action)
    if action is not None:
        conditions.append(Override.action == action.value)
    return select(ActionOutcome.id).where(*conditions)


def search_condition(q: str) -> ColumnElement[bool] | None:
    """A request number, or a booking id (exact, or its beginning: an index range)."""
    text = q.strip()
    if not text:
        return None
    by_booking = FederalRequest.booking_pk.in_(
        select(Booking.id).where(
            Booking.booking_id >= text, Booking.booking_id < text + "\U0010ffff"
        )
    )
    digits = text.lstrip("#")
    if digits.isdigit() and len(digits) < 12:
        return or_(FederalRequest.id == int(digits), by_booking)
    return by_booking


_ORDER = {
    QueueSort.newest: (FederalRequest.id.desc(),),
    QueueSort.oldest: (FederalRequest.id.asc(),),
    QueueSort.received: (FederalRequest.received_at.desc(), FederalRequest.id.desc()),
    QueueSort.booking: (Booking.booking_id.asc(), FederalRequest.id.desc()),
    QueueSort.office: (FederalRequest.office.asc(), FederalRequest.id.desc()),
    QueueSort.kind: (FederalRequest.kind.asc(), FederalRequest.id.desc()),
}


def page_query(
    query: QueueQuery, now: datetime, office: str | None
) -> tuple[Select[FederalRequest, Booking], Select[int]]:
    """(rows, count) statements for one page: requests joined to their bookings."""
    conditions: list[ColumnElement[bool]] = []
    searched = search_condition(query.q)
    if searched is not None:
        conditions.append(searched)
    if query.status is not None:
        conditions.append(filter_condition(query.status, now))
    if office is not None:
        conditions.append(FederalRequest.office == office)
    base = select(FederalRequest, Booking).join(Booking, Booking.id == FederalRequest.booking_pk)
    counted = select(func.count()).select_from(FederalRequest)  # conditions need no join
    if conditions:
        base, counted = base.where(*conditions), counted.where(*conditions)
    rows = (
        base.order_by(*_ORDER[query.sort])
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    )
    return rows, counted


def page_rows(
    session: Session, pairs: list[tuple[FederalRequest, Booking]], now: datetime, staff: bool
) -> list[dict[str, Any]]:
    """The page's rows, in a fixed handful of queries whatever the page size: each request's
    effects now (its latest decision, after overrides) and, for staff, its status labels."""
    ids = [r.id for r, _ in pairs]
    if not ids:
        return []
    latest = dict(
        session.execute(
            select(DecisionRecord.request_pk, func.max(DecisionRecord.id))
            .where(DecisionRecord.request_pk.in_(ids))
            .group_by(DecisionRecord.request_pk)
        ).all()
    )
    decided_on = dict(
        session.execute(
            select(DecisionRecord.id, DecisionRecord.decided_on).where(
                DecisionRecord.id.in_(latest.values())
            )
        ).all()
    )
    effects: dict[int, dict[str, str]] = {i: {} for i in ids}
    hold_ends: dict[int, datetime | None] = {}
    for outcome in session.execute(
        select(ActionOutcome)
        .where(ActionOutcome.decision_pk.in_(latest.values()))
        .order_by(ActionOutcome.id)
    ).scalars():
        effects[outcome.request_pk][outcome.action] = outcome.effect
        if outcome.action == Action.hold_beyond_release.value:
            hold_ends[outcome.request_pk] = outcome.hold_ends_at
    overridden: set[int] = set()
    for override in session.execute(
        select(Override).where(Override.request_pk.in_(ids)).order_by(Override.id)
    ).scalars():
        overridden.add(override.request_pk)
        if latest.get(override.request_pk) == override.decision_pk:
            effects[override.request_pk][override.action] = override.effect
    pending = set(
        session.execute(
            select(Notification.request_pk).where(
                Notification.request_pk.in_(ids), Notification.status.in_(OPEN_NOTIFICATION)
            )
        ).scalars()
    )
    alarmed = set(
        session.execute(
            select(Alarm.booking_pk).where(
                Alarm.booking_pk.in_([b.id for _, b in pairs]), Alarm.acknowledged_at.is_(None)
            )
        ).scalars()
    )
    rows = []
    for request, booking in pairs:
        decision = latest.get(request.id)
        row: dict[str, Any] = {
            "id": request.id,
            "kind": request.kind,
            "form": request.form,
            "warrant_kind": request.warrant_kind,
            "office": request.office,
            "received_at": request.received_at.isoformat(),
            "decided_on": decided_on.get(decision) if decision else None,
            "effects": effects[request.id],
        }
        if staff:  # booking facts and alarms are staff-only
            row["booking_id"] = booking.booking_id
            row["status"] = _labels(
                request.id in overridden,
                request.id in pending,
                booking.id in alarmed,
                effects[request.id],
                booking,
                hold_ends.get(request.id),
                now,
            )
        rows.append(row)
    return rows


def _labels(
    overridden: bool,
    pending: bool,
    alarmed: bool,
    effects: dict[str, str],
    booking: Booking,
    hold_ends: datetime | None,
    now: datetime,
) -> list[str]:
    """The status labels of one row, most urgent first."""
    labels = []
    if alarmed:
        labels.append(FILTER_LABELS[QueueFilter.open_alarms])
    if Effect.review_required.value in effects.values():
        labels.append(FILTER_LABELS[QueueFilter.awaiting_decision])
    holding = effects.get(Action.hold_beyond_release.value) == Effect.permit.value
    eligible = booking.in_custody and booking.release_eligible_at is not None
    if holding and eligible and (hold_ends is None or hold_ends > now):
        labels.append(FILTER_LABELS[QueueFilter.hold_running])
    if pending:
        labels.append(FILTER_LABELS[QueueFilter.notification_pending])
    if overridden:
        labels.append(FILTER_LABELS[QueueFilter.overridden])
    labels.append("in custody" if booking.in_custody else "left custody")
    return labels
