"""Reports: the same numbers in HTML, CSV, JSON and Parquet; nothing that identifies a person;
the public page in headless Chromium."""

from __future__ import annotations

import csv
import html
import io
import json
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from markupsafe import escape
from typer.testing import CliRunner

from detainer_desk.access.check import Actor, Role
from detainer_desk.cli import app
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.outbox import NetworkTransport, deliver_due
from detainer_desk.desk.service import Desk
from detainer_desk.ledger.standalone import read_checkpoint
from detainer_desk.publish.publishing import publish
from detainer_desk.publish.statutory import load_formats

from ..desk.conftest import SmtpSink, free_port, serving, start_smtp
from ..desk.helpers import DENVER_OFFICE, booked, detainer, event
from ..desk.test_ui_browser import ARGS, SHOTS
from ..helpers import CHROMIUM, FACT_SHEET

CLERK = Actor("clerk", Role.clerk)
SUPERVISOR = Actor("sup", Role.supervisor)


def _traffic(desk: Desk, clock: SettableClock, smtp: SmtpSink, n: int = 60) -> list[str]:
    """Three months of Denver and Texas bookings with holds, notifications, alarms, overrides."""
    rng = random.Random(2017)
    desk.set_office(
        SUPERVISOR, {"name": DENVER_OFFICE, "channel": "email", "address": "ero@ice.example"}
    )
    transport = NetworkTransport(smtp.host, smtp.port, "desk@county.example")
    ids = []
    start = datetime(2017, 7, 3, 8, tzinfo=UTC)
    for i in range(n):
        booking = f"PUB-{i:03d}"
        ids.append(booking)
        jurisdiction = "texas" if i % 3 == 0 else "denver"
        day = start + timedelta(days=rng.randint(0, 85), hours=rng.randint(0, 8))
        clock.set(day)
        local = day.astimezone(desk.settings.zone).replace(tzinfo=None)
        desk.record_event(CLERK, booked(booking, jurisdiction, at=local.isoformat()))
        received = desk.receive_request(
            CLERK,
            detainer(
                booking,
                jurisdiction,
                DENVER_OFFICE,
                received_at=(local + timedelta(hours=1)).isoformat(),
            ),
        )
        if i % 7 == 0:
            desk.override(
                SUPERVISOR,
                received["id"],
                {
                    "action": "notify_release",
                    "effect": "deny",
                    "reason": "Counsel: request incomplete, no release notice.",
                },
            )
        if i % 5 == 0:
            desk.record_interview(
                CLERK,
                received["id"],
                {
                    "modality": rng.choice(["in_person", "remote"]),
                    "written_advisement_given": True,
                    "written_consent_signed": i % 2 == 0,
                    "declined": i % 2 == 1,
                },
            )
        eligible = local + timedelta(hours=rng.randint(5, 40))
        clock.set(day + timedelta(hours=rng.randint(3, 5)))
        desk.record_event(CLERK, event(booking, "release_eligible", eligible.isoformat()))
        deliver_due(desk.sessions, transport, clock, desk.settings.zone)
        released = eligible + timedelta(hours=rng.choice([1, 3, 30, 60]))
        clock.set(released.replace(tzinfo=desk.settings.zone).astimezone(UTC))
        desk.check_clock()
        desk.record_event(CLERK, event(booking, "released", released.isoformat()))
    return ids


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink("127.0.0.1", 0)
    controller = start_smtp(sink)
    yield sink
    controller.stop()


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory, smtp: SmtpSink
) -> Iterator[tuple[Desk, Path, list[str]]]:
    """One desk with three months of traffic and its published report, shared by the module's
    tests (they only read it)."""
    tmp_path = tmp_path_factory.mktemp("published")
    settings = DeskSettings(home=tmp_path / "home", db=f"sqlite:///{tmp_path / 'r.db'}")
    initialise(settings)
    clock = SettableClock()
    desk = open_desk(settings, clock)
    ids = _traffic(desk, clock, smtp)
    clock.set(datetime(2017, 10, 15, tzinfo=UTC))
    # This desk has no jurisdiction, so it owes no statutory report: publish them all to test them.
    _, written = publish(
        desk, date(2017, 7, 1), date(2017, 9, 30), "month", statutory=load_formats()
    )
    yield desk, written[0].parent, ids
    desk.close()


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, str] = {}
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        key = dict(attrs).get("data-cell")
        if tag == "td" and key:
            self._key = key

    def handle_data(self, data: str) -> None:
        if self._key:
            self.cells[self._key] = self.cells.get(self._key, "") + data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._key = None


def _from_csv(folder: Path) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO((folder / "report.csv").read_text()))
    return {f"{r['table']}|{r['period']}|{r['category']}": r["shown"] for r in rows}


def cells_in_every_format(folder: Path) -> dict[str, str]:
    """The published cells read back from CSV, JSON, Parquet and HTML; they must agree."""
    from_csv = _from_csv(folder)
    document = json.loads((folder / "report.json").read_text())
    from_json = {
        f"{c['table']}|{c['period']}|{c['category']}": c["shown"] for c in document["cells"]
    }
    rows = duckdb.sql(f"SELECT * FROM read_parquet('{folder / 'report.parquet'}')").fetchall()
    from_parquet = {f"{t}|{p}|{c}": shown for t, p, c, _, shown in rows}
    parser = _Cells()
    parser.feed((folder / "index.html").read_text())
    assert from_csv == from_json == from_parquet == parser.cells
    return from_json


def test_same_numbers_in_every_format(published: tuple[Desk, Path, list[str]]) -> None:
    _, folder, _ = published
    from_json = cells_in_every_format(folder)
    assert len(from_json) > 50
    document = json.loads((folder / "report.json").read_text())
    counts = {f"{c['table']}|{c['period']}|{c['category']}": c["count"] for c in document["cells"]}
    for key, shown in from_json.items():
        assert (counts[key] is None) == (shown in ("<5", "suppressed"))
        if counts[key] is not None:
            assert str(counts[key]) == shown
    assert from_json["requests_by_kind|total|detainer"] == "60"
    assert "<5" in from_json.values() and "suppressed" in from_json.values()


def test_public_page_reads_headline_first_series_and_terms(
    published: tuple[Desk, Path, list[str]],
) -> None:
    from detainer_desk.publish.glossary import TABLE_NOTES, TERM_NOTES

    _, folder, _ = published
    page = (folder / "index.html").read_text()
    cells = _from_csv(folder)
    headline = page.index('id="headline"')
    assert headline < page.index("<table") and headline < page.index("<svg")
    figures = dict(
        (label, html.unescape(shown))
        for label, shown in re.findall(
            r'data-headline="([^"]+)"><span class="label">[^<]+</span>'
            r'<span class="figure">([^<]+)</span>',
            page,
        )
    )
    # every headline figure is a published cell, suppressed exactly as in the downloads
    assert figures["Requests received"] == cells["requests_by_kind|total|total"] == "60"
    for label, category in (
        ("Holds honoured", "decisions|total|hold_beyond_release: permit"),
        ("Holds denied", "decisions|total|hold_beyond_release: deny"),
        ("Release notices sent in time", "notifications|total|sent before release"),
    ):
        assert figures[label] == cells.get(category, "0"), label
    assert "Release notices pending" in figures and "queued but not yet delivered" in page
    for bucket in ("under 1 h", "6-24 h", "48 h or more"):
        shown = cells.get(f"notification_lead_times|total|{bucket}", "0")
        assert f"{bucket}: <strong>{html.escape(shown)}</strong>" in page
    sections = page.split('<section id="')[1:]
    months = ("2017-07", "2017-08", "2017-09")
    for section in sections:
        name = section.split('"', 1)[0]
        if name in ("headline", "verify"):
            continue
        assert html.escape(TABLE_NOTES[name], quote=False) in html.unescape(section) or (
            TABLE_NOTES[name] in html.unescape(section)
        ), name
        if "None in this period" in section:
            continue
        series = section.split("<svg", 1)[1].split("</svg>", 1)[0]
        assert all(m in series for m in months), name  # a monthly series, not one total bar
    holds = next(x for x in sections if x.startswith("holds"))
    assert holds.count("<svg") == 2 and "Hold length" in holds  # series and distribution
    notes = next(x for x in sections if x.startswith("notifications"))
    header = notes.split("<thead>", 1)[1].split("</thead>", 1)[0]
    for term in ("sent before release", "pending", "not possible", "failed"):
        if f">{term}<" in header:
            assert html.escape(TERM_NOTES[term]) in notes, term


def test_report_carries_a_verifiable_checkpoint(published: tuple[Desk, Path, list[str]]) -> None:
    _, folder, _ = published
    note = (folder / "checkpoint.txt").read_text()
    signed = read_checkpoint(note, (folder / "ledger-signing.pub").read_text())
    assert signed.size > 300
    assert json.loads((folder / "report.json").read_text())["ledger_checkpoint"] == note
    package = json.loads((folder / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} == {
        "report.csv",
        "report.json",
        "report.parquet",
        "report.db",
        "metadata.json",
        "checkpoint.txt",
    }


def test_datasette_serves_the_published_database(
    published: tuple[Desk, Path, list[str]],
) -> None:
    from detainer_desk.publish.glossary import TABLE_NOTES

    _, folder, _ = published
    cells = _from_csv(folder)
    port = free_port()
    log = (folder.parent / "datasette.log").open("w+b")
    command = [sys.executable, "-m", "datasette", "serve", str(folder)]
    server = subprocess.Popen(  # Datasette's configuration-directory mode: the folder as it is
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/-/versions.json", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                assert server.poll() is None, log.seek(0) or log.read().decode()
                assert time.monotonic() < deadline, "datasette did not start in 60 s"
                time.sleep(0.3)
        meta = httpx.get(f"{base}/-/metadata.json").json()
        assert meta["license"] == "CC-BY-4.0" and meta["source"] and meta["title"]
        tables = meta["databases"]["report"]["tables"]
        assert tables["requests_by_kind"]["units"] == {"count": "request"}
        assert tables["holds"]["units"] == {"count": "person"}
        assert tables["notifications"]["description"] == TABLE_NOTES["notifications"]
        listed = {t["name"] for t in httpx.get(f"{base}/report.json").json()["tables"]}
        document = json.loads((folder / "report.json").read_text())
        assert {c["table"] for c in document["cells"]} <= listed
        assert {"cells", "about_this_report", "statutory_nyc_doc_9_131"} <= listed
        rows = httpx.get(f"{base}/report/cells.json?_shape=array&_size=max").json()
        served = {f"{r['table']}|{r['period']}|{r['category']}": r["shown"] for r in rows}
        assert served == cells  # the same published cells, suppression included
        for row in rows:
            assert (row["count"] is None) == (row["shown"] in ("<5", "suppressed"))
        query = httpx.get(
            f"{base}/report.json",
            params={
                "sql": "select count from requests_by_kind "
                "where period = 'total' and category = 'total'",
                "_shape": "array",
            },
        ).json()
        assert query == [{"count": 60}]
        page = httpx.get(f"{base}/report/requests_by_kind")
        assert page.status_code == 200 and "Requests received, by kind" in page.text
        about = httpx.get(f"{base}/report/about_this_report.json?_shape=array").json()
        assert about[0]["ledger_checkpoint"] == (folder / "checkpoint.txt").read_text()
    finally:
        server.terminate()
        server.wait(10)
        log.close()


def test_no_booking_id_anywhere_in_the_outputs(published: tuple[Desk, Path, list[str]]) -> None:
    _, folder, ids = published
    for path in folder.iterdir():
        text = path.read_bytes().decode("utf-8", errors="replace")
        for booking_id in ids:
            assert booking_id not in text, (path.name, booking_id)


def test_report_cli_rejects_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    home = str(tmp_path / "h")
    runner.invoke(app, ["init", "--home", home])
    bad = runner.invoke(
        app, ["report", "--from", "2017-13-01", "--to", "2017-12-31", "--home", home]
    )
    assert bad.exit_code == 2 and "--from" in bad.stderr
    bad = runner.invoke(
        app,
        [
            "report",
            "--from",
            "2017-01-01",
            "--to",
            "2017-12-31",
            "--format",
            "docx",
            "--home",
            home,
        ],
    )
    assert bad.exit_code == 2 and "docx" in bad.stderr
    bad = runner.invoke(
        app,
        ["report", "--from", "2017-01-01", "--to", "2017-12-31", "--by", "week", "--home", home],
    )
    assert bad.exit_code == 2 and "week" in bad.stderr
    ok = runner.invoke(
        app,
        [
            "report",
            "--from",
            "2017-01-01",
            "--to",
            "2017-12-31",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "o"),
            "--home",
            home,
        ],
    )
    assert ok.exit_code == 0 and (tmp_path / "o" / "report.csv").exists()


def _serious(page: Any) -> list[str]:
    """axe-core (vendored by axe-playwright-python) on the page: serious or critical only."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _offline(page: Any, base: str) -> list[str]:
    """Abort every request that does not go to the local server; return what was tried."""
    tried: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(base):
            r.continue_()
        else:
            tried.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return tried


def _first_box_y(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["y"])


@pytest.mark.browser
def test_public_pages_in_chromium_offline_and_accessible(
    published: tuple[Desk, Path, list[str]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed: public page test NOT RUN")
    desk, _, ids = published
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serving(desk) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        outside = _offline(page, base)

        page.goto(f"{base}/public/")  # no login
        expect(page.get_by_role("heading", level=1)).to_contain_text("Immigration requests")
        headline = page.locator("#headline")
        expect(headline).to_be_visible()
        expect(headline.locator("[data-headline='Requests received'] .figure")).to_have_text("60")
        assert _first_box_y(page, "#headline") < _first_box_y(page, "svg[role=img]")
        assert _first_box_y(page, "#headline") < _first_box_y(page, "main table")
        charts = page.locator("svg[role=img]")
        assert charts.count() >= 8
        for i in range(charts.count()):
            expect(charts.nth(i)).to_be_visible()
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 150
        expect(page.locator("#requests_by_kind table")).to_contain_text("60")
        expect(page.locator("#checkpoint")).to_contain_text("detainer-desk")
        for name in ("report.csv", "report.json", "report.parquet", "report.db"):
            link = page.locator(f"a[href='{name}']")
            response = page.request.get(f"{base}/public/{name}")
            assert link.count() == 1 and response.ok and len(response.body()) > 100
        html_text = page.content()
        assert not any(booking_id in html_text for booking_id in ids)
        assert _serious(page) == []
        page.screenshot(path=str(SHOTS / "public-report.png"), full_page=True)

        page.goto(f"{base}/safe-city")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Operation Safe City")
        expect(page.locator("#headline")).to_contain_text("498")
        assert _first_box_y(page, "#headline") < _first_box_y(page, "#areas")
        denver = page.locator("tr[data-area='Denver']")
        expect(denver.locator("td[data-claimed]")).to_have_text("63")
        expect(denver.locator("td[data-definition='D1']")).to_have_text("yes")
        expect(page.locator("tr.retracted")).to_contain_text("retracted")
        expect(page.locator("#total")).to_have_text("498")
        assert not any(booking_id in page.content() for booking_id in ids)
        assert _serious(page) == []
        page.screenshot(path=str(SHOTS / "safe-city.png"), full_page=True)

        page.goto(f"{base}/classify?on=2017-09-28")
        expect(page.get_by_role("heading", level=1)).to_contain_text("sanctuaries")
        cell = page.locator("td[data-pack='federal'][data-definition='D1'] .answer")
        expect(cell).to_have_text("no provision authorizes")
        expect(page.locator("td[data-pack='denver'][data-definition='D1'] .answer")).to_have_text(
            "yes"
        )
        expect(page.locator("#D1")).to_be_visible()
        assert page.locator("ul.caveats li").count() >= 5
        assert not any(booking_id in page.content() for booking_id in ids)
        assert _serious(page) == []
        page.screenshot(path=str(SHOTS / "classify.png"), full_page=True)
        page.set_content('<html><body><img src="data:,"><p style="color:#eee">x</p></body></html>')
        assert _serious(page)  # the check itself can fail: an image without alt text
        browser.close()
    assert outside == []  # nothing was fetched from anywhere but the local server


@pytest.mark.data
def test_statutory_format_sources_trace_to_the_fact_sheet() -> None:
    from detainer_desk.publish.statutory import load_formats

    if not FACT_SHEET.exists():
        pytest.skip(f"the law fact sheet is not at {FACT_SHEET}: citations NOT CHECKED")
    sheet = FACT_SHEET.read_text()
    for fmt in load_formats():
        assert fmt.source and f"`{fmt.source}`" in sheet, fmt.id


def test_statutory_formats_are_written_cited_and_suppressed_by_group(
    published: tuple[Desk, Path, list[str]],
) -> None:
    from detainer_desk.publish.statutory import load_formats

    _, folder, _ = published
    ids = {f.id for f in load_formats()}
    assert {
        "nypd-civil-immigration-detainers",
        "nyc-doc-9-131",
        "nyc-probation-9-205",
        "nyc-10-178-quarterly",
        "california-truth-act-forum",
    } <= ids
    for fmt in load_formats():
        result = json.loads((folder / f"statutory-{fmt.id}.json").read_text())
        assert result["cite"] and result["rows"]
        for row in result["rows"]:
            for group in fmt.groups:
                shown = [row[f.name] for f in group]
                if any(v in ("<5", "suppressed") for v in shown):
                    assert all(v in ("<5", "suppressed") for v in shown), (fmt.id, row)
    nypd = json.loads((folder / "statutory-nypd-civil-immigration-detainers.json").read_text())
    probation = json.loads((folder / "statutory-nyc-probation-9-205.json").read_text())
    for row in probation["rows"]:
        if row["detainers_received"].isdigit():
            assert int(row["detainers_received"]) == int(row["detainers_honored"]) + int(
                row["detainers_not_honored"]
            )
    assert (
        sum(int(r["detainers_received"]) for r in nypd["rows"] if r["detainers_received"].isdigit())
        <= 60
    )


def test_public_comparison_of_every_pack(published: tuple[Desk, Path, list[str]]) -> None:
    from fastapi.testclient import TestClient

    from detainer_desk.classify import load_definitions
    from detainer_desk.web.app import create_app

    desk, _, _ = published
    with TestClient(create_app(desk, worker=False)) as client:
        page = client.get("/classify?on=2017-09-28")
        assert page.status_code == 200
        for pack in desk.library.names():
            assert f'<th scope="row">{pack}' in page.text
        assert "D.R.M.C. § 28-253" in page.text
        federal = page.text.split('<th scope="row">federal', 1)[1].split("</tr>", 1)[0]
        assert (
            'data-definition="D1"><span class="answer answer-no-provision-authorizes">' in federal
        )
        for definition in load_definitions():  # every caveat and source key is on the page
            assert all(str(escape(c)) in page.text for c in definition.caveats)
            assert all(f"<code>{key}</code>" in page.text for key in definition.sources)
        assert "#a51d1d" not in page.text and "#0a6b2d" not in page.text  # no alarm colours
        one = client.get("/api/classify/texas?on=2017-09-28").json()
        assert [v["sanctuary"] for v in one["verdicts"]] == [False] * len(one["verdicts"])
        bad = client.get("/classify?on=yesterday")
        assert bad.status_code == 422 and bad.json()["field"] == "on"
