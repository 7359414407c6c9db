"""The law in force follows the jail's local calendar day, whatever offset a time is written in."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detainer_desk import Action, Effect, decide
from detainer_desk.errors import InputError, NoVersionInForceError
from detainer_desk.law import default_library
from detainer_desk.law.decide import decision_day
from detainer_desk.request.document import parse_request
from tests.helpers import article_request

LIB = default_library()
PACKS = LIB.names()
AUSTIN = ZoneInfo("America/Chicago")


def _document(pack: str, received_at: str, **agency: Any) -> dict[str, Any]:
    doc = article_request(jurisdiction=pack, received_at=received_at)
    if agency:
        doc["agency"] = agency
    return doc


def _version_or_none(pack: str, day: date) -> date | None:
    version = LIB.pack(pack).version_on(day)
    return version.from_ if version else None


def _decided_version(doc: dict[str, Any]) -> date | None:
    try:
        decision = decide(doc, actions=[Action.hold_beyond_release])
    except NoVersionInForceError:
        return None
    assert decision.pack is not None
    return decision.pack.version


offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: timedelta(minutes=15 * q))
instants = st.datetimes(
    min_value=datetime(2011, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(pack=st.sampled_from(PACKS), instant=instants, offset=offsets)
def test_any_offset_gives_the_version_of_the_local_date(
    pack: str, instant: datetime, offset: timedelta
) -> None:
    written = instant.astimezone(timezone(offset)).isoformat()
    local_day = instant.astimezone(LIB.pack(pack).manifest.zone).date()
    document = parse_request(_document(pack, written))
    assert decision_day(document, None, LIB) == local_day
    assert decision_day(document, instant, LIB) == local_day
    assert _decided_version(_document(pack, written)) == _version_or_none(pack, local_day)


def _boundaries() -> list[tuple[str, date]]:
    return [
        (name, v.from_)
        for name in PACKS
        for v in LIB.pack(name).manifest.versions
        if v.from_ > date(2011, 1, 1)
    ]


@pytest.mark.parametrize(("pack", "effective"), _boundaries(), ids=lambda v: str(v))
def test_23_30_local_the_day_before_an_effective_date_is_the_old_law(
    pack: str, effective: date
) -> None:
    zone = LIB.pack(pack).manifest.zone
    before = datetime.combine(effective - timedelta(days=1), time(23, 30), zone)
    after = datetime.combine(effective, time(0, 30), zone)
    for moment, day in ((before, effective - timedelta(days=1)), (after, effective)):
        for written in (moment.isoformat(), moment.astimezone(UTC).isoformat()):
            assert _decided_version(_document(pack, written)) == _version_or_none(pack, day)
    assert _version_or_none(pack, effective) == effective


AUSTIN_INSTANT = datetime(2017, 9, 24, 23, 30, tzinfo=AUSTIN)


@pytest.mark.parametrize(
    "written",
    [
        "2017-09-24T23:30:00-05:00",
        "2017-09-25T04:30:00Z",
        "2017-09-25T04:30:00+00:00",
        "2017-09-25T13:30:00+09:00",
        "2017-09-24T23:30:00",
    ],
)
def test_the_austin_instant_gets_one_answer_whatever_its_offset(written: str) -> None:
    decision = decide(_document("texas", written))
    hold = decision.action(Action.hold_beyond_release)
    assert decision.decided_on == date(2017, 9, 24)
    assert (hold.effect, hold.required) == (Effect.deny, False)
    assert decision.pack is not None and decision.pack.version == date(2017, 9, 1)


def test_on_as_an_instant_is_converted_to_the_local_date() -> None:
    doc = _document("texas", "2017-09-27T08:00:00")
    instant = AUSTIN_INSTANT.astimezone(UTC)
    assert decide(doc, on=instant).decided_on == date(2017, 9, 24)
    assert decide(doc, on=instant + timedelta(hours=1)).decided_on == date(2017, 9, 25)


def test_an_agency_may_keep_its_own_zone() -> None:
    """El Paso keeps Mountain time: 23:30 in El Paso is already the next day in Austin."""
    el_paso = datetime(2017, 9, 24, 23, 30, tzinfo=ZoneInfo("America/Denver"))
    written = el_paso.astimezone(UTC).isoformat()
    austin = decide(_document("texas", written))
    mountain = decide(_document("texas", written, time_zone="America/Denver"))
    assert austin.decided_on == date(2017, 9, 25)
    assert austin.action(Action.hold_beyond_release).required
    assert mountain.decided_on == date(2017, 9, 24)
    assert mountain.action(Action.hold_beyond_release).effect is Effect.deny


def test_an_unknown_agency_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as caught:
        decide(_document("texas", "2017-09-27T08:00:00", time_zone="Mars/Olympus"))
    assert caught.value.field == "agency.time_zone"


def test_cli_on_accepts_an_instant(tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(_document("texas", "2017-09-27T08:00:00")))
    answers = []
    for on in ("2017-09-25T04:30:00Z", "2017-09-24T23:30:00-05:00", "2017-09-24"):
        done = subprocess.run(
            [sys.executable, "-m", "detainer_desk.cli", "decide", str(path), "--on", on, "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        answers.append(json.loads(done.stdout)["actions"][0])
    assert answers[0] == answers[1] == answers[2] and answers[0]["effect"] == "deny"
    bad = subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", "decide", str(path), "--on", "yesterday"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "--on" in bad.stderr
