"""Documents the desk tests share: the September 2017 Denver and Texas cases."""

from __future__ import annotations

from typing import Any

DENVER_OFFICE = "ICE ERO Denver Field Office"
TEXAS_OFFICE = "ICE ERO San Antonio Field Office"


def booked(booking_id: str, jurisdiction: str, at: str = "2017-09-25T22:10:00") -> dict[str, Any]:
    return {
        "booking_id": booking_id,
        "kind": "booked",
        "at": at,
        "jurisdiction": jurisdiction,
        "charges": [{"offence": "C.R.S. 42-4-1301 DUI", "level": "misdemeanor"}],
        "convictions": [],
    }


def detainer(
    booking_id: str, jurisdiction: str, office: str, received_at: str = "2017-09-27T08:30:00"
) -> dict[str, Any]:
    """An I-247A with an I-200 administrative warrant, as ICE sent them in September 2017."""
    return {
        "jurisdiction": jurisdiction,
        "received_at": received_at,
        "request": {
            "kind": "detainer",
            "form": "I-247A",
            "warrant_kind": "administrative_I200",
            "probable_cause_bases": ["biometric_and_database_check"],
            "office": office,
        },
        "booking": {"booking_id": booking_id},
    }


def event(booking_id: str, kind: str, at: str, **extra: Any) -> dict[str, Any]:
    return {"booking_id": booking_id, "kind": kind, "at": at, **extra}
