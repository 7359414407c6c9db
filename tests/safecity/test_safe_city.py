"""Operation Safe City: the figures ICE claimed, pinned against the fact sheet; each place's law."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from detainer_desk.classify import load_definitions
from detainer_desk.cli import app
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.law import default_library
from detainer_desk.safecity import load_operation, safe_city, to_csv
from detainer_desk.safecity.safecity import NO_LAW
from detainer_desk.vocabulary import Action
from tests.helpers import ROOT

FACT_SHEET = ROOT.parent / "shared" / "reference" / "law-fact-sheet.md"

# Fact sheet § 1, "Per-area counts as published", written out by hand (not read from our data).
CLAIMED = {
    "Denver": 63,
    "Los Angeles": 101,
    "Philadelphia": 107,
    "New York": 45,
    "Massachusetts": 50,
    "Baltimore": 28,
    "Cook County, IL": 30,
    "Santa Clara County, CA": 27,
    "Washington, DC": 14,
    'The "33" line (Portland, then Seattle)': 33,
}


def _section_1() -> str:
    if not FACT_SHEET.exists():
        pytest.skip("../shared/reference/law-fact-sheet.md is missing: fact-sheet pins NOT RUN")
    text = FACT_SHEET.read_text()
    return text.split("## 1. The founding event", 1)[1].split("\n## 2.", 1)[0]


def test_every_claimed_figure_and_the_total() -> None:
    op = load_operation()
    assert {a.area: a.claimed for a in op.areas} == CLAIMED
    assert op.total_claimed == 498 == sum(CLAIMED.values())
    assert op.days == 4 and op.countries == 42
    assert str(op.ended) == "2017-09-27" and str(op.announced) == "2017-09-28"


def test_figures_and_citation_keys_are_the_fact_sheets() -> None:
    section = _section_1()
    published = section.split("Per-area counts as published:", 1)[1].split("line", 1)[0]
    in_sheet = {
        m[0].strip(): int(m[1]) for m in re.findall(r"([A-Z][A-Za-z .]+?) (\d+)[;,]", published)
    }
    assert in_sheet == {
        "Baltimore": 28,
        "Cook County IL": 30,
        "Denver": 63,
        "Los Angeles": 101,
        "New York": 45,
        "Philadelphia": 107,
        "Santa Clara County CA": 27,
        "Washington DC": 14,
        "Massachusetts": 50,
    }
    op = load_operation()
    by_sheet_name = {k.replace(",", ""): v for k, v in CLAIMED.items()}
    for name, count in in_sheet.items():
        assert by_sheet_name[name] == count
    assert 'a "33" line that ICE itself got wrong twice' in section
    assert "498 arrests, people from 42 countries" in section
    keys = set(re.findall(r"`([A-Z0-9_]+)`", section))
    for area in op.areas:
        assert set(area.sources) <= keys, area.area
    assert set(op.total_sources) <= keys and set(op.criterion_sources) <= keys
    assert op.criterion.strip('"').rstrip('."') in " ".join(section.split())


def test_the_northwest_line_is_flagged_with_what_it_covered() -> None:
    section = " ".join(_section_1().split())
    northwest = next(a for a in load_operation().areas if a.retracted)
    assert northwest.claimed == 33
    assert [c.split(" ")[0] for c in northwest.claimed_as] == ["Portland", "Seattle"]
    for fact in (
        "26 in Washington",
        "7 in Oregon",
        "only 1 inside Seattle city limits",
        "4 Portland",
        "our normal fugitive arrests operation",
    ):
        assert fact in northwest.really and fact in section.replace("**", "")
    assert [a.area for a in load_operation().areas if a.retracted] == [northwest.area]


def test_each_place_its_law_or_no_law_encoded() -> None:
    library = default_library()
    report = safe_city(library)
    rows = {r.area.area: r for r in report.rows}
    for row in report.rows:
        candidates = [c.pack for c in row.area.packs if c.pack in library.names()]
        if not candidates:
            assert row.law.pack is None and row.law.scope == NO_LAW
            assert set(row.answers().values()) == {NO_LAW}
            assert set(row.effects().values()) == {NO_LAW}
            continue
        assert row.law.pack == candidates[0]
        assert row.law.decision is not None and row.law.classification is not None
        assert [a.action for a in row.law.decision.actions] == list(Action)  # all actions
        assert row.law.decision.request["form"] == "I-247A"
        assert row.law.decision.request["warrant_kind"] == "administrative_I200"
        assert set(row.answers()) == {d.id for d in load_definitions()}
    denver = rows["Denver"]
    assert denver.answers()["D1"] == "yes"
    hold = denver.law.decision.action("hold_beyond_release")  # type: ignore[union-attr]
    assert hold.effect.value == "deny" and "D.R.M.C. § 28-253" in hold.reason
    seattle_area = [r for r in report.rows if r.law.pack == "washington"]
    assert seattle_area and seattle_area[0].answers()["D1"] == "no provision authorizes"
    assert (
        rows["New York"].law.pack == "new-york-city"
        and "city or state" in rows["New York"].law.scope
    )


def test_cli_json_csv_and_table() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["safe-city", "--json"])
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["format"] == "detainer-desk/safe-city/v1"
    assert {a["area"]: a["claimed"] for a in document["areas"]} == CLAIMED
    assert document["total_claimed"] == 498
    for area in document["areas"]:
        assert area["sources"]
        if area["pack"] is None:
            assert area["law"] == NO_LAW and area["decision"] is None
    northwest = [a for a in document["areas"] if a["retracted"]]
    assert len(northwest) == 1 and "26 in Washington" in northwest[0]["really"]
    table = runner.invoke(app, ["safe-city"])
    assert table.exit_code == 0 and "498" in table.stdout and "RETRACTED" in table.stdout
    as_csv = runner.invoke(app, ["safe-city", "--csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["area"]: int(r["claimed"]) for r in rows} == CLAIMED
    assert as_csv.stdout == to_csv(safe_city(default_library()))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    from detainer_desk.web.app import create_app

    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'd.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2017, 10, 1, tzinfo=UTC)))
    with TestClient(create_app(desk, worker=False)) as c:
        yield c
    desk.close()


def test_page_and_downloads_without_login(client: TestClient) -> None:
    page = client.get("/safe-city")
    assert page.status_code == 200
    text = page.text
    assert text.index('id="headline"') < text.index('id="areas"')  # the headline comes first
    for area, count in CLAIMED.items():
        row = text.split(f'data-area="{area.replace(chr(34), "&#34;")}"', 1)[1].split("</tr>", 1)[0]
        assert f'<td class="num" data-claimed>{count}</td>' in row, area
    assert 'class="flag">retracted</span>' in text and "What it really covered" in text
    assert "no law encoded" in text or all(
        any(c.pack in client.app.state.desk.library.names() for c in a.packs)  # type: ignore[attr-defined]
        for a in load_operation().areas
    )
    as_csv = client.get("/safe-city.csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert {
        r["area"]: int(r["claimed"]) for r in csv.DictReader(io.StringIO(as_csv.text))
    } == CLAIMED
    as_json = client.get("/safe-city.json").json()
    assert as_json["total_claimed"] == 498 and len(as_json["areas"]) == len(CLAIMED)
