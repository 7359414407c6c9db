"""Statutory report formats (New York City, NYPD, California TRUTH Act), defined as data.

Each format file (statutory/*.yaml) names its citation, how sure the fact sheet is of its fields,
and groups of fields, each computed by a named measure below. Fields in one group are related
(one is part of another), so when any of them is a small count (1–4) in a period, the whole group
is withheld for that period: no subtraction can reveal it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.desk.deciding import effective_effects
from detainer_desk.desk.tables import Booking, FederalRequest, InterviewRecord, Notification
from detainer_desk.publish.figures import Period
from detainer_desk.vocabulary import Action, Effect


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Field(_Model):
    name: str
    measure: str
    label: str


class StatutoryFormat(_Model):
    id: str
    title: str
    cite: str
    jurisdictions: tuple[str, ...]
    source: str
    confidence: str
    period: str
    notes: str
    groups: tuple[tuple[Field, ...], ...]


def formats_for(jurisdiction: str | None) -> tuple[StatutoryFormat, ...]:
    """The statutory formats a desk of this jurisdiction owes (none for a desk without one)."""
    return tuple(f for f in load_formats() if jurisdiction in f.jurisdictions)


@cache
def load_formats() -> tuple[StatutoryFormat, ...]:
    folder = Path(str(resources.files("detainer_desk.publish").joinpath("statutory")))
    return tuple(
        StatutoryFormat.model_validate(yaml.safe_load(f.read_text()))
        for f in sorted(folder.glob("*.yaml"))
    )


@dataclass(frozen=True)
class _Facts:
    """One request with what the measures need, labelled by period."""

    period: str
    kind: str
    effects: dict[Action, Effect]
    held_past_eligibility: bool
    transferred: bool


def _request_facts(session: Session, period: Period) -> list[_Facts]:
    out = []
    for request in session.execute(select(FederalRequest)).scalars():
        label = period.label(request.received_at)
        if label is None:
            continue
        booking = session.get(Booking, request.booking_pk)
        assert booking is not None
        effects = effective_effects(session, request.id)
        left = booking.released_at or booking.transferred_at
        held = (
            effects.get(Action.hold_beyond_release) is Effect.permit
            and booking.release_eligible_at is not None
            and left is not None
            and left > booking.release_eligible_at
        )
        out.append(_Facts(label, request.kind, effects, held, booking.transferred_at is not None))
    return out


def _count(facts: list[_Facts], test: Callable[[_Facts], bool]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in facts:
        if test(f):
            counts[f.period] = counts.get(f.period, 0) + 1
    return counts


def _per_action(facts: list[_Facts], effect: Effect) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in facts:
        n = sum(1 for e in f.effects.values() if e is effect)
        counts[f.period] = counts.get(f.period, 0) + n
    return counts


def _detainer(f: _Facts) -> bool:
    return f.kind == "detainer"


def _hold(f: _Facts) -> Effect | None:
    return f.effects.get(Action.hold_beyond_release)


_ICE_KINDS = ("detainer", "notification_request", "transfer_request")
MEASURES: dict[str, Callable[[list[_Facts]], dict[str, int]]] = {
    "requests_received": lambda fs: _count(fs, lambda f: True),
    "detainers_received": lambda fs: _count(fs, _detainer),
    "notification_requests_received": lambda fs: _count(
        fs, lambda f: f.kind == "notification_request"
    ),
    "interview_requests_received": lambda fs: _count(fs, lambda f: f.kind == "interview_request"),
    "information_requests_received": lambda fs: _count(
        fs, lambda f: f.kind == "information_request"
    ),
    "transfer_requests_received": lambda fs: _count(fs, lambda f: f.kind == "transfer_request"),
    "held_beyond_release": lambda fs: _count(
        fs, lambda f: _detainer(f) and f.held_past_eligibility
    ),
    "transferred_with_detainer": lambda fs: _count(fs, lambda f: _detainer(f) and f.transferred),
    "detainers_honored": lambda fs: _count(
        fs, lambda f: _detainer(f) and _hold(f) is Effect.permit
    ),
    "detainers_not_honored": lambda fs: _count(
        fs, lambda f: _detainer(f) and _hold(f) is not Effect.permit
    ),
    "information_requests_answered": lambda fs: _count(
        fs, lambda f: f.kind == "information_request" and Effect.permit in f.effects.values()
    ),
    "actions_permitted": lambda fs: _per_action(fs, Effect.permit),
    "actions_denied": lambda fs: _per_action(fs, Effect.deny),
    "actions_review_required": lambda fs: _per_action(fs, Effect.review_required),
    "ice_requests_received": lambda fs: _count(fs, lambda f: f.kind in _ICE_KINDS),
    "ice_requests_complied": lambda fs: _count(
        fs, lambda f: f.kind in _ICE_KINDS and Effect.permit in f.effects.values()
    ),
}


def _notifications_sent(session: Session, period: Period) -> dict[str, int]:
    counts: dict[str, int] = {}
    for note in session.execute(
        select(Notification).where(Notification.status == "sent")
    ).scalars():
        label = period.label(note.sent_at) if note.sent_at else None
        if label is not None:
            counts[label] = counts.get(label, 0) + 1
    return counts


def _interviews(session: Session, period: Period, consent_only: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    query = select(InterviewRecord).where(InterviewRecord.status == "held")
    for row in session.execute(query).scalars():
        label = period.label(row.recorded_at)
        if label is not None and (row.written_consent_signed or not consent_only):
            counts[label] = counts.get(label, 0) + 1
    return counts


SESSION_MEASURES: dict[str, Callable[[Session, Period], dict[str, int]]] = {
    "notifications_sent": _notifications_sent,
    "interviews_held": lambda s, p: _interviews(s, p, False),
    "interviews_with_consent": lambda s, p: _interviews(s, p, True),
}


@dataclass(frozen=True)
class StatutoryReport:
    format: StatutoryFormat
    periods: tuple[str, ...]
    shown: dict[tuple[str, str], str]  # (period, field) -> count, "<5" or "suppressed"

    def to_dict(self) -> dict[str, Any]:
        f = self.format
        return {
            "format": f.id,
            "title": f.title,
            "cite": f.cite,
            "source": f.source,
            "confidence": f.confidence,
            "notes": f.notes.strip(),
            "period": f.period,
            "rows": [
                {
                    "period": p,
                    **{fld.name: self.shown[(p, fld.name)] for group in f.groups for fld in group},
                }
                for p in self.periods
            ],
            "fields": {fld.name: fld.label for group in f.groups for fld in group},
        }


def statutory_report(
    session: Session, fmt: StatutoryFormat, start: date, end: date, zone: ZoneInfo
) -> StatutoryReport:
    period = Period(start, end, fmt.period, zone)
    facts = _request_facts(session, period)
    values: dict[str, dict[str, int]] = {}
    for group in fmt.groups:
        for fld in group:
            if fld.measure in MEASURES:
                values[fld.name] = MEASURES[fld.measure](facts)
            else:
                values[fld.name] = SESSION_MEASURES[fld.measure](session, period)
    periods = sorted({p for counts in values.values() for p in counts} | {f.period for f in facts})
    shown: dict[tuple[str, str], str] = {}
    for p in periods:
        for group in fmt.groups:
            counts = [values[fld.name].get(p, 0) for fld in group]
            small = any(1 <= c <= 4 for c in counts)
            for fld, c in zip(group, counts, strict=True):
                if 1 <= c <= 4:
                    shown[(p, fld.name)] = "<5"
                elif small:
                    shown[(p, fld.name)] = "suppressed"
                else:
                    shown[(p, fld.name)] = str(c)
    return StatutoryReport(fmt, tuple(periods), shown)
