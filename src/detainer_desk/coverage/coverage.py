"""What law is encoded, where and since when, and what it says about holds on a date.

Every pack the library holds is placed by `places.yaml` (its state and level); nothing here names
a jurisdiction. What a place's law says about holds is not a label: it is the pack's own decision
on the standard probe requests of `classify/probes.yaml` — a detainer with an administrative
warrant (I-200) and one with a judicial criminal warrant, on the form ICE used on that date
(I-247D before 2017-04-02, I-247A after) — so the map can only say what the rules decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from detainer_desk.classify.classifier import load_probes, probe_document
from detainer_desk.errors import NoVersionInForceError
from detainer_desk.law.decide import decide, decision_without_law
from detainer_desk.law.decision import ActionDecision
from detainer_desk.law.manifest import Duty
from detainer_desk.law.pack import Pack, PolicyLibrary
from detainer_desk.law.place import Place, Places, Tile, load_places
from detainer_desk.vocabulary import Action, Effect

COVERAGE_FORMAT = "detainer-desk/coverage/v1"
ADMIN_PROBE = "admin_warrant_detainer"
JUDICIAL_PROBE = "judicial_warrant_detainer"


class HoldStance(StrEnum):
    """What the law in force says about holding someone on the standard detainer."""

    required = "required"
    permitted = "permitted"
    judicial_warrant_only = "judicial_warrant_only"
    forbidden = "forbidden"
    no_authority = "no_authority"
    unsettled = "unsettled"
    before_encoding = "before_encoding"
    not_encoded = "not_encoded"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def short(self) -> str:
        return _LABELS[self][1]


_LABELS: dict[HoldStance, tuple[str, str]] = {
    HoldStance.required: ("hold required on an ICE detainer", "REQ"),
    HoldStance.permitted: ("hold permitted on an ICE detainer", "PERM"),
    HoldStance.judicial_warrant_only: ("hold only with a judge's warrant", "JUDGE"),
    HoldStance.forbidden: ("hold forbidden", "NO"),
    HoldStance.no_authority: ("no provision authorizes a hold (denied by default)", "NONE"),
    HoldStance.unsettled: ("unsettled: hold denied pending counsel review", "REVIEW"),
    HoldStance.before_encoding: ("state law encoded only from a later date", "PRE"),
    HoldStance.not_encoded: ("no state law encoded", "—"),
}


@dataclass(frozen=True)
class HoldAnswer:
    """One probe decided: the effect and the provisions (with their confidence) behind it."""

    probe: str
    effect: Effect
    required: bool
    reason: str
    provisions: tuple[dict[str, str], ...]

    @classmethod
    def of(cls, probe: str, decided: ActionDecision) -> HoldAnswer:
        return cls(probe, decided.effect, decided.required, decided.reason, decided.provisions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "effect": self.effect.value,
            "required": self.required,
            "reason": self.reason,
            "provisions": [
                {k: p[k] for k in ("id", "cite", "source", "confidence")} for p in self.provisions
            ],
        }


@dataclass(frozen=True)
class PackCoverage:
    """One pack on one date: what is encoded, since when, and what it says about holds."""

    pack: str
    title: str
    state: str | None
    level: str
    builds_on: str | None
    encoded_since: date
    versions: tuple[tuple[date, date | None, str], ...]
    version: tuple[date, str] | None  # the version in force on the date
    rules_by_confidence: dict[str, int]
    stance: HoldStance
    answers: tuple[HoldAnswer, ...]
    verified_through: date  # this pack's own
    chain_verified_through: date  # the earliest of its chain's (what a decision under it shows)
    latest_source: date | None
    duties: tuple[Duty, ...]  # its own standing duties in force on the date
    not_researched: tuple[dict[str, str], ...]

    @property
    def deciding(self) -> tuple[dict[str, str], ...]:
        """The provisions behind the answers, each once."""
        seen: dict[str, dict[str, str]] = {}
        for a in self.answers:
            for p in a.provisions:
                seen.setdefault(p["id"], p)
        return tuple(seen.values())

    @property
    def confidence(self) -> str:
        """The weakest confidence among the provisions deciding the stance ('' if none)."""
        order = ("unverified", "translated", "secondary", "verified")
        seen = {p["confidence"] for p in self.deciding}
        return next((c for c in order if c in seen), "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "title": self.title,
            "state": self.state,
            "level": self.level,
            "builds_on": self.builds_on,
            "encoded_since": self.encoded_since.isoformat(),
            "versions": [
                {"from": f.isoformat(), "to": t.isoformat() if t else None, "label": label}
                for f, t, label in self.versions
            ],
            "version_in_force": (
                {"from": self.version[0].isoformat(), "label": self.version[1]}
                if self.version
                else None
            ),
            "rules_in_force_by_confidence": self.rules_by_confidence,
            "hold": self.stance.value,
            "hold_label": self.stance.label,
            "confidence": self.confidence,
            "answers": [a.to_dict() for a in self.answers],
            "verified_through": self.verified_through.isoformat(),
            "chain_verified_through": self.chain_verified_through.isoformat(),
            "latest_source": self.latest_source.isoformat() if self.latest_source else None,
            "duties_in_force": [duty_dict(self.pack, d) for d in self.duties],
            "not_researched": list(self.not_researched),
        }


def duty_dict(pack: str, duty: Duty) -> dict[str, Any]:
    """A standing duty as JSON (coverage, the law service, a desk's home page)."""
    return {"pack": pack, **duty.model_dump(mode="json")}


@dataclass(frozen=True)
class StateCoverage:
    tile: Tile
    state_pack: PackCoverage | None
    local: tuple[PackCoverage, ...]

    @property
    def stance(self) -> HoldStance:
        return self.state_pack.stance if self.state_pack else HoldStance.not_encoded

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.tile.code,
            "name": self.tile.name,
            "row": self.tile.row,
            "col": self.tile.col,
            "hold": self.stance.value,
            "hold_label": self.stance.label,
            "state_pack": self.state_pack.pack if self.state_pack else None,
            "verified_through": (
                self.state_pack.verified_through.isoformat() if self.state_pack else None
            ),
            "local_packs": [p.pack for p in self.local],
        }


@dataclass(frozen=True)
class Coverage:
    on: date
    states: tuple[StateCoverage, ...]
    packs: tuple[PackCoverage, ...]
    unplaced: tuple[str, ...]  # packs in the library that places.yaml does not place

    def state(self, code: str) -> StateCoverage:
        return next(s for s in self.states if s.tile.code == code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": COVERAGE_FORMAT,
            "on": self.on.isoformat(),
            "probes": [ADMIN_PROBE, JUDICIAL_PROBE],
            "stances": {s.value: s.label for s in HoldStance},
            "states": [s.to_dict() for s in self.states],
            "packs": [p.to_dict() for p in self.packs],
            "unplaced_packs": list(self.unplaced),
        }


def _decide_probe(pack: str, probe_name: str, day: date, library: PolicyLibrary) -> HoldAnswer:
    probes = load_probes()
    probe = next(p for p in probes.probes if p.name == probe_name)
    document = probe_document(probe, probes, pack, day)
    try:
        decision = decide(document, on=day, library=library)
    except NoVersionInForceError as exc:
        decision = decision_without_law(document, day, exc.message)
    return HoldAnswer.of(probe_name, decision.action(Action.hold_beyond_release))


def _unsettled(answer: HoldAnswer, library: PolicyLibrary, pack: str, day: date) -> bool:
    if not answer.provisions:
        return False
    vs = library.version_set(pack, day)
    return all(vs.provisions[p["id"]].outcome is Effect.review_required for p in answer.provisions)


def hold_stance(
    pack: str, day: date, library: PolicyLibrary
) -> tuple[HoldStance, tuple[HoldAnswer, ...]]:
    """Decide the two standard detainers under `pack` on `day` and name the stance."""
    if library.pack(pack).version_on(day) is None:
        return HoldStance.before_encoding, ()
    admin = _decide_probe(pack, ADMIN_PROBE, day, library)
    if admin.effect is Effect.permit:
        stance = HoldStance.required if admin.required else HoldStance.permitted
        return stance, (admin,)
    judicial = _decide_probe(pack, JUDICIAL_PROBE, day, library)
    if not admin.provisions:
        # Denied by default: no provision authorizes the administrative hold. A judge's criminal
        # warrant is honored under the federal baseline everywhere, so it does not make the
        # place "judicial warrant only" unless a rule of its own forbids the administrative hold.
        return HoldStance.no_authority, (admin, judicial)
    if judicial.effect is Effect.permit:
        return HoldStance.judicial_warrant_only, (admin, judicial)
    if _unsettled(admin, library, pack, day):
        return HoldStance.unsettled, (admin,)
    return HoldStance.forbidden, (admin, judicial)


def _rules_by_confidence(library: PolicyLibrary, pack: Pack, day: date) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in pack.provisions:
        if p.in_force(day):
            counts[p.confidence] = counts.get(p.confidence, 0) + 1
    return dict(sorted(counts.items()))


def pack_coverage(name: str, day: date, library: PolicyLibrary, place: Place) -> PackCoverage:
    pack = library.pack(name)
    versions = sorted(pack.manifest.versions, key=lambda v: v.from_)
    current = pack.version_on(day)
    stance, answers = hold_stance(name, day, library)
    manifest = pack.manifest
    return PackCoverage(
        pack=name,
        title=pack.manifest.title,
        state=place.state,
        level=place.level,
        builds_on=pack.manifest.builds_on,
        encoded_since=versions[0].from_,
        versions=tuple((v.from_, v.to, v.label) for v in versions),
        version=(current.from_, current.label) if current else None,
        rules_by_confidence=_rules_by_confidence(library, pack, day),
        stance=stance,
        answers=answers,
        verified_through=manifest.verified_through,
        chain_verified_through=library.verified_through(name)[0],
        latest_source=manifest.latest_source,
        duties=tuple(d for d in manifest.duties if d.in_force(day)),
        not_researched=tuple(n.model_dump() for n in manifest.not_researched),
    )


def coverage(day: date, library: PolicyLibrary, places: Places | None = None) -> Coverage:
    """Every state (and DC) and every encoded place, with what its law says about holds on `day`."""
    places = places or load_places()
    placed = [n for n in library.names() if n in places.packs]
    packs = tuple(pack_coverage(n, day, library, places.packs[n]) for n in placed)
    states = []
    for tile in places.tiles:
        here = [p for p in packs if p.state == tile.code]
        state_pack = next((p for p in here if p.level == "state"), None)
        local = tuple(p for p in here if p.level in ("county", "city"))
        states.append(StateCoverage(tile, state_pack, local))
    unplaced = tuple(n for n in library.names() if n not in places.packs)
    return Coverage(day, tuple(states), packs, unplaced)
