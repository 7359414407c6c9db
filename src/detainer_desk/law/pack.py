"""Policy packs: a manifest (versions, defaults, hold windows) plus Cedar policy files.

A pack lives in a folder `packs/<name>/` holding `manifest.yaml`, one or more `*.cedar` files and
`scenarios.yaml`. A pack may build on another (a city on its state, a state on `federal`): the
policies in force for a pack on a date are its own plus those of every pack it builds on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import cedarpy

from detainer_desk.errors import NoVersionInForceError, PackError
from detainer_desk.law.manifest import (
    DefaultSpec,
    Duty,
    HoldWindow,
    Manifest,
    NotResearched,
    VersionSpec,
    check_versions,
    read_manifest,
)
from detainer_desk.law.place import PlaceResolver, ResolvedPlace
from detainer_desk.law.provisions import Provision, provision_from_est
from detainer_desk.vocabulary import Action, Form

__all__ = [
    "DefaultSpec",
    "Duty",
    "HoldWindow",
    "Manifest",
    "NotResearched",
    "Pack",
    "PolicyLibrary",
    "VersionSet",
    "VersionSpec",
]


@dataclass(frozen=True)
class Pack:
    manifest: Manifest
    provisions: tuple[Provision, ...]
    policy_text: str
    source_digest: str

    @property
    def name(self) -> str:
        return self.manifest.name

    def version_on(self, on: date) -> VersionSpec | None:
        return next((v for v in self.manifest.versions if v.covers(on)), None)


@dataclass(frozen=True)
class VersionSet:
    """The law of one pack version, compiled: what `decide` evaluates."""

    pack: Pack
    version: VersionSpec
    chain: tuple[tuple[str, VersionSpec], ...]
    rules: Any  # cedarpy.PolicySet of the rules in force
    conditions: Any  # cedarpy.PolicySet of the conditions in force
    as_hold: Any  # cedarpy.PolicySet of the @as_hold markers in force (transfer decided as hold)
    provisions: dict[str, Provision]
    defaults: dict[Action, DefaultSpec]
    hold_windows: dict[str, HoldWindow]
    digest: str
    schema: Any
    entities: Any
    reads_by_action: dict[Action, frozenset[str]] = field(default_factory=dict)


def _policy_set(provisions: list[Provision]) -> Any:
    est = {
        "staticPolicies": {p.id: p.est for p in provisions},
        "templates": {},
        "templateLinks": [],
    }
    return cedarpy.PolicySet.from_json_str(json.dumps(est))


def load_schema() -> tuple[str, Any]:
    text = resources.files("detainer_desk.law").joinpath("schema.cedarschema").read_text()
    return text, cedarpy.Schema.from_str(text)


def default_packs_dir() -> Path:
    return Path(str(resources.files("detainer_desk.law").joinpath("packs")))


def _parse_policies(name: str, text: str, schema: Any) -> list[Provision]:
    try:
        est = json.loads(cedarpy.policies_to_json_str(text))
    except ValueError as exc:
        raise PackError(f"{name}: Cedar syntax error: {exc}", pack=name) from None
    provisions = [provision_from_est(name, p) for p in est["staticPolicies"].values()]
    result = cedarpy.validate_policies(text, schema)
    if not result.validation_passed:
        first = result.errors[0]
        rule = result.id_annotations_by_policy_id[first.policy_id]  # every rule has its @id
        raise PackError(
            f"{name}: rule {rule!r} does not match the shared schema: {first.error}",
            pack=name,
            rule=rule,
        )
    seen: set[str] = set()
    for p in provisions:
        if p.id in seen:
            raise PackError(f"{name}: rule id {p.id!r} is used twice", pack=name, rule=p.id)
        seen.add(p.id)
    return provisions


def load_pack(folder: Path, schema: Any) -> Pack:
    manifest = read_manifest(folder)
    if manifest.name != folder.name:
        raise PackError(f"{folder.name}: manifest name {manifest.name!r} differs from its folder")
    cedar_files = sorted(folder.glob("*.cedar"))
    if not cedar_files:
        raise PackError(f"{manifest.name}: no .cedar policy file", pack=manifest.name)
    text = "\n".join(f.read_text() for f in cedar_files)
    provisions = _parse_policies(manifest.name, text, schema)
    check_versions(manifest)
    digest = hashlib.sha256(
        (folder / "manifest.yaml").read_bytes() + b"\0" + text.encode()
    ).hexdigest()
    return Pack(manifest, tuple(provisions), text, digest)


class PolicyLibrary:
    """All packs, loaded and validated once; compiled version sets cached per version."""

    def __init__(self, packs: dict[str, Pack], schema: Any) -> None:
        self._packs = packs
        self._schema = schema
        self._entities = cedarpy.Entities.from_json_str("[]")
        self._compiled: dict[tuple[str, date], VersionSet] = {}
        self._resolver: PlaceResolver | None = None
        for name in packs:
            self._check_chain(name)

    @classmethod
    def load(cls, packs_dir: Path | None = None) -> PolicyLibrary:
        folder = packs_dir or default_packs_dir()
        _, schema = load_schema()
        packs = {}
        for sub in sorted(p for p in folder.iterdir() if (p / "manifest.yaml").exists()):
            pack = load_pack(sub, schema)
            packs[pack.name] = pack
        return cls(packs, schema)

    @property
    def schema(self) -> Any:
        return self._schema

    def names(self) -> list[str]:
        return sorted(self._packs)

    def resolve(self, place: str) -> ResolvedPlace:
        """The pack that decides for a place: a pack name, a state, a county FIPS code or
        "County, ST" (see law/place.py); an unknown or unencoded place is an InputError."""
        if self._resolver is None:
            self._resolver = PlaceResolver(self._packs)
        return self._resolver.resolve(place)

    def pack(self, name: str) -> Pack:
        """A pack by name, or the pack that decides for any place `resolve` accepts."""
        found = self._packs.get(name)
        return found if found is not None else self._packs[self.resolve(name).pack]

    def verified_through(self, name: str) -> tuple[date, tuple[tuple[str, date], ...]]:
        """The chain's law was checked through the earliest of its packs' dates (and each)."""
        each = tuple((p.name, p.manifest.verified_through) for p in self.chain(name))
        return min(day for _, day in each), each

    def duties(self, name: str, on: date) -> list[tuple[str, Duty]]:
        """The standing duties in force on `on` for the agency under `name` (its whole chain)."""
        return [(p.name, d) for p in self.chain(name) for d in p.manifest.duties if d.in_force(on)]

    def chain(self, name: str) -> list[Pack]:
        packs, current = [], self.pack(name)
        while True:
            packs.append(current)
            if current.manifest.builds_on is None:
                return packs
            current = self.pack(current.manifest.builds_on)

    def _check_chain(self, name: str) -> None:
        pack, seen = self._packs[name], {name}
        parent = pack.manifest.builds_on
        while parent is not None:
            if parent not in self._packs:
                raise PackError(f"{name}: builds_on {parent!r}, which is not a pack", pack=name)
            if parent in seen:
                raise PackError(f"{name}: builds_on forms a cycle through {parent!r}", pack=name)
            seen.add(parent)
            parent = self._packs[parent].manifest.builds_on
        self._check_boundaries(pack)

    def _check_boundaries(self, pack: Pack) -> None:
        """Every change of law in the chain must start a version of this pack."""
        starts = {v.from_ for v in pack.manifest.versions}
        first = min(starts)
        for ancestor in self.chain(pack.name):
            for p in ancestor.provisions:
                for day in (p.effective, p.repealed):
                    if day is not None and day > first and day not in starts:
                        raise PackError(
                            f"{pack.name}: rule {p.id!r} ({ancestor.name}) changes on {day}, "
                            f"but no version of {pack.name} starts that day; add one",
                            pack=pack.name,
                            rule=p.id,
                        )

    def version_set(self, name: str, on: date) -> VersionSet:
        pack = self.pack(name)
        version = pack.version_on(on)
        if version is None:
            spans = ", ".join(
                f"{v.from_}..{v.to or 'now'}"
                for v in sorted(pack.manifest.versions, key=lambda v: v.from_)
            )
            raise NoVersionInForceError(
                f"{pack.name} has no policy version in force on {on} (versions: {spans}); "
                "choose a date inside one — holds are never decided without law in force",
                field="on",
            )
        key = (pack.name, version.from_)
        if key not in self._compiled:
            self._compiled[key] = self._compile(pack, version)
        return self._compiled[key]

    def _compile(self, pack: Pack, version: VersionSpec) -> VersionSet:
        chain_packs = self.chain(pack.name)
        chain: list[tuple[str, VersionSpec]] = []
        for member in chain_packs:
            member_version = member.version_on(version.from_)
            if member_version is None:
                raise NoVersionInForceError(
                    f"{pack.name} builds on {member.name}, which has no version in force on "
                    f"{version.from_}",
                    field="on",
                )
            chain.append((member.name, member_version))
        in_force = [
            p for member in chain_packs for p in member.provisions if p.in_force(version.from_)
        ]
        defaults: dict[Action, DefaultSpec] = {}
        windows: dict[str, HoldWindow] = {}
        for member in reversed(chain_packs):  # nearest pack wins
            defaults.update(member.manifest.defaults)
            windows.update(member.manifest.hold_windows)
        reads: dict[Action, frozenset[str]] = {
            action: frozenset(r for p in in_force if action in p.actions for r in p.reads)
            for action in Action
        }
        digest_input = {
            "chain": [[n, v.from_.isoformat()] for n, v in chain],
            "provisions": {p.id: p.est for p in sorted(in_force, key=lambda p: p.id)},
            "defaults": {a.value: d.model_dump(mode="json") for a, d in sorted(defaults.items())},
            "hold_windows": {f: w.model_dump(mode="json") for f, w in sorted(windows.items())},
        }
        digest = hashlib.sha256(
            json.dumps(digest_input, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        return VersionSet(
            pack=pack,
            version=version,
            chain=tuple(chain),
            rules=_policy_set([p for p in in_force if not (p.is_condition or p.is_as_hold)]),
            conditions=_policy_set([p for p in in_force if p.is_condition]),
            as_hold=_policy_set([p for p in in_force if p.is_as_hold]),
            provisions={p.id: p for p in in_force},
            defaults=defaults,
            hold_windows=windows,
            digest=f"sha256:{digest}",
            schema=self._schema,
            entities=self._entities,
            reads_by_action=reads,
        )


def hold_window_for(vs: VersionSet, form: Form, rule: Provision | None) -> HoldWindow | None:
    """The hold window: a deciding rule's own window, else the form's, else the regulation's.

    A rule whose window is "as_warrant_says" has none of its own here: when the warrant gives no
    end, the detainer's window applies (engine.py reads the warrant's end)."""
    if rule is not None and rule.hold_window not in (None, "as_warrant_says"):
        return HoldWindow(
            excludes_weekends_and_holidays=str(rule.hold_window).endswith("weekends_and_holidays"),
            cite=rule.cite,
            counted_from="receipt"
            if str(rule.hold_window).endswith("from_receipt")
            else "release_eligibility",
        )
    return vs.hold_windows.get(form.value) or vs.hold_windows.get("default")
