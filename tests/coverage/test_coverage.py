"""Coverage: every pack placed, the tile grid well formed, and the map computed from decisions."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

from detainer_desk.coverage import HoldStance, coverage, hold_stance, load_places
from detainer_desk.law import default_library

SEPT_2017 = date(2017, 9, 28)
JUNE_2025 = date(2025, 6, 1)


def test_every_pack_in_the_library_is_placed() -> None:
    places = load_places()
    unplaced = [n for n in default_library().names() if n not in places.packs]
    assert unplaced == [], f"add these packs to src/detainer_desk/coverage/places.yaml: {unplaced}"


def test_tile_grid_has_every_state_and_dc_once_on_distinct_squares() -> None:
    tiles = load_places().tiles
    assert len(tiles) == 51
    assert len({t.code for t in tiles}) == 51
    assert len({(t.row, t.col) for t in tiles}) == 51
    assert all(0 <= t.col < 12 and 0 <= t.row < 8 for t in tiles)
    codes = {t.code for t in tiles}
    assert {p.state for p in load_places().packs.values() if p.state} <= codes


def test_state_packs_are_unique_per_state() -> None:
    states = [p.state for p in load_places().packs.values() if p.level == "state"]
    assert len(states) == len(set(states))


def test_florida_and_texas_change_between_2017_and_2025() -> None:
    lib = default_library()
    before, after = coverage(SEPT_2017, lib), coverage(JUNE_2025, lib)
    assert before.state("TX").stance is HoldStance.required
    assert before.state("FL").stance is HoldStance.no_authority
    assert after.state("FL").stance is HoldStance.permitted  # § 908.105 text unread (§0.4)
    assert before.state("CO").stance is HoldStance.no_authority
    assert after.state("CO").stance is HoldStance.judicial_warrant_only
    # Lunn forbids the administrative hold; a judge's criminal warrant is criminal process
    assert before.state("MA").stance is HoldStance.judicial_warrant_only
    assert before.state("GA").stance is HoldStance.permitted
    places = load_places()
    with_packs = {places.packs[n].state for n in lib.names() if n in places.packs}
    unencoded = [t.code for t in places.tiles if t.code not in with_packs]
    for code in unencoded[:1]:  # a state with no pack at all (Ohio was one until issue 21)
        assert before.state(code).stance is HoldStance.not_encoded


def test_stance_comes_from_the_decision_and_names_its_provisions() -> None:
    stance, answers = hold_stance("iowa", JUNE_2025, default_library())
    assert stance is HoldStance.required
    assert [p["id"] for p in answers[0].provisions] == ["ia.code.27A_2.comply-with-detainer"]


def test_unresolved_dates_show_as_unsettled() -> None:
    lib = default_library()
    assert hold_stance("florida", date(2019, 8, 1), lib)[0] is HoldStance.unsettled
    assert hold_stance("georgia", date(2024, 5, 15), lib)[0] is HoldStance.unsettled


def test_a_date_before_a_pack_begins_is_before_encoding_not_unencoded() -> None:
    result = coverage(date(2009, 1, 1), default_library())
    assert result.state("TX").stance is HoldStance.before_encoding  # texas starts 2011-12-29
    # every state and DC has a pack: none is "not encoded"
    assert [s for s in result.states if s.stance is HoldStance.not_encoded] == []
    assert result.state("FL").stance is HoldStance.no_authority  # florida starts 2008


def test_local_packs_sit_under_their_state() -> None:
    result = coverage(SEPT_2017, default_library())
    assert [p.pack for p in result.state("CO").local] == ["denver"]
    assert result.state("NY").state_pack is None or result.state("NY").state_pack.level == "state"
    assert "new-york-city" in [p.pack for p in result.state("NY").local]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", "policy", "coverage", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_json_and_text() -> None:
    done = _cli("--on", "2025-06-01", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["format"] == "detainer-desk/coverage/v1"
    assert len(data["states"]) == 51
    florida = next(s for s in data["states"] if s["code"] == "FL")
    assert florida["hold"] == "permitted" and florida["state_pack"] == "florida"
    text = _cli("--on", "2017-09-28")
    assert text.returncode == 0 and "TX REQ" in text.stdout and "FL NONE" in text.stdout


def test_cli_bad_date_exits_2_with_one_line() -> None:
    done = _cli("--on", "28/09/2017")
    assert done.returncode == 2
    assert "YYYY-MM-DD" in done.stderr and "Traceback" not in done.stderr
