"""Property: whatever the input, no ledger entry ever holds immigration status, citizenship or
birthplace values. Forbidden fields are refused (or stripped in bulk) and only named."""

from __future__ import annotations

import contextlib
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.errors import InputError
from detainer_desk.ledger.log import export_lines

from ..desk.helpers import DENVER_OFFICE, booked, detainer

ADMIN = Actor("clerk", Role.clerk)
FORBIDDEN_KEYS = st.sampled_from(
    [
        "immigration_status",
        "immigrationStatus",
        "citizenship",
        "Citizenship-Country",
        "country_of_birth",
        "placeOfBirth",
        "birthplace",
        "nationality",
        "alien_status",
        "is_citizen",
        "us_citizen",
        "born_in_us",
    ]
)
WHERE = st.sampled_from(["top", "request", "booking", "charge", "event", "event_charge"])
MARKER = st.text(alphabet=string.ascii_letters, min_size=12, max_size=20).map(lambda s: "Q" + s)


def _desk(tmp: Path) -> Desk:
    settings = DeskSettings(home=tmp, db=f"sqlite:///{tmp / 'p.db'}")
    initialise(settings)
    return open_desk(settings, SettableClock(datetime(2017, 9, 27, tzinfo=UTC)))


def _plant(doc: dict[str, Any], where: str, key: str, value: Any) -> dict[str, Any]:
    if where == "top" or where == "event":
        doc[key] = value
    elif where == "request":
        doc["request"][key] = value
    elif where == "booking":
        doc["booking"][key] = value
    else:
        charges = doc.setdefault("charges", None) if where == "event_charge" else None
        if where == "charge":
            doc["booking"]["charges"] = [{"offence": "x", "level": "felony", key: value}]
        elif charges is not None:
            doc["charges"] = [{"offence": "x", "level": "felony", key: value}]
    return doc


def test_no_forbidden_value_ever_reaches_the_ledger(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    counter = iter(range(10**6))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        key=FORBIDDEN_KEYS, where=WHERE, marker=MARKER, strip=st.booleans(), nested=st.booleans()
    )
    def check(key: str, where: str, marker: str, strip: bool, nested: bool) -> None:
        n = next(counter)
        value: Any = {"value": marker} if nested else marker
        if where.startswith("event"):
            doc = _plant(booked(f"E{n}", "denver"), where, key, value)
            with contextlib.suppress(InputError):
                desk.record_event(ADMIN, doc)
        else:
            desk.record_event(ADMIN, booked(f"R{n}", "denver"))
            doc = _plant(detainer(f"R{n}", "denver", DENVER_OFFICE), where, key, value)
            try:
                desk.receive_request(ADMIN, doc, strip_forbidden=strip)
            except InputError:
                assert not strip
        with desk.sessions() as session:
            ledger = "\n".join(export_lines(session))
        assert marker not in ledger
        with desk.sessions() as session:
            from sqlalchemy import text

            for table in ("bookings", "federal_requests", "jail_events", "decisions"):
                dump = str(list(session.execute(text(f"SELECT * FROM {table}"))))
                assert marker not in dump, table

    check()
    with desk.sessions() as session:
        ledger = "\n".join(export_lines(session))
    assert "forbidden_field_refused" in ledger and "forbidden_field_stripped" in ledger
