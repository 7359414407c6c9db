"""Fact rules: from a request document to the facts the Cedar policies read.

Each derived fact names the provision that defines it. A fact that cannot be computed because
the document leaves its inputs out (for example, no conviction history) is *unknown*: it is
listed in `Facts.unknown`, and the engine then checks whether the decision depends on it
("never hold on a guess").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from detainer_desk.request.document import Conviction, Offence, RequestDocument
from detainer_desk.vocabulary import (
    WITHDRAWN_FORMS,
    WITHDRAWN_FORMS_LAST_ISSUE,
    ChargeLevel,
    InformationSought,
    OffenceList,
    ReleaseReason,
    TransferPlace,
)

CedarContext = dict[str, Any]


@dataclass(frozen=True)
class Facts:
    context: CedarContext
    unknown: frozenset[str]
    """Dotted paths (e.g. 'booking.nyc_violent_or_serious_within_5_years') with no known value."""


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _counted_from(conviction: Conviction) -> date:
    """NYC five-year rule: count from release when an incarceratory sentence was served."""
    return conviction.released_from_incarceration_on or conviction.convicted_on


def _any(convictions: Iterable[Conviction], test: Callable[[Conviction], bool]) -> bool:
    return any(test(c) for c in convictions)


def _conviction_facts(
    convictions: tuple[Conviction, ...], booked_on: date | None, on: date
) -> dict[str, bool | None]:
    """Facts read from the conviction history; None where a needed date is missing."""
    nyc = OffenceList.nyc_violent_or_serious_crime
    ca_listed = OffenceList.ca_gc_7282_5_listed

    def ca_in_window(c: Conviction) -> bool:
        # Cal. Gov. Code 7282.5(a)(3): listed offence, misdemeanor (wobbler) within 5 years or
        # felony within 15 years.
        if ca_listed not in c.lists:
            return False
        years = 15 if c.level is ChargeLevel.felony else 5
        return c.convicted_on >= _years_before(on, years)

    nyc_within_5: bool | None = None
    if booked_on is not None:
        cutoff = _years_before(booked_on, 5)
        nyc_within_5 = _any(convictions, lambda c: nyc in c.lists and _counted_from(c) >= cutoff)
    elif not _any(convictions, lambda c: nyc in c.lists):
        nyc_within_5 = False
    return {
        # Philadelphia EO 5-16 s.1: released after conviction of a F1/F2 felony involving violence.
        "convicted_f1_f2_violent_this_booking": _any(
            convictions,
            lambda c: c.this_booking and c.violent and (c.degree or "").upper() in {"F1", "F2"},
        ),
        # NYC Admin. Code 9-131 / 14-154 (LL 58 and 59 of 2014).
        "nyc_violent_or_serious_within_5_years": nyc_within_5,
        "nyc_violent_or_serious_ever": _any(convictions, lambda c: nyc in c.lists),
        # Cal. Gov. Code 7282.5(a)(1): Penal Code 1192.7(c) serious or 667.5(c) violent felony.
        "ca_serious_or_violent_felony": _any(
            convictions,
            lambda c: bool(
                {OffenceList.ca_serious_felony_pc_1192_7c, OffenceList.ca_violent_felony_pc_667_5c}
                & set(c.lists)
            ),
        ),
        # 7282.5(a)(2): felony punishable by imprisonment in state prison.
        "ca_state_prison_felony": _any(
            convictions, lambda c: OffenceList.ca_state_prison_felony in c.lists
        ),
        "ca_listed_offence_in_window": _any(convictions, ca_in_window),
        "federal_aggravated_felony": _any(
            convictions, lambda c: OffenceList.federal_aggravated_felony in c.lists
        ),
        # N.J. AG Directive 2018-6 (fact sheet 17.3.2): "convicted of any other indictable crime
        # within the past five years" (counted back from the day decided).
        "nj_indictable_conviction_within_5_years": _any(
            convictions,
            lambda c: (
                OffenceList.nj_indictable_crime in c.lists
                and c.convicted_on >= _years_before(on, 5)
            ),
        ),
        # C.G.S. § 53a-25 via § 54-192h (P.A. 13-155): "convicted of a felony".
        "felony_conviction": _any(convictions, lambda c: c.level is ChargeLevel.felony),
        # C.G.S. § 54-192h(b)(1)(A) (P.A. 19-23): a class A or B felony (C.G.S. § 53a-25 classes).
        "ct_class_a_or_b_felony_conviction": _any(
            convictions, lambda c: c.level is ChargeLevel.felony and _felony_class(c) in {"A", "B"}
        ),
    }


def _felony_class(offence: Offence) -> str:
    """The class or degree as written ('A', 'class B', 'F1' ...), upper case, without 'CLASS'."""
    return (offence.degree or "").upper().removeprefix("CLASS").strip()


def _nj_listed(
    charges: tuple[Offence, ...], convictions: tuple[Conviction, ...] | None
) -> bool | None:
    """N.J. Directive 2018-6: "currently charged with or has ever been convicted of a violent or
    serious offense, as defined in the ITD" (the jail flags the appendix's offences)."""
    listed = OffenceList.nj_violent_or_serious_offense
    if any(listed in c.lists for c in charges):
        return True
    if convictions is None:
        return None
    return _any(convictions, lambda c: listed in c.lists)


_CONVICTION_FACTS = (
    "convicted_f1_f2_violent_this_booking",
    "nyc_violent_or_serious_within_5_years",
    "nyc_violent_or_serious_ever",
    "ca_serious_or_violent_felony",
    "ca_state_prison_felony",
    "ca_listed_offence_in_window",
    "federal_aggravated_felony",
    "nj_indictable_conviction_within_5_years",
    "felony_conviction",
    "ct_class_a_or_b_felony_conviction",
)


def _local_day(moment: datetime, zone: ZoneInfo | None) -> date:
    if zone is None or moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone).date()


def _issued_after_withdrawal(document: RequestDocument, zone: ZoneInfo | None) -> bool | None:
    """FED_I247A_GUIDANCE: I-247D/N/X "may not be issued after April 2, 2017".

    Unknown when such a form arrived after that day without its issue date (earlier detainers on
    those forms "remain active and need not be replaced").
    """
    req = document.request
    if req.form not in WITHDRAWN_FORMS:
        return False
    if req.issued_on is not None:
        return req.issued_on > WITHDRAWN_FORMS_LAST_ISSUE
    if _local_day(document.received_at, zone) <= WITHDRAWN_FORMS_LAST_ISSUE:
        return False
    return None


def derive_facts(document: RequestDocument, on: date, zone: ZoneInfo | None = None) -> Facts:
    """Compute the Cedar context for `document` as of `on` (a day of the jail's calendar).

    `zone` is the jail's zone: booking times are read on its calendar (a time written without
    an offset is local already).
    """
    req, booking = document.request, document.booking
    sought = set(req.information_sought)
    unknown: set[str] = set()

    request_facts: dict[str, bool | None] = {
        "form_issued_after_withdrawal": _issued_after_withdrawal(document, zone),
        # N.Y. Civ. Rights Law § 28 (POCA): the transfer is at, or on the way to or from, court.
        "transfer_at_courthouse": (
            None if req.transfer_place is None else req.transfer_place is TransferPlace.courthouse
        ),
    }
    unknown.update(f"request.{name}" for name, value in request_facts.items() if value is None)
    booking_facts: dict[str, bool | None] = {
        "released_after_conviction": (
            None
            if booking.release_reason is None
            else booking.release_reason is ReleaseReason.sentence_served
        ),
        "release_date_public": booking.release_date_public,
        "sex_or_arson_registrant": booking.sex_or_arson_registrant,
        "magistrate_probable_cause_on_felony_charge": (
            booking.magistrate_probable_cause_on_felony_charge
        ),
        # 8 U.S.C. § 1357(g)(1): an officer is designated only "pursuant to" a written agreement
        # with the State or subdivision, so without the agency's agreement there is none.
        "handled_by_287g_officer": (
            booking.handled_by_287g_officer if document.agency.has_287g_agreement else False
        ),
        # D.C. Code § 24-211.07(a)(4): awaiting trial or sentencing on, or serving a sentence
        # for, a federal criminal charge.
        "federal_criminal_charge": booking.federal_criminal_charge,
        "nj_violent_or_serious_charged_or_convicted": _nj_listed(
            booking.charges, booking.convictions
        ),
    }
    if booking.convictions is None:
        booking_facts.update(dict.fromkeys(_CONVICTION_FACTS))
    else:
        booked_on = _local_day(booking.booked_at, zone) if booking.booked_at else None
        booking_facts.update(_conviction_facts(booking.convictions, booked_on, on))

    unknown.update(f"booking.{name}" for name, value in booking_facts.items() if value is None)
    context: CedarContext = {
        "request": {
            "kind": req.kind.value,
            "form": req.form.value,
            "warrant_kind": req.warrant_kind.value,
            "judicial_warrant": req.warrant_kind.is_judicial,
            "seeks_immigration_status": InformationSought.immigration_status in sought,
            "seeks_birthplace": InformationSought.birthplace in sought,
            "tsdb_match_asserted": req.tsdb_match_asserted,
            "prior_removal_and_reentry_asserted": req.prior_removal_and_reentry_asserted,
            "outstanding_federal_felony_warrant": req.outstanding_federal_felony_warrant,
            **{name: bool(value) for name, value in request_facts.items()},
        },
        "booking": {name: bool(value) for name, value in booking_facts.items()},
        "agency": {
            "kind": document.agency.kind.value,
            "has_287g_agreement": document.agency.has_287g_agreement,
        },
        "interview": {
            "written_advisement_given": document.interview.written_advisement_given,
            "written_consent_signed": document.interview.written_consent_signed,
            "declined": document.interview.declined,
            "requested_by_person": document.interview.requested_by_person,
            "judicial_order": document.interview.judicial_order,
            # D.C. Code § 24-211.07(a)(3)(B): counsel present, or knowingly, intelligently and
            # voluntarily declined.
            "counsel_present_or_waived": (
                document.interview.counsel_present or document.interview.counsel_waived
            ),
        },
        # Recorded determinations (LAW-INTERFACE §2): rule ids only, never the proof shown.
        "exceptions_established": sorted({e.exception for e in document.exceptions_established}),
    }
    return Facts(context=context, unknown=frozenset(unknown))
