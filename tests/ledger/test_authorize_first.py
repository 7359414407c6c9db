"""Authorize first, then record (property tests, through the HTTP API).

- Public and unauthenticated callers, whatever they send (forbidden fields included), leave every
  table — the ledger first — exactly as it was.
- A forbidden key that carries a value (`"citizenship: <value>"`) never reaches any table, log
  or export, whoever sends it: a refusal is recorded as a category only.
- Repeated refusals are counted, and bounded in the ledger per actor and day.
"""

from __future__ import annotations

import logging
import sqlite3
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Base, RefusalCount
from detainer_desk.ledger.log import export_lines
from detainer_desk.ledger.tables import LedgerEntry
from detainer_desk.web.app import create_app

from ..desk.helpers import DENVER_OFFICE, booked, detainer, event

ADMIN = Actor("setup", Role.supervisor)
KEYS = st.sampled_from(
    ["citizenship", "Citizenship-Country", "placeOfBirth", "immigration_status", "nationality"]
)
MARKER = st.text(alphabet=string.ascii_letters, min_size=12, max_size=20).map(lambda s: "Q" + s)
CALLERS = st.sampled_from(["none", "public", "clerk", "liaison"])


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.text: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.text.append(self.format(record))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, TestClient, Path]]:
    home = tmp_path_factory.mktemp("authz")
    settings = DeskSettings(home=home, db=f"sqlite:///{home / 'desk.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))
    desk.record_event(ADMIN, booked("B1", "denver"))
    desk.receive_request(ADMIN, detainer("B1", "denver", DENVER_OFFICE))
    with TestClient(create_app(desk, worker=False)) as client:
        client.app.state.tokens = {  # type: ignore[attr-defined]
            "public": desk.create_token("pub", "public"),
            "clerk": desk.create_token("maria", "clerk"),
            "liaison": desk.create_token("ice", "federal_liaison", DENVER_OFFICE),
        }
        yield desk, client, home / "desk.db"
    desk.close()


def _body(endpoint: str, n: int) -> tuple[str, dict[str, Any]]:
    if endpoint == "request":
        return "/api/requests", detainer(f"P{n}", "denver", DENVER_OFFICE)
    if endpoint == "event":
        return "/api/events", booked(f"P{n}", "denver")
    if endpoint == "release":
        return "/api/events", event("B1", "release_scheduled", "2017-09-29T10:00:00")
    if endpoint == "override":
        return "/api/requests/1/overrides", {
            "action": "notify_release",
            "effect": "deny",
            "reason": "A supervisor's reason.",
        }
    if endpoint == "interview":
        return "/api/requests/1/interviews", {"modality": "remote"}
    if endpoint == "annotation":
        return "/api/requests/1/annotations", {"text": "a note"}
    if endpoint == "condition":
        tick = {"action": "notify_release", "condition": "den.drmc.28-253.advise-and-record"}
        return "/api/requests/1/conditions", {"ticks": [tick]}
    return "/api/offices", {"name": DENVER_OFFICE, "channel": "email", "address": "e@x.gov"}


ENDPOINTS = st.sampled_from(
    ["request", "event", "release", "override", "interview", "annotation", "condition", "office"]
)


def _counts(desk: Desk) -> dict[str, int]:
    with desk.sessions() as session:
        return {
            t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def _everything(desk: Desk, path: Path) -> str:
    with desk.sessions() as session:
        export = "\n".join(export_lines(session))
    db = sqlite3.connect(path)
    try:
        dump = "\n".join(db.iterdump())
    finally:
        db.close()
    return export + dump


def test_no_write_for_the_refused_and_no_value_in_a_key_anywhere(
    api: tuple[Desk, TestClient, Path],
) -> None:
    desk, client, path = api
    tokens = client.app.state.tokens  # type: ignore[attr-defined]
    capture = Capture()
    logging.getLogger().addHandler(capture)
    counter = iter(range(10**6))

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(endpoint=ENDPOINTS, key=KEYS, marker=MARKER, caller=CALLERS, nested=st.booleans())
    def check(endpoint: str, key: str, marker: str, caller: str, nested: bool) -> None:
        url, body = _body(endpoint, next(counter))
        hostile = f"{key}: {marker}"
        if nested and "booking" in body:
            body["booking"][hostile] = "yes"
        else:
            body[hostile] = "yes"
        headers = {} if caller == "none" else {"Authorization": f"Bearer {tokens[caller]}"}
        before = _counts(desk)
        response = client.post(url, json=body, headers=headers)
        assert 400 <= response.status_code < 500, response.text
        if caller in ("none", "public"):
            assert response.status_code in (401, 403)
            assert _counts(desk) == before  # the ledger first of all
        assert marker not in _everything(desk, path)
        assert not any(marker in line for line in capture.text)

    try:
        check()
    finally:
        logging.getLogger().removeHandler(capture)


def test_public_and_anonymous_callers_leave_the_ledger_unchanged(
    api: tuple[Desk, TestClient, Path],
) -> None:
    """Anything at all, forbidden fields or not, on every POST: 401/403 and nothing written."""
    desk, client, _ = api
    tokens = client.app.state.tokens  # type: ignore[attr-defined]
    before = _counts(desk)
    for caller in ("none", "public"):
        headers = {} if caller == "none" else {"Authorization": f"Bearer {tokens[caller]}"}
        for endpoint in ("request", "event", "release", "override", "interview", "annotation"):
            url, body = _body(endpoint, 0)
            for payload in (body, {**body, "citizenship": "x" * 1000}):
                response = client.post(url, json=payload, headers=headers)
                assert response.status_code in (401, 403), (caller, endpoint, response.text)
    assert _counts(desk) == before


def test_repeated_refusals_are_counted_and_bounded_in_the_ledger(
    api: tuple[Desk, TestClient, Path],
) -> None:
    desk, client, _ = api
    clerk = {"Authorization": f"Bearer {client.app.state.tokens['clerk']}"}  # type: ignore[attr-defined]
    with desk.sessions() as session:
        start = session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    for n in range(120):
        body = {**booked(f"R{n}", "denver"), "birthplace": "somewhere"}
        assert client.post("/api/events", json=body, headers=clerk).status_code == 422
    with desk.sessions() as session:
        entries = session.execute(
            select(LedgerEntry.body).where(LedgerEntry.seq > start).order_by(LedgerEntry.seq)
        ).scalars()
        refusals = [b for b in entries if "forbidden_field_refused" in b]
        count = session.execute(
            select(RefusalCount.count).where(
                RefusalCount.actor == "clerk:maria",
                RefusalCount.where == "event",
                RefusalCount.category == "birthplace",
            )
        ).scalar_one()
    assert count >= 120
    # 1st, 10th, 100th of the day at most (earlier examples may have made the 1st already)
    assert 1 <= len(refusals) <= 3


def test_conditions_met_keys_must_be_the_decisions_own_condition_ids(
    api: tuple[Desk, TestClient, Path],
) -> None:
    desk, client, path = api
    clerk = {"Authorization": f"Bearer {client.app.state.tokens['clerk']}"}  # type: ignore[attr-defined]
    before = _counts(desk)
    response = client.post(
        "/api/requests/1/interviews",
        json={"modality": "remote", "conditions_met": {"not-a-condition QsecretZ": "done"}},
        headers=clerk,
    )
    assert response.status_code == 422 and response.json()["field"] == "conditions_met"
    assert _counts(desk) == before
    assert "QsecretZ" not in _everything(desk, path)
