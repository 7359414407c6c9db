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


PROOF = "tx.ccp.2_251b.proof-exception"


def _ledger_size(desk: Desk) -> int:
    from sqlalchemy import func, select

    from detainer_desk.desk.tables import LedgerEntry

    with desk.sessions() as session:
        return int(session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one())


def _hold(detail: dict[str, object]) -> dict[str, object]:
    decisions = detail["decisions"]
    assert isinstance(decisions, list)
    actions = decisions[-1]["document"]["actions"]
    return next(a for a in actions if a["action"] == "hold_beyond_release")


def test_exception_in_the_document_decides_as_decide_does(texas_api: TestClient) -> None:
    texas_api.post("/api/events", json=booked("TX-E1", "texas"))
    document = detainer("TX-E1", "texas", TEXAS_OFFICE)
    document["exceptions_established"] = [
        {"exception": PROOF, "determined_by": "counsel", "determined_on": "2017-09-27"}
    ]
    response = texas_api.post("/api/requests", json=document)
    assert response.status_code == 201, response.text
    assert response.json()["effects"]["hold_beyond_release"] == "deny"
    expected = decide(document).action("hold_beyond_release")
    assert (expected.effect.value, expected.required) == ("deny", False)
    detail = texas_api.get(f"/api/requests/{response.json()['id']}").json()
    assert _hold(detail)["required"] is False
    assert detail["exceptions_established"][0]["exception"] == PROOF


def test_counsel_records_an_exception_on_an_existing_request(
    texas_desk: Desk, texas_api: TestClient
) -> None:
    texas_api.post("/api/events", json=booked("TX-E2", "texas"))
    rid = texas_api.post("/api/requests", json=detainer("TX-E2", "texas", TEXAS_OFFICE)).json()[
        "id"
    ]
    assert texas_api.get(f"/api/requests/{rid}").json()["effects"]["hold_beyond_release"] == (
        "permit"
    )
    body = {"exception": PROOF, "determined_by": "counsel", "determined_on": "2017-09-27"}
    counsel = {"Authorization": f"Bearer {texas_desk.create_token('c', 'counsel')}"}
    before = _ledger_size(texas_desk)
    clerk = texas_api.post(f"/api/requests/{rid}/exceptions", json=body)
    assert clerk.status_code == 403
    unknown = texas_api.post(
        f"/api/requests/{rid}/exceptions", json={**body, "exception": "tx.nope"}, headers=counsel
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "exception"
    assert _ledger_size(texas_desk) == before  # nothing half-written
    done = texas_api.post(f"/api/requests/{rid}/exceptions", json=body, headers=counsel)
    assert done.status_code == 201, done.text
    assert done.json()["effects"]["hold_beyond_release"] == "deny"
    hold = _hold(done.json())
    assert hold["required"] is False and hold["provisions"][0]["id"] == PROOF
    assert done.json()["decisions"][-1]["trigger"] == "exception_established"
    again = texas_api.post(f"/api/requests/{rid}/exceptions", json=body, headers=counsel)
    assert again.status_code == 409
