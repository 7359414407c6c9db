"""The law as a web service: packs, rules, decisions and classifications over HTTP, no login,
no desk writes, rate-limited, documented in OpenAPI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from detainer_desk.cli import app as cli
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Base
from detainer_desk.web.lawservice import MAX_BODY_BYTES, RateLimit
from tests.helpers import ROOT

DENVER_EXAMPLE = ROOT / "examples" / "denver-i247a-i200-2017-09-27.json"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'law.db'}")
    initialise(settings)
    opened = open_desk(settings, SettableClock(datetime(2017, 9, 28, tzinfo=UTC)))
    yield opened
    opened.close()


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:
    from detainer_desk.web.app import create_app

    with TestClient(create_app(desk, worker=False)) as c:
        yield c


def _rows(desk: Desk) -> dict[str, int]:
    with desk.sessions() as session:
        return {
            t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def test_packs_and_one_pack_with_rules_and_citations(client: TestClient, desk: Desk) -> None:
    packs = client.get("/api/packs")
    assert packs.status_code == 200
    listed = {p["name"]: p for p in packs.json()}
    assert sorted(listed) == desk.library.names()
    assert listed["denver"]["versions"][0]["from"] and listed["denver"]["rules"] > 0
    denver = client.get("/api/packs/denver", params={"on": "2017-09-28"}).json()
    rules = {r["id"]: r for r in denver["rules"]}
    hold = rules["den.drmc.28-253.no-hold-on-civil-detainer"]
    assert hold["cite"].startswith("D.R.M.C. § 28-253") and hold["in_force"] is True
    assert hold["source"] == "DEN_DRMC_28_253" and "hold_beyond_release" in hold["actions"]
    citations = {c["source"]: c["cites"] for c in denver["citations"]}
    assert "D.R.M.C. § 28-252(a)" in citations["DEN_DRMC_28_252"]
    assert set(citations) == {r["source"] for r in denver["rules"]}
    assert denver["chain"][0] == "denver" and denver["chain"][-1] == "federal"
    before = client.get("/api/packs/denver", params={"on": "2014-03-03"}).json()
    assert {r["id"]: r["in_force"] for r in before["rules"]}[hold["id"]] is False
    unknown = client.get("/api/packs/atlantis")
    assert unknown.status_code == 422 and unknown.json()["ok"] is False
    assert "atlantis" in unknown.json()["error"]
    assert client.get("/api/packs/denver", params={"on": "28/9/2017"}).json()["field"] == "on"


def test_decide_answers_the_readme_denver_example_as_the_cli(client: TestClient) -> None:
    body = DENVER_EXAMPLE.read_bytes()
    answer = client.post("/api/decide", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 200, answer.text
    printed = CliRunner().invoke(cli, ["decide", str(DENVER_EXAMPLE), "--json"])
    assert printed.exit_code == 0
    assert answer.json() == json.loads(printed.stdout)
    hold = next(a for a in answer.json()["actions"] if a["action"] == "hold_beyond_release")
    assert hold["effect"] == "deny" and "D.R.M.C. § 28-253" in hold["reason"]
    every = client.post("/api/decide", params={"on": "2014-03-03", "all": "true"}, content=body)
    printed_all = CliRunner().invoke(
        cli, ["decide", str(DENVER_EXAMPLE), "--json", "--on", "2014-03-03", "--all"]
    )
    assert every.json() == json.loads(printed_all.stdout)


def test_decide_refuses_bad_input_with_the_envelope_and_writes_nothing(
    client: TestClient, desk: Desk
) -> None:
    before = _rows(desk)
    document = json.loads(DENVER_EXAMPLE.read_text())
    document["booking"]["countryOfBirth"] = "(a value the desk must never hold)"
    refused = client.post("/api/decide", json=document)
    assert refused.status_code == 422
    assert refused.json()["ok"] is False and "countryOfBirth" in refused.json()["error"]
    assert "(a value" not in refused.text  # the value is never echoed
    assert client.post("/api/decide", content=b"{not json").status_code in (400, 422)
    missing = dict(document)
    del missing["booking"]
    assert client.post("/api/decide", json=missing).json()["field"]
    huge = client.post("/api/decide", content=b" " * (MAX_BODY_BYTES + 1))
    assert huge.status_code == 413 and huge.json()["field"] == "body"
    assert client.post("/api/decide", content=DENVER_EXAMPLE.read_bytes()).status_code == 200
    assert client.get("/api/classify", params={"pack": "denver"}).status_code == 200
    assert _rows(desk) == before  # no desk table changed, the ledger included


def test_classify_every_pack_or_one(client: TestClient, desk: Desk) -> None:
    every = client.get("/api/classify", params={"on": "2017-09-28"}).json()
    assert [c["pack"] for c in every] == desk.library.names()
    federal = client.get("/api/classify", params={"on": "2017-09-28", "pack": "federal"}).json()
    d1 = federal[0]["verdicts"][0]
    assert d1["definition"] == "D1" and d1["sanctuary"] is False
    assert d1["answer"] == "no provision authorizes"
    assert client.get("/api/classify", params={"on": "yesterday"}).status_code == 422


def test_rate_limited_per_client_with_the_envelope(client: TestClient) -> None:
    client.app.state.law_rate_limit = RateLimit("3/minute")  # type: ignore[attr-defined]
    for _ in range(3):
        assert client.get("/api/packs").status_code == 200
    limited = client.get("/api/packs/denver")
    assert limited.status_code == 429
    assert limited.json()["ok"] is False and "too many requests" in limited.json()["error"]
    assert int(limited.headers["retry-after"]) >= 1
    assert client.get("/api/health").status_code == 200  # the desk's own API is not this limit


def test_documented_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, method in (
        ("/api/packs", "get"),
        ("/api/packs/{name}", "get"),
        ("/api/decide", "post"),
        ("/api/classify", "get"),
    ):
        operation = spec["paths"][path][method]
        assert "law" in operation["tags"] and operation["summary"] and operation["description"]
        assert {"422", "429"} <= set(operation["responses"])
    body = spec["paths"]["/api/decide"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert body == {"$ref": "#/components/schemas/RequestDocument"}
    schemas = spec["components"]["schemas"]
    assert "booking" in schemas["RequestDocument"]["properties"]
    refs = json.dumps(schemas["RequestDocument"])
    assert "#/$defs/" not in refs  # every reference resolves inside the OpenAPI document
    for ref in {r.split('"')[0] for r in refs.split("#/components/schemas/")[1:]}:
        assert ref in schemas, ref
