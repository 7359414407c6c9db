"""Classify a policy under the competing definitions of "sanctuary jurisdiction".

Each definition is a data file (definitions/*.yaml, with its citation): a list of prongs, each
"the pack's decision on probe P is one of these effects". A policy is a sanctuary under the
definition when any prong holds. The probes (probes.yaml) are standard requests decided by the
pack itself, so the answer and the provisions behind it come from the law as encoded, not labels.

A prong holds only when a provision in force forbids or limits the action. The desk's defaults
("never hold on a guess": a hold no provision authorizes is denied; an action no law decides needs
review) are not a policy of refusal, so a prong whose effect comes only from a default is its own
state, "no provision authorizes", and never makes a place a sanctuary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from detainer_desk.errors import NoVersionInForceError
from detainer_desk.law.decide import decide, decision_without_law
from detainer_desk.law.decision import ActionDecision
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.request.document import RequestDocument
from detainer_desk.vocabulary import Action, Effect, Form


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormRule(_Model):
    before: date | None = None
    form: Form


class Probe(_Model):
    name: str
    title: str
    action: Action
    request: dict[str, Any]
    forms: tuple[FormRule, ...]

    def form_on(self, day: date) -> Form:
        return next(r.form for r in self.forms if r.before is None or day < r.before)


class ProbeSet(_Model):
    interview: dict[str, Any]
    booking: dict[str, Any]
    probes: tuple[Probe, ...]


class Prong(_Model):
    probe: str
    effect_in: tuple[Effect, ...]
    says: str


class Definition(_Model):
    id: str
    name: str
    cite: str
    sources: tuple[str, ...]
    confidence: str
    summary: str
    caveats: tuple[str, ...] = ()
    sanctuary_if_any: tuple[Prong, ...]


class ProngState(StrEnum):
    """How one prong of a definition came out for a pack on a date."""

    met = "met"  # a provision in force forbids or limits the action
    not_met = "not met"
    no_provision = "no provision authorizes"  # refused or left to review only by a default


class Answer(StrEnum):
    """A definition's answer for a pack on a date."""

    yes = "yes"
    no = "no"
    no_provision = "no provision authorizes"  # no prong met; some refused only by default


@dataclass(frozen=True)
class ProngResult:
    prong: Prong
    state: ProngState
    effect: Effect
    provisions: tuple[dict[str, str], ...]
    reason: str

    @property
    def holds(self) -> bool:
        return self.state is ProngState.met

    def to_dict(self) -> dict[str, Any]:
        return {
            "probe": self.prong.probe,
            "criterion": self.prong.says,
            "state": self.state.value,
            "holds": self.holds,
            "effect": self.effect.value,
            "reason": self.reason,
            "provisions": [{"id": p["id"], "cite": p["cite"]} for p in self.provisions],
        }


@dataclass(frozen=True)
class Verdict:
    definition: Definition
    sanctuary: bool
    prongs: tuple[ProngResult, ...]

    @property
    def answer(self) -> Answer:
        if self.sanctuary:
            return Answer.yes
        if any(p.state is ProngState.no_provision for p in self.prongs):
            return Answer.no_provision
        return Answer.no

    def because(self) -> tuple[ProngResult, ...]:
        """The prongs behind the answer: those met, or else those not met (and why)."""
        return tuple(p for p in self.prongs if p.holds == self.sanctuary)

    def to_dict(self) -> dict[str, Any]:
        d = self.definition
        return {
            "definition": d.id,
            "name": d.name,
            "cite": d.cite,
            "confidence": d.confidence,
            "sources": list(d.sources),
            "caveats": list(d.caveats),
            "sanctuary": self.sanctuary,
            "answer": self.answer.value,
            "because": [p.to_dict() for p in self.because()],
            "prongs": [p.to_dict() for p in self.prongs],
        }


@dataclass(frozen=True)
class Classification:
    pack: str
    on: date
    version: str | None
    verdicts: tuple[Verdict, ...]

    def verdict(self, definition_id: str) -> Verdict:
        return next(v for v in self.verdicts if v.definition.id == definition_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "detainer-desk/classification/v1",
            "pack": self.pack,
            "on": self.on.isoformat(),
            "pack_version": self.version,
            "verdicts": [v.to_dict() for v in self.verdicts],
        }


def _folder() -> Path:
    return Path(str(resources.files("detainer_desk.classify")))


@cache
def load_probes() -> ProbeSet:
    return ProbeSet.model_validate(yaml.safe_load((_folder() / "probes.yaml").read_text()))


@cache
def load_definitions() -> tuple[Definition, ...]:
    files = sorted((_folder() / "definitions").glob("*.yaml"))
    return tuple(Definition.model_validate(yaml.safe_load(f.read_text())) for f in files)


def probe_document(probe: Probe, probes: ProbeSet, pack: str, day: date) -> RequestDocument:
    morning = datetime.combine(day, time(9, 0))
    booking = {
        **probes.booking,
        "booking_id": f"probe-{probe.name}",
        "booked_at": datetime.combine(day, time(1, 0)).isoformat(),
        "release_eligible_at": datetime.combine(day, time(14, 0)).isoformat(),
    }
    request = {**probe.request, "form": probe.form_on(day).value, "actions": [probe.action.value]}
    return RequestDocument.model_validate(
        {
            "jurisdiction": pack,
            "received_at": morning.isoformat(),
            "request": request,
            "booking": booking,
            "interview": probes.interview,
        }
    )


def run_probes(
    pack: str, day: date, library: PolicyLibrary
) -> tuple[str | None, dict[str, ActionDecision]]:
    """Decide every probe under `pack` on `day` (no law in force: deny holds, review the rest)."""
    probes = load_probes()
    outcomes: dict[str, ActionDecision] = {}
    version: str | None = None
    for probe in probes.probes:
        document = probe_document(probe, probes, pack, day)
        try:
            decision = decide(document, on=day, library=library)
            version = decision.pack.version.isoformat() if decision.pack else None
        except NoVersionInForceError as exc:
            decision = decision_without_law(document, day, exc.message)
        outcomes[probe.name] = decision.action(probe.action)
    return version, outcomes


def prong_state(prong: Prong, decided: ActionDecision) -> ProngState:
    """Met only when a provision in force, not a default, refuses or limits the action."""
    if decided.effect not in prong.effect_in:
        return ProngState.not_met
    limited = decided.provisions or decided.missing_facts  # a rule read the facts and said no
    if decided.by_default or not limited:
        return ProngState.no_provision
    return ProngState.met


def judge(definition: Definition, outcomes: dict[str, ActionDecision]) -> Verdict:
    results = []
    for prong in definition.sanctuary_if_any:
        decided = outcomes[prong.probe]
        results.append(
            ProngResult(
                prong,
                prong_state(prong, decided),
                decided.effect,
                decided.provisions,
                decided.reason,
            )
        )
    return Verdict(definition, any(r.holds for r in results), tuple(results))


def classify(pack: str, day: date, library: PolicyLibrary) -> Classification:
    library.pack(pack)  # unknown pack -> UnknownJurisdictionError
    version, outcomes = run_probes(pack, day, library)
    verdicts = tuple(judge(d, outcomes) for d in load_definitions())
    return Classification(pack, day, version, verdicts)
