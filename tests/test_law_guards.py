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
from tests.helpers import JUDICIAL_PAPER, article_request

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
        "judicial_warrant": JUDICIAL_PAPER,
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


def test_decision_document_shape_and_known_values() -> None:
    """The decision document field by field (docs/decision-format.md), digest aside."""
    import json

    decision = decide(_judicial_detainer(), ON)
    doc = decision.to_dict()
    assert json.loads(decision.to_json()) == doc
    assert list(doc) == [
        "format",
        "jurisdiction",
        "decided_on",
        "booking_id",
        "request",
        "place",
        "pack",
        "law_may_have_changed",
        "currency_note",
        "actions",
    ]
    assert doc["format"] == "detainer-desk/decision/v1" and doc["jurisdiction"] == "washington"
    assert doc["decided_on"] == "2020-03-04" and doc["booking_id"] == "EXAMPLE-DEN-0001"
    assert doc["request"] == {
        "kind": "detainer",
        "form": "I-247A",
        "warrant_kind": "judicial_criminal_warrant",
        "office": "ICE ERO Denver Field Office",
        "received_at": "2020-03-04T09:00:00-08:00",
    }
    assert doc["place"] == {
        "input": "washington",
        "matched": "pack",
        "state": {"code": "WA", "name": "Washington"},
        "county": None,
        "pack": "washington",
        "chain": ["washington", "federal"],
        "note": "",
    }
    pack = doc["pack"]
    assert list(pack) == [
        "name",
        "version",
        "label",
        "notes",
        "chain",
        "digest",
        "verified_through",
        "verified_through_by_pack",
    ]
    library = default_library()
    checked = {n: library.pack(n).manifest.verified_through for n in ("washington", "federal")}
    assert pack["verified_through_by_pack"] == {n: d.isoformat() for n, d in checked.items()}
    assert pack["verified_through"] == min(checked.values()).isoformat()
    assert doc["law_may_have_changed"] is False  # 2020-03-04 is before both dates
    assert doc["currency_note"] == f"the law was verified through {pack['verified_through']}"
    assert pack["name"] == "washington" and pack["version"] == "2019-05-21"
    assert pack["chain"] == ["washington@2019-05-21", "federal@2011-12-29"]
    assert pack["digest"].startswith("sha256:") and len(pack["digest"]) == 7 + 64
    hold, interview = doc["actions"]
    assert list(hold) == [
        "action",
        "effect",
        "required",
        "by_default",
        "reason",
        "provisions",
        "conditions",
        "hold_limit",
        "missing_facts",
    ]
    assert hold["action"] == "hold_beyond_release" and hold["effect"] == "permit"
    assert hold["required"] is False and hold["by_default"] is False
    assert hold["reason"].startswith("permitted by ") and "; RCW 10.93.160" in hold["reason"]
    assert [p["id"] for p in hold["provisions"]] == [
        "fed.judicial-criminal-warrant.hold",
        "wa.rcw.10_93_160.court-order",
    ]
    assert list(hold["provisions"][1]) == [
        "id",
        "cite",
        "source",
        "text",
        "effective",
        "confidence",
    ]
    assert hold["provisions"][1]["source"] == "WA_RCW_43_17_420"
    assert hold["provisions"][1]["effective"] == "2019-05-21"
    assert hold["provisions"][1]["confidence"] == "secondary"
    assert hold["hold_limit"] == {
        "hours": 48,
        "excludes_weekends_and_holidays": False,
        "starts_at": "2017-09-27T14:00:00-06:00",
        "ends_at": "2017-09-29T14:00:00-06:00",
        "cite": "Form I-247A (02/17) and ICE I-247A guidance: 48 hours beyond the time of "
        "release (FED_I247A_GUIDANCE)",
        "note": "the warrant gives no end of custody: the detainer's window applies",
    }
    assert hold["missing_facts"] == [] and interview["action"] == "allow_remote_interview"


def test_no_law_in_force_denies_holds_and_sends_the_rest_to_review() -> None:
    from detainer_desk.law.decide import decision_without_law
    from detainer_desk.request.document import parse_request

    document = parse_request(_judicial_detainer())
    decision = decision_without_law(document, date(2001, 1, 1), "no version in force")
    effects = {a.action: a.effect for a in decision.actions}
    assert effects == {
        Action.hold_beyond_release: Effect.deny,
        Action.allow_remote_interview: Effect.review_required,
    }
    for action in decision.actions:
        assert action.by_default and not action.required and action.hold_limit is None
        assert "no version in force" in action.reason


def test_a_cedar_error_is_a_denied_hold_with_the_error() -> None:
    """A context Cedar's schema refuses: the engine's error comes back as deny, not a guess."""
    import cedarpy

    from detainer_desk.law.engine import cedar_request, outcome_from_result

    vs = default_library().version_set("washington", ON)
    for action in (Action.hold_beyond_release, Action.notify_release):
        bad = cedar_request(action, {"request": {"kind": 7}})  # type: ignore[typeddict-item]
        result = cedarpy.is_authorized(bad, vs.rules, vs.entities, vs.schema)
        outcome = outcome_from_result(vs, action, result)
        assert outcome.effect is Effect.deny and outcome.error and not outcome.by_default
        decided = action_decision(vs, action, outcome, (), Form.I_247A, None)
        expected = Effect.deny if action is Action.hold_beyond_release else Effect.review_required
        assert decided.effect is expected and "could not decide" in decided.reason
