"""How current the law is (verified-through), the agency's standing duties, and the changes feed,
on a temporary copy of the Texas chain whose manifests the tests edit (a test duty, not law)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from detainer_desk.coverage import coverage
from detainer_desk.coverage.changes import changes, changes_document
from detainer_desk.law.decide import decide
from detainer_desk.law.pack import PolicyLibrary
from tests.coverage.helpers import texas_chain_with_duties
from tests.helpers import ROOT

EXAMPLE = ROOT / "examples" / "denver-i247a-i200-2017-09-27.json"
ATOM = "{http://www.w3.org/2005/Atom}"
TEST_DUTIES = """\
duties:
  - id: test.tx.seek-287g
    text: "Test duty: the sheriff must request a 287(g) agreement by the deadline and report."
    cite: "Test Code § 1 <a test duty> & not law"
    source: TEST_KEY
    confidence: verified
    effective: 2026-09-01
    due: 2026-12-01
    applies_to: sheriff
  - id: test.tx.old-report
    text: "Test duty: an old report, repealed before 2026-12-05."
    cite: "Test Code § 2"
    source: TEST_KEY
    confidence: secondary
    effective: 2020-01-01
    repealed: 2026-01-01
"""


def _set(manifest: Path, field: str, value: str) -> None:
    text = re.sub(rf"(?m)^{field}:.*$", f"{field}: {value}", manifest.read_text(), count=1)
    manifest.write_text(text)


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = texas_chain_with_duties(tmp_path_factory.mktemp("packs"), TEST_DUTIES)
    _set(folder / "federal" / "manifest.yaml", "verified_through", "2026-12-05")
    _set(folder / "texas" / "manifest.yaml", "verified_through", "2026-06-30")
    _set(folder / "travis-county" / "manifest.yaml", "verified_through", "2026-12-05")
    return folder


@pytest.fixture(scope="module")
def library(packs: Path) -> PolicyLibrary:
    return PolicyLibrary.load(packs)


def _document(jurisdiction: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(EXAMPLE.read_text())
    document["jurisdiction"] = jurisdiction
    return document


def test_a_decision_carries_the_earliest_verified_through_of_its_chain(
    library: PolicyLibrary,
) -> None:
    on_the_day = decide(_document("48453"), on=date(2026, 6, 30), library=library).to_dict()
    assert on_the_day["pack"]["verified_through"] == "2026-06-30"
    assert on_the_day["pack"]["verified_through_by_pack"] == {
        "travis-county": "2026-12-05",
        "texas": "2026-06-30",
        "federal": "2026-12-05",
    }
    assert on_the_day["law_may_have_changed"] is False
    assert on_the_day["currency_note"] == "the law was verified through 2026-06-30"
    later = decide(_document("48453"), on=date(2026, 7, 1), library=library)
    assert later.law_may_have_changed
    assert later.currency_note == (
        "the law was verified through 2026-06-30; this decision is for 2026-07-01, later: the "
        "law may have changed since — check for new law before relying on it"
    )


def test_duties_in_force_follow_their_dates_and_the_chain(library: PolicyLibrary) -> None:
    ids = lambda on: [(p, d.id) for p, d in library.duties("Travis County, TX", on)]  # noqa: E731
    assert ids(date(2025, 12, 31)) == [("texas", "test.tx.old-report")]
    assert ids(date(2026, 1, 1)) == []  # repealed that day
    assert ids(date(2026, 8, 31)) == []
    assert ids(date(2026, 9, 1)) == [("texas", "test.tx.seek-287g")]
    assert [d.id for _, d in library.duties("federal", date(2026, 9, 1))] == []


def test_coverage_lists_51_places_verified_through_and_duties(library: PolicyLibrary) -> None:
    result = coverage(date(2026, 12, 5), library).to_dict()
    assert len(result["states"]) == 51
    texas = next(s for s in result["states"] if s["code"] == "TX")
    assert texas["verified_through"] == "2026-06-30"
    assert next(s for s in result["states"] if s["code"] == "OH")["verified_through"] is None
    packs = {p["pack"]: p for p in result["packs"]}
    assert [d["id"] for d in packs["texas"]["duties_in_force"]] == ["test.tx.seek-287g"]
    assert packs["texas"]["duties_in_force"][0]["due"] == "2026-12-01"
    assert packs["travis-county"]["duties_in_force"] == []  # its state's duty is the state's
    assert packs["travis-county"]["verified_through"] == "2026-12-05"
    assert packs["travis-county"]["chain_verified_through"] == "2026-06-30"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", "policy", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_coverage_on_2026_12_05_lists_the_duties_in_force(packs: Path) -> None:
    done = _cli("coverage", "--on", "2026-12-05", "--packs-dir", str(packs))
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "Standing duties of the agency in force on 2026-12-05" in text
    assert "Test Code § 1" in text and "2026-12-01" in text and "Test Code § 2" not in text
    assert "Arizona" in text and "Ohio" in text  # every state listed, encoded or not
    before = _cli("coverage", "--on", "2026-08-01", "--packs-dir", str(packs))
    assert "No standing duty of the agency in force on 2026-08-01." in before.stdout


def test_changes_are_newest_first_with_citations(library: PolicyLibrary) -> None:
    found = changes(library)
    days = [c.on for c in found]
    assert days == sorted(days, reverse=True)
    assert len({c.entry_id for c in found}) == len(found)
    sb4 = next(c for c in found if c.pack == "texas" and c.on == date(2017, 9, 1))
    assert sb4.citations == (
        "Tex. Gov't Code § 752.053(b)(3)",
        "Tex. Gov't Code § 752.053(b)(4)",
        "Tex. Gov't Code § 752.053(b)(2)",
    )
    # the duty's own dates start no version of texas: entries of their own
    duty = next(c for c in found if c.pack == "texas" and c.on == date(2026, 9, 1))
    assert duty.kind == "rule" and [x.id for x in duty.changes] == ["test.tx.seek-287g"]
    assert duty.changes[0].duty
    # the county's entries name the state's rules changing the same day
    travis = next(c for c in found if c.pack == "travis-county" and c.on == date(2017, 9, 25))
    assert {x.pack for x in travis.changes} >= {"texas"}
    since = changes(library, since=date(2026, 1, 1))
    assert [(c.pack, c.on.isoformat()) for c in since] == [
        ("texas", "2026-09-01"),
        ("travis-county", "2026-01-01"),  # SB 8's version of texas, met by the county's
        ("texas", "2026-01-01"),
    ]


def test_changes_for_a_place_keep_to_its_chain(library: PolicyLibrary) -> None:
    document = changes_document(library, date(2017, 9, 1), "48201")
    assert document["place"]["pack"] == "texas"
    assert {c["pack"] for c in document["changes"]} == {"texas"}  # federal: none since 2017-09


def test_cli_changes_json_and_text(packs: Path) -> None:
    done = _cli("changes", "--since", "2017-09-01", "--json", "--packs-dir", str(packs))
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["format"] == "detainer-desk/changes/v1"
    firsts = [(c["pack"], c["effective"]) for c in document["changes"]][:2]
    assert firsts == [("texas", "2026-09-01"), ("travis-county", "2026-01-01")]
    text = _cli("changes", "--since", "2017-09-25", "--place", "Travis County, TX")
    assert text.returncode == 0
    assert "2017-09-25 travis-county:" in text.stdout and "2017-09-25 texas:" in text.stdout
    bad = _cli("changes", "--since", "1 Sept 2017")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    nowhere = _cli("changes", "--place", "72127")  # San Juan, Puerto Rico: no pack
    assert nowhere.returncode == 2 and "Puerto Rico (PR) is not encoded" in nowhere.stderr


def test_atom_feed_parses_and_escapes(library: PolicyLibrary, packs: Path) -> None:
    from fastapi.testclient import TestClient

    from detainer_desk.desk import DeskSettings, initialise, open_desk
    from detainer_desk.web.app import create_app

    settings = DeskSettings(home=packs.parent / "desk", db=f"sqlite:///{packs.parent / 'd.db'}")
    initialise(settings)
    desk = open_desk(settings, library=library)
    try:
        with TestClient(create_app(desk, worker=False)) as client:
            feed = client.get("/law/changes.atom?since=2017-01-01&place=Travis%20County,%20TX")
            page = client.get("/law/changes?since=2026-01-01")
            bad = client.get("/law/changes.atom?since=yesterday")
    finally:
        desk.close()
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    expected = changes_document(library, date(2017, 1, 1), "Travis County, TX")["changes"]
    assert [e.findtext(f"{ATOM}id") for e in entries] == [c["id"] for c in expected]
    assert root.findtext(f"{ATOM}updated") == f"{expected[0]['effective']}T00:00:00Z"
    for entry in entries:
        for child in ("id", "title", "updated", "summary"):
            assert entry.findtext(f"{ATOM}{child}"), child
    summaries = [e.findtext(f"{ATOM}summary") or "" for e in entries]
    assert "Citations: Test Code § 1 <a test duty> & not law." in summaries[0]  # escaped, parsed
    assert page.status_code == 200 and "test.tx.seek-287g" in page.text
    assert "Test Code § 1 &lt;a test duty&gt; &amp; not law" in page.text
    assert bad.status_code == 422
