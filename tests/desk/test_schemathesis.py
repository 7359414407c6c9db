"""A bounded schemathesis run of the whole API, on SQLite and PostgreSQL: generated requests —
valid and invalid, NUL bytes, huge numbers and ids included — never give a server error, and
every response conforms to the OpenAPI schema (status codes, content types, bodies).

Bounded: a few examples per operation, so both databases together take well under two minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.web.app import create_app

from .conftest import drop_pg_database, fresh_pg_database, postgres_available
from .helpers import DENVER_OFFICE, booked, detainer

SETUP = Actor("setup", Role.supervisor)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, str]]:
    home: Path = tmp_path_factory.mktemp("schemathesis")
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'desk.db'}"
    else:
        if not postgres_available():
            pytest.skip("PostgreSQL unreachable: the schemathesis run on PostgreSQL DID NOT RUN")
        name, url = fresh_pg_database()
    settings_ = DeskSettings(home=home, db=url)
    initialise(settings_)
    desk = open_desk(settings_, SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))
    desk.record_event(SETUP, booked("B1", "denver"))
    desk.receive_request(SETUP, detainer("B1", "denver", DENVER_OFFICE))
    desk.checkpoint()
    token = desk.create_token("fuzz", "supervisor")
    app = create_app(desk, worker=False)
    with TestClient(app):
        yield app, token
    desk.close()
    if name is not None:
        drop_pg_database(name)


def test_api_has_no_server_error_and_keeps_its_schema(api: tuple[Any, str]) -> None:
    app, token = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
