"""Places and currency over HTTP: /api/decide and /api/packs take any place; /law lists all 51
with verified-through dates; a desk's home page lists its standing duties in force."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.law.pack import PolicyLibrary
from tests.coverage.helpers import texas_chain_with_duties
from tests.desk.helpers import ui_login
from tests.helpers import ROOT

DENVER_EXAMPLE = ROOT / "examples" / "denver-i247a-i200-2017-09-27.json"
TEST_DUTY = (
    "duties:\n  - {id: test.tx.seek-287g, text: 'Test duty (not law): the sheriff requests a "
    "287(g) agreement.', cite: 'Test Code § 287', source: TEST_KEY, confidence: secondary, "
    "effective: 2026-09-01, due: 2026-12-01, applies_to: sheriff}\n"
)


def _client(desk: Desk) -> TestClient:
    from detainer_desk.web.app import create_app

    return TestClient(create_app(desk, worker=False))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'law.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2026, 12, 5, 15, tzinfo=UTC)))
    with _client(desk) as c:
        yield c
    desk.close()


def _document(jurisdiction: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(DENVER_EXAMPLE.read_text())
    document["jurisdiction"] = jurisdiction
    return document


def test_api_decide_takes_a_county_and_names_the_place(client: TestClient) -> None:
    answer = client.post("/api/decide", params={"on": "2017-09-28"}, json=_document("48453"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["place"]["county"] == {"fips": "48453", "name": "Travis County, Texas"}
    assert body["place"]["chain"] == ["travis-county", "texas", "federal"]
    assert body["pack"]["verified_through"] == min(
        body["pack"]["verified_through_by_pack"].values()
    )
    assert body["law_may_have_changed"] is False
    later = client.post("/api/decide", params={"on": "2026-12-05"}, json=_document("TX")).json()
    assert later["law_may_have_changed"] is (
        later["decided_on"] > later["pack"]["verified_through"]
    )
    arizona = client.post("/api/decide", json=_document("Maricopa County, AZ"))
    assert arizona.status_code == 200 and arizona.json()["place"]["chain"] == ["arizona", "federal"]
    refused = client.post("/api/decide", json=_document("72127"))  # Puerto Rico: no pack
    assert refused.status_code == 422
    assert refused.json()["field"] == "jurisdiction"
    assert "Puerto Rico (PR) is not encoded yet" in refused.json()["error"]
    unknown = client.post("/api/decide", json=_document("Gotham"))
    assert unknown.status_code == 422 and "five-digit FIPS code" in unknown.json()["error"]


def test_api_packs_show_how_current_each_is(client: TestClient) -> None:
    packs = {p["name"]: p for p in client.get("/api/packs").json()}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", p["verified_through"]) for p in packs.values())
    by_place = client.get("/api/packs/Harris County, TX").json()
    assert by_place["name"] == "texas" and by_place["chain"] == ["texas", "federal"]


def test_law_page_lists_all_51_with_verified_through(client: TestClient) -> None:
    page = client.get("/law", params={"on": "2026-12-05"})
    assert page.status_code == 200
    rows = re.findall(r'<tr id="place-([A-Z]{2})">', page.text)
    assert len(rows) == len(set(rows)) == 51
    assert '<th scope="col">Verified through</th>' in page.text
    texas = page.text.split('<tr id="place-TX">')[1].split("</tr>")[0]
    verified = PolicyLibrary.load().pack("texas").manifest.verified_through
    assert str(verified) in texas
    ohio = page.text.split('<tr id="place-OH">')[1].split("</tr>")[0]
    assert "<code>ohio</code>" in ohio  # every state has a pack now
    assert 'href="/law/changes"' in page.text


def test_desk_home_page_lists_the_duties_in_force(tmp_path: Path) -> None:
    library = PolicyLibrary.load(texas_chain_with_duties(tmp_path / "packs", TEST_DUTY))
    settings = DeskSettings(
        home=tmp_path / "desk", db=f"sqlite:///{tmp_path / 'd.db'}", jurisdiction="48453"
    )
    initialise(settings, library=library)
    pages = {}
    for day in (datetime(2026, 8, 31, 15, tzinfo=UTC), datetime(2026, 12, 5, 15, tzinfo=UTC)):
        desk = open_desk(
            DeskSettings(home=settings.home, db=settings.db), SettableClock(day), library
        )
        token = desk.create_token("sam", "supervisor")
        with _client(desk) as c:
            ui_login(c, token)
            pages[day.date().isoformat()] = c.get("/ui/").text
        desk.close()
    after = pages["2026-12-05"]
    assert "Standing duties of this agency on 2026-12-05" in after
    duty = after.split('id="duty-test.tx.seek-287g">')[1].split("</li>")[0]
    assert "Test Code § 287" in duty and "due 2026-12-01" in duty and "secondary" in duty
    before = pages["2026-08-31"]
    assert "No standing duty of the agency is in force under this desk's law today." in before


def test_request_page_names_the_place_and_warns_when_the_law_may_have_changed(
    tmp_path: Path,
) -> None:
    from detainer_desk.access.check import Actor, Role
    from tests.desk.helpers import TEXAS_OFFICE, booked, detainer

    supervisor = Actor("sam", Role.supervisor)
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'd.db'}")
    initialise(settings)
    library = PolicyLibrary.load()
    verified = min(
        library.pack(n).manifest.verified_through or date.max for n in ("texas", "federal")
    )
    later = datetime(verified.year + 1, 1, 5, 15, tzinfo=UTC)
    desk = open_desk(settings, SettableClock(later))
    at = later.replace(tzinfo=None).isoformat()
    desk.record_event(supervisor, booked("H-1", "Harris County, TX", at=at))
    request = detainer("H-1", "Harris County, TX", TEXAS_OFFICE, received_at=at)
    desk.receive_request(supervisor, request)
    token = desk.create_token("kim", "clerk")
    with _client(desk) as c:
        ui_login(c, token)
        page = c.get("/ui/requests/1").text
    desk.close()
    text = " ".join(page.split())
    assert "Place: Harris County, TX → Harris County, Texas; law of texas → federal." in text
    assert (
        f"The law may have changed since:</strong> the law was verified through {verified}; this "
        f"decision is for {later.date()}" in text
    )


def test_init_takes_a_county_and_refuses_an_unencoded_one(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from detainer_desk.cli import app

    runner = CliRunner()
    home = tmp_path / "travis"
    done = runner.invoke(app, ["init", "--home", str(home), "--jurisdiction", "Travis County, TX"])
    assert done.exit_code == 0, done.output
    saved = json.loads((home / "desk-settings.json").read_text())
    assert (saved["jurisdiction"], saved["timezone"]) == ("Travis County, TX", "America/Chicago")
    refused = runner.invoke(
        app, ["init", "--home", str(tmp_path / "pr"), "--jurisdiction", "72127"]
    )
    assert refused.exit_code == 2
    assert "the law of Puerto Rico (PR) is not encoded yet" in refused.output
