"""`decide`: the one question every part of Detainer Desk asks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from detainer_desk.errors import InputError
from detainer_desk.law.as_hold import as_hold_markers, transfer_as_hold
from detainer_desk.law.decision import ActionDecision, ActionPart, Decision, PackRef
from detainer_desk.law.engine import action_decision, evaluate
from detainer_desk.law.facts import Facts, derive_facts
from detainer_desk.law.pack import PolicyLibrary, VersionSet
from detainer_desk.request.document import RequestDocument, load_request_file, parse_request
from detainer_desk.vocabulary import Action, Effect


@cache
def default_library() -> PolicyLibrary:
    """The packs shipped with the package, loaded and validated once per process."""
    return PolicyLibrary.load()


def _document(request: RequestDocument | dict[str, Any] | str | bytes | Path) -> RequestDocument:
    if isinstance(request, RequestDocument):
        return request
    if isinstance(request, Path):
        return load_request_file(request)
    return parse_request(request)


def declared_exceptions(library: PolicyLibrary, jurisdiction: str) -> frozenset[str]:
    """Ids of the rules in the jurisdiction's chain that declare an exception (@exception)."""
    return frozenset(
        p.id for pack in library.chain(jurisdiction) for p in pack.provisions if p.is_exception
    )


def check_exceptions(document: RequestDocument, library: PolicyLibrary) -> None:
    """Refuse an established exception that no rule of the jurisdiction declares."""
    known = declared_exceptions(library, document.jurisdiction)
    names = ", ".join(sorted(known)) or "none"
    for i, established in enumerate(document.exceptions_established):
        if established.exception not in known:
            raise InputError(
                f"exceptions_established[{i}].exception {established.exception!r} is not an "
                f"exception of {document.jurisdiction}; known: {names}",
                field=f"exceptions_established.{i}.exception",
            )


def local_zone(document: RequestDocument, library: PolicyLibrary) -> ZoneInfo:
    """The jail's calendar: the agency's own zone if it names one, else its pack's zone."""
    if document.agency.time_zone:
        return ZoneInfo(document.agency.time_zone)
    return library.pack(document.jurisdiction).manifest.zone


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    """The jail's calendar day of an instant; a time written without offset is local already."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone).date()


def decision_day(
    document: RequestDocument, on: date | datetime | None, library: PolicyLibrary
) -> date:
    """The day whose law decides: `on` (an instant is converted), else the local day received."""
    zone = local_zone(document, library)
    if isinstance(on, datetime):
        return local_date(on, zone)
    if on is not None:
        return on
    return local_date(document.received_at, zone)


def decide(
    request: RequestDocument | dict[str, Any] | str | bytes | Path,
    on: date | datetime | None = None,
    *,
    actions: Iterable[Action] | None = None,
    all_actions: bool = False,
    library: PolicyLibrary | None = None,
) -> Decision:
    """Decide every action a request asks for, under the law of its jurisdiction on `on`.

    `on` defaults to the day the request was received. Every instant (`received_at`, an `on`
    given as a datetime, booking times) is read on the jail's local calendar: the zone of its
    agency if set, else of its pack (manifest `time_zone`). Raises InputError (and subclasses)
    on bad input; never raises for a question the law cannot answer — that comes back as deny
    (holds) or review_required, with the reason.
    """
    document = _document(request)
    lib = library or default_library()
    place = lib.resolve(document.jurisdiction)
    if place.pack != document.jurisdiction:  # a state, county or spelling: decide as its pack
        document = document.model_copy(update={"jurisdiction": place.pack})
    day = decision_day(document, on, lib)
    check_exceptions(document, lib)
    vs = lib.version_set(document.jurisdiction, day)
    facts = derive_facts(document, day, local_zone(document, lib))
    if all_actions:
        wanted = list(Action)
    else:
        asked = set(actions if actions is not None else document.actions_asked())
        wanted = [a for a in Action if a in asked]
    decisions = []
    for action in wanted:
        decided = _decide_action(vs, action, facts, document)
        if action is Action.share_immigration_status_or_birthplace:
            decided = replace(decided, parts=_status_and_birthplace(vs, facts, document))
        if action is Action.transfer_custody:
            markers = as_hold_markers(vs, facts)
            if markers:
                hold = _decide_action(vs, Action.hold_beyond_release, facts, document)
                decided = transfer_as_hold(vs, markers, decided, hold)
        decisions.append(decided)
    checked, each = lib.verified_through(vs.pack.name)
    return Decision(
        jurisdiction=document.jurisdiction,
        decided_on=day,
        booking_id=document.booking.booking_id,
        request=_request_summary(document),
        pack=PackRef(
            name=vs.pack.name,
            version=vs.version.from_,
            label=vs.version.label,
            notes=vs.version.notes.strip(),
            chain=tuple(f"{name}@{v.from_.isoformat()}" for name, v in vs.chain),
            digest=vs.digest,
            verified_through=checked,
            verified_through_by_pack=each,
        ),
        actions=tuple(decisions),
        place=place.to_dict(chain=[p.name for p in lib.chain(place.pack)]),
    )


def _decide_action(
    vs: VersionSet, action: Action, facts: Facts, document: RequestDocument
) -> ActionDecision:
    outcome, missing = evaluate(vs, action, facts)
    warrant = document.request.judicial_warrant
    return action_decision(
        vs,
        action,
        outcome,
        missing,
        document.request.form,
        document.booking.release_eligible_at,
        document.received_at,
        warrant.custody_ends_at if warrant else None,
    )


_SUBJECTS = (("immigration_status", "seeks_immigration_status"), ("birthplace", "seeks_birthplace"))


def _status_and_birthplace(
    vs: VersionSet, facts: Facts, document: RequestDocument
) -> tuple[ActionPart, ...]:
    """Status and birthplace answered separately when both are asked (fact sheet 2.4: § 1373
    covers status, not place of birth; laws such as SB 54 treat them differently)."""
    asked = facts.context["request"]
    if not (asked["seeks_immigration_status"] and asked["seeks_birthplace"]):
        return ()
    parts = []
    for subject, flag in _SUBJECTS:
        request = {**asked, **{f: f == flag for _, f in _SUBJECTS}}
        alone = Facts({**facts.context, "request": request}, facts.unknown)
        outcome, missing = evaluate(vs, Action.share_immigration_status_or_birthplace, alone)
        part = action_decision(
            vs,
            Action.share_immigration_status_or_birthplace,
            outcome,
            missing,
            document.request.form,
            None,
        )
        parts.append(
            ActionPart(
                subject,
                part.effect,
                part.reason,
                tuple(p["id"] for p in part.provisions),
                tuple(c["id"] for c in part.conditions),
            )
        )
    return tuple(parts)


def decision_without_law(document: RequestDocument, on: date, why: str) -> Decision:
    """The answer when no version of the pack is in force on `on`: never hold on a guess.

    Holds are denied; every other action needs review. The reason names the missing law.
    """
    actions = tuple(
        ActionDecision(
            action=action,
            effect=Effect.deny if action is Action.hold_beyond_release else Effect.review_required,
            required=False,
            by_default=True,
            reason=f"no law in force: {why}",
            provisions=(),
            conditions=(),
            hold_limit=None,
            missing_facts=(),
        )
        for action in Action
        if action in set(document.actions_asked())
    )
    return Decision(
        jurisdiction=document.jurisdiction,
        decided_on=on,
        booking_id=document.booking.booking_id,
        request=_request_summary(document),
        pack=None,
        actions=actions,
    )


def _request_summary(document: RequestDocument) -> dict[str, Any]:
    req = document.request
    summary: dict[str, Any] = {
        "kind": req.kind.value,
        "form": req.form.value,
        "warrant_kind": req.warrant_kind.value,
        "office": req.office,
        "received_at": document.received_at.isoformat(),
    }
    if document.exceptions_established:
        summary["exceptions_established"] = [
            e.model_dump(mode="json") for e in document.exceptions_established
        ]
    return summary
