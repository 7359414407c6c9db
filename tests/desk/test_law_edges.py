"""Issue 10 at the desk: local calendar, exceptions established, bounded overrides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from detainer_desk import decide
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.web.app import create_app

from .helpers import TEXAS_OFFICE, booked, detainer


@pytest.fixture
def texas_desk(settings: DeskSettings, clock: SettableClock) -> Iterator[Desk]:
    austin = replace(settings, timezone="America/Chicago")
    initialise(austin)
    opened = open_desk(austin, clock)
    yield opened
    opened.close()


@pytest.fixture
def texas_api(texas_desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(texas_desk, worker=False)) as client:
        clerk = texas_desk.create_token("clerk-1", "clerk")
        client.headers["Authorization"] = f"Bearer {clerk}"
        yield client


@pytest.mark.parametrize("written", ["2017-09-24T23:30:00-05:00", "2017-09-25T04:30:00Z"])
def test_desk_decides_the_austin_instant_on_its_local_date(
    texas_api: TestClient, written: str
) -> None:
    texas_api.post("/api/events", json=booked("TX-9", "texas", "2017-09-20T10:00:00"))
    document = detainer("TX-9", "texas", TEXAS_OFFICE, received_at=written)
    response = texas_api.post("/api/requests", json=document)
    assert response.status_code == 201, response.text
    assert response.json()["effects"]["hold_beyond_release"] == "deny"
    detail = texas_api.get(f"/api/requests/{response.json()['id']}").json()
    assert detail["decisions"][-1]["document"]["decided_on"] == "2017-09-24"
    # `decide` on the same document (the desk's zone as the agency's) gives the same answer
    document["agency"] = {"time_zone": "America/Chicago"}
    assert decide(document).action("hold_beyond_release").effect.value == "deny"
