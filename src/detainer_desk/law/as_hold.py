"""A transfer decided as the hold it amounts to.

Where the law treats handing a person to ICE at or after release as the hold (or civil arrest)
it amounts to — New York after Wells, Massachusetts after Lunn, NYC's Department of Correction,
Denver, Colorado — a pack says so with an `@as_hold("true")` marker: a `permit` on
`transfer_custody` alone whose `@cite` is why (fact sheet § 0: `hold_beyond_release` "includes
'transfer' by holding for pickup"). While a marker applies, the transfer takes the hold's answer:

- a rule on the transfer itself that denies it (or sends it to review) still decides;
- otherwise a denied hold denies the transfer, naming the marker and the hold's provisions;
- a permitted hold leaves the transfer permitted (never required), the marker named beside it.

The marker's own condition is read on the request's known facts (unknown ones read false).
"""

from __future__ import annotations

from dataclasses import replace

import cedarpy

from detainer_desk.law.decision import ActionDecision
from detainer_desk.law.engine import cedar_request
from detainer_desk.law.facts import Facts
from detainer_desk.law.pack import VersionSet
from detainer_desk.vocabulary import Action, Effect


def as_hold_markers(vs: VersionSet, facts: Facts) -> tuple[str, ...]:
    """Ids of the @as_hold markers that apply to a transfer under these facts."""
    request = cedar_request(Action.transfer_custody, facts.context)
    result = cedarpy.is_authorized(request, vs.as_hold, vs.entities, vs.schema)
    if result.diagnostics.errors or not result.allowed:
        return ()
    return tuple(sorted(result.diagnostics.reasons))


def _merged(*groups: tuple[dict[str, str], ...]) -> tuple[dict[str, str], ...]:
    seen: dict[str, dict[str, str]] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item["id"], item)
    return tuple(seen.values())


def transfer_as_hold(
    vs: VersionSet, markers: tuple[str, ...], own: ActionDecision, hold: ActionDecision
) -> ActionDecision:
    """The transfer's decision once the markers say it is decided as `hold`."""
    if not markers or own.effect is Effect.deny:
        return own
    cites = "; ".join(vs.provisions[m].cite for m in markers)
    named = tuple(vs.provisions[m].summary() for m in markers)
    if hold.effect is not Effect.permit:
        return replace(
            own,
            effect=Effect.deny,
            required=False,
            by_default=False,
            reason=f"a transfer to ICE at release is the hold it amounts to ({cites}): "
            + hold.reason,
            provisions=_merged(named, hold.provisions),
            conditions=(),
            missing_facts=hold.missing_facts,
        )
    if own.effect is not Effect.permit:
        return own
    return replace(
        own,
        by_default=False,
        reason=f"decided as the hold it amounts to ({cites}): " + hold.reason,
        provisions=_merged(named, hold.provisions, own.provisions),
        conditions=_merged(own.conditions, hold.conditions),
    )
