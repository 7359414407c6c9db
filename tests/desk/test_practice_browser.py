"""The public /practice page in headless Chromium: map, table, chart, axe-core, 375 px."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk

from .conftest import serving
from .test_ui_browser import ARGS, CHROMIUM, SHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it): UI tests NOT RUN")
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'practice.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2025, 6, 1, 12, tzinfo=UTC)))
    with serving(desk) as url:
        yield url
    desk.close()


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_practice_page_map_table_chart_accessible_and_narrow(base: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        response = page.goto(f"{base}/practice")
        assert response is not None and response.status == 200
        expect(page.get_by_role("heading", level=1)).to_contain_text("declining")
        tile_map = page.get_by_role("list", name="The law of the hold on 2015-07-19")
        expect(tile_map.get_by_role("listitem")).to_have_count(51)
        expect(page.locator("#tile-map")).to_contain_text("California: hold forbidden")
        expect(page.locator("#total-issued")).to_have_text("79,053")
        expect(page.locator("#total-declined")).to_have_text("5,501")
        expect(page.locator("#states tbody tr")).to_have_count(
            56
        )  # 50 states, DC, 4 territories, "no state"
        expect(page.get_by_role("img", name="ICE detainers per month")).to_be_visible()
        expect(page.locator("svg.chart rect")).not_to_have_count(0)
        expect(page.locator(".caveats")).to_contain_text("compliance with that law, not defiance")
        page.screenshot(path=str(SHOTS / "practice.png"), full_page=True)
        assert _serious(page) == []
        # sortable without JavaScript: a link reloads the table in another order
        page.get_by_role("link", name="declined", exact=True).click()
        first = page.locator("#states tbody tr").first
        expect(first).to_have_attribute("data-state", "CA")
        narrow = browser.new_page(viewport={"width": 375, "height": 800})
        narrow.goto(f"{base}/practice")
        width = narrow.evaluate("document.documentElement.scrollWidth")
        assert width == 375, width
        expect(narrow.locator("#tile-map li").first).to_be_visible()
        narrow.screenshot(path=str(SHOTS / "practice-375.png"), full_page=True)
        assert _serious(narrow) == []
        browser.close()
