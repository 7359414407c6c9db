"""Operation Safe City as data: each area's count as ICE claimed it, and the law of the place.

The figures live in operation.yaml with the fact sheet's citation keys (section 1). Beside each
place: its classification under every "sanctuary" definition on the day ICE announced the
operation, and its pack's decision, for every action, on a standard I-247A with an I-200. A place
whose law no pack encodes says so ("no law encoded") rather than borrowing another place's law.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from detainer_desk.classify import Classification, classify, load_definitions
from detainer_desk.errors import NoVersionInForceError
from detainer_desk.law.decide import decide, decision_without_law
from detainer_desk.law.decision import Decision
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.request.document import RequestDocument
from detainer_desk.vocabulary import Action

SAFE_CITY_FORMAT = "detainer-desk/safe-city/v1"
NO_LAW = "no law encoded"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackChoice(_Model):
    pack: str
    scope: str


class Area(_Model):
    area: str
    claimed: int = Field(ge=0)
    sources: tuple[str, ...] = Field(min_length=1)
    confidence: str = "secondary source only"
    packs: tuple[PackChoice, ...] = ()
    note: str = ""
    retracted: bool = False
    claimed_as: tuple[str, ...] = ()
    really: str = ""


class Operation(_Model):
    name: str
    announced: date
    ended: date
    days: int
    total_claimed: int
    total_sources: tuple[str, ...]
    countries: int
    criterion: str
    criterion_sources: tuple[str, ...]
    classified_on: date
    areas: tuple[Area, ...] = Field(min_length=1)
    request: dict[str, Any]

    @model_validator(mode="after")
    def _adds_up(self) -> Operation:
        added = sum(a.claimed for a in self.areas)
        if added != self.total_claimed:
            raise ValueError(f"areas add up to {added}, not the claimed {self.total_claimed}")
        return self


@cache
def load_operation() -> Operation:
    folder = Path(str(resources.files("detainer_desk.safecity")))
    return Operation.model_validate(yaml.safe_load((folder / "operation.yaml").read_text()))


@dataclass(frozen=True)
class PlaceLaw:
    """The law of one place as encoded: which pack, how much it covers, what it decides."""

    pack: str | None
    scope: str
    classification: Classification | None
    decision: Decision | None


@dataclass(frozen=True)
class AreaRow:
    area: Area
    law: PlaceLaw

    def answers(self) -> dict[str, str]:
        if self.law.classification is None:
            return {d.id: NO_LAW for d in load_definitions()}
        return {v.definition.id: v.answer.value for v in self.law.classification.verdicts}

    def effects(self) -> dict[str, str]:
        if self.law.decision is None:
            return {a.value: NO_LAW for a in Action}
        return {a.action.value: a.effect.value for a in self.law.decision.actions}

    def to_dict(self) -> dict[str, Any]:
        a, law = self.area, self.law
        return {
            "area": a.area,
            "claimed": a.claimed,
            "sources": list(a.sources),
            "confidence": a.confidence,
            "retracted": a.retracted,
            "claimed_as": list(a.claimed_as),
            "really": a.really or None,
            "note": a.note or None,
            "pack": law.pack,
            "law": law.scope,
            "classification": (
                [
                    {
                        "definition": v.definition.id,
                        "name": v.definition.name,
                        "answer": v.answer.value,
                        "sanctuary": v.sanctuary,
                        "because": [p.to_dict() for p in v.because()],
                    }
                    for v in law.classification.verdicts
                ]
                if law.classification
                else None
            ),
            "decision": law.decision.to_dict() if law.decision else None,
        }


@dataclass(frozen=True)
class SafeCityReport:
    operation: Operation
    rows: tuple[AreaRow, ...]

    def to_dict(self) -> dict[str, Any]:
        op = self.operation
        return {
            "format": SAFE_CITY_FORMAT,
            "operation": op.name,
            "ended": op.ended.isoformat(),
            "announced": op.announced.isoformat(),
            "days": op.days,
            "total_claimed": op.total_claimed,
            "total_sources": list(op.total_sources),
            "countries": op.countries,
            "criterion": op.criterion,
            "criterion_sources": list(op.criterion_sources),
            "classified_on": op.classified_on.isoformat(),
            "request": "I-247A detainer with an I-200 administrative warrant, every action",
            "areas": [r.to_dict() for r in self.rows],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def standard_request(op: Operation, pack: str) -> RequestDocument:
    return RequestDocument.model_validate({**op.request, "jurisdiction": pack})


def place_law(area: Area, op: Operation, library: PolicyLibrary) -> PlaceLaw:
    shipped = set(library.names())
    choice = next((c for c in area.packs if c.pack in shipped), None)
    if choice is None:
        return PlaceLaw(None, NO_LAW, None, None)
    day = op.classified_on
    document = standard_request(op, choice.pack)
    try:
        decision = decide(document, on=day, all_actions=True, library=library)
    except NoVersionInForceError as exc:
        decision = decision_without_law(document, day, exc.message)
    return PlaceLaw(choice.pack, choice.scope, classify(choice.pack, day, library), decision)


def safe_city(library: PolicyLibrary) -> SafeCityReport:
    op = load_operation()
    return SafeCityReport(op, tuple(AreaRow(a, place_law(a, op, library)) for a in op.areas))


def to_csv(report: SafeCityReport) -> str:
    """One row per area: the claimed count, its sources and flag, each answer and decision."""
    definitions = [d.id for d in load_definitions()]
    actions = [a.value for a in Action]
    fields = [
        "area",
        "claimed",
        "sources",
        "retracted",
        "really",
        "pack",
        "law",
        *(f"{d} answer" for d in definitions),
        *(f"decision: {a}" for a in actions),
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        a = row.area
        answers, effects = row.answers(), row.effects()
        writer.writerow(
            {
                "area": a.area,
                "claimed": a.claimed,
                "sources": " ".join(a.sources),
                "retracted": "yes" if a.retracted else "no",
                "really": " ".join(a.really.split()),
                "pack": row.law.pack or "",
                "law": row.law.scope,
                **{f"{d} answer": answers[d] for d in definitions},
                **{f"decision: {x}": effects.get(x, "") for x in actions},
            }
        )
    return buffer.getvalue()
