"""Provisions: one Cedar policy each, with its citation and dates, read from its annotations.

Annotations every policy carries (checked at load):
    @id("den.drmc.28-252a.no-secure-area-access")   stable id, a citation slug
    @cite("D.R.M.C. § 28-252(a)")                    the citation a reader looks up
    @source("DEN_DRMC_28_252")                       key into the legal fact sheet, section 14
    @effective("2017-08-28")                         first day in force
    @text("...")                                     one line saying what the rule does
Optional:
    @repealed("2017-08-28")        first day no longer in force
    @confidence("secondary")       verified | secondary | translated | unverified (fact sheet tags)
    @kind("condition")             a condition to meet before a permitted action (not a rule)
    @mandatory("true")             on a permit: the law requires the action, not merely allows it
    @outcome("review_required")    on a forbid: the law is unsettled; counsel must review
    @hold_window("48h_excluding_weekends_and_holidays")   on a hold permit: its own window
    @agency("department_of_correction")   the law binds only this agency kind (several: comma-
                                   separated); the condition must test context.agency.kind for each
    @limit("true")                 on a permit: the law forbids restricting the action (8 U.S.C.
                                   § 1373) — a limit on local restrictions, not a grant or a duty
    @as_hold("true")               a marker permit on transfer_custody alone: where the law treats
                                   a transfer to ICE at or after release as the hold it amounts to
                                   (Wells, Lunn ...), the transfer takes the hold's answer; the
                                   rule's @cite says why (law/as_hold.py)
    @exception("true")             a forbid lifting a duty or permission on a showing (Texas art.
                                   2.251(b)): it applies when a recorded determination names
                                   its @id in `context.exceptions_established`
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from detainer_desk.errors import PackError
from detainer_desk.vocabulary import Action, AgencyKind, Effect

REQUIRED_ANNOTATIONS = ("id", "cite", "source", "effective", "text")
KNOWN_ANNOTATIONS = frozenset(
    {
        *REQUIRED_ANNOTATIONS,
        "repealed",
        "confidence",
        "kind",
        "mandatory",
        "outcome",
        "hold_window",
        "exception",
        "agency",
        "limit",
        "as_hold",
    }
)
CONFIDENCE_LEVELS = ("verified", "secondary", "translated", "unverified")
HOLD_WINDOWS = (
    "48h",
    "48h_excluding_weekends_and_holidays",
    "48h_from_receipt",  # counted from receipt of the request (North Carolina, HB 10 of 2024)
    "as_warrant_says",  # a judge's warrant: ends when it says, else the detainer's window
)


@dataclass(frozen=True)
class Provision:
    id: str
    pack: str
    effect: str  # "permit" | "forbid"
    cite: str
    source: str
    text: str
    effective: date
    repealed: date | None
    confidence: str
    is_condition: bool
    mandatory: bool
    outcome: Effect | None
    hold_window: str | None
    is_exception: bool
    is_limit: bool
    is_as_hold: bool
    agencies: frozenset[str]
    actions: frozenset[Action]
    reads: frozenset[str]
    est: dict[str, Any]

    def in_force(self, on: date) -> bool:
        return self.effective <= on and (self.repealed is None or on < self.repealed)

    def summary(self) -> dict[str, str]:
        out = {
            "id": self.id,
            "cite": self.cite,
            "source": self.source,
            "text": self.text,
            "effective": self.effective.isoformat(),
            "confidence": self.confidence,
        }
        if self.agencies:
            out["agency"] = ",".join(sorted(self.agencies))
        return out


def _date(value: str, what: str, pack: str, rule: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PackError(
            f"{pack}: rule {rule!r} has {what} {value!r}, not a YYYY-MM-DD date",
            pack=pack,
            rule=rule,
        ) from None


def _scope_actions(scope: dict[str, Any]) -> frozenset[Action]:
    if scope.get("op") == "All":
        return frozenset(Action)
    entities = [scope["entity"]] if "entity" in scope else scope.get("entities", [])
    return frozenset(Action(e["id"]) for e in entities)


def context_reads(node: Any) -> set[str]:
    """The `context.a.b` paths a policy's conditions read (walks the Cedar JSON EST)."""
    found: set[str] = set()
    if isinstance(node, dict):
        if "." in node:
            path = _attr_path(node)
            if path:
                found.add(path)
                return found
        if "has" in node:
            path = _attr_path({".": node["has"]})
            if path:
                found.add(path)
                return found
        for value in node.values():
            found |= context_reads(value)
    elif isinstance(node, list):
        for item in node:
            found |= context_reads(item)
    return found


def _attr_path(node: dict[str, Any]) -> str | None:
    parts: list[str] = []
    while isinstance(node, dict) and "." in node:
        parts.append(node["."]["attr"])
        node = node["."]["left"]
    if node == {"Var": "context"} and parts:
        return ".".join(reversed(parts))
    return None


def agency_kinds_tested(node: Any) -> set[str]:
    """The agency kinds a policy's conditions compare `context.agency.kind` with (== "...")."""
    found: set[str] = set()
    if isinstance(node, dict):
        eq = node.get("==")
        if isinstance(eq, dict):
            sides = (eq.get("left"), eq.get("right"))
            for one, other in (sides, sides[::-1]):
                if (
                    isinstance(one, dict)
                    and _attr_path(one) == "agency.kind"
                    and isinstance(other, dict)
                    and isinstance(other.get("Value"), str)
                ):
                    found.add(other["Value"])
        for value in node.values():
            found |= agency_kinds_tested(value)
    elif isinstance(node, list):
        for item in node:
            found |= agency_kinds_tested(item)
    return found


def _agencies(pack: str, rule: str, note: str | None, est: dict[str, Any]) -> frozenset[str]:
    """@agency, checked against the vocabulary and against the rule's own condition."""
    tested = agency_kinds_tested(est.get("conditions", []))
    if note is None:
        if tested:
            raise PackError(
                f"{pack}: rule {rule!r} tests context.agency.kind ({', '.join(sorted(tested))}) "
                f'but names no agency; add @agency("{",".join(sorted(tested))}")',
                pack=pack,
                rule=rule,
            )
        return frozenset()
    kinds = frozenset(k.strip() for k in note.split(",") if k.strip())
    unknown = sorted(kinds - {k.value for k in AgencyKind})
    if not kinds or unknown:
        raise PackError(
            f"{pack}: rule {rule!r}: @agency names {', '.join(unknown) or 'nothing'}; use "
            + ", ".join(k.value for k in AgencyKind),
            pack=pack,
            rule=rule,
        )
    missing = sorted(kinds - tested)
    if missing:
        raise PackError(
            f"{pack}: rule {rule!r} is @agency({note!r}) but its condition does not test "
            f'context.agency.kind == "{missing[0]}"; a rule the law binds to one agency must '
            "apply only there",
            pack=pack,
            rule=rule,
        )
    return kinds


def _check_exception_shape(pack: str, rule: str, est: dict[str, Any]) -> None:
    """An exception is a forbid that applies when its own id is among the established ones."""
    conditions = json.dumps(est.get("conditions", []))
    own = json.dumps(rule)
    if (
        est.get("effect") != "forbid"
        or "exceptions_established" not in conditions
        or own not in conditions
    ):
        raise PackError(
            f"{pack}: rule {rule!r} is an @exception, so it must be a forbid "
            f'when {{ context.exceptions_established.contains("{rule}") }}',
            pack=pack,
            rule=rule,
        )


def provision_from_est(pack: str, est: dict[str, Any]) -> Provision:
    notes: dict[str, str] = est.get("annotations", {})
    rule = notes.get("id", "<policy without @id>")
    missing = [name for name in REQUIRED_ANNOTATIONS if not notes.get(name, "").strip()]
    if missing:
        raise PackError(
            f"{pack}: rule {rule!r} lacks @{missing[0]}; every rule needs "
            + ", ".join(f"@{n}" for n in REQUIRED_ANNOTATIONS),
            pack=pack,
            rule=rule,
        )
    unknown = sorted(set(notes) - KNOWN_ANNOTATIONS)
    if unknown:
        raise PackError(f"{pack}: rule {rule!r} has unknown annotation @{unknown[0]}", pack, rule)
    confidence = notes.get("confidence", "verified")
    if confidence not in CONFIDENCE_LEVELS:
        raise PackError(f"{pack}: rule {rule!r}: @confidence must be one of {CONFIDENCE_LEVELS}")
    hold_window = notes.get("hold_window")
    if hold_window is not None and hold_window not in HOLD_WINDOWS:
        raise PackError(f"{pack}: rule {rule!r}: @hold_window must be one of {HOLD_WINDOWS}")
    outcome = notes.get("outcome")
    if outcome is not None and outcome != Effect.review_required.value:
        raise PackError(f"{pack}: rule {rule!r}: @outcome may only be 'review_required'")
    is_exception = notes.get("exception") == "true"
    if is_exception:
        _check_exception_shape(pack, rule, est)
    is_condition = notes.get("kind") == "condition"
    if is_condition and est["effect"] != "permit":
        raise PackError(
            f'{pack}: rule {rule!r} is a @kind("condition"), so it must be a permit '
            "(a condition is met before a permitted action; it cannot forbid one)",
            pack,
            rule,
        )
    is_as_hold = notes.get("as_hold") == "true"
    if is_as_hold and (
        est["effect"] != "permit" or _scope_actions(est["action"]) != {Action.transfer_custody}
    ):
        raise PackError(
            f"{pack}: rule {rule!r} is an @as_hold marker, so it must be a permit on "
            'Action::"transfer_custody" alone (it says the transfer is decided as the hold)',
            pack,
            rule,
        )
    repealed = notes.get("repealed")
    return Provision(
        id=rule,
        pack=pack,
        effect=est["effect"],
        cite=notes["cite"],
        source=notes["source"],
        text=notes["text"],
        effective=_date(notes["effective"], "@effective", pack, rule),
        repealed=_date(repealed, "@repealed", pack, rule) if repealed else None,
        confidence=confidence,
        is_condition=is_condition,
        mandatory=notes.get("mandatory") == "true",
        outcome=Effect(outcome) if outcome else None,
        hold_window=hold_window,
        is_exception=is_exception,
        is_limit=notes.get("limit") == "true",
        is_as_hold=is_as_hold,
        agencies=_agencies(pack, rule, notes.get("agency"), est),
        actions=_scope_actions(est["action"]),
        reads=frozenset(context_reads(est.get("conditions", []))),
        est=est,
    )
