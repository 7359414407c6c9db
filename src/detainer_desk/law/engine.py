"""Evaluate one action under one compiled pack version, failing closed.

Rules (engineering notes, Cedar trial):
- always evaluate with the schema; any engine error -> holds deny, other actions review_required;
- a Deny with no determining policy is the pack's default (holds: "no provision authorizes");
- a fact the document leaves out is tried both ways: if the outcome depends on it, the answer
  is deny for holds and review_required for everything else ("never hold on a guess").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cedarpy

from detainer_desk.law.decision import ActionDecision, HoldLimit
from detainer_desk.law.facts import CedarContext, Facts
from detainer_desk.law.hold_limit import hold_ends_at, hold_ends_from_receipt
from detainer_desk.law.pack import HoldWindow, VersionSet, hold_window_for
from detainer_desk.vocabulary import Action, Effect, Form

MAX_UNKNOWN_FACTS = 10
NO_HOLD_AUTHORITY = "no provision authorizes a hold (default deny: never hold on a guess)"
NO_RULE_NO_DEFAULT = (
    "no provision in force decides this action and the pack gives no default; review"
)
_PRINCIPAL = 'Agency::"custodian"'
_RESOURCE = 'Request::"request"'


@dataclass(frozen=True)
class Outcome:
    """What Cedar said, before it is turned into an ActionDecision."""

    effect: Effect
    reasons: tuple[str, ...]
    by_default: bool
    conditions: tuple[str, ...] = ()
    error: str | None = None


def cedar_request(action: Action, context: CedarContext) -> dict[str, Any]:
    return {
        "principal": _PRINCIPAL,
        "action": f'Action::"{action.value}"',
        "resource": _RESOURCE,
        "context": context,
    }


def outcome_from_result(vs: VersionSet, action: Action, result: Any) -> Outcome:
    """Map one Cedar answer on the rules to an outcome (without conditions)."""
    errors = list(result.diagnostics.errors)
    if errors or result.decision == cedarpy.Decision.NoDecision:
        return Outcome(Effect.deny, (), False, error="; ".join(errors) or "no decision")
    reasons = tuple(sorted(result.diagnostics.reasons))
    if result.allowed:
        return Outcome(Effect.permit, reasons, False)
    if reasons:
        review = all(vs.provisions[r].outcome is Effect.review_required for r in reasons)
        return Outcome(Effect.review_required if review else Effect.deny, reasons, False)
    if action is Action.hold_beyond_release:
        return Outcome(Effect.deny, (), True)
    default = vs.defaults.get(action)
    return Outcome(default.effect if default else Effect.review_required, (), True)


def _evaluate(vs: VersionSet, action: Action, context: CedarContext) -> Outcome:
    request = cedar_request(action, context)
    outcome = outcome_from_result(
        vs, action, cedarpy.is_authorized(request, vs.rules, vs.entities, vs.schema)
    )
    if outcome.effect is not Effect.permit:
        return outcome
    met = cedarpy.is_authorized(request, vs.conditions, vs.entities, vs.schema)
    if met.diagnostics.errors:
        return Outcome(Effect.deny, (), False, error="; ".join(met.diagnostics.errors))
    conditions = tuple(sorted(met.diagnostics.reasons)) if met.allowed else ()
    return Outcome(outcome.effect, outcome.reasons, outcome.by_default, conditions)


def _with_values(context: CedarContext, paths: tuple[str, ...], values: tuple[bool, ...]) -> Any:
    filled = {
        section: dict(attrs) if isinstance(attrs, dict) else attrs
        for section, attrs in context.items()
    }
    for path, value in zip(paths, values, strict=True):
        section, name = path.split(".", 1)
        filled[section][name] = value
    return filled


def evaluate(vs: VersionSet, action: Action, facts: Facts) -> tuple[Outcome, tuple[str, ...]]:
    """The outcome, and the unknown facts it depends on (empty when it does not)."""
    relevant = tuple(sorted(facts.unknown & vs.reads_by_action[action]))
    if not relevant:
        return _evaluate(vs, action, facts.context), ()
    if len(relevant) > MAX_UNKNOWN_FACTS:
        return Outcome(Effect.deny, (), False), relevant
    outcomes = [
        _evaluate(vs, action, _with_values(facts.context, relevant, values))
        for values in itertools.product((False, True), repeat=len(relevant))
    ]
    if len({_answer(vs, o) for o in outcomes}) == 1:
        # The same answer whatever the unknown facts are: it does not depend on them. The
        # reasons shown are those that hold with every unknown fact false.
        return outcomes[0], ()
    return Outcome(Effect.deny, (), False), relevant


def _answer(vs: VersionSet, outcome: Outcome) -> tuple[object, ...]:
    """What a decision tells the officer: effect, duty, window rules, conditions, errors."""
    return (
        outcome.effect,
        outcome.by_default,
        any(vs.provisions[r].mandatory for r in outcome.reasons),
        frozenset(vs.provisions[r].hold_window for r in outcome.reasons),
        frozenset(vs.provisions[r].outcome for r in outcome.reasons),
        outcome.conditions,
        outcome.error,
    )


def _cites(vs: VersionSet, ids: tuple[str, ...]) -> str:
    return "; ".join(vs.provisions[i].cite for i in ids)


def _hold_limit(
    vs: VersionSet,
    outcome: Outcome,
    form: Form,
    release_eligible_at: datetime | None,
    received_at: datetime | None = None,
    warrant_ends_at: datetime | None = None,
) -> HoldLimit | None:
    rule = next((vs.provisions[r] for r in outcome.reasons if vs.provisions[r].hold_window), None)
    if rule is not None and rule.hold_window == "as_warrant_says" and warrant_ends_at is not None:
        return _hold_limit_of_warrant(rule.cite, release_eligible_at, warrant_ends_at)
    window = hold_window_for(vs, form, rule)
    if window is None:
        return None
    if window.counted_from == "receipt":
        return _hold_limit_from_receipt(vs, window, release_eligible_at, received_at)
    ends = (
        hold_ends_at(release_eligible_at, window.hours, window.excludes_weekends_and_holidays)
        if release_eligible_at
        else None
    )
    note = window.note or (
        "" if release_eligible_at else "starts when the person becomes eligible for release"
    )
    if rule is not None and rule.hold_window == "as_warrant_says":
        note = "the warrant gives no end of custody: the detainer's window applies" + (
            f"; {note}" if note else ""
        )
    return HoldLimit(
        window.hours,
        window.excludes_weekends_and_holidays,
        release_eligible_at,
        ends,
        window.cite,
        note,
    )


def _hold_limit_of_warrant(
    cite: str, release_eligible_at: datetime | None, warrant_ends_at: datetime
) -> HoldLimit:
    """A hold on a judge's warrant that says when custody for federal authorities ends."""
    hours = 0
    if release_eligible_at is not None and (
        (release_eligible_at.tzinfo is None) == (warrant_ends_at.tzinfo is None)
    ):
        seconds = (warrant_ends_at - release_eligible_at).total_seconds()
        hours = max(0, -int(-seconds // 3600))
    return HoldLimit(
        hours,
        False,
        release_eligible_at,
        warrant_ends_at,
        cite,
        f"ends when the warrant says ({warrant_ends_at.isoformat()})",
    )


def _on_one_clock(moment: datetime, like: datetime, vs: VersionSet) -> datetime:
    """`moment` comparable with `like`: an aware time read on the pack's local clock if needed."""
    if (moment.tzinfo is None) == (like.tzinfo is None):
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=vs.pack.manifest.zone)
    return moment.astimezone(vs.pack.manifest.zone).replace(tzinfo=None)


def _hold_limit_from_receipt(
    vs: VersionSet,
    window: HoldWindow,
    release_eligible_at: datetime | None,
    received_at: datetime | None,
) -> HoldLimit:
    """A window counted from receipt of the request (North Carolina, HB 10 of 2024)."""
    ends: datetime | None
    if received_at is None:  # nothing to count from: no time past release (never on a guess)
        note = "counted from receipt of the request, whose time is unknown: no hold past release"
        ends = release_eligible_at
    else:
        note = (
            f"{window.hours} hours counted from receipt of the request "
            f"({received_at.isoformat()}); the hold ends at release eligibility when that comes "
            "later (then there is no hold)"
        )
        ends = release_eligible_at and hold_ends_from_receipt(
            _on_one_clock(received_at, release_eligible_at, vs),
            release_eligible_at,
            window.hours,
            window.excludes_weekends_and_holidays,
        )
    return HoldLimit(
        window.hours,
        window.excludes_weekends_and_holidays,
        release_eligible_at,
        ends,
        window.cite,
        note,
    )


def action_decision(
    vs: VersionSet,
    action: Action,
    outcome: Outcome,
    missing: tuple[str, ...],
    form: Form,
    release_eligible_at: datetime | None,
    received_at: datetime | None = None,
    warrant_ends_at: datetime | None = None,
) -> ActionDecision:
    """Turn an outcome into the documented decision for one action."""
    is_hold = action is Action.hold_beyond_release
    fallback = Effect.deny if is_hold else Effect.review_required
    effect, hold_limit = outcome.effect, None
    reason: str  # every branch below says why
    mandatory = any(vs.provisions[r].mandatory for r in outcome.reasons)
    if missing:
        effect = fallback
        reason = (
            f"the answer depends on facts the request does not give ({', '.join(missing)}); "
            + ("holds are never decided on a guess" if is_hold else "review before acting")
        )
    elif outcome.error:
        effect = fallback
        reason = f"the policy engine could not decide ({outcome.error}); review the request"
    elif outcome.by_default:
        default = vs.defaults.get(action)
        if is_hold:
            reason = NO_HOLD_AUTHORITY
        else:
            reason = NO_RULE_NO_DEFAULT if default is None else default.reason
    elif effect is Effect.permit and all(vs.provisions[r].is_limit for r in outcome.reasons):
        reason = (
            f"not restricted: {_cites(vs, outcome.reasons)} limits local restrictions on it; "
            "it is a limit, not a grant of authority and not a duty to share"
        )
    elif effect is Effect.permit:
        grants = tuple(r for r in outcome.reasons if not vs.provisions[r].is_limit)
        limits = tuple(r for r in outcome.reasons if vs.provisions[r].is_limit)
        reason = ("required by " if mandatory else "permitted by ") + _cites(vs, grants)
        if limits:
            reason += f" ({_cites(vs, limits)} only limits local restrictions; it is not a grant)"
        if is_hold:
            hold_limit = _hold_limit(
                vs, outcome, form, release_eligible_at, received_at, warrant_ends_at
            )
    elif effect is Effect.review_required:
        effect = fallback
        reason = "unsettled law, counsel must review: " + _cites(vs, outcome.reasons)
    else:
        reason = "denied by " + _cites(vs, outcome.reasons)
    return ActionDecision(
        action=action,
        effect=effect,
        required=effect is Effect.permit and mandatory,
        by_default=outcome.by_default and not missing and not outcome.error,
        reason=reason,
        provisions=tuple(vs.provisions[r].summary() for r in outcome.reasons),
        conditions=tuple(vs.provisions[c].summary() for c in outcome.conditions)
        if effect is Effect.permit
        else (),
        hold_limit=hold_limit,
        missing_facts=missing,
    )
