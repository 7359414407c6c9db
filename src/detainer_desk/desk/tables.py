"""The desk's tables (SQLAlchemy 2). The schema is created and upgraded only by Alembic migrations.

Times are stored as UTC and read back timezone-aware (`UtcDateTime`), on SQLite and PostgreSQL
alike. No column anywhere holds immigration status, citizenship or birthplace.

The ledger's own tables are in `detainer_desk.ledger.tables`. `SEALED` is what the desk tells the
ledger to seal (`desk.database.sessions`): every business row the desk shows is in one of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from detainer_desk.schema import Base
from detainer_desk.schema import UtcDateTime as UtcDateTime  # the migrations name it here


class Booking(Base):
    """A person's stay in the jail, known by the jail's own booking id."""

    __tablename__ = "bookings"
    # migration 0007
    __table_args__ = (Index("ix_bookings_custody", "released_at", "transferred_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(200), unique=True)
    jurisdiction: Mapped[str] = mapped_column(String(80))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # the request document's booking section
    booked_at: Mapped[datetime | None]
    release_scheduled_at: Mapped[datetime | None]
    release_eligible_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(String(40))
    released_at: Mapped[datetime | None]
    transferred_at: Mapped[datetime | None]
    transferred_to: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime]

    @property
    def in_custody(self) -> bool:
        return self.released_at is None and self.transferred_at is None


class JailEvent(Base):
    __tablename__ = "jail_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_pk: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(120))


class FederalRequest(Base):
    __tablename__ = "federal_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_pk: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)  # ix in migration 0007
    form: Mapped[str] = mapped_column(String(20))
    warrant_kind: Mapped[str] = mapped_column(String(60))
    office: Mapped[str | None] = mapped_column(String(200), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)  # ix in migration 0007
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # the request section, as received
    received_by: Mapped[str] = mapped_column(String(120))


class DecisionRecord(Base):
    """Every decision ever made on a request; the newest (highest id) is the current one."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("federal_requests.id"), index=True)
    decided_at: Mapped[datetime]
    decided_on: Mapped[str] = mapped_column(String(10))
    trigger: Mapped[str] = mapped_column(String(60))
    pack_name: Mapped[str | None] = mapped_column(String(80))
    pack_version: Mapped[str | None] = mapped_column(String(10))
    pack_digest: Mapped[str | None] = mapped_column(String(80))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # detainer-desk/decision/v1


class ActionOutcome(Base):
    """One row per action of a decision, for queues and reports."""

    __tablename__ = "action_outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_pk: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("federal_requests.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    effect: Mapped[str] = mapped_column(String(20), index=True)  # ix in migration 0007
    deciding_provisions: Mapped[str] = mapped_column(Text)  # comma-separated provision ids
    hold_ends_at: Mapped[datetime | None]


class Override(Base):
    """A supervisor's override of one action; it stays in force across re-decisions.

    `status`: `active`, or `pending` (a hold the law denies, permitted: it changes nothing until
    counsel confirms). A permitted hold by override ends `hold_hours` after release eligibility.
    """

    __tablename__ = "overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("federal_requests.id"), index=True)
    decision_pk: Mapped[int] = mapped_column(
        ForeignKey("decisions.id"), index=True
    )  # the one overridden; ix in migration 0007
    action: Mapped[str] = mapped_column(String(60))
    effect: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    decided_effect: Mapped[str | None] = mapped_column(String(20))  # the law's answer overridden
    basis_provision: Mapped[str | None] = mapped_column(String(200))
    basis_judicial_warrant: Mapped[bool] = mapped_column(Boolean, server_default=false())
    hold_hours: Mapped[int | None] = mapped_column(Integer)
    confirmed_by: Mapped[str | None] = mapped_column(String(120))
    confirmed_at: Mapped[datetime | None]
    confirmation_note: Mapped[str | None] = mapped_column(Text)


class Annotation(Base):
    __tablename__ = "annotations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("federal_requests.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]


class Office(Base):
    """Where a requesting office wants release notifications delivered."""

    __tablename__ = "offices"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # email | webhook
    address: Mapped[str] = mapped_column(String(500))


class Notification(Base):
    """The outbox: queued in the transaction that made it due; one per request and release."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("request_pk", "purpose"),
        Index("ix_notifications_request_status", "request_pk", "status"),  # migration 0007
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("federal_requests.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))  # "release"
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    release_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), index=True)  # queued|sending|sent|not_possible
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    leased_by: Mapped[str | None] = mapped_column(String(120))
    channel: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(500))
    queued_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    lead_seconds: Mapped[int | None] = mapped_column(BigInteger)
    not_in_time_reason: Mapped[str | None] = mapped_column(Text)


class Alarm(Base):
    __tablename__ = "alarms"
    __table_args__ = (
        UniqueConstraint("booking_pk", "request_pk", "kind"),
        Index("ix_alarms_acknowledged_at", "acknowledged_at"),  # migration 0007
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_pk: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    request_pk: Mapped[int | None] = mapped_column(ForeignKey("federal_requests.id"))
    kind: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    raised_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)


class InterviewRecord(Base):
    __tablename__ = "interviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("federal_requests.id"), index=True)
    modality: Mapped[str] = mapped_column(String(20))  # in_person | remote
    written_advisement_given: Mapped[bool] = mapped_column(Boolean)
    advisement_language: Mapped[str | None] = mapped_column(String(80))
    written_consent_signed: Mapped[bool] = mapped_column(Boolean)
    declined: Mapped[bool] = mapped_column(Boolean)
    attorney_requested: Mapped[bool] = mapped_column(Boolean)
    conditions_met: Mapped[dict[str, Any]] = mapped_column(JSON)  # provision id -> note
    status: Mapped[str] = mapped_column(String(20))  # recorded | held | not_held
    outcome: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(120))


class ConditionTick(Base):
    """A condition of a decision's permitted action, ticked as met by a clerk (a checklist item).

    One row per (request, action, condition): a tick stays while later decisions keep the same
    condition on the same action. `decision_pk` is the decision shown when it was ticked. The
    note is bounded (200 characters) and is how it was met, never facts about the person.
    Append-only (migration 0009) and sealed in the ledger like the business tables."""

    __tablename__ = "condition_ticks"
    __table_args__ = (
        UniqueConstraint(
            "request_pk", "action", "condition_id", name="uq_condition_ticks_request_condition"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("federal_requests.id"), index=True)
    decision_pk: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    action: Mapped[str] = mapped_column(String(60))
    condition_id: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(200))
    by: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]


class ApiToken(Base):
    """API tokens: only their SHA-256 is stored; the token itself is shown once at creation."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(40))
    office: Mapped[str | None] = mapped_column(String(200))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class UiSession(Base):
    """A staff UI login: the cookie holds a random id (only its SHA-256 is stored), never a token.

    Each session has its own CSRF token, expires, and is revoked by logging out or by revoking
    the API token it was opened with.
    """

    __tablename__ = "ui_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    token_pk: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class RefusalCount(Base):
    """Forbidden-field refusals per actor, day, place and category (never the field's name).

    The ledger records the 1st, 10th, 100th … refusal of a day, so a caller repeating one cannot
    grow the permanent record without bound; this row holds the exact count.
    """

    __tablename__ = "refusal_counts"
    __table_args__ = (UniqueConstraint("actor", "day", "where", "category"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(170))
    day: Mapped[str] = mapped_column(String(10))
    where: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(BigInteger)


# The business tables the ledger seals, in the order `ledger verify` checks them (the order is
# part of every verification's answer; the ledger adds its own cosignatures after them).
SEALED: tuple[type[Base], ...] = (
    Booking,
    JailEvent,
    FederalRequest,
    DecisionRecord,
    ActionOutcome,
    Override,
    Annotation,
    InterviewRecord,
    ConditionTick,
    Notification,
    Alarm,
    Office,
    ApiToken,
)
