"""Classification under the competing definitions of "sanctuary" (fact sheet § 12)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from detainer_desk.classify import classify, load_definitions, load_probes
from detainer_desk.classify.classifier import Answer, ProngState
from detainer_desk.cli import app
from detainer_desk.law import default_library
from tests.helpers import FACT_SHEET

DATES = [
    date(2013, 6, 1),
    date(2014, 3, 3),
    date(2017, 9, 28),
    date(2018, 1, 2),
    date(2019, 6, 1),
    date(2020, 1, 1),
    date(2024, 1, 15),
    date(2025, 6, 1),
]


def _ids(verdict_prongs: list[dict[str, object]]) -> set[str]:
    return {p["id"] for prong in verdict_prongs for p in prong["provisions"]}  # type: ignore[index, union-attr]


def test_denver_2017_is_a_sanctuary_to_ice_but_not_by_its_own_statement() -> None:
    result = classify("denver", date(2017, 9, 28), default_library()).to_dict()
    verdicts = {v["definition"]: v for v in result["verdicts"]}
    safe_city = verdicts["D1"]
    assert safe_city["sanctuary"] is True
    assert {b["probe"] for b in safe_city["because"]} == {
        "admin_warrant_detainer",
        "in_person_interview",
    }
    assert _ids(safe_city["because"]) == {
        "den.drmc.28-253.no-hold-on-civil-detainer",
        "den.drmc.28-252a.no-secure-area-access",
    }
    own = verdicts["D9"]
    assert own["sanctuary"] is False
    assert {b["probe"] for b in own["because"]} == {
        "judicial_warrant_detainer",
        "notification_request",
        "remote_interview",
        "status_request",
    }
    assert "den.drmc.28-253.criminal-warrant" in _ids(own["because"])
    assert verdicts["D2"]["sanctuary"] is False  # Denver reads § 1373 as requiring known status


def test_texas_2017_is_not_a_sanctuary_under_any_definition() -> None:
    result = classify("texas", date(2017, 9, 28), default_library())
    assert [v.definition.id for v in result.verdicts if v.sanctuary] == []
    hold = next(p for p in result.verdict("D1").prongs if p.prong.probe == "admin_warrant_detainer")
    assert hold.effect.value == "permit"
    assert hold.provisions[0]["id"] == "tx.ccp.2_251a1.comply-with-detainer"


def test_federal_alone_is_no_sanctuary_to_ice_a_default_is_not_a_refusal() -> None:
    result = classify("federal", date(2017, 9, 28), default_library())
    safe_city = result.verdict("D1")
    assert safe_city.sanctuary is False
    assert safe_city.answer is Answer.no_provision
    hold = next(p for p in safe_city.prongs if p.prong.probe == "admin_warrant_detainer")
    assert hold.effect.value == "deny"  # the desk still never holds on a guess ...
    assert hold.state is ProngState.no_provision  # ... but that is not a policy of refusal
    assert not hold.holds and hold.provisions == ()
    shown = result.to_dict()["verdicts"][0]
    assert shown["answer"] == "no provision authorizes" and shown["sanctuary"] is False
    assert [v.definition.id for v in result.verdicts if v.sanctuary] == []


def test_washington_2017_reconsidered_the_same_way_and_2020_by_the_kww_act() -> None:
    library = default_library()
    before = classify("washington", date(2017, 9, 28), library)
    assert before.verdict("D1").sanctuary is False
    assert before.verdict("D1").answer is Answer.no_provision
    after = classify("washington", date(2020, 1, 1), library).verdict("D1")
    assert after.sanctuary is True
    assert {p["cite"] for b in after.because() for p in b.provisions} == {
        "RCW 10.93.160 (Keep Washington Working Act, 2019)"
    }


def test_denver_stays_a_safe_city_target_by_its_ordinance() -> None:
    d1 = classify("denver", date(2017, 9, 28), default_library()).verdict("D1")
    assert d1.answer is Answer.yes
    assert {p.state for p in d1.prongs} == {ProngState.met}
    cites = {x["cite"] for p in d1.prongs for x in p.provisions}
    assert cites == {"D.R.M.C. § 28-253 (Ord. 940-17)", "D.R.M.C. § 28-252(a)"}


@pytest.mark.parametrize("pack", sorted(default_library().names()))
def test_every_pack_on_several_dates_gives_an_explained_verdict(pack: str) -> None:
    library = default_library()
    for day in DATES:
        result = classify(pack, day, library)
        assert len(result.verdicts) == len(load_definitions())
        for verdict in result.verdicts:
            assert verdict.sanctuary == any(p.holds for p in verdict.prongs)
            states = {p.state for p in verdict.prongs}
            expected = (
                Answer.yes
                if ProngState.met in states
                else Answer.no_provision
                if ProngState.no_provision in states
                else Answer.no
            )
            assert verdict.answer is expected
            for prong in verdict.prongs:
                assert prong.reason  # every answer says why
                decided_no = prong.effect in prong.prong.effect_in
                assert decided_no == (prong.state is not ProngState.not_met)
                if prong.state is ProngState.met:  # a provision in force, never a default
                    assert prong.provisions or "depends on facts" in prong.reason, prong.reason
                    assert "default" not in prong.reason and "no law in force" not in prong.reason
                if prong.state is ProngState.no_provision:
                    assert not prong.provisions
                if result.version is not None and not prong.provisions:
                    explained = ("default", "no provision", "depends on facts")
                    assert any(word in prong.reason for word in explained), prong.reason


def test_a_date_without_law_denies_holds_and_says_so() -> None:
    result = classify("denver", date(1990, 1, 1), default_library())
    assert result.version is None
    hold = next(p for p in result.verdict("D1").prongs if p.prong.probe == "admin_warrant_detainer")
    assert hold.effect.value == "deny" and hold.reason.startswith("no law in force")


def test_definitions_are_data_with_citations() -> None:
    probes = {p.name for p in load_probes().probes}
    ids = [d.id for d in load_definitions()]
    assert {"D1", "D2", "D4", "D6", "D9"} <= set(ids) and len(ids) == len(set(ids))
    for definition in load_definitions():
        assert definition.cite and definition.sanctuary_if_any and definition.sources
        for prong in definition.sanctuary_if_any:
            assert prong.probe in probes


@pytest.mark.data
def test_definition_citations_trace_to_the_fact_sheet() -> None:
    if not FACT_SHEET.exists():
        pytest.skip(f"the law fact sheet is not at {FACT_SHEET}: citations NOT CHECKED")
    sheet = FACT_SHEET.read_text()
    for definition in load_definitions():
        for source in definition.sources:
            assert f"`{source}`" in sheet, (definition.id, source)


def test_classify_cli_json_and_table() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["classify", "denver", "--on", "2017-09-28", "--json"])
    assert out.exit_code == 0
    assert json.loads(out.stdout)["verdicts"][0]["definition"] == "D1"
    table = runner.invoke(app, ["classify", "--on", "2017-09-28"])
    assert table.exit_code == 0 and "texas" in table.stdout and "philadelphia" in table.stdout
    bad = runner.invoke(app, ["classify", "atlantis", "--on", "2017-09-28"])
    assert bad.exit_code == 2 and "atlantis" in bad.stderr
    bad_date = runner.invoke(app, ["classify", "denver", "--on", "28/9/2017"])
    assert bad_date.exit_code == 2
