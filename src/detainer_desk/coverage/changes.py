"""Changes of law as a feed: every pack version, newest first, with what changes and why.

Each entry is one version of one pack (a change in the law the pack applies): its effective date,
its label and notes (what changes, what is not encoded), and every rule and standing duty of its
chain that starts or stops that day, with its citation. A date of the pack's own rules or duties
that starts no version (a duty, which decides no request, need not) is an entry of its own.
`policy changes`, `/law/changes` and its Atom feed `/law/changes.atom` print these.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from detainer_desk.law.pack import Pack, PolicyLibrary

CHANGES_FORMAT = "detainer-desk/changes/v1"


@dataclass(frozen=True)
class LawChange:
    """One rule or duty of a pack's chain that starts (`effective`) or stops (`repealed`)."""

    pack: str
    id: str
    cite: str
    source: str
    text: str
    change: Literal["effective", "repealed"]
    duty: bool = False  # a standing duty of the agency, not a rule

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "id": self.id,
            "cite": self.cite,
            "source": self.source,
            "text": self.text,
            "change": self.change,
            "kind": "duty" if self.duty else "rule",
        }


@dataclass(frozen=True)
class Change:
    pack: str
    title: str
    on: date
    to: date | None
    kind: Literal["version", "rule"]
    label: str
    notes: str
    changes: tuple[LawChange, ...]
    first: bool  # the pack's first version: where its encoding starts

    @property
    def entry_id(self) -> str:
        return f"tag:detainer-desk,2026:law/{self.pack}/{self.kind}/{self.on.isoformat()}"

    @property
    def citations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.cite for c in self.changes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.entry_id,
            "pack": self.pack,
            "title": self.title,
            "effective": self.on.isoformat(),
            "to": self.to.isoformat() if self.to else None,
            "kind": self.kind,
            "first_version": self.first,
            "label": self.label,
            "notes": self.notes,
            "citations": list(self.citations),
            "changes": [c.to_dict() for c in self.changes],
        }


Kind = Literal["effective", "repealed"]


def _change(effective: date, repealed: date | None, day: date) -> Kind | None:
    return "effective" if effective == day else "repealed" if repealed == day else None


def _on_day(chain: list[Pack], day: date) -> tuple[LawChange, ...]:
    found: list[LawChange] = []
    for member in chain:
        for p in member.provisions:
            if change := _change(p.effective, p.repealed, day):
                found.append(LawChange(member.name, p.id, p.cite, p.source, p.text, change))
        for d in member.manifest.duties:
            if change := _change(d.effective, d.repealed, day):
                found.append(LawChange(member.name, d.id, d.cite, d.source, d.text, change, True))
    return tuple(found)


def pack_changes(library: PolicyLibrary, name: str) -> list[Change]:
    pack = library.pack(name)
    chain = library.chain(name)
    versions = sorted(pack.manifest.versions, key=lambda v: v.from_)
    starts = {v.from_ for v in versions}
    out = [
        Change(
            name,
            pack.manifest.title,
            v.from_,
            v.to,
            "version",
            v.label,
            v.notes.strip(),
            _on_day(chain, v.from_),
            i == 0,
        )
        for i, v in enumerate(versions)
    ]
    dated = [(p.effective, p.repealed) for p in pack.provisions]
    dated += [(d.effective, d.repealed) for d in pack.manifest.duties]
    own_days = {d for pair in dated for d in pair if d is not None}
    for day in sorted(own_days - starts):
        own = tuple(c for c in _on_day([pack], day))
        label = "; ".join(f"{c.cite} {'takes effect' if c.change == 'effective' else 'ends'}"
                          for c in own)  # fmt: skip
        out.append(Change(name, pack.manifest.title, day, None, "rule", label, "", own, False))
    return out


def changes(
    library: PolicyLibrary, since: date | None = None, packs: Collection[str] | None = None
) -> list[Change]:
    """Every change of law (pack versions and rule dates), newest first; from `since` on, and
    only for `packs` when given."""
    names = library.names() if packs is None else sorted(set(packs))
    found = [c for n in names for c in pack_changes(library, n) if since is None or c.on >= since]
    return sorted(found, key=lambda c: (c.on, c.pack, c.kind), reverse=True)


def changes_document(
    library: PolicyLibrary, since: date | None, place: str | None
) -> dict[str, Any]:
    """The feed as JSON (`policy changes --json`): for one place's chain, or every pack."""
    chain = [p.name for p in library.chain(place)] if place else None
    entries = changes(library, since, chain)
    return {
        "format": CHANGES_FORMAT,
        "since": since.isoformat() if since else None,
        "place": library.resolve(place).to_dict(chain or ()) if place else None,
        "changes": [c.to_dict() for c in entries],
    }
