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
    verified_through: date | None = None  # the earliest of the chain's packs' dates
    verified_through_by_pack: tuple[tuple[str, date], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version.isoformat(),
            "label": self.label,
            "notes": self.notes,
            "chain": list(self.chain),
            "digest": self.digest,
            "verified_through": self.verified_through.isoformat()
            if self.verified_through
            else None,
            "verified_through_by_pack": {
                name: day.isoformat() for name, day in self.verified_through_by_pack
            },
        }


@dataclass(frozen=True)
class Decision:
    jurisdiction: str
    decided_on: date
    booking_id: str
    request: dict[str, Any]
    pack: PackRef | None  # None: no law in force on decided_on
    actions: tuple[ActionDecision, ...]
    place: dict[str, Any] | None = None  # the place as given and resolved (law/place.py)

    @property
    def law_may_have_changed(self) -> bool:
        """Decided for a day after the law was last checked: it may have changed since."""
        checked = self.pack.verified_through if self.pack else None
        return checked is not None and self.decided_on > checked

    @property
    def currency_note(self) -> str:
        if self.pack is None or self.pack.verified_through is None:
            return ""
        checked = self.pack.verified_through
        if self.law_may_have_changed:
            return (
                f"the law was verified through {checked}; this decision is for {self.decided_on}, "
                "later: the law may have changed since — check for new law before relying on it"
            )
        return f"the law was verified through {checked}"

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
            "place": self.place,
            "pack": self.pack.to_dict() if self.pack else None,
            "law_may_have_changed": self.law_may_have_changed,
            "currency_note": self.currency_note,
            "actions": [a.to_dict() for a in self.actions],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, ensure_ascii=False)
