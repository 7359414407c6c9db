"""Plain-language explanations of every published table and of the terms in its columns.

Shown beside each table on the public page and carried in the Datasette metadata, so a reader
never meets a term (a "pending" notification, a "review_required" decision) without its meaning.
"""

from __future__ import annotations

TABLE_NOTES: dict[str, str] = {
    "requests_by_kind": (
        "Each request is one document from federal immigration authorities, counted in the "
        "period it was received. A detainer asks the jail to hold a person past the time they "
        "would be released; a notification request asks for notice before release; an interview "
        "request asks to question someone in custody; an information request asks for records."
    ),
    "requests_by_office": (
        "The same requests, by the federal office that sent them (as written on the request)."
    ),
    "decisions": (
        "For each request, the current decision on each action it asked for, under the law in "
        'force (after any supervisor override). "hold_beyond_release: permit" is a hold '
        'honoured; "hold_beyond_release: deny" a hold denied.'
    ),
    "deciding_provisions": (
        'Which provision of law decided each action. "(no provision: default)" means no '
        "provision applied: the desk then denies a hold (it never holds anyone without a "
        "provision that authorizes it) and sends other actions to a person for review."
    ),
    "holds": (
        "People held past the moment they became eligible for release, on a hold the law "
        "permitted, by how long they were held past that moment (until they left custody). "
        "Counted in the period they became eligible for release."
    ),
    "notifications": (
        "Notices of release to federal authorities where the law permitted one, by what "
        "happened to each, counted in the period the notice became due."
    ),
    "notification_lead_times": (
        "For notices sent: how long before the person's actual release (or, if still in "
        "custody, the scheduled release) the notice went out."
    ),
    "interviews": (
        "Interviews of people in custody by federal immigration officers, by how they were held "
        "(in person, or remote by phone or video) and whether the person gave written consent."
    ),
    "alarms": (
        "Alarms raised by the desk's hold clock: a permitted hold nearing or passing its legal "
        "end, or a hold with no end time. Each needs a person to act."
    ),
    "overrides": (
        "Decisions a supervisor changed, with a written reason, by action and the new effect."
    ),
}

TERM_NOTES: dict[str, str] = {
    "permit": "the law in force allows it",
    "deny": "the law in force forbids it, or no provision authorizes it (holds)",
    "review_required": "the law depends on facts not given, or is unsettled: a person decides",
    "sent before release": "delivered before the person left custody",
    "sent, late": "delivered after the person had already left custody",
    "pending": (
        "queued when the notice became due, but not yet delivered, failed or found impossible "
        "when this report was made (waiting for a retry or for the desk's worker). A notice stays "
        "pending until one of those happens, so an old pending notice is one the desk never "
        "finished delivering and a person should look at it"
    ),
    "failed": "every delivery attempt failed",
    "not possible": (
        "could not be sent: no address for the requesting office, no release time known, or "
        "the person left custody first"
    ),
    "late (after release)": "the notice went out after the person had left custody",
    "consented": "the person signed a written consent to the interview",
    "declined": "the person declined the interview",
    "no written consent": "no signed written consent was recorded",
    "in_person": "in the jail, face to face",
    "remote": "by phone or video",
}


def terms_in(categories: list[str]) -> dict[str, str]:
    """The terms that appear in these column names, each with its explanation."""
    found = {}
    for term, note in TERM_NOTES.items():
        if any(_mentions(c, term) for c in categories):
            found[term] = note
    return found


def _mentions(category: str, term: str) -> bool:
    if category == term:
        return True
    parts = [p.strip() for chunk in category.split(":") for p in chunk.split("->")]
    return term in parts
