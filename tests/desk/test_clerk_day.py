"""A clerk's whole day in Chromium, on a fresh desk: log in, read an I-247A PDF into the form,
confirm it, see the decision with its citations, tick one of its conditions as met (ledgered,
shown with who and when), record release eligibility from the booking page, see the
notification go out (a real SMTP server), acknowledge the alarm. The same day on a Texas desk
shows the required hold and Central time. axe-core checks every page on the way.

Screenshots: build/test-output/screenshots/clerk-day-<jurisdiction>-NN-<page>.png
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.worker import Schedule
from detainer_desk.ledger.tables import LedgerEntry
from tests.ice_paper import PERSON_SECRETS, i247a_pdf

from .conftest import SmtpSink, free_port
from .helpers import DENVER_OFFICE, TEXAS_OFFICE
from .test_ui_browser import ARGS, CHROMIUM, SHOTS

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Day:
    jurisdiction: str
    office: str
    zone_abbreviation: str
    cited: str  # a citation the decision must show
    hold: str  # how the hold reads on the decision page
    release_at: str  # release eligibility, typed in desk time
    alarm_at: datetime  # when the clock has moved on enough for the alarm
    alarm: str


DAYS = [
    Day(
        "denver",
        DENVER_OFFICE,
        "MDT",
        "D.R.M.C.",
        "deny",
        "2017-09-27T08:00",
        datetime(2017, 9, 27, 17, tzinfo=UTC),  # 3 h after 08:00 MDT, still in custody
        "held after release eligible",
    ),
    Day(
        "texas",
        TEXAS_OFFICE,
        "CDT",
        "Tex. Code Crim. Proc. art. 2.251",
        "required",
        "2017-09-27T08:00",
        datetime(2017, 9, 29, 9, tzinfo=UTC),  # 4 h before the 48-hour hold ends
        "hold deadline approaching",
    ),
]


@contextmanager
def serving_with_worker(desk: Desk) -> Iterator[str]:
    """The app with its worker (fast schedule) on a free loopback port."""
    import uvicorn

    from detainer_desk.web.app import create_app

    port = free_port()
    app = create_app(desk, worker=True, schedule=Schedule(0.2, 0.3, 900))
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


class Accessibility:
    """axe-core (axe-playwright-python) on each page; serious and critical violations kept."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.found: list[str] = []
        self.pages = 0

    def check(self, page: Any, name: str) -> None:
        results = self.axe.run(page)
        self.pages += 1
        for v in results.response["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"]][:3]
                self.found.append(f"{name}: {v['id']} ({v['impact']}): {v['help']} {targets}")


@pytest.mark.parametrize("day", DAYS, ids=[d.jurisdiction for d in DAYS])
def test_a_clerks_day(day: Day, tmp_path: Path, smtp: SmtpSink) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it): NOT RUN")
    settings = DeskSettings(
        home=tmp_path / "desk",
        db=f"sqlite:///{tmp_path / 'desk.db'}",
        jurisdiction=day.jurisdiction,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
    )
    initialise(settings)  # a fresh desk; its clock is the jurisdiction's
    clock = SettableClock(datetime(2017, 9, 27, 14, 30, tzinfo=UTC))
    desk = open_desk(DeskSettings(home=settings.home, db=settings.db, smtp_port=smtp.port), clock)
    supervisor, clerk = desk.create_token("sam", "supervisor"), desk.create_token("kim", "clerk")
    paper = tmp_path / "i247a.pdf"
    paper.write_bytes(i247a_pdf(office=day.office))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = 0

    def snap(page: Any, name: str) -> None:
        nonlocal shot
        shot += 1
        page.screenshot(
            path=str(SHOTS / f"clerk-day-{day.jurisdiction}-{shot:02}-{name}.png"), full_page=True
        )

    axe = Accessibility()
    with serving_with_worker(desk) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def log_in(token: str) -> None:
            page.goto(f"{base}/ui/login")
            axe.check(page, "login")
            page.get_by_label("API token").fill(token)
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("heading", name="Request queue")).to_be_visible()

        # The supervisor says where the office's notifications go, then hands over.
        log_in(supervisor)
        page.get_by_role("link", name="Offices").click()
        axe.check(page, "offices")
        page.get_by_label("Office name").fill(day.office)
        page.get_by_label("Address").fill("ero@ice.example")
        page.get_by_role("button", name="Save office").click()
        expect(page.locator("#offices")).to_contain_text("ero@ice.example")
        page.get_by_role("link", name="Tokens").click()
        axe.check(page, "tokens")
        page.get_by_role("button", name="Log out").click()

        # The clerk's day.
        log_in(clerk)
        expect(page.locator("#desk-clock")).to_contain_text(day.zone_abbreviation)
        axe.check(page, "queue (empty)")
        page.get_by_role("link", name="New request").click()
        page.get_by_label("I-247A / I-200 PDF").set_input_files(str(paper))
        page.get_by_role("button", name="Read the PDF").click()
        expect(page.locator("#paper-result")).to_contain_text("Pre-filled")
        expect(page.get_by_label("biometric confirmation and database checks")).to_be_checked()
        expect(page.get_by_label("Warrant kind")).to_have_value("administrative_I200")
        expect(page.get_by_label("Requesting office")).to_have_value(day.office)
        expect(page.get_by_label("Issue date")).to_have_value("2017-09-26")
        assert not any(secret in page.content() for secret in PERSON_SECRETS)
        axe.check(page, "new request (pre-filled)")
        snap(page, "prefilled")
        page.get_by_label("Issue date").fill("")  # a slip: the booking id is still empty
        page.evaluate("document.getElementById('request-form').noValidate = true")
        page.get_by_role("button", name="Save and decide").click()
        expect(page.locator("#booking_id-error")).to_be_visible()  # the model's own message
        expect(page.get_by_label("Warrant kind")).to_have_value("administrative_I200")  # kept
        axe.check(page, "new request (field errors)")
        page.get_by_label("Booking id").fill(f"{day.jurisdiction.upper()}-0927")
        page.get_by_label("Issue date").fill("2017-09-26")
        page.get_by_role("button", name="Save and decide").click()

        decision = page.locator("#decision")
        expect(decision).to_contain_text(day.cited)
        expect(decision.locator("tr", has_text="hold beyond release")).to_contain_text(day.hold)
        axe.check(page, "decision")
        snap(page, "decision")

        # The decision's conditions, once, as a checklist: tick the first one met, with a note.
        checklist = page.locator("#conditions-checklist")
        checklist.get_by_role("checkbox").first.check()
        checklist.get_by_label("How it was met (optional)").first.fill("Advised at the desk.")
        page.get_by_role("button", name="Record the ticked conditions as met").click()
        ticked = checklist.locator("tr", has_text="ticked by clerk:kim")
        expect(ticked).to_contain_text("Advised at the desk.")
        expect(ticked).to_contain_text(day.zone_abbreviation)  # when, in desk time
        axe.check(page, "decision (a condition ticked)")
        snap(page, "condition-ticked")

        page.get_by_role("link", name=f"{day.jurisdiction.upper()}-0927").first.click()
        page.locator("#event-at").fill(day.release_at)
        page.get_by_label("Release reason").select_option("bond_posted")
        page.get_by_role("button", name="Release eligible").click()
        expect(page.locator("#timeline")).to_contain_text("release_eligible")
        deadline = time.monotonic() + 15
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(smtp.messages) == 1, "the release notification did not go out"
        assert smtp.messages[0]["To"] == "ero@ice.example"
        page.reload()
        expect(page.locator("#timeline")).to_contain_text("release notification sent")
        axe.check(page, "booking")
        snap(page, "booking")

        clock.set(day.alarm_at)  # the worker's hold clock raises the alarm
        deadline = time.monotonic() + 15
        while not desk.alarms(desk.actor_for(clerk)) and time.monotonic() < deadline:
            time.sleep(0.1)
        # The desk's clock jumped to the alarm: a UI session lasts `session_hours` (8) on that
        # clock, so the clerk of the later shift logs in again.
        log_in(clerk)
        page.get_by_role("link", name="Alarms").click()
        row = page.locator("#alarms tbody tr", has_text=day.alarm)
        expect(row).to_contain_text(day.zone_abbreviation)
        expect(row).to_contain_text("left" if day.jurisdiction == "texas" else "overdue by")
        axe.check(page, "alarms")
        snap(page, "alarm")
        row.get_by_label("note").fill("Checked with the shift sergeant; handled.")
        row.get_by_role("button", name="Acknowledge").click()
        expect(page.locator("#alarms")).to_contain_text("clerk:kim: Checked with the shift")
        page.get_by_role("link", name="Requests").click()
        expect(page.locator("#queue")).to_contain_text(f"{day.jurisdiction.upper()}-0927")
        axe.check(page, "queue")
        snap(page, "queue")
        browser.close()
    with desk.sessions() as session:
        bodies = [e.body for e in session.execute(select(LedgerEntry)).scalars()]
    desk.close()
    digest = hashlib.sha256(paper.read_bytes()).hexdigest()
    assert sum('"paper_received"' in b and digest in b for b in bodies) == 1  # proof of receipt
    assert sum('"kind":"condition_met"' in b for b in bodies) == 1  # the one tick, ledgered
    assert not any(secret in b for b in bodies for secret in PERSON_SECRETS)
    assert not list(settings.home.rglob("*.pdf"))  # the paper itself was never kept
    assert axe.pages >= 10
    assert axe.found == [], "\n".join(axe.found)
