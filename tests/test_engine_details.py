"""Details of `decide` and the engine that the broader tests in test_engine.py leave open.

Each answer is worked out by hand in its comment, from the request and the shipped packs.
"""

from __future__ import annotations

import copy
import shutil
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from detainer_desk import Action, Effect, decide
from detainer_desk.errors import InputError
from detainer_desk.law import default_library
from detainer_desk.law.decide import local_zone
from detainer_desk.law.decision import ActionPart
from detainer_desk.law.engine import (
    MAX_UNKNOWN_FACTS,
    NO_HOLD_AUTHORITY,
    NO_RULE_NO_DEFAULT,
    Outcome,
    action_decision,
    evaluate,
)
from detainer_desk.law.facts import Facts, derive_facts
from detainer_desk.law.pack import HoldWindow, PolicyLibrary, default_packs_dir
from detainer_desk.request.document import parse_request
from detainer_desk.vocabulary import Form
from tests.helpers import EXAMPLE, JUDICIAL_PAPER, article_request

DENVER_DAY = date(2017, 9, 27)  # Ord. 940-17 version (from 28 Aug 2017)


def _nyc_judicial(convictions: list[dict[str, Any]] | None) -> dict[str, Any]:
    doc = article_request(jurisdiction="new-york-city", agency={"kind": "department_of_correction"})
    doc["request"]["warrant_kind"] = "judicial_criminal_warrant"
    doc["request"]["judicial_warrant"] = JUDICIAL_PAPER
    doc["booking"]["convictions"] = convictions
    return doc


def test_a_request_file_is_decided_like_its_content() -> None:
    assert decide(EXAMPLE, DENVER_DAY).to_json() == decide(article_request(), DENVER_DAY).to_json()


def test_the_pack_version_is_named_with_its_label_and_notes() -> None:
    # denver/manifest.yaml, version from 2017-08-28: its label, and its notes (a folded YAML
    # block, so one line, with the block's final newline stripped).
    pack = decide(article_request(), DENVER_DAY).pack
    assert pack is not None and pack.version == date(2017, 8, 28)
    assert pack.label == (
        "Public Safety Enforcement Priorities Act (Ord. 940-17, D.R.M.C. ch. 28 art. VIII)"
    )
    assert pack.notes == (
        "The code's history note dates the ordinance 28 Aug 2017 (council vote); it was signed "
        "31 Aug 2017. The day it took force was not found: decisions dated 28-30 Aug 2017 are "
        "uncertain. The operative text of § 28-253 after its definitions was read only in "
        "secondary sources."
    )


def test_actions_decided_by_a_rule_are_not_by_default() -> None:
    # Denver: each of the four actions is decided by a rule of D.R.M.C. ch. 28 (test_engine's
    # reasons), none by the pack's default: by_default is false (not null) in the JSON.
    out = decide(article_request(), DENVER_DAY).to_dict()
    assert [a["by_default"] for a in out["actions"]] == [False, False, False, False]


def test_all_actions_decides_every_action_in_vocabulary_order() -> None:
    decision = decide(article_request(), DENVER_DAY, all_actions=True)
    assert [a.action.value for a in decision.actions] == [
        "hold_beyond_release",
        "notify_release",
        "share_release_date",
        "allow_in_person_interview",
        "allow_remote_interview",
        "share_immigration_status_or_birthplace",
        "transfer_custody",
        "share_personal_info",
    ]


def test_the_request_summary_lists_the_exceptions_established() -> None:
    # Texas art. 2.251(b): with the proof exception recorded, the hold is no longer required.
    proof = "tx.ccp.2_251b.proof-exception"
    doc = article_request(jurisdiction="texas")
    doc["exceptions_established"] = [
        {"exception": proof, "determined_by": "counsel", "determined_on": "2017-09-27"}
    ]
    decision = decide(doc, DENVER_DAY)
    assert decision.request["exceptions_established"] == [
        {"exception": proof, "determined_by": "counsel", "determined_on": "2017-09-27"}
    ]
    assert "exceptions_established" not in decide(article_request(), DENVER_DAY).request


SECOND_EXCEPTION = """

@id("tx.test.second-exception")
@exception("true")
@cite("Test rule: a second exception")
@source("TX_CCP_2_251")
@effective("2017-09-25")
@text("Test only: a second recorded determination that lifts the hold.")
forbid (principal, action == Action::"hold_beyond_release", resource)
when { context.exceptions_established.contains("tx.test.second-exception") };
"""


def test_an_unknown_exception_lists_every_known_one(tmp_path: Path) -> None:
    for name in ("federal", "texas"):
        shutil.copytree(default_packs_dir() / name, tmp_path / name)
    with (tmp_path / "texas" / "policies.cedar").open("a") as policies:
        policies.write(SECOND_EXCEPTION)
    library = PolicyLibrary.load(tmp_path)
    doc = article_request(jurisdiction="texas")
    doc["exceptions_established"] = [
        {"exception": "made.up", "determined_by": "counsel", "determined_on": "2017-09-27"}
    ]
    with pytest.raises(InputError) as caught:
        decide(doc, DENVER_DAY, library=library)
    assert str(caught.value) == (
        "exceptions_established[0].exception 'made.up' is not an exception of texas; "
        "known: tx.ccp.2_251b.proof-exception, tx.test.second-exception"
    )


def test_a_booking_day_is_read_on_the_jails_calendar() -> None:
    """NYC: a hold with a judge's warrant needs a listed conviction within 5 years of the booking
    day. Booked 03:00 UTC on 26 Sep 2017 = 23:00 on 25 Sep in New York (the pack's zone): the
    5 years reach back to 25 Sep 2012, and a conviction of that day counts. Read in UTC (26 Sep),
    they would start on 26 Sep 2012 and the conviction would not count."""
    robbery = {
        "offence": "PL 160.15 robbery in the first degree",
        "level": "felony",
        "lists": ["nyc_violent_or_serious_crime"],
    }
    for convicted_on, effect in (("2012-09-25", Effect.permit), ("2012-09-24", Effect.deny)):
        doc = _nyc_judicial([{**robbery, "convicted_on": convicted_on}])
        doc["booking"]["booked_at"] = "2017-09-26T03:00:00+00:00"
        hold = decide(doc, DENVER_DAY).action(Action.hold_beyond_release)
        assert hold.effect is effect, convicted_on


def test_the_ca_offence_window_is_counted_back_from_the_decision_day() -> None:
    """TRUST Act § 7282.5(a)(3): a listed misdemeanor counts for 5 years before the day decided.
    Convicted 5 March 2009: decided on 3 March 2014 the window starts 3 March 2009 (the hold is
    permitted); decided on 6 March 2014 it starts 6 March 2009 (denied). Same pack version."""
    doc = article_request(jurisdiction="california", received_at="2014-03-03T08:30:00-08:00")
    doc["booking"].update(
        booked_at="2014-03-01T22:10:00-08:00",
        release_eligible_at="2014-03-04T14:00:00-08:00",
        convictions=[
            {
                "offence": "PC 243(e)(1) battery",
                "level": "misdemeanor",
                "lists": ["ca_gc_7282_5_listed"],
                "convicted_on": "2009-03-05",
            }
        ],
    )
    on_the_3rd = decide(doc, date(2014, 3, 3)).action(Action.hold_beyond_release)
    on_the_6th = decide(doc, date(2014, 3, 6)).action(Action.hold_beyond_release)
    assert (on_the_3rd.effect, on_the_6th.effect) == (Effect.permit, Effect.deny)


def _status_and_birthplace(jurisdiction: str, **request: Any) -> dict[str, Any]:
    doc = article_request(jurisdiction=jurisdiction, received_at="2017-09-27T08:30:00-07:00")
    doc["request"].update(
        kind="information_request",
        form="other",
        warrant_kind="none",
        information_sought=["immigration_status", "birthplace"],
        actions=["share_immigration_status_or_birthplace"],
    )
    doc["request"].pop("probable_cause_bases")
    doc["request"].update(request)
    return doc


def test_status_and_birthplace_parts_name_grants_limits_and_defaults() -> None:
    """Oregon (version of 15 Aug 2017): status may be shared under ORS 181.850(2)(a), a grant,
    with 8 U.S.C. § 1373(a), which only limits restrictions; no rule speaks to birthplace, so
    the pack's default for sharing answers (permit, with its own reason). ORS 180.805 lets the
    jail decline: a condition of both permits."""
    (share,) = decide(_status_and_birthplace("oregon"), DENVER_DAY).actions
    decline = ("or.ors-180-805.may-decline-status",)
    assert share.parts == (
        ActionPart(
            "immigration_status",
            Effect.permit,
            "permitted by ORS 181.850(2)(a) (now 181A.820, before its 2021 amendment) "
            "(8 U.S.C. § 1373(a) only limits local restrictions; it is not a grant)",
            ("fed.8usc1373a.status-may-be-sent", "or.ors-181-850-2a.verify-status"),
            decline,
        ),
        ActionPart(
            "birthplace",
            Effect.permit,
            "no provision in force restricts this sharing",
            (),
            decline,
        ),
    )


def test_status_and_birthplace_parts_that_depend_on_a_missing_fact() -> None:
    """California, an I-247D received 27 Sep 2017 with no issue date: whether it was issued
    after the form's withdrawal (2 April 2017) is unknown, and each part's answer turns on it:
    review_required, naming the fact, for both."""
    doc = _status_and_birthplace("california", kind="detainer", form="I-247D")
    (share,) = decide(doc, DENVER_DAY).actions
    why = (
        "the answer depends on facts the request does not give "
        "(request.form_issued_after_withdrawal); review before acting"
    )
    assert share.parts == (
        ActionPart("immigration_status", Effect.review_required, why, (), ()),
        ActionPart("birthplace", Effect.review_required, why, (), ()),
    )


def test_an_outcome_that_depends_on_unknown_facts_is_a_plain_deny() -> None:
    # NYC, judge's warrant, no conviction history: the hold turns on both NYC history facts.
    document = parse_request(_nyc_judicial(None))
    library = default_library()
    vs = library.version_set("new-york-city", DENVER_DAY)
    facts = derive_facts(document, DENVER_DAY, local_zone(document, library))
    assert evaluate(vs, Action.hold_beyond_release, facts) == (
        Outcome(Effect.deny, (), False),
        ("booking.nyc_violent_or_serious_ever", "booking.nyc_violent_or_serious_within_5_years"),
    )


BOOKING_FACTS = (  # every booking fact; Denver's remote-interview rules read none of them
    "booking.ca_listed_offence_in_window",
    "booking.ca_serious_or_violent_felony",
    "booking.ca_state_prison_felony",
    "booking.convicted_f1_f2_violent_this_booking",
    "booking.federal_aggravated_felony",
    "booking.magistrate_probable_cause_on_felony_charge",
    "booking.nyc_violent_or_serious_ever",
    "booking.nyc_violent_or_serious_within_5_years",
    "booking.release_date_public",
    "booking.released_after_conviction",
    "booking.sex_or_arson_registrant",
)


def test_up_to_ten_unknown_facts_are_tried_both_ways_and_eleven_are_not() -> None:
    """Denver's remote interviews, with the action taken to read 10 (then 11) booking facts
    the request leaves unknown. Ten: all 2^10 fillings are tried; none changes the answer (the
    rules do not look at them), so it is the plain permit with no missing facts, and the
    request's own facts are left as they were. Eleven: more than MAX_UNKNOWN_FACTS (10), so
    nothing is tried: deny, naming the eleven."""
    assert MAX_UNKNOWN_FACTS == 10 and len(BOOKING_FACTS) == 11
    document = parse_request(article_request())
    library = default_library()
    vs = library.version_set("denver", DENVER_DAY)
    known = derive_facts(document, DENVER_DAY, local_zone(document, library))
    plain, none_missing = evaluate(vs, Action.allow_remote_interview, known)
    assert plain.effect is Effect.permit and none_missing == ()
    for paths, expected in (
        (BOOKING_FACTS[:10], (plain, ())),
        (BOOKING_FACTS, (Outcome(Effect.deny, (), False), BOOKING_FACTS)),
    ):
        reads = {**vs.reads_by_action, Action.allow_remote_interview: frozenset(paths)}
        reading = replace(vs, reads_by_action=reads)
        facts = Facts(copy.deepcopy(known.context), frozenset(paths))
        assert evaluate(reading, Action.allow_remote_interview, facts) == expected
        assert facts.context == known.context  # tried on copies


def test_a_window_from_receipt_reads_a_local_receipt_time_on_the_packs_clock() -> None:
    # Received 09:00 on 7 Jan 2025 (no offset: North Carolina time, EST = UTC-5); eligible at
    # 10:00 EST on 8 Jan, given with its offset. 48 hours from receipt: 09:00 EST on 9 Jan.
    vs = default_library().version_set("north-carolina", date(2025, 1, 8))
    required = Outcome(Effect.permit, ("nc.gs.162-62b1.hold-48h-from-receipt",), False)
    eligible = datetime.fromisoformat("2025-01-08T10:00:00-05:00")
    limit = action_decision(
        vs,
        Action.hold_beyond_release,
        required,
        (),
        Form.I_247A,
        eligible,
        datetime(2025, 1, 7, 9),
    ).hold_limit
    assert limit is not None and limit.ends_at is not None
    assert limit.ends_at.isoformat() == "2025-01-09T09:00:00-05:00"


def test_a_window_from_receipt_can_skip_weekends() -> None:
    """A receipt-counted window in business hours (no shipped pack has one). Received Friday
    10 Jan 2025 09:00: 15 hours on Friday, Saturday and Sunday skipped, 24 on Monday, 9 on
    Tuesday: ends Tuesday 14 Jan 09:00 (a flat window would end Sunday 12 Jan 09:00). Eligible
    Saturday 10:00, before that: the window's end stands. No federal holiday falls in 10-14 Jan."""
    from detainer_desk.law.engine import _hold_limit_from_receipt

    vs = default_library().version_set("north-carolina", date(2025, 1, 8))
    window = HoldWindow(
        hours=48, excludes_weekends_and_holidays=True, cite="Test window", counted_from="receipt"
    )
    limit = _hold_limit_from_receipt(
        vs, window, datetime(2025, 1, 11, 10), datetime(2025, 1, 10, 9)
    )
    assert limit.ends_at == datetime(2025, 1, 14, 9)
    assert limit.excludes_weekends_and_holidays is True


def test_a_decision_falling_back_for_missing_facts_lists_no_conditions() -> None:
    # California 2018: status may be shared on the condition that it is known (§ 7284.6(a)(1)(A));
    # with a missing fact the answer is review_required, and a condition of a permit that was
    # not given is not shown.
    vs = default_library().version_set("california", date(2018, 3, 1))
    share = Action.share_immigration_status_or_birthplace
    permit = Outcome(
        Effect.permit,
        ("fed.8usc1373a.status-may-be-sent",),
        False,
        conditions=("ca.gc.7284_6a1A.status-only-if-known",),
    )
    given = action_decision(vs, share, permit, (), Form.other, None)
    assert [c["id"] for c in given.conditions] == ["ca.gc.7284_6a1A.status-only-if-known"]
    missing = ("request.form_issued_after_withdrawal",)
    fallback = action_decision(vs, share, permit, missing, Form.other, None)
    assert fallback.effect is Effect.review_required and fallback.conditions == ()


def test_a_default_never_permits_a_hold_and_no_default_means_review(tmp_path: Path) -> None:
    """A copy of the federal pack whose manifest gives holds a default ("permit") in place of
    its in-person interview default; Washington in March 2012 has no rule on either. The hold is
    still denied by default with the usual reason (holds are never permitted by default), and
    the interview, with no rule and no default, needs review."""
    for name in ("federal", "washington"):
        shutil.copytree(default_packs_dir() / name, tmp_path / name)
    manifest = tmp_path / "federal" / "manifest.yaml"
    interview = (
        '  allow_in_person_interview: {effect: permit, reason: "no provision in force restricts '
        'in-person interviews"}\n'
    )
    hold = '  hold_beyond_release: {effect: permit, reason: "test: a default for holds"}\n'
    assert interview in manifest.read_text()
    manifest.write_text(manifest.read_text().replace(interview, hold))
    library = PolicyLibrary.load(tmp_path)
    doc = article_request(jurisdiction="washington", received_at="2012-03-05T09:00:00-08:00")
    doc["request"]["form"] = "I-247"
    decision = decide(doc, date(2012, 3, 5), library=library)
    held = decision.action(Action.hold_beyond_release)
    assert (held.effect, held.by_default, held.reason) == (Effect.deny, True, NO_HOLD_AUTHORITY)
    seen = decision.action(Action.allow_in_person_interview)
    assert (seen.effect, seen.by_default, seen.reason) == (
        Effect.review_required,
        True,
        NO_RULE_NO_DEFAULT,
    )
