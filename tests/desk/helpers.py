"""Documents the desk tests share: the September 2017 Denver and Texas cases."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from detainer_desk.desk.service import Desk

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


def ui_login(client: TestClient, token: str) -> None:
    """Log in to the staff UI through its login form (with the form's per-visit CSRF token)."""
    form = client.get("/ui/login").text
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found, "the login form carries a CSRF token"
    done = client.post(
        "/ui/login", data={"token": token, "csrf": found.group(1)}, follow_redirects=False
    )
    assert done.status_code == 303, done.text


def ui_csrf(client: TestClient, desk: Desk) -> str:
    """The logged-in session's CSRF token (what every form of its pages carries)."""
    return desk.ui_session(client.cookies["dd_session"]).csrf


def ui_post(client: TestClient, desk: Desk, url: str, data: dict[str, Any]) -> Any:
    """A form POST as the page's own form sends it: with the session's CSRF token."""
    return client.post(url, data={**data, "csrf": ui_csrf(client, desk)})
