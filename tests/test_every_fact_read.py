"""Every field the request format accepts either reaches the law or is documented as not.

Walks the request document's Pydantic models (the source of docs/request.schema.json). Each
accepted field must be classified below: `fact` — the Cedar context paths it feeds, each of
which some rule of some pack must read; `engine` — read by the engine outside Cedar (which
pack, which day, which actions, the hold window); or `not_law` — kept for the officer or the
ledger only, with the reason no law turns on it. A new field without a classification, a
classification for a field that no longer exists, or a fact no rule reads fails the test.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from detainer_desk.law.decide import default_library
from detainer_desk.request.document import RequestDocument

FACT: dict[str, tuple[str, ...]] = {
    "request.kind": ("request.kind",),
    "request.form": ("request.form",),
    "request.issued_on": ("request.form_issued_after_withdrawal",),
    "request.warrant_kind": ("request.warrant_kind", "request.judicial_warrant"),
    "request.information_sought": ("request.seeks_immigration_status", "request.seeks_birthplace"),
    "request.tsdb_match_asserted": ("request.tsdb_match_asserted",),
    "request.prior_removal_and_reentry_asserted": ("request.prior_removal_and_reentry_asserted",),
    "request.outstanding_federal_felony_warrant": ("request.outstanding_federal_felony_warrant",),
    "request.transfer_place": ("request.transfer_at_courthouse",),
    "booking.release_reason": ("booking.released_after_conviction",),
    "booking.release_date_public": ("booking.release_date_public",),
    "booking.sex_or_arson_registrant": ("booking.sex_or_arson_registrant",),
    "booking.magistrate_probable_cause_on_felony_charge": (
        "booking.magistrate_probable_cause_on_felony_charge",
    ),
    "booking.handled_by_287g_officer": ("booking.handled_by_287g_officer",),
    "booking.federal_criminal_charge": ("booking.federal_criminal_charge",),
    "booking.booked_at": ("booking.nyc_violent_or_serious_within_5_years",),
    "booking.charges[].lists": ("booking.nj_violent_or_serious_charged_or_convicted",),
    "booking.convictions[].level": (
        "booking.felony_conviction",
        "booking.ct_class_a_or_b_felony_conviction",
        "booking.ca_listed_offence_in_window",
    ),
    "booking.convictions[].degree": (
        "booking.convicted_f1_f2_violent_this_booking",
        "booking.ct_class_a_or_b_felony_conviction",
    ),
    "booking.convictions[].violent": ("booking.convicted_f1_f2_violent_this_booking",),
    "booking.convictions[].lists": (
        "booking.nyc_violent_or_serious_ever",
        "booking.ca_serious_or_violent_felony",
        "booking.ca_state_prison_felony",
        "booking.federal_aggravated_felony",
        "booking.nj_indictable_conviction_within_5_years",
    ),
    "booking.convictions[].convicted_on": ("booking.nyc_violent_or_serious_within_5_years",),
    "booking.convictions[].released_from_incarceration_on": (
        "booking.nyc_violent_or_serious_within_5_years",
    ),
    "booking.convictions[].this_booking": ("booking.convicted_f1_f2_violent_this_booking",),
    "agency.kind": ("agency.kind",),
    "agency.has_287g_agreement": ("agency.has_287g_agreement",),
    "interview.written_advisement_given": ("interview.written_advisement_given",),
    "interview.written_consent_signed": ("interview.written_consent_signed",),
    "interview.declined": ("interview.declined",),
    "interview.requested_by_person": ("interview.requested_by_person",),
    "interview.judicial_order": ("interview.judicial_order",),
    "interview.counsel_present": ("interview.counsel_present_or_waived",),
    "interview.counsel_waived": ("interview.counsel_present_or_waived",),
    "exceptions_established[].exception": ("exceptions_established",),
}

ENGINE: dict[str, str] = {
    "jurisdiction": "chooses the pack",
    "received_at": "chooses the day whose law decides, and starts a window counted from receipt",
    "agency.time_zone": "the jail's calendar: which day's law decides",
    "request.actions": "which actions are decided",
    "booking.release_eligible_at": "starts the hold window",
    "request.judicial_warrant": "required with a judicial_* warrant_kind (refused without it)",
    "request.judicial_warrant.issuing_court": "required: the warrant is refused without its court",
    "request.judicial_warrant.judge": "required: the warrant is refused without its judge",
    "request.judicial_warrant.custody_ends_at": "ends a hold permitted on the warrant",
}

NOT_LAW: dict[str, str] = {
    "request.office": "ledger and notices only: the requesting DHS office",
    "request.judicial_warrant.offence": "shown to the officer; no answer turns on the offence "
    "charged: Oregon's ORS 181.850(3) permits a magistrate's warrant on an immigration offence "
    "and the federal baseline any other judge's criminal warrant",
    "request.judicial_warrant.issued_on": "ledger only: the warrant's date",
    "request.priority_bases": "I-247D boxes: no encoded rule turns on ICE's priority assertion "
    "(Philadelphia's 2015 Priority-1 draft was never law, fact sheet 2.3)",
    "request.probable_cause_bases": "I-247A boxes: boxes a and b reveal status and are never read; "
    "no encoded rule turns on c, d, Box 2 or the 2011 investigation box (every administrative "
    "hold is already denied unless a mandate applies, and no mandate read turns on them)",
    "booking.booking_id": "ledger only: the jail's booking id",
    "booking.charges[].offence": "shown to the officer; laws turn on the offence's lists",
    "booking.charges[].level": "no encoded rule turns on a current charge's level",
    "booking.charges[].degree": "no encoded rule turns on a current charge's degree",
    "booking.charges[].violent": "no encoded rule turns on a current charge's violence",
    "booking.convictions[].offence": "shown to the officer; laws turn on the offence's lists",
    "agency.name": "ledger and display only",
    "interview.advisement_language": "ledger only: the language of the advisement given",
    "interview.attorney_requested": "ledger only: no encoded rule turns on it (D.C. reads "
    "counsel present or waived, interview.counsel_present / counsel_waived)",
    "exceptions_established[].determined_by": "ledger only: who determined the exception",
    "exceptions_established[].determined_on": "ledger only: when",
}


def _models(annotation: Any) -> list[tuple[type[BaseModel], bool]]:
    """Models inside an annotation, and whether they sit in a sequence."""
    found: list[tuple[type[BaseModel], bool]] = []
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, False)]
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            found += _models(arg)
    elif origin in (tuple, list):
        found += [(model, True) for model, _ in _models(get_args(annotation)[0])]
    return found


def accepted_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every leaf field path the model accepts (`a.b`, `a.list[].c`)."""
    paths: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        inner = _models(info.annotation)
        if not inner:
            paths.add(path)
            continue
        for sub, many in inner:
            if path in ENGINE:  # the container itself is classified too
                paths.add(path)
            paths |= accepted_fields(sub, f"{path}[]." if many else f"{path}.")
    return paths


def test_every_accepted_field_is_classified_and_nothing_stale() -> None:
    fields = accepted_fields(RequestDocument)
    classified = set(FACT) | set(ENGINE) | set(NOT_LAW)
    assert sorted(fields - classified) == [], "classify each new field (FACT, ENGINE or NOT_LAW)"
    assert sorted(classified - fields) == [], "a classified field no longer exists"


def test_every_fact_a_field_feeds_is_read_by_some_rule() -> None:
    library = default_library()
    read = {
        path
        for name in library.names()
        for provision in library.pack(name).provisions
        for path in provision.reads
    }
    unread = {field: fact for field, facts in FACT.items() for fact in facts if fact not in read}
    assert unread == {}


def test_the_walk_sees_nested_and_repeated_fields() -> None:
    fields = accepted_fields(RequestDocument)
    assert {"booking.convictions[].degree", "request.judicial_warrant.judge"} <= fields
    assert "booking.convictions" not in fields  # a container is not a leaf
