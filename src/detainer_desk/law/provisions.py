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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from detainer_desk.errors import PackError
from detainer_desk.vocabulary import Action, Effect

REQUIRED_ANNOTATIONS = ("id", "cite", "source", "effective", "text")
KNOWN_ANNOTATIONS = frozenset(
    {*REQUIRED_ANNOTATIONS, "repealed", "confidence", "kind", "mandatory", "outcome", "hold_window"}
)
CONFIDENCE_LEVELS = ("verified", "secondary", "translated", "unverified")
HOLD_WINDOWS = (
    "48h",
    "48h_excluding_weekends_and_holidays",
    "48h_from_receipt",  # counted from receipt of the request (North Carolina, HB 10 of 2024)
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
    actions: frozenset[Action]
    reads: frozenset[str]
    est: dict[str, Any]

    def in_force(self, on: date) -> bool:
        return self.effective <= on and (self.repealed is None or on < self.repealed)

    def summary(self) -> dict[str, str]:
        return {
            "id": self.id,
            "cite": self.cite,
            "source": self.source,
            "text": self.text,
            "effective": self.effective.isoformat(),
            "confidence": self.confidence,
        }


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
        is_condition=notes.get("kind") == "condition",
        mandatory=notes.get("mandatory") == "true",
        outcome=Effect(outcome) if outcome else None,
        hold_window=hold_window,
        actions=_scope_actions(est["action"]),
        reads=frozenset(context_reads(est.get("conditions", []))),
        est=est,
    )
