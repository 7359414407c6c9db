"""`decide`: the one question every part of Detainer Desk asks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from detainer_desk.law.decision import ActionDecision, Decision, PackRef
from detainer_desk.law.engine import action_decision, evaluate
from detainer_desk.law.facts import derive_facts
from detainer_desk.law.pack import PolicyLibrary
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


def decide(
    request: RequestDocument | dict[str, Any] | str | bytes | Path,
    on: date | None = None,
    *,
    actions: Iterable[Action] | None = None,
    all_actions: bool = False,
    library: PolicyLibrary | None = None,
) -> Decision:
    """Decide every action a request asks for, under the law of its jurisdiction on `on`.

    `on` defaults to the day the request was received. Raises InputError (and subclasses) on bad
    input; never raises for a question the law cannot answer — that comes back as deny (holds)
    or review_required, with the reason.
    """
    document = _document(request)
    lib = library or default_library()
    day = on or document.received_at.date()
    vs = lib.version_set(document.jurisdiction, day)
    facts = derive_facts(document, day)
    if all_actions:
        wanted = list(Action)
    else:
        asked = set(actions if actions is not None else document.actions_asked())
        wanted = [a for a in Action if a in asked]
    decisions = []
    for action in wanted:
        outcome, missing = evaluate(vs, action, facts)
        decisions.append(
            action_decision(
                vs,
                action,
                outcome,
                missing,
                document.request.form,
                document.booking.release_eligible_at,
                document.received_at,
            )
        )
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
        ),
        actions=tuple(decisions),
    )


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
    return {
        "kind": req.kind.value,
        "form": req.form.value,
        "warrant_kind": req.warrant_kind.value,
        "office": req.office,
        "received_at": document.received_at.isoformat(),
    }
