"""Guards of "never hold on a guess" that no shipped pack happens to exercise.

Mutation testing found that letting an unsettled-law hold come out `review_required` instead of
`deny` passed every test: no shipped pack has an `@outcome("review_required")` rule on
`hold_beyond_release`. These tests build one (a copy of the shipped packs plus one test rule in
a temporary folder) and check the engine denies the hold, with the reason.
"""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from detainer_desk import decide
from detainer_desk.law.decide import default_library
from detainer_desk.law.engine import NO_HOLD_AUTHORITY, Outcome, action_decision
from detainer_desk.law.pack import PolicyLibrary, default_packs_dir
from detainer_desk.vocabulary import Action, Effect, Form
from tests.helpers import article_request

UNSETTLED_HOLD = """

@id("test.unsettled-judicial-hold")
@cite("Test rule: an unsettled limit on honoring a judge's warrant")
@source("WA_FINAL_BILL_REPORT")
@effective("2019-05-21")
@confidence("unverified")
@outcome("review_required")
@text("Test only: whether a judge's warrant may be honored is unsettled; counsel must review.")
forbid (principal, action == Action::"hold_beyond_release", resource);
"""
ON = date(2020, 3, 4)


def _judicial_detainer() -> dict[str, object]:
    doc = article_request(jurisdiction="washington", received_at="2020-03-04T09:00:00-08:00")
    doc["request"] = {
        **doc["request"],  # type: ignore[dict-item]
        "warrant_kind": "judicial_criminal_warrant",
        "actions": ["hold_beyond_release", "allow_remote_interview"],
    }
    return doc


@pytest.fixture(scope="module")
def unsettled_library(tmp_path_factory: pytest.TempPathFactory) -> PolicyLibrary:
    folder = tmp_path_factory.mktemp("packs")
    for name in ("federal", "washington"):
        shutil.copytree(default_packs_dir() / name, folder / name)
    with (folder / "washington" / "policies.cedar").open("a") as policies:
        policies.write(UNSETTLED_HOLD)
    return PolicyLibrary.load(folder)


def test_the_shipped_law_permits_this_hold() -> None:
    hold = decide(_judicial_detainer(), ON).action(Action.hold_beyond_release)
    assert hold.effect is Effect.permit and hold.hold_limit is not None


def test_an_unsettled_law_hold_is_denied_with_the_reason(unsettled_library: PolicyLibrary) -> None:
    decision = decide(_judicial_detainer(), ON, library=unsettled_library)
    hold = decision.action(Action.hold_beyond_release)
    assert hold.effect is Effect.deny
    assert hold.reason.startswith("unsettled law, counsel must review: ")
    assert "Test rule: an unsettled limit" in hold.reason
    assert [p["id"] for p in hold.provisions] == ["test.unsettled-judicial-hold"]
    assert hold.hold_limit is None and hold.conditions == () and not hold.required


def test_action_decision_unsettled_hold_denies_other_actions_review() -> None:
    vs = default_library().version_set("colorado", date(2025, 6, 1))
    unsettled = Outcome(Effect.review_required, ("co.sb25-276.release-date-unsettled",), False)
    hold = action_decision(vs, Action.hold_beyond_release, unsettled, (), Form.I_247A, None)
    assert hold.effect is Effect.deny and hold.reason.startswith("unsettled law")
    notify = action_decision(vs, Action.notify_release, unsettled, (), Form.I_247A, None)
    assert notify.effect is Effect.review_required and notify.reason.startswith("unsettled law")


def test_action_decision_engine_error_and_missing_facts_deny_holds() -> None:
    vs = default_library().version_set("colorado", date(2025, 6, 1))
    broken = Outcome(Effect.permit, (), False, error="boom")
    hold = action_decision(vs, Action.hold_beyond_release, broken, (), Form.I_247A, None)
    assert hold.effect is Effect.deny and "could not decide (boom)" in hold.reason
    other = action_decision(vs, Action.notify_release, broken, (), Form.I_247A, None)
    assert other.effect is Effect.review_required
    guessed = Outcome(Effect.permit, (), False)
    missing = ("booking.some_fact",)
    hold = action_decision(vs, Action.hold_beyond_release, guessed, missing, Form.I_247A, None)
    assert hold.effect is Effect.deny and "never decided on a guess" in hold.reason
    assert hold.missing_facts == missing and not hold.by_default
    default = action_decision(
        vs, Action.hold_beyond_release, Outcome(Effect.deny, (), True), (), Form.I_247A, None
    )
    assert default.effect is Effect.deny and default.reason == NO_HOLD_AUTHORITY
    assert default.by_default
