"""The national exports, placed and decided: totals pinned to the file, law by the packs."""

from __future__ import annotations

import gzip
import json
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detainer_desk.cli import app
from detainer_desk.law import default_library
from detainer_desk.practice import PracticeReport, practice
from detainer_desk.practice.deciding import Decider, form_of, pack_map
from detainer_desk.practice.report import DECLINED, Counts, Row, to_csv
from detainer_desk.practice.tabulating import _row
from detainer_desk.vocabulary import Form
from tests.helpers import SHARED

NATIONAL = SHARED / "data" / "national"


@pytest.fixture(scope="module")
def report() -> PracticeReport:
    if not NATIONAL.exists():
        pytest.skip("shared/data/national is missing: NOT RUN")
    return practice([NATIONAL], default_library())


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("I247 - Immigration Detainer - Notice of Action (as of March 2013)", Form.I_247),
        ("I247 - Immigration Detainer - Notice of Action (prior to March 2013)", Form.I_247),
        ("I247D - Immigration Detainer - Request for Action", Form.I_247D),
        ("I247N - Immigration Advisal - Request for Notification", Form.I_247N),
        (None, Form.I_247),
    ],
)
def test_the_form_is_the_one_the_export_names(text: str | None, form: Form) -> None:
    assert form_of(text) is form


def test_a_decline_where_the_law_required_the_hold_is_flagged() -> None:
    # groups as the tabulation makes them: (file, state, geoid, county, month, fy, reason, law,
    # pack, federal_only, n)
    groups = [
        (0, "TX", None, None, "2017-10", 2018, DECLINED, "required", "texas", False, 3),
        (0, "TX", None, None, "2017-10", 2018, DECLINED, "forbidden", "texas", False, 2),
        (0, "TX", None, None, "2017-10", 2018, "", "required", "texas", False, 5),
    ]
    row = _row("TX", "Texas", "TX", groups)
    assert row.flagged == 3
    assert row.counts == Counts(issued=10, declined=5, booked=0, pending=5, lifted={})
    lines = to_csv((row,), "state_code").splitlines()
    header, values = lines[0].split(","), lines[1].split(",")
    assert values[header.index("declined where the law required the hold (flag)")] == "3"


@pytest.mark.data
@pytest.mark.skipif(not NATIONAL.exists(), reason="shared/data/national is missing: NOT RUN")
class TestNational:
    def test_totals_reconcile_with_the_file(self, report: PracticeReport) -> None:
        t = report.totals.counts
        assert (t.issued, t.declined, t.booked, t.pending) == (79_053, 5_501, 15_877, 52_263)
        assert sum(r.counts.issued for r in report.states) == 79_053
        assert sum(r.counts.declined for r in report.states) == 5_501
        assert sum(m.counts.issued for m in report.months) == 79_053
        no_state = next(r for r in report.states if r.state is None)
        assert no_state.counts.issued == 9_020 and no_state.law == {"no_place": 9_020}
        assert report.period == ("2014-10-01", "2015-07-19")
        assert report.matching.rows == 79_053

    def test_every_detainer_in_a_state_with_a_pack_is_decided_under_it(
        self, report: PracticeReport
    ) -> None:
        library = default_library()
        packs = pack_map(library)
        for row in report.states:
            state_pack = packs.state_packs.get(row.key)
            if state_pack is None:
                continue
            own = {state_pack} | {
                p for f, p in packs.county_packs.items() if f[:2] in _fips(row.key)
            }
            assert set(row.packs) <= own, (row.key, row.packs)
            assert row.federal_only == 0
        without = sum(  # states with no pack, less the rows a county or city pack decided
            r.counts.issued - sum(n for p, n in r.packs.items() if p != "federal")
            for r in report.states
            if r.state and r.key not in packs.state_packs
        )
        assert report.totals.federal_only == without > 0
        assert report.engine_calls < 300  # once per (pack, version, form), not per row

    def test_a_sample_decided_by_hand_agrees(self, report: PracticeReport) -> None:
        decider = Decider.of(default_library())
        ca = decider.law("california", date(2015, 3, 2), Form.I_247)
        assert ca.law == "forbidden" and ca.pack == "california"
        ga = decider.law("georgia", date(2015, 3, 2), Form.I_247D)
        assert ga.law == "permitted"
        note = decider.law("texas", date(2015, 3, 2), Form.I_247N)
        assert note.law == "notification_only"
        by_code = {r.key: r for r in report.states}
        assert by_code["CA"].law_2015 == "forbidden" and by_code["OH"].law_2015 == "no_authority"
        assert by_code["CO"].counts.declined == 416  # Denver's 195 among them (PROVENANCE § 3)

    def test_the_county_match_and_its_classes(self, report: PracticeReport) -> None:
        m = report.matching
        assert 0.5 < m.matched_rows / m.rows < 0.6
        assert m.unmatched["no state in the export"][0] == 9_020
        counties = {r.key: r for r in report.counties}
        assert counties["08031"].counts.issued == 288  # Denver Justice Center + County Jail
        assert counties["53053"].counts.issued == 55  # Pierce County Jail, WA (PROVENANCE § 3)
        assert counties["53053"].counts.booked == 12

    def test_the_command_prints_the_table_and_the_match(self, tmp_path: Path) -> None:
        result = CliRunner().invoke(app, ["practice", str(NATIONAL), "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "79,053" in result.output and "5,501" in result.output
        assert "County match" in result.output and "state prison: no county jail" in result.output
        assert "federal baseline alone" in result.output
        written = json.loads((tmp_path / "practice.json").read_text())
        assert written["totals"]["issued"] == 79_053
        for name in ("states.csv", "counties.csv", "months.csv", "monthly.svg", "practice.db"):
            assert (tmp_path / name).stat().st_size > 0
        import sqlite3

        with sqlite3.connect(tmp_path / "practice.db") as con:
            (issued,) = con.execute("SELECT sum(issued) FROM practice_states").fetchone()
        assert issued == 79_053

    def test_the_shipped_summary_has_the_same_counts(self, report: PracticeReport) -> None:
        raw = resources.files("detainer_desk.practice").joinpath("summary.json.gz").read_bytes()
        shipped = PracticeReport.from_dict(json.loads(gzip.decompress(raw)))
        assert shipped.totals.counts == report.totals.counts
        assert [(r.key, r.counts) for r in shipped.states] == [
            (r.key, r.counts) for r in report.states
        ]


def _fips(code: str) -> set[str]:
    from detainer_desk.practice.facilities import read_county_list
    from detainer_desk.practice.tabulating import state_codes

    path = SHARED / "data" / "reference" / "county_to_ice_aor.csv.gz"
    counties = read_county_list(path, state_codes())
    return {c.geoid[:2] for c in counties.by_state.get(code, {}).values()}


def test_a_row_round_trips_through_the_json() -> None:
    row = Row("TX", "Texas", "TX", Counts(4, 1, 2, 1, {"Lifted": 0}), {"required": 4},
              {"required": 1}, {"texas": 4}, 0, "required")  # fmt: skip
    assert Row.from_dict(row.to_dict()) == row
