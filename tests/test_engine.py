"""Fail-closed behaviour, defaults, missing facts, determinism and the digest."""

from __future__ import annotations

from datetime import date

from detainer_desk import Action, Effect, decide
from detainer_desk.law import default_library
from detainer_desk.law.engine import NO_HOLD_AUTHORITY, Outcome, action_decision
from detainer_desk.vocabulary import Form
from tests.helpers import article_request


def test_engine_error_denies_holds_and_reviews_the_rest() -> None:
    vs = default_library().version_set("denver", date(2017, 9, 27))
    broken = Outcome(Effect.permit, (), False, error="record does not have the attribute")
    hold = action_decision(vs, Action.hold_beyond_release, broken, (), Form.I_247A, None)
    notify = action_decision(vs, Action.notify_release, broken, (), Form.I_247A, None)
    assert (hold.effect, notify.effect) == (Effect.deny, Effect.review_required)
    assert "could not decide" in hold.reason and "record does not have" in notify.reason


def test_default_deny_says_no_provision_authorizes() -> None:
    decision = decide(article_request(), on=date(2014, 3, 3))
    hold = decision.action(Action.hold_beyond_release)
    assert hold.effect is Effect.deny and hold.by_default and hold.reason == NO_HOLD_AUTHORITY
    assert hold.provisions == ()


def test_missing_fact_denies_a_hold_that_would_depend_on_it() -> None:
    doc = article_request(jurisdiction="new-york-city", agency={"kind": "department_of_correction"})
    doc["request"]["warrant_kind"] = "judicial_criminal_warrant"
    doc["booking"]["convictions"] = None
    decision = decide(doc, on=date(2017, 9, 27))
    hold, notify = decision.action("hold_beyond_release"), decision.action("notify_release")
    assert (
        hold.effect is Effect.deny
        and "booking.nyc_violent_or_serious_within_5_years" in hold.missing_facts
    )
    assert notify.effect is Effect.review_required


def test_missing_fact_that_cannot_matter_is_ignored() -> None:
    doc = article_request(jurisdiction="new-york-city", agency={"kind": "department_of_correction"})
    doc["booking"]["convictions"] = None  # administrative warrant: denied whatever the history
    hold = decide(doc, on=date(2017, 9, 27)).action("hold_beyond_release")
    assert hold.effect is Effect.deny and hold.missing_facts == () and hold.provisions


def test_same_request_same_decision_and_digest() -> None:
    one, two = decide(article_request()), decide(article_request())
    assert one.to_json() == two.to_json()
    texas = decide(article_request(jurisdiction="texas"))
    assert texas.pack.digest != one.pack.digest


def test_digest_changes_with_the_version_in_force() -> None:
    before = decide(article_request(), on=date(2017, 8, 27)).pack
    after = decide(article_request(), on=date(2017, 8, 28)).pack
    assert before.version != after.version and before.digest != after.digest


def test_texas_hold_is_required_with_its_deadline() -> None:
    hold = decide(article_request(jurisdiction="texas")).action("hold_beyond_release")
    assert hold.effect is Effect.permit and hold.required
    assert hold.hold_limit is not None and hold.hold_limit.ends_at is not None
    assert hold.hold_limit.ends_at.isoformat() == "2017-09-29T14:00:00-06:00"


def test_required_hold_without_release_time_has_no_end_yet() -> None:
    doc = article_request(jurisdiction="texas")
    doc["booking"].pop("release_eligible_at")
    hold = decide(doc).action("hold_beyond_release")
    assert hold.hold_limit is not None and hold.hold_limit.ends_at is None
    assert "eligible for release" in hold.hold_limit.note


def test_window_counted_from_receipt_needs_the_receipt_time() -> None:
    from datetime import datetime

    vs = default_library().version_set("north-carolina", date(2025, 1, 8))
    required = Outcome(Effect.permit, ("nc.gs.162-62b1.hold-48h-from-receipt",), False)
    release = datetime(2025, 1, 8, 10)
    args = (vs, Action.hold_beyond_release, required, (), Form.I_247A, release)
    with_receipt = action_decision(*args, datetime(2025, 1, 7, 9)).hold_limit
    assert with_receipt is not None and with_receipt.ends_at == datetime(2025, 1, 9, 9)
    unknown = action_decision(*args).hold_limit
    assert unknown is not None and unknown.ends_at == release  # nothing to count from
    aware = action_decision(*args, datetime.fromisoformat("2025-01-07T14:00:00+00:00")).hold_limit
    assert aware is not None and aware.ends_at == datetime(2025, 1, 9, 9)  # read on NC's clock


def test_reasons_name_the_cites_with_their_verb() -> None:
    denver = decide(article_request(), on=date(2017, 9, 27))
    assert [(a.action.value, a.effect.value, a.reason) for a in denver.actions] == [
        ("hold_beyond_release", "deny", "denied by D.R.M.C. § 28-253 (Ord. 940-17)"),
        (
            "notify_release",
            "permit",
            "permitted by D.R.M.C. § 28-253 (Ord. 940-17), as passed with the Mayor's amendments",
        ),
        ("allow_in_person_interview", "deny", "denied by D.R.M.C. § 28-252(a)"),
        ("allow_remote_interview", "permit", "permitted by D.R.M.C. § 28-252(b)"),
    ]
    texas = decide(article_request(jurisdiction="texas"), on=date(2017, 9, 27))
    notify = texas.action("notify_release")
    assert notify.required and notify.reason == (
        "required by Tex. Code Crim. Proc. art. 2.251(a)(1) (SB 4, 2017; art. 2A.060 from 2025); "
        "Tex. Gov't Code § 752.053(b)(3)"
    )


def test_missing_fact_and_default_reasons() -> None:
    doc = article_request(jurisdiction="new-york-city", agency={"kind": "department_of_correction"})
    doc["request"]["warrant_kind"] = "judicial_criminal_warrant"
    doc["booking"]["convictions"] = None
    decision = decide(doc, on=date(2017, 9, 27))
    assert decision.action("hold_beyond_release").reason == (
        "the answer depends on facts the request does not give "
        "(booking.nyc_violent_or_serious_ever, booking.nyc_violent_or_serious_within_5_years); "
        "holds are never decided on a guess"
    )
    assert decision.action("notify_release").reason == (
        "the answer depends on facts the request does not give "
        "(booking.nyc_violent_or_serious_within_5_years); review before acting"
    )
    interview = decision.action("allow_in_person_interview")  # the pack's default, no rule
    assert (interview.effect, interview.by_default, interview.reason) == (
        Effect.permit,
        True,
        "no provision in force restricts in-person interviews",
    )


def test_decision_json_is_indented_in_field_order_and_keeps_unicode() -> None:
    text = decide(article_request(), on=date(2017, 9, 27)).to_json()
    lines = text.splitlines()
    assert lines[:5] == [
        "{",
        '  "format": "detainer-desk/decision/v1",',
        '  "jurisdiction": "denver",',
        '  "decided_on": "2017-09-27",',
        '  "booking_id": "EXAMPLE-DEN-0001",',
    ]
    assert '"denied by D.R.M.C. § 28-253 (Ord. 940-17)"' in text and "\\u00a7" not in text


def test_no_law_decision_document() -> None:
    from detainer_desk.law.decide import decision_without_law
    from detainer_desk.request.document import parse_request

    decision = decision_without_law(parse_request(article_request()), date(2001, 1, 1), "none")
    out = decision.to_dict()
    assert (out["jurisdiction"], out["decided_on"], out["booking_id"], out["pack"]) == (
        "denver",
        "2001-01-01",
        "EXAMPLE-DEN-0001",
        None,
    )
    assert out["request"]["form"] == "I-247A" and out["request"]["kind"] == "detainer"
    hold = out["actions"][0]
    assert {k: hold[k] for k in ("action", "effect", "required", "by_default", "reason")} == {
        "action": "hold_beyond_release",
        "effect": "deny",
        "required": False,
        "by_default": True,
        "reason": "no law in force: none",
    }
    assert (hold["provisions"], hold["conditions"], hold["hold_limit"], hold["missing_facts"]) == (
        [],
        [],
        None,
        [],
    )


def test_hold_limit_without_release_time_serialises_nulls() -> None:
    doc = article_request(jurisdiction="texas")
    doc["booking"].pop("release_eligible_at")
    hold = decide(doc, on=date(2017, 9, 27)).action("hold_beyond_release")
    assert hold.hold_limit is not None
    out = hold.hold_limit.to_dict()
    assert (out["hours"], out["starts_at"], out["ends_at"]) == (48, None, None)
    assert out["note"] == "starts when the person becomes eligible for release"
