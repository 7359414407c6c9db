"""Finding the rows a use case works on: a booking by its jail id, a request, any row by id."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.desk.bounds import check_id
from detainer_desk.desk.tables import Booking, FederalRequest
from detainer_desk.errors import NotFoundError

_Row = TypeVar("_Row")

_BOOKING_FACT_FIELDS = (
    "charges",
    "convictions",
    "release_date_public",
    "sex_or_arson_registrant",
    "magistrate_probable_cause_on_felony_charge",
    "handled_by_287g_officer",
)


def find_booking(session: Session, booking_id: str) -> Booking | None:
    return session.execute(
        select(Booking).where(Booking.booking_id == booking_id)
    ).scalar_one_or_none()


def request_and_booking(session: Session, request_id: int) -> tuple[FederalRequest, Booking]:
    request = existing(session, FederalRequest, request_id, "request_id", "request")
    booking = session.get(Booking, request.booking_pk)
    assert booking is not None
    return request, booking


def existing(session: Session, model: type[_Row], row_id: int, field: str, noun: str) -> _Row:
    """The row `row_id` of `model`, or 404 naming `field` (ids out of the database's range too)."""
    check_id(row_id, field, noun)
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(f"no {noun} {row_id}", field=field)
    return row


def booking_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts about a booking the law reads (charges, convictions, …); nothing else is kept."""
    return {k: v for k, v in facts.items() if k in _BOOKING_FACT_FIELDS}
