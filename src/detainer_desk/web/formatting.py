"""How the staff UI writes times and names: one clock per desk, labels for internal keys."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def local_time(value: str | datetime | None, zone: ZoneInfo) -> str:
    """An ISO time (or datetime) in the desk's zone, with the zone's abbreviation (CDT, MST…)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def span(delta: timedelta) -> str:
    """A duration a person reads: 2 d 3 h, 5 h 20 min, 12 min."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def time_left(due: str | datetime | None, now: datetime) -> str:
    """'4 h 10 min left' before a deadline, 'overdue by 2 h 0 min' after it."""
    if not due:
        return ""
    moment = datetime.fromisoformat(due) if isinstance(due, str) else due
    delta = moment - now
    return f"{span(delta)} left" if delta >= timedelta(0) else f"overdue by {span(delta)}"


# Words a clerk reads instead of the desk's internal keys. Keys not listed are shown with their
# underscores as spaces; the fact sheet's own words are kept (a "detainer", "notify release").
LABELS = {
    "administrative_I200": "I-200 administrative warrant",
    "administrative_I205": "I-205 administrative warrant",
    "administrative_I203": "I-203 order to detain",
    "judicial_criminal_warrant": "judicial criminal warrant",
    "judicial_probable_cause_determination": "judicial probable-cause determination",
    "none": "no warrant",
    "review_required": "review required",
    "biometric_and_database_check": "biometric confirmation and database checks",
    "statements_or_other_evidence": "statements or other reliable evidence",
    "transferred_for_proceeding": "transferred for a removal proceeding",
    "booking.release_date_public": "the release date is public",
    "booking.release_eligible_at": "when the person became release-eligible",
    "booking.charges": "the charges",
    "booking.released_after_conviction": "whether the release follows a conviction",
    "booking.convictions": "the convictions",
    "booking.sex_or_arson_registrant": "registered sex or arson offender",
    "booking.magistrate_probable_cause_on_felony_charge": (
        "a magistrate found probable cause on a felony charge"
    ),
    "agency.has_287g_agreement": "the agency has a 287(g) agreement",
    "request.warrant_kind": "the warrant attached",
    "request.probable_cause_bases": "the probable-cause boxes checked",
    "interview.written_consent_signed": "written consent to the interview signed",
    "interview.written_advisement_given": "written advisement given",
}


def label(key: object) -> str:
    """A clerk's word for an internal key (`review_required` → `review required`)."""
    text = str(key)
    if text in LABELS:
        return LABELS[text]
    return text.split(".")[-1].replace("_", " ")


_SOURCE_KEY = re.compile(r"\s*\(([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\)")


def cite_text(cite: str) -> str:
    """A citation as a person reads it: the fact sheet's source keys (FED_I247A_GUIDANCE) out."""
    return _SOURCE_KEY.sub("", cite).strip()


def effect_text(effect: str, required: bool = False) -> str:
    """An action's effect in words; a hold the law requires says so (Texas SB 4)."""
    if effect == "permit" and required:
        return "required"
    return label(effect)
