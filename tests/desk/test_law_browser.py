"""The public /law page in headless Chromium: the tile map on two dates, and what changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk

from .conftest import serving
from .test_ui_browser import ARGS, CHROMIUM, SHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it): UI tests NOT RUN")
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'law.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2025, 6, 1, 12, tzinfo=UTC)))
    with serving(desk) as url:
        yield url
    desk.close()


def _tiles(page: object) -> dict[str, str]:
    holds: dict[str, str] = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#tile-map li", "els => Object.fromEntries(els.map(e => [e.dataset.state, e.dataset.hold]))"
    )
    return holds


def test_law_page_tile_map_differs_where_the_law_changed(base: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        maps = {}
        for day in ("2017-09-28", "2025-06-01"):
            page.goto(f"{base}/law?on={day}")
            expect(page.get_by_role("heading", level=1)).to_contain_text(day)
            tile_map = page.get_by_role("list", name="Holds on an ICE detainer, by state")
            expect(tile_map).to_be_visible()
            expect(tile_map.get_by_role("listitem")).to_have_count(51)
            page.screenshot(path=str(SHOTS / f"law-{day}.png"), full_page=True)
            maps[day] = _tiles(page)
        # The label, not the colour alone, says what the law is.
        expect(page.locator("#tile-map")).to_contain_text(
            "Florida: hold permitted on an ICE detainer"  # § 908.105 text unread (§0.4)
        )
        expect(page.locator("#place-FL")).to_contain_text("Fla. Stat. § 908.105")
        page.goto(f"{base}/law?on=2017-09-28")
        expect(page.locator("#tile-map")).to_contain_text(
            "Florida: no provision authorizes a hold (denied by default)"
        )
        expect(page.locator("#tile-map")).to_contain_text("Texas: hold required on an ICE detainer")
        response = page.goto(f"{base}/law?on=28-09-2017")
        assert response is not None and response.status == 422
        browser.close()
    before, after = maps["2017-09-28"], maps["2025-06-01"]
    assert len(before) == len(after) == 51
    changed = {code for code in before if before[code] != after[code]}
    assert {"FL", "IA", "TN", "NC", "CO", "WA"} <= changed, changed
    # Georgia: permitted under § 42-4-14(d) (2010) and again under HB 1105 (text unread, §0.4)
    assert before["GA"] == after["GA"] == "permitted"
    assert before["FL"] == "no_authority" and after["FL"] == "permitted"
    assert before["TX"] == after["TX"] == "required"  # SB 4's mandate from 2017-09-25 on
    assert before["OH"] == after["OH"] == "no_authority"  # Ohio: no statute, the federal baseline
    assert "not_encoded" not in set(before.values()) | set(after.values())  # every state has a pack


def test_law_pages_pass_axe_and_the_changes_feed_is_linked(base: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    from .test_clerk_day import Accessibility

    axe = Accessibility()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(f"{base}/law?on=2026-12-05")
        expect(page.locator("#coverage tbody tr:not(.local)[id^=place-]")).to_have_count(51)
        expect(page.get_by_role("heading", name="Standing duties of the agency in force on "
                                "2026-12-05")).to_be_visible()  # fmt: skip
        axe.check(page, "law")
        page.get_by_role("link", name="Every change of law, newest first").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Changes of the law")
        expect(page.locator("#changes > li").first).to_be_visible()
        page.get_by_label("Place").fill("Travis County, TX")
        page.get_by_label("Since").fill("2017-01-01")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#place")).to_contain_text(
            "Travis County, Texas; law of travis-county → texas → federal"
        )
        expect(page.locator("#changes")).to_contain_text("SB 4")
        page.screenshot(path=str(SHOTS / "law-changes-travis.png"), full_page=True)
        axe.check(page, "law-changes")
        browser.close()
    assert axe.pages == 2
    assert axe.found == []
