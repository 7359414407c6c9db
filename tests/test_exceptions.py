"""Exceptions without status data (LAW-INTERFACE §2): Texas art. 2.251(b)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from detainer_desk import Action, Effect, decide
from detainer_desk.errors import ForbiddenFieldError, InputError
from detainer_desk.law.check import check_packs
from detainer_desk.law.pack import default_packs_dir
from tests.helpers import article_request

PROOF = "tx.ccp.2_251b.proof-exception"


def texas(*established: dict[str, Any]) -> dict[str, Any]:
    doc = article_request(jurisdiction="texas")
    doc["exceptions_established"] = list(established)
    return doc


def established(by: str = "counsel", exception: str = PROOF) -> dict[str, Any]:
    return {"exception": exception, "determined_by": by, "determined_on": "2017-09-27"}


@pytest.mark.parametrize("by", ["counsel", "supervisor"])
def test_art_2_251b_established_denies_the_hold_and_drops_required(by: str) -> None:
    decision = decide(texas(established(by)), on=date(2017, 9, 27))
    hold = decision.action(Action.hold_beyond_release)
    assert (hold.effect, hold.required, hold.hold_limit) == (Effect.deny, False, None)
    assert [p["id"] for p in hold.provisions] == [PROOF]
    assert "art. 2.251(b)" in hold.reason
    notify = decision.action(Action.notify_release)
    assert notify.effect is Effect.permit and not notify.required
    assert decision.request["exceptions_established"][0]["exception"] == PROOF


def test_without_the_determination_the_hold_is_still_required() -> None:
    hold = decide(texas(), on=date(2017, 9, 27)).action(Action.hold_beyond_release)
    assert hold.effect is Effect.permit and hold.required
    assert "tx.ccp.2_251b.refer-proof-to-counsel" in {c["id"] for c in hold.conditions}


def test_before_sb4_the_exception_changes_nothing() -> None:
    hold = decide(texas(established()), on=date(2017, 9, 1)).action(Action.hold_beyond_release)
    assert hold.effect is Effect.deny and hold.by_default


def test_an_exception_no_rule_declares_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError) as caught:
        decide(texas(established(exception="tx.made-up")), on=date(2017, 9, 27))
    assert caught.value.field == "exceptions_established.0.exception"
    denver = article_request()
    denver["exceptions_established"] = [established()]
    with pytest.raises(InputError):
        decide(denver, on=date(2017, 9, 27))


@pytest.mark.parametrize(
    "bad",
    [
        {"exception": PROOF, "determined_by": "clerk", "determined_on": "2017-09-27"},
        {"exception": PROOF, "determined_by": "counsel"},
        {**established(), "document": "Texas driver's license 123"},
    ],
)
def test_a_determination_carries_nothing_but_rule_who_and_when(bad: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        decide(texas(bad), on=date(2017, 9, 27))


def test_a_determination_may_never_carry_status() -> None:
    with pytest.raises(ForbiddenFieldError):
        decide(texas({**established(), "citizenship": "US"}), on=date(2017, 9, 27))


def test_policy_check_refuses_an_exception_that_is_not_a_forbid_on_its_own_id(
    tmp_path: Path,
) -> None:
    import shutil

    for name in ("federal", "texas"):
        shutil.copytree(default_packs_dir() / name, tmp_path / name)
    policies = tmp_path / "texas" / "policies.cedar"
    text = policies.read_text().replace(
        'when { context.exceptions_established.contains("tx.ccp.2_251b.proof-exception") };',
        'when { context.exceptions_established.contains("something.else") };',
    )
    policies.write_text(text)
    problems = check_packs(tmp_path)
    assert any(PROOF in p and "@exception" in p for p in problems), problems
