"""Issue 21 (engine and facts): the judge's-warrant baseline, 287(g), transfer decided as the
hold, the judicial warrant's paper refused at the edge, and secondary confidence shown."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from rich.console import Console

from detainer_desk.errors import InputError
from detainer_desk.law.decide import decide
from detainer_desk.render import print_decision
from detainer_desk.request.document import parse_request
from detainer_desk.vocabulary import Action, Effect
from tests.helpers import JUDICIAL_PAPER, article_request

HOLD = Action.hold_beyond_release


def judicial(jurisdiction: str, **paper: Any) -> dict[str, Any]:
    doc = article_request(jurisdiction=jurisdiction)
    doc["request"]["warrant_kind"] = "judicial_criminal_warrant"
    doc["request"]["judicial_warrant"] = {**JUDICIAL_PAPER, **paper}
    doc["request"]["actions"] = ["hold_beyond_release", "transfer_custody"]
    return doc


@pytest.mark.parametrize(
    ("jurisdiction", "day"),
    [
        ("federal", date(2017, 9, 27)),
        ("new-york-state", date(2019, 3, 1)),
        ("cook-county", date(2012, 6, 1)),
        ("suffolk-county", date(2017, 9, 27)),
        ("iowa", date(2016, 6, 1)),  # a state pack before any statute
    ],
)
def test_a_federal_magistrates_criminal_warrant_permits_the_hold(
    jurisdiction: str, day: date
) -> None:
    hold = decide(judicial(jurisdiction), on=day).action(HOLD)
    assert hold.effect is Effect.permit
    assert "fed.judicial-criminal-warrant.hold" in {p["id"] for p in hold.provisions}


def test_the_hold_on_a_warrant_ends_when_the_warrant_says_else_in_the_detainers_window() -> None:
    says = judicial("federal", custody_ends_at="2017-09-28T09:00:00-06:00")
    limit = decide(says, on=date(2017, 9, 27)).action(HOLD).hold_limit
    assert limit is not None and limit.ends_at is not None
    assert limit.ends_at.isoformat() == "2017-09-28T09:00:00-06:00" and limit.hours == 19
    silent = decide(judicial("federal"), on=date(2017, 9, 27)).action(HOLD).hold_limit
    assert silent is not None and silent.hours == 48 and "gives no end" in silent.note


@pytest.mark.parametrize(
    ("paper", "field"),
    [
        (None, "request.judicial_warrant"),
        (
            {"issuing_court": "U.S. District Court", "offence": "x"},
            "request.judicial_warrant.judge",
        ),
        ({"judge": "Magistrate Judge A", "offence": "x"}, "request.judicial_warrant.issuing_court"),
        ({**JUDICIAL_PAPER, "judge": ""}, "request.judicial_warrant.judge"),
    ],
)
def test_a_judicial_warrant_without_court_or_judge_is_refused(
    paper: dict[str, str] | None, field: str
) -> None:
    doc = judicial("federal")
    if paper is None:
        del doc["request"]["judicial_warrant"]
    else:
        doc["request"]["judicial_warrant"] = paper
    with pytest.raises(InputError) as refused:
        parse_request(doc)
    assert refused.value.field == field


def _287g(day: date, handled: bool | None) -> Any:
    doc = article_request(jurisdiction="maryland")
    doc["agency"] = {"name": "Harford County Sheriff's Office", "has_287g_agreement": True}
    doc["booking"]["handled_by_287g_officer"] = handled
    doc["request"]["actions"] = ["hold_beyond_release", "transfer_custody"]
    return decide(doc, on=day)


def test_maryland_287g_officer_before_and_after_the_ban() -> None:
    before = _287g(date(2026, 1, 15), True)
    assert before.action(HOLD).effect is Effect.permit
    after = _287g(date(2026, 3, 1), True)
    assert after.action(HOLD).effect is Effect.deny
    assert after.action(Action.transfer_custody).effect is Effect.deny
    ids = {p["id"] for p in after.action(Action.transfer_custody).provisions}
    assert "md.hb444-2026.no-287g-officer-authority" in ids


def test_an_unknown_287g_handling_denies_the_hold_it_would_decide() -> None:
    hold = _287g(date(2026, 1, 15), None).action(HOLD)
    assert hold.effect is Effect.deny
    assert hold.missing_facts == ("booking.handled_by_287g_officer",)


def test_without_an_agreement_there_is_no_designated_officer() -> None:
    doc = article_request(jurisdiction="federal")
    doc["booking"]["handled_by_287g_officer"] = True  # ignored: no agency agreement
    assert decide(doc, on=date(2017, 9, 27)).action(HOLD).by_default


def test_transfer_in_new_york_2021_is_denied_like_the_hold() -> None:
    doc = article_request(jurisdiction="new-york-state")
    doc["request"]["actions"] = ["hold_beyond_release", "transfer_custody"]
    decision = decide(doc, on=date(2021, 6, 1))
    transfer = decision.action(Action.transfer_custody)
    assert transfer.effect is Effect.deny and decision.action(HOLD).effect is Effect.deny
    assert transfer.reason.startswith("a transfer to ICE at release is the hold it amounts to")
    assert transfer.provisions[0]["id"] == "nys.wells.transfer-is-the-hold"


def test_secondary_confidence_is_shown_in_the_document_and_the_readable_output() -> None:
    decision = decide(article_request(), on=date(2017, 9, 27))  # Denver: § 28-253, secondary
    hold = decision.action(HOLD)
    assert [p["confidence"] for p in hold.provisions] == ["secondary"]
    assert decision.to_dict()["actions"][0]["provisions"][0]["confidence"] == "secondary"
    out = io.StringIO()
    print_decision(decision, Console(file=out, width=200, color_system=None))
    assert "(confidence: secondary source)" in out.getvalue()
    wells = article_request(jurisdiction="new-york-state")  # Wells: read in the opinion
    verified = decide(wells, on=date(2019, 3, 1))
    assert [p["confidence"] for p in verified.action(HOLD).provisions] == ["verified"]
    out = io.StringIO()
    print_decision(verified, Console(file=out, width=200, color_system=None))
    assert "confidence:" not in out.getvalue()
