"""Historical bookings as desk traffic: each booking with an ICE hold becomes `booked`, the
detainer request, `release_eligible` (when its last local charge cleared) and `released`.

Used by the demo and the desk benchmarks: real timings from the data, no personal data added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from detainer_desk.access.check import Actor
from detainer_desk.desk.clock import SettableClock
from detainer_desk.desk.service import Desk
from detainer_desk.replay.importer import Row
from detainer_desk.replay.mapping import Mapping
from detainer_desk.replay.replay import detainer_group

Record = tuple[datetime, dict[str, Any]]


def booking_records(row: Row, mapping: Mapping, jurisdiction: str, office: str) -> list[Record]:
    """The desk records for one booking, each with the moment it happened."""
    booked_at: datetime = row["booked_at"]
    booking_id = f"{mapping.name}-{row['booking_id']}"
    rule = mapping.request.form_on(booked_at.date())
    received = booked_at + timedelta(hours=1)  # the sources do not say when ICE's form arrived
    records: list[Record] = [
        (
            booked_at,
            {
                "booking_id": booking_id,
                "kind": "booked",
                "at": booked_at.isoformat(),
                "jurisdiction": jurisdiction,
            },
        ),
        (
            received,
            {
                "jurisdiction": jurisdiction,
                "received_at": received.isoformat(),
                "request": {
                    "kind": mapping.request.kind.value,
                    "form": rule.form.value,
                    "warrant_kind": rule.warrant_kind.value,
                    "office": office,
                },
                "booking": {"booking_id": booking_id},
            },
        ),
    ]
    eligible: datetime | None = row.get("release_eligible_at")
    released: datetime = row["released_at"]
    if eligible is not None and received < eligible <= released:
        records.append(
            (
                eligible,
                {"booking_id": booking_id, "kind": "release_eligible", "at": eligible.isoformat()},
            )
        )
    records.append(
        (
            max(released, received),
            {
                "booking_id": booking_id,
                "kind": "released",
                "at": max(released, received).isoformat(),
            },
        )
    )
    return records


def desk_records(
    rows: list[Row], mapping: Mapping, jurisdiction: str, office: str
) -> Iterator[Record]:
    """Every record of the detainer population, in the order things happened."""
    merged = [
        record
        for row in detainer_group(rows)
        for record in booking_records(row, mapping, jurisdiction, office)
    ]
    yield from sorted(merged, key=lambda r: r[0])


def replay_into_desk(
    desk: Desk,
    clock: SettableClock,
    records: list[Record],
    actor: Actor,
    advance: Callable[[], None] = lambda: None,
) -> list[tuple[int, str]]:
    """Feed records to a desk in order, its clock set to each record's moment (read in the
    desk's zone). Returns the records refused, as (position, reason)."""
    refused: list[tuple[int, str]] = []
    for position, (moment, record) in enumerate(records, start=1):
        clock.set(moment.replace(tzinfo=desk.settings.zone).astimezone(UTC))
        _, errors = desk.receive_bulk(actor, iter([(position, record)]))
        refused += errors
        advance()
    return refused
