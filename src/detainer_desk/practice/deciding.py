"""Deciding what the law said of each detainer: once per (pack, version, form), not per row.

A detainer in the export is decided as the standard detainer of its time (the probe requests of
classify/probes.yaml: a plain misdemeanour booking; an I-200 attached, and if that hold is
denied, a judge's criminal warrant), on the form the export names, under the law of the place
(county pack where the county has one, else the state's pack, else the federal baseline) in force
on its prepare date. What the law said is the coverage module's hold stance, plus two of this
report's own: a notification request (I-247N) asks for no hold, and a row with no place has no law.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from detainer_desk.classify.classifier import load_probes, probe_document
from detainer_desk.coverage import HoldStance, load_places
from detainer_desk.law.decide import decide
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.practice.facilities import load_practice_places
from detainer_desk.request.document import RequestDocument
from detainer_desk.vocabulary import (
    WITHDRAWN_FORMS,
    WITHDRAWN_FORMS_LAST_ISSUE,
    Action,
    Effect,
    Form,
)

NOTIFICATION_ONLY = "notification_only"
NO_PLACE = "no_place"
FEDERAL = "federal"

LAW_LABELS: dict[str, str] = {
    **{s.value: s.label for s in HoldStance},
    NOTIFICATION_ONLY: "a notification request (I-247N): no hold asked",
    NO_PLACE: "no state in the export: no law can be chosen",
}
LAW_ORDER = (*(s.value for s in HoldStance), NOTIFICATION_ONLY, NO_PLACE)


def form_of(detainer_type: str | None) -> Form:
    """The form the export names ("I247D - Immigration Detainer - Request for Action" -> I-247D);
    an empty type (Pennsylvania's rows before FY2015) is the I-247 of those years."""
    code = (detainer_type or "").split(" ", 1)[0].upper()
    return {"I247D": Form.I_247D, "I247N": Form.I_247N, "I247X": Form.I_247X}.get(code, Form.I_247)


@dataclass(frozen=True)
class PackMap:
    """Which pack speaks for a place: a county's own pack, else its state's, else federal."""

    state_packs: dict[str, str]  # state code -> pack
    county_packs: dict[str, str]  # county FIPS -> pack

    def pack_for(self, state: str | None, geoid: str | None) -> str | None:
        if state is None:
            return None
        if geoid is not None and geoid in self.county_packs:
            return self.county_packs[geoid]
        return self.state_packs.get(state, FEDERAL)


def pack_map(library: PolicyLibrary) -> PackMap:
    """From coverage/places.yaml (with `fips:` when a pack has it) and this report's own FIPS
    list for county and city packs; only packs the library holds."""
    places = load_places()
    own = load_practice_places().pack_fips
    names = set(library.names())
    state_packs, county_packs = {}, {}
    for pack, place in places.packs.items():
        if pack not in names or place.state is None:
            continue
        if place.level == "state":
            state_packs[place.state] = pack
        elif place.level in ("county", "city"):
            fips = getattr(place, "fips", None) or own.get(pack, ())
            for code in [fips] if isinstance(fips, str) else fips:
                county_packs[str(code)] = pack
    return PackMap(state_packs, county_packs)


@dataclass(frozen=True)
class LawAnswer:
    """What one pack chain said, for one version and form."""

    pack: str  # the pack whose version decided (the first in the chain with law in force)
    version: date | None  # None: no law in force at all on that day
    law: str  # a HoldStance value, or NOTIFICATION_ONLY
    reason: str
    cites: tuple[str, ...]


def _document(pack: str, day: date, form: Form, probe_name: str) -> RequestDocument:
    probes = load_probes()
    probe = next(p for p in probes.probes if p.name == probe_name)
    data = probe_document(probe, probes, pack, day).model_dump(mode="json", exclude_none=True)
    data["request"]["form"] = form.value
    return RequestDocument.model_validate(data)


def in_force(pack: str, day: date, library: PolicyLibrary) -> tuple[str, date | None]:
    """The first pack of the chain with a version in force on `day`, and that version."""
    for member in library.chain(pack):
        version = member.version_on(day)
        if version is not None:
            return member.name, version.from_
    return pack, None


def decide_once(
    pack: str, version: date, day: date, form: Form, library: PolicyLibrary
) -> LawAnswer:
    """The standard detainer on `form`, received on `day`, under `pack`'s version `version`."""
    if form is Form.I_247N:
        notify = decide(_notification(pack, day), on=day, library=library)
        answer = notify.action(Action.notify_release)
        cites = tuple(p["cite"] for p in answer.provisions)
        return LawAnswer(pack, version, NOTIFICATION_ONLY, answer.reason, cites)
    admin = decide(
        _document(pack, day, form, "admin_warrant_detainer"), on=day, library=library
    ).action(Action.hold_beyond_release)
    cites = tuple(p["cite"] for p in admin.provisions)
    if admin.effect is Effect.permit:
        law = HoldStance.required if admin.required else HoldStance.permitted
        return LawAnswer(pack, version, law.value, admin.reason, cites)
    judicial = decide(
        _document(pack, day, form, "judicial_warrant_detainer"), on=day, library=library
    ).action(Action.hold_beyond_release)
    if judicial.effect is Effect.permit:
        law = HoldStance.judicial_warrant_only
    elif admin.provisions and all(
        library.version_set(pack, day).provisions[p["id"]].outcome is Effect.review_required
        for p in admin.provisions
    ):
        law = HoldStance.unsettled
    elif not admin.provisions:
        law = HoldStance.no_authority
    else:
        law = HoldStance.forbidden
    return LawAnswer(pack, version, law.value, admin.reason, cites)


def _notification(pack: str, day: date) -> RequestDocument:
    probes = load_probes()
    probe = next(p for p in probes.probes if p.name == "notification_request")
    data = probe_document(probe, probes, pack, day).model_dump(mode="json", exclude_none=True)
    data["request"]["form"] = Form.I_247N.value
    return RequestDocument.model_validate(data)


@dataclass
class Decider:
    """Decides each distinct (pack, version, form) once; every other row shares the answer."""

    library: PolicyLibrary
    answers: dict[tuple[str, date | None, Form, bool], LawAnswer]

    @classmethod
    def of(cls, library: PolicyLibrary) -> Decider:
        return cls(library, {})

    def law(self, pack: str, day: date, form: Form) -> LawAnswer:
        used, version = in_force(pack, day, self.library)
        # a withdrawn form issued after its withdrawal is another case (FED_I247A_GUIDANCE)
        late = form in WITHDRAWN_FORMS and day > WITHDRAWN_FORMS_LAST_ISSUE
        key = (used, version, form, late)
        if key not in self.answers:
            if version is None:
                self.answers[key] = LawAnswer(
                    used, None, HoldStance.not_encoded.value, "no law in force on that day", ()
                )
            else:  # the law is the same on every day of a version: decide on this one
                self.answers[key] = decide_once(used, version, day, form, self.library)
        return self.answers[key]

    @property
    def engine_calls(self) -> int:
        return len(self.answers)
