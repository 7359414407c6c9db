"""`detainer-desk demo-desk`: a desk built from nothing with Pierce County's bookings as events."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from detainer_desk.cli import app
from detainer_desk.desk import DeskSettings, open_desk
from detainer_desk.desk.tables import Booking, FederalRequest
from detainer_desk.ledger.log import verify_database
from tests.helpers import SHARED

DATA = SHARED / "data" / "pierce"


@pytest.mark.data
@pytest.mark.skipif(not DATA.exists(), reason="../shared/data/pierce is not here: NOT RUN")
def test_demo_desk_loads_real_bookings_and_prints_a_login(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo-desk", str(DATA), "--home", str(home), "--agency-office", "Records, Tacoma"]
    )
    assert result.exit_code == 0, result.stderr
    assert "log in with token: dd_" in result.stdout and "refused 0" in result.stdout
    desk = open_desk(DeskSettings(home=home))
    # The desk runs on the data's clock: "now" is the end of its data period, not today.
    start = desk.settings.clock_starts_at
    assert start is not None and start.year < 2020 and desk.clock.now() - start < timedelta(hours=1)
    assert desk.settings.agency_office == "Records, Tacoma"
    assert desk.settings.jurisdiction == "washington"
    assert desk.check_clock()["redecided"] == 0  # nothing re-decided under a later law
    with desk.sessions() as session:
        bookings = session.execute(select(func.count()).select_from(Booking)).scalar_one()
        requests = session.execute(select(func.count()).select_from(FederalRequest)).scalar_one()
        in_custody = session.execute(
            select(func.count()).select_from(Booking).where(Booking.released_at.is_(None))
        ).scalar_one()
        verify_database(session, desk.settings.public_key_path.read_text())
    desk.close()
    assert bookings == requests == 109  # the study's bookings with ICE holds
    assert in_custody == 0
    from tests.publish.test_reports import cells_in_every_format

    cells = cells_in_every_format(home / "published")  # the public report, same in every format
    assert cells["requests_by_kind|total|detainer"] == "109"
    published = "".join(p.read_text(errors="replace") for p in (home / "published").iterdir())
    assert "pierce-" not in published  # no booking id of the data
    # A Washington desk owes no New York City or California statutory report.
    assert not list((home / "published").glob("statutory-*"))
