"""Decision records: plain frozen dataclasses, rendered to the documented JSON shape.

See docs/decision-format.md. Output is deterministic: actions in vocabulary order, provisions
sorted by id, no timestamps other than those derived from the input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from detainer_desk.vocabulary import Action, Effect

DECISION_FORMAT = "detainer-desk/decision/v1"


@dataclass(frozen=True)
class HoldLimit:
    hours: int
    excludes_weekends_and_holidays: bool
    starts_at: datetime | None
    ends_at: datetime | None
    cite: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "hours": self.hours,
            "excludes_weekends_and_holidays": self.excludes_weekends_and_holidays,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "cite": self.cite,
            "note": self.note,
        }


@dataclass(frozen=True)
class ActionPart:
    """One subject of a combined action answered on its own (status vs. birthplace)."""

    subject: str
    effect: Effect
    reason: str
    provisions: tuple[str, ...]
    conditions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "effect": self.effect.value,
            "reason": self.reason,
            "provisions": list(self.provisions),
            "conditions": list(self.conditions),
        }


@dataclass(frozen=True)
class ActionDecision:
    action: Action
    effect: Effect
    required: bool
    by_default: bool
    reason: str
    provisions: tuple[dict[str, str], ...]
    conditions: tuple[dict[str, str], ...]
    hold_limit: HoldLimit | None
    missing_facts: tuple[str, ...]
    parts: tuple[ActionPart, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {
            "action": self.action.value,
            "effect": self.effect.value,
            "required": self.required,
            "by_default": self.by_default,
            "reason": self.reason,
            "provisions": list(self.provisions),
            "conditions": list(self.conditions),
            "hold_limit": self.hold_limit.to_dict() if self.hold_limit else None,
            "missing_facts": list(self.missing_facts),
        }
        if self.parts:
            out["parts"] = [p.to_dict() for p in self.parts]
        return out


@dataclass(frozen=True)
class PackRef:
    name: str
    version: date
    label: str
    notes: str
    chain: tuple[str, ...]
    digest: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version.isoformat(),
            "label": self.label,
            "notes": self.notes,
            "chain": list(self.chain),
            "digest": self.digest,
        }


@dataclass(frozen=True)
class Decision:
    jurisdiction: str
    decided_on: date
    booking_id: str
    request: dict[str, Any]
    pack: PackRef | None  # None: no law in force on decided_on
    actions: tuple[ActionDecision, ...]

    def action(self, action: Action | str) -> ActionDecision:
        wanted = Action(action)
        return next(a for a in self.actions if a.action is wanted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": DECISION_FORMAT,
            "jurisdiction": self.jurisdiction,
            "decided_on": self.decided_on.isoformat(),
            "booking_id": self.booking_id,
            "request": self.request,
            "pack": self.pack.to_dict() if self.pack else None,
            "actions": [a.to_dict() for a in self.actions],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, ensure_ascii=False)
