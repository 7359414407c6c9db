"""The staff UI in headless Chromium (Debian `chromium`, driven by Playwright).

Screenshots go to build/test-output/screenshots/ for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk

from ..helpers import CHROMIUM
from .conftest import serving
from .helpers import DENVER_OFFICE, booked, detainer, event

SHOTS = Path(__file__).resolve().parents[2] / "build" / "test-output" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN = Actor("setup", Role.supervisor)

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Desk]]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it): UI tests NOT RUN")
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'ui.db'}")
    initialise(settings)
    clock = SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC))
    desk = open_desk(settings, clock)
    desk.record_event(ADMIN, booked("UI-1", "denver"))
    desk.receive_request(ADMIN, detainer("UI-1", "denver", DENVER_OFFICE))
    desk.record_event(ADMIN, event("UI-1", "release_eligible", "2017-09-27T06:00:00"))
    clock.set(datetime(2017, 9, 28, tzinfo=UTC))
    desk.check_clock()
    with serving(desk) as base:
        yield base, desk
    desk.close()


def test_staff_ui_queue_decision_override_alarm(served: tuple[str, Desk], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, desk = served
    token = desk.create_token("sam", "supervisor")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base}/ui/")
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        page.get_by_label("API token").fill("wrong")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("unknown or revoked")
        page.get_by_label("API token").fill(token)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Request queue")).to_be_visible()
        page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)

        page.get_by_role("link", name="1", exact=True).click()
        decision = page.locator("#decision")
        expect(decision).to_contain_text("hold beyond release")
        expect(decision).to_contain_text("D.R.M.C.")  # the Denver ordinance is cited
        page.screenshot(path=str(SHOTS / "request.png"), full_page=True)

        # the override form presets nothing: action and effect must be chosen
        expect(page.get_by_label("Action")).to_have_value("")
        expect(page.get_by_label("Effect")).to_have_value("")
        page.get_by_label("Action").select_option("notify_release")
        page.get_by_label("Effect").select_option("deny")
        page.get_by_label("Reason (required)").fill("Counsel advised: notice not requested here.")
        page.get_by_role("button", name="Override").click()
        expect(page.locator("#decision")).to_contain_text("overridden; decided permit")

        page.get_by_role("link", name="UI-1").click()
        expect(page.locator("#timeline")).to_contain_text("release_eligible")
        page.screenshot(path=str(SHOTS / "booking.png"), full_page=True)

        page.get_by_role("link", name="Alarms").click()
        expect(page.locator("#alarms")).to_contain_text("held after release eligible")
        page.get_by_label("note").fill("released at 07:10, late; reported")
        page.get_by_role("button", name="Acknowledge").click()
        expect(page.locator("#alarms")).to_contain_text("supervisor:sam: released at 07:10")
        page.screenshot(path=str(SHOTS / "alarms.png"), full_page=True)
        browser.close()
    assert (SHOTS / "request.png").stat().st_size > 10_000


def test_public_token_cannot_open_the_queue(served: tuple[str, Desk]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, desk = served
    token = desk.create_token("anyone", "public")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{base}/ui/login")
        page.get_by_label("API token").fill(token)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("may not read queue")
        browser.close()


def test_api_docs_render_with_the_network_blocked(served: tuple[str, Desk]) -> None:
    """Swagger UI comes from the desk itself: every request off 127.0.0.1 is aborted."""
    from playwright.sync_api import Route, expect, sync_playwright

    base, _ = served
    blocked: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.route("**/*", only_local)
        page.goto(f"{base}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Detainer Desk")
        expect(page.get_by_text("/api/requests/{request_id}/amend").first).to_be_visible()
        page.screenshot(path=str(SHOTS / "docs-offline.png"))
        browser.close()
    assert blocked == []  # nothing even tried to leave the machine
