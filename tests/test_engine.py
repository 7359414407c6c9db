"""Fail-closed behaviour, defaults, missing facts, determinism and the digest."""

from __future__ import annotations

from datetime import date

from detainer_desk import Action, Effect, decide
from detainer_desk.law import default_library
from detainer_desk.law.engine import NO_HOLD_AUTHORITY, Outcome, action_decision
from detainer_desk.vocabulary import Form
from tests.helpers import JUDICIAL_PAPER, article_request


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
    doc["request"]["judicial_warrant"] = JUDICIAL_PAPER
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
    doc["request"]["judicial_warrant"] = JUDICIAL_PAPER
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


def test_status_and_birthplace_are_answered_one_by_one() -> None:
    """California: status may be sent (8 U.S.C. § 1373(a) limits restricting it), birthplace may
    not (Cal. Gov. Code § 7284.6(e)); the combined action takes the stricter answer."""
    doc = article_request(jurisdiction="california")
    doc["request"].update(
        kind="information_request",
        form="other",
        warrant_kind="none",
        information_sought=["immigration_status", "birthplace"],
        actions=["share_immigration_status_or_birthplace"],
    )
    doc["request"].pop("probable_cause_bases")
    (share,) = decide(doc, on=date(2018, 3, 1)).to_dict()["actions"]
    assert share["effect"] == "deny"
    assert share["parts"] == [
        {
            "subject": "immigration_status",
            "effect": "permit",
            "reason": "not restricted: 8 U.S.C. § 1373(a) limits local restrictions on it; it is "
            "a limit, not a grant of authority and not a duty to share",
            "provisions": ["fed.8usc1373a.status-may-be-sent"],
            "conditions": ["ca.gc.7284_6a1A.status-only-if-known"],
        },
        {
            "subject": "birthplace",
            "effect": "deny",
            "reason": "denied by Cal. Gov. Code § 7284.6(a)(1)(A), (a)(1)(D), (e) (SB 54)",
            "provisions": ["ca.gc.7284_6e.no-birthplace"],
            "conditions": [],
        },
    ]
    doc["request"]["information_sought"] = ["birthplace"]  # one subject: no parts
    (alone,) = decide(doc, on=date(2018, 3, 1)).to_dict()["actions"]
    assert "parts" not in alone and alone["effect"] == "deny"


def test_a_window_from_receipt_says_how_it_was_counted() -> None:
    from datetime import datetime

    vs = default_library().version_set("north-carolina", date(2025, 1, 8))
    required = Outcome(Effect.permit, ("nc.gs.162-62b1.hold-48h-from-receipt",), False)
    args = (vs, Action.hold_beyond_release, required, (), Form.I_247A)
    cite = "G.S. 162-62(b1) (HB 10, 2024)"
    counted = (
        "48 hours counted from receipt of the request (2025-01-07T09:00:00); the hold ends at "
        "release eligibility when that comes later (then there is no hold)"
    )
    eligible, received = datetime(2025, 1, 8, 10), datetime(2025, 1, 7, 9)
    limit = action_decision(*args, eligible, received).hold_limit
    assert limit is not None and limit.to_dict() == {
        "hours": 48,
        "excludes_weekends_and_holidays": False,
        "starts_at": "2025-01-08T10:00:00",
        "ends_at": "2025-01-09T09:00:00",  # 48 h after receipt, 9:00 on 9 January
        "cite": cite,
        "note": counted,
    }
    not_yet = action_decision(*args, None, received).hold_limit
    assert not_yet is not None and not_yet.to_dict() == {
        "hours": 48,
        "excludes_weekends_and_holidays": False,
        "starts_at": None,
        "ends_at": None,
        "cite": cite,
        "note": counted,
    }
    unknown = action_decision(*args, eligible).hold_limit
    assert unknown is not None and unknown.to_dict() == {
        "hours": 48,
        "excludes_weekends_and_holidays": False,
        "starts_at": "2025-01-08T10:00:00",
        "ends_at": "2025-01-08T10:00:00",
        "cite": cite,
        "note": "counted from receipt of the request, whose time is unknown: no hold past release",
    }


def test_an_unknown_exception_names_the_known_ones() -> None:
    import pytest

    from detainer_desk.errors import InputError

    def shown(exception: str) -> dict[str, str]:
        return {"exception": exception, "determined_by": "counsel", "determined_on": "2017-09-27"}

    proof = "tx.ccp.2_251b.proof-exception"
    for jurisdiction, established, known in (
        ("denver", [shown("made.up")], "none"),
        ("texas", [shown(proof), shown("made.up")], proof),
    ):
        doc = article_request(jurisdiction=jurisdiction)
        doc["exceptions_established"] = established
        with pytest.raises(InputError) as caught:
            decide(doc, on=date(2017, 9, 27))
        i = len(established) - 1
        assert str(caught.value) == (
            f"exceptions_established[{i}].exception 'made.up' is not an exception of "
            f"{jurisdiction}; known: {known}"
        )
        assert caught.value.field == f"exceptions_established.{i}.exception"


def test_the_law_day_is_the_jails_calendar_day() -> None:
    """Denver's Ord. 940-17 version starts 28 Aug 2017. 05:30 UTC on 28 Aug is 23:30 on the
    27th in Denver (the pack's zone), but 01:30 on the 28th for an agency on New York time."""
    from datetime import datetime

    from detainer_desk.law.decide import decision_day, local_date
    from detainer_desk.request.document import parse_request

    library = default_library()
    instant = datetime.fromisoformat("2017-08-28T05:30:00+00:00")
    doc = article_request(received_at="2017-08-28T05:30:00+00:00")
    document = parse_request(doc)
    assert decision_day(document, instant, library) == date(2017, 8, 27)
    assert decision_day(document, None, library) == date(2017, 8, 27)  # the day received
    assert decision_day(document, date(2017, 9, 1), library) == date(2017, 9, 1)
    eastern = parse_request({**doc, "agency": {**doc["agency"], "time_zone": "America/New_York"}})
    assert decision_day(eastern, instant, library) == date(2017, 8, 28)
    before = decide(doc, on=instant).pack
    after = decide(doc, on=datetime.fromisoformat("2017-08-28T06:00:00+00:00")).pack
    assert before is not None and after is not None
    assert before.version < after.version  # the instant is read on the jail's calendar
    naive = datetime(2017, 8, 28, 0, 30)  # written without offset: local already
    assert local_date(naive, library.pack("denver").manifest.zone) == date(2017, 8, 28)
