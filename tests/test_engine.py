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
