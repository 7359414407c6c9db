"""Known answers for the derived facts (law/facts.py), each worked out by hand from the rule.

The windows: Cal. Gov. Code § 7282.5(a)(3) — a listed offence, convicted within the past 5 years
of a misdemeanor (wobbler) or within 15 years of a felony (CA_GC_7282_5); NYC Admin. Code
§ 9-131 — a violent or serious crime within five years, counted from release where a sentence of
incarceration was served (NYC_LL58_59_2014); Philadelphia EO 5-16 § 1 — released after conviction
of a first or second degree felony involving violence.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from detainer_desk.law.facts import Facts, _years_before, derive_facts
from detainer_desk.request.document import parse_request
from tests.helpers import article_request

ALL_FALSE = {
    "convicted_f1_f2_violent_this_booking": False,
    "nyc_violent_or_serious_within_5_years": False,
    "nyc_violent_or_serious_ever": False,
    "ca_serious_or_violent_felony": False,
    "ca_state_prison_felony": False,
    "ca_listed_offence_in_window": False,
    "federal_aggravated_felony": False,
}
CONVICTION_FACTS = tuple(ALL_FALSE)
UNGIVEN = frozenset({"booking.federal_criminal_charge", "request.transfer_at_courthouse"})
# Facts read from the history too, kept apart because a felony level alone sets one of them.
CLASS_AND_NJ_FACTS = (
    "nj_indictable_conviction_within_5_years",
    "felony_conviction",
    "ct_class_a_or_b_felony_conviction",
    "nj_violent_or_serious_charged_or_convicted",
)


def conviction(convicted_on: str, level: str = "misdemeanor", **more: Any) -> dict[str, Any]:
    return {"offence": "a prior offence", "level": level, "convicted_on": convicted_on, **more}


def facts(
    convictions: list[dict[str, Any]] | None,
    on: date = date(2020, 6, 15),
    booked_at: str | None = "2017-09-25T22:10:00-06:00",
    zone: ZoneInfo | None = None,
    **booking: Any,
) -> Facts:
    doc = article_request()
    doc["booking"]["convictions"] = convictions
    doc["booking"]["booked_at"] = booked_at
    doc["booking"]["release_date_public"] = False
    doc["booking"]["federal_criminal_charge"] = False
    doc["request"]["transfer_place"] = "jail"
    doc["booking"].update(booking)
    return derive_facts(parse_request(doc), on, zone)


def conviction_facts(result: Facts) -> dict[str, bool]:
    return {name: result.context["booking"][name] for name in CONVICTION_FACTS}


def only(**true: bool) -> dict[str, bool]:
    return {**ALL_FALSE, **true}


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2020, 6, 15), 5, date(2015, 6, 15)),
        (date(2020, 6, 15), 15, date(2005, 6, 15)),
        (date(2020, 2, 29), 4, date(2016, 2, 29)),  # leap year to leap year: the same day
        (date(2020, 2, 29), 5, date(2015, 2, 28)),  # 2015 has no 29 February: the 28th
        (date(2020, 2, 29), 15, date(2005, 2, 28)),
    ],
)
def test_years_before_counts_calendar_years(day: date, years: int, expected: date) -> None:
    assert _years_before(day, years) == expected


# CA 7282.5(a)(3), on 15 June 2020: misdemeanor/wobbler window opens 15 June 2015 (5 years),
# felony window 15 June 2005 (15 years); "within" includes the first day.
@pytest.mark.parametrize(
    ("level", "convicted_on", "in_window"),
    [
        ("misdemeanor", "2015-06-15", True),
        ("misdemeanor", "2015-06-14", False),
        ("wobbler", "2015-06-15", True),
        ("wobbler", "2015-06-14", False),
        ("wobbler", "2010-01-01", False),  # within 15 years, but a wobbler counts 5
        ("felony", "2005-06-15", True),
        ("felony", "2005-06-14", False),
        ("felony", "2010-01-01", True),
    ],
)
def test_ca_listed_offence_window_is_5_or_15_years(
    level: str, convicted_on: str, in_window: bool
) -> None:
    result = facts([conviction(convicted_on, level, lists=["ca_gc_7282_5_listed"])])
    assert conviction_facts(result) == only(ca_listed_offence_in_window=in_window)


def test_ca_window_from_29_february_ends_on_the_28th() -> None:
    # On 29 Feb 2020 the 5-year window opens 28 Feb 2015.
    listed = ["ca_gc_7282_5_listed"]
    inside = facts([conviction("2015-02-28", lists=listed)], on=date(2020, 2, 29))
    outside = facts([conviction("2015-02-27", lists=listed)], on=date(2020, 2, 29))
    assert inside.context["booking"]["ca_listed_offence_in_window"] is True
    assert outside.context["booking"]["ca_listed_offence_in_window"] is False


def test_ca_window_needs_the_listed_flag() -> None:
    recent_felony = conviction("2020-01-01", "felony", lists=["ca_state_prison_felony"])
    assert conviction_facts(facts([recent_felony])) == only(ca_state_prison_felony=True)


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        (["ca_serious_felony_pc_1192_7c"], only(ca_serious_or_violent_felony=True)),
        (["ca_violent_felony_pc_667_5c"], only(ca_serious_or_violent_felony=True)),
        (["ca_state_prison_felony"], only(ca_state_prison_felony=True)),
        (["federal_aggravated_felony"], only(federal_aggravated_felony=True)),
        ([], ALL_FALSE),
    ],
)
def test_each_offence_list_sets_its_own_fact_only(
    lists: list[str], expected: dict[str, bool]
) -> None:
    # Convicted 1990: outside every window, so only the list facts can be true.
    assert conviction_facts(facts([conviction("1990-01-01", "felony", lists=lists)])) == expected


# NYC: booked 25 Sep 2017 (Denver time), so the five years run from 25 Sep 2012.
NYC = ["nyc_violent_or_serious_crime"]


@pytest.mark.parametrize(
    ("convicted_on", "released_on", "within"),
    [
        ("2012-09-25", None, True),  # the first day of the window
        ("2012-09-24", None, False),
        ("2010-01-01", "2012-09-25", True),  # counted from release from incarceration
        ("2010-01-01", "2012-09-24", False),
        ("2000-01-01", None, False),
    ],
)
def test_nyc_five_years_counted_from_release(
    convicted_on: str, released_on: str | None, within: bool
) -> None:
    prior = conviction(convicted_on, lists=NYC, released_from_incarceration_on=released_on)
    result = facts([prior])
    assert conviction_facts(result) == only(
        nyc_violent_or_serious_within_5_years=within, nyc_violent_or_serious_ever=True
    )
    assert result.unknown == frozenset()


def test_nyc_window_reads_the_booking_day_on_the_jails_calendar() -> None:
    # 22:10 at -06:00 is 04:10 UTC on 26 Sep: in a UTC jail the window opens 26 Sep 2012.
    prior = [conviction("2012-09-25", lists=NYC)]
    denver = facts(prior, zone=ZoneInfo("America/Denver"))
    utc = facts(prior, zone=ZoneInfo("UTC"))
    assert denver.context["booking"]["nyc_violent_or_serious_within_5_years"] is True
    assert utc.context["booking"]["nyc_violent_or_serious_within_5_years"] is False


def test_nyc_window_without_booking_day_is_unknown_only_when_a_listed_crime_exists() -> None:
    listed = facts([conviction("2019-01-01", lists=NYC)], booked_at=None)
    assert listed.unknown == frozenset({"booking.nyc_violent_or_serious_within_5_years"})
    assert conviction_facts(listed) == only(nyc_violent_or_serious_ever=True)
    unlisted = facts(
        [conviction("2019-01-01", lists=["federal_aggravated_felony"])], booked_at=None
    )
    assert unlisted.unknown == frozenset()
    assert conviction_facts(unlisted) == only(federal_aggravated_felony=True)


def test_unlisted_recent_conviction_is_not_an_nyc_crime() -> None:
    result = facts([conviction("2017-01-01", lists=["ca_gc_7282_5_listed"])])
    assert result.context["booking"]["nyc_violent_or_serious_within_5_years"] is False


@pytest.mark.parametrize(
    ("degree", "violent", "this_booking", "expected"),
    [
        ("F1", True, True, True),
        ("F2", True, True, True),
        ("f2", True, True, True),  # grades are read case-blind
        ("F3", True, True, False),
        (None, True, True, False),
        ("F1", False, True, False),
        ("F1", True, False, False),
    ],
)
def test_philadelphia_f1_f2_violent_this_booking(
    degree: str | None, violent: bool, this_booking: bool, expected: bool
) -> None:
    prior = conviction(
        "1990-01-01", "felony", degree=degree, violent=violent, this_booking=this_booking
    )
    assert conviction_facts(facts([prior])) == only(convicted_f1_f2_violent_this_booking=expected)


def test_unknown_history_makes_every_conviction_fact_unknown() -> None:
    result = facts(None)
    assert result.unknown == frozenset(
        f"booking.{name}" for name in (*CONVICTION_FACTS, *CLASS_AND_NJ_FACTS)
    )
    assert conviction_facts(result) == ALL_FALSE  # Cedar reads false; the engine checks unknowns


@pytest.mark.parametrize(
    ("reason", "value", "unknown"),
    [
        ("sentence_served", True, False),
        ("bond_posted", False, False),
        (None, False, True),
    ],
)
def test_released_after_conviction(reason: str | None, value: bool, unknown: bool) -> None:
    result = facts([], release_reason=reason)
    assert result.context["booking"]["released_after_conviction"] is value
    assert ("booking.released_after_conviction" in result.unknown) is unknown


# FED_I247A_GUIDANCE: I-247D/N/X "may not be issued after April 2, 2017". (One dated later is
# refused at the edge by parse_request, so it never reaches derive_facts.)
@pytest.mark.parametrize(
    ("form", "issued_on", "received_at", "after", "unknown"),
    [
        ("I-247D", "2017-04-02", "2017-09-27T08:30:00-06:00", False, False),  # the last day
        ("I-247N", None, "2017-04-02T23:30:00-06:00", False, False),  # arrived by the last day
        ("I-247X", None, "2017-04-03T00:30:00-06:00", False, True),  # after it, no issue date
        ("I-247A", None, "2017-09-27T08:30:00-06:00", False, False),  # not a withdrawn form
    ],
)
def test_form_issued_after_withdrawal(
    form: str, issued_on: str | None, received_at: str, after: bool, unknown: bool
) -> None:
    doc = article_request(received_at=received_at)
    doc["request"].update(form=form, issued_on=issued_on)
    doc["booking"]["release_date_public"] = False
    result = derive_facts(parse_request(doc), date(2017, 9, 27), ZoneInfo("America/Denver"))
    assert result.context["request"]["form_issued_after_withdrawal"] is after
    # (the request leaves the federal-charge and transfer-place facts out: unknown too)
    assert result.unknown - UNGIVEN == (
        frozenset({"request.form_issued_after_withdrawal"}) if unknown else frozenset()
    )


def test_withdrawal_day_is_read_on_the_jails_calendar() -> None:
    # 03:00 UTC on 3 April is still 2 April (21:00 MDT) in Denver: received by the last day.
    doc = article_request(received_at="2017-04-03T03:00:00+00:00")
    doc["request"].update(form="I-247D", issued_on=None)
    document = parse_request(doc)
    denver = derive_facts(document, date(2017, 9, 27), ZoneInfo("America/Denver"))
    utc = derive_facts(document, date(2017, 9, 27), ZoneInfo("UTC"))
    assert "request.form_issued_after_withdrawal" not in denver.unknown
    assert "request.form_issued_after_withdrawal" in utc.unknown
