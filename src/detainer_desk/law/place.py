"""Any place resolves: a pack name, a state (name or code), a county FIPS code or "County, ST".

Which pack speaks for which place is data, `coverage/places.yaml` (each pack's state, level and,
for a county or city pack, the county FIPS codes it covers). The 3,223 counties (and county
equivalents, with Puerto Rico's municipios) are `coverage/counties.tsv.gz`: five-digit FIPS code
and name, derived from the reference table named in `coverage/COUNTIES.md`. Both are read only
when a name is not a pack's own, and once per process: resolving never loads a pack.

A county is decided under the first pack that speaks for it: its county (or coterminous city)
pack, else its state's pack; each builds on the next (state, then federal). A state with no pack
is refused with a clear error: its law is not encoded, and no answer is guessed.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from detainer_desk.errors import UnknownJurisdictionError

# State FIPS code, USPS code, name: the 50 states, DC and Puerto Rico (whose municipios are in
# the county table; it is not one of the 51 jurisdictions on the map).
STATES: tuple[tuple[str, str, str], ...] = (
    ("01", "AL", "Alabama"), ("02", "AK", "Alaska"), ("04", "AZ", "Arizona"),
    ("05", "AR", "Arkansas"), ("06", "CA", "California"), ("08", "CO", "Colorado"),
    ("09", "CT", "Connecticut"), ("10", "DE", "Delaware"), ("11", "DC", "District of Columbia"),
    ("12", "FL", "Florida"), ("13", "GA", "Georgia"), ("15", "HI", "Hawaii"),
    ("16", "ID", "Idaho"), ("17", "IL", "Illinois"), ("18", "IN", "Indiana"),
    ("19", "IA", "Iowa"), ("20", "KS", "Kansas"), ("21", "KY", "Kentucky"),
    ("22", "LA", "Louisiana"), ("23", "ME", "Maine"), ("24", "MD", "Maryland"),
    ("25", "MA", "Massachusetts"), ("26", "MI", "Michigan"), ("27", "MN", "Minnesota"),
    ("28", "MS", "Mississippi"), ("29", "MO", "Missouri"), ("30", "MT", "Montana"),
    ("31", "NE", "Nebraska"), ("32", "NV", "Nevada"), ("33", "NH", "New Hampshire"),
    ("34", "NJ", "New Jersey"), ("35", "NM", "New Mexico"), ("36", "NY", "New York"),
    ("37", "NC", "North Carolina"), ("38", "ND", "North Dakota"), ("39", "OH", "Ohio"),
    ("40", "OK", "Oklahoma"), ("41", "OR", "Oregon"), ("42", "PA", "Pennsylvania"),
    ("44", "RI", "Rhode Island"), ("45", "SC", "South Carolina"), ("46", "SD", "South Dakota"),
    ("47", "TN", "Tennessee"), ("48", "TX", "Texas"), ("49", "UT", "Utah"),
    ("50", "VT", "Vermont"), ("51", "VA", "Virginia"), ("53", "WA", "Washington"),
    ("54", "WV", "West Virginia"), ("55", "WI", "Wisconsin"), ("56", "WY", "Wyoming"),
    ("72", "PR", "Puerto Rico"),
)  # fmt: skip
STATE_NAMES = {code: name for _, code, name in STATES}
_STATE_BY_FIPS = {fips: code for fips, code, _ in STATES}
_STATE_ALIASES = {"washington dc": "DC", "dc": "DC", "d c": "DC"}
_KINDS = (
    "city and borough",
    "census area",
    "planning region",
    "county",
    "parish",
    "borough",
    "municipality",
    "municipio",
    "city",
)
HOW_TO_NAME = (
    "name a policy pack (e.g. 'denver'), a state or DC by name or two-letter code ('Texas', "
    "'TX'), a county's five-digit FIPS code ('48453') or a county with its state "
    "('Travis County, TX')"
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlaceSpec(_Model):
    """Where one pack applies (an entry of places.yaml `packs:`)."""

    state: str | None = None
    level: Literal["federal", "state", "county", "city"]
    fips: tuple[str, ...] = ()

    @field_validator("fips", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        codes = (value,) if isinstance(value, str | int) else tuple(value)
        for code in codes:
            if not re.fullmatch(r"\d{5}", str(code)):
                raise ValueError(f"fips {code!r} is not a five-digit county FIPS code (quote it)")
        return tuple(str(c) for c in codes)


# Kept as `Place` for the coverage module's readers.
Place = PlaceSpec


class Tile(_Model):
    code: str
    name: str
    row: int
    col: int


class Places(_Model):
    packs: dict[str, PlaceSpec]
    tiles: tuple[Tile, ...]


def _resource(name: str) -> Path:
    return Path(str(resources.files("detainer_desk").joinpath("coverage", name)))


@cache
def load_places(path: Path | None = None) -> Places:
    source = path or _resource("places.yaml")
    return Places.model_validate(yaml.safe_load(source.read_text()))


@dataclass(frozen=True)
class County:
    fips: str
    name: str  # as in the table, lower case: "travis county"

    @property
    def state(self) -> str:
        return _STATE_BY_FIPS[self.fips[:2]]

    @property
    def title(self) -> str:
        title = re.sub(r"(^|[\s'-])(\w)", lambda m: m[1] + m[2].upper(), self.name)
        title = re.sub(r"\bMc(\w)", lambda m: "Mc" + m[1].upper(), title)
        return title.replace(" And ", " and ").replace(" Of ", " of ")

    @property
    def label(self) -> str:
        return f"{self.title}, {STATE_NAMES[self.state]}"


@cache
def counties() -> dict[str, County]:
    """Every county by FIPS code, read once from the packaged table."""
    text = gzip.decompress(_resource("counties.tsv.gz").read_bytes()).decode("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line)
    return {fips: County(fips, name) for fips, name in rows}


def _norm(text: str) -> str:
    text = re.sub(r"[.']", "", text.lower()).replace(",", " ")
    text = re.sub(r"\bsaint\b", "st", text)
    return " ".join(text.split())


def _base(name: str) -> str:
    for kind in _KINDS:
        if name.endswith(" " + kind):
            return name[: -len(kind) - 1]
    return name


@dataclass(frozen=True)
class ResolvedPlace:
    """A place as given and as resolved: the pack that decides for it, its state and county."""

    given: str
    pack: str
    matched: Literal["pack", "state", "county"]
    state: str | None
    county: County | None
    note: str = ""

    def to_dict(self, chain: Collection[str] = ()) -> dict[str, Any]:
        return {
            "input": self.given,
            "matched": self.matched,
            "state": {"code": self.state, "name": STATE_NAMES[self.state]} if self.state else None,
            "county": (
                {"fips": self.county.fips, "name": self.county.label} if self.county else None
            ),
            "pack": self.pack,
            "chain": list(chain),
            "note": self.note,
        }


def _state_code(text: str) -> str | None:
    norm = _norm(text)
    if norm in _STATE_ALIASES:
        return _STATE_ALIASES[norm]
    for _, code, name in STATES:
        if norm in (code.lower(), name.lower()):
            return code
    return None


class PlaceResolver:
    """Resolves names against the packs a library holds and the placement of places.yaml."""

    def __init__(self, packs: Collection[str], places: Places | None = None) -> None:
        self.packs = frozenset(packs)
        self.places = places or load_places()

    def _unknown(self, given: str, why: str) -> UnknownJurisdictionError:
        return UnknownJurisdictionError(
            f"unknown jurisdiction {given!r}: {why}; {HOW_TO_NAME}; packs: "
            f"{', '.join(sorted(self.packs))}",
            field="jurisdiction",
        )

    def resolve(self, given: str) -> ResolvedPlace:
        text = given.strip()
        if text in self.packs:
            return self._pack(given, text)
        slug = _norm(text).replace(" ", "-")
        if slug in self.packs:
            return self._pack(given, slug)
        if re.fullmatch(r"\d{5}", text):
            county = counties().get(text)
            if county is None:
                raise self._unknown(given, "no county has that FIPS code")
            return self._county(given, county)
        state = _state_code(text)
        if state is not None:
            return self._state(given, state)
        if "," in text:
            county_part, state_part = text.rsplit(",", 1)
            state = _state_code(state_part)
            if state is None:
                raise self._unknown(given, f"{state_part.strip()!r} is not a state or its code")
            return self._county(given, self._find_county(given, county_part, state))
        raise self._unknown(given, "no pack, state or county of that name")

    def _spec(self, pack: str) -> PlaceSpec | None:
        return self.places.packs.get(pack)

    def _pack(self, given: str, pack: str) -> ResolvedPlace:
        spec = self._spec(pack)
        state = spec.state if spec else None
        county = counties().get(spec.fips[0]) if spec and len(spec.fips) == 1 else None
        return ResolvedPlace(given, pack, "pack", state, county)

    def state_pack(self, state: str) -> str | None:
        return next(
            (
                name
                for name, spec in sorted(self.places.packs.items())
                if spec.level == "state" and spec.state == state and name in self.packs
            ),
            None,
        )

    def _not_encoded(self, given: str, state: str, what: str) -> UnknownJurisdictionError:
        encoded = sorted(
            STATE_NAMES[s.state]
            for n, s in self.places.packs.items()
            if s.level == "state" and s.state and n in self.packs
        )
        return UnknownJurisdictionError(
            f"{what}: the law of {STATE_NAMES[state]} ({state}) is not encoded yet (no state "
            f"pack), so {given.strip()!r} cannot be decided; states encoded: {', '.join(encoded)}",
            field="jurisdiction",
        )

    def _state(self, given: str, state: str) -> ResolvedPlace:
        pack = self.state_pack(state)
        if pack is None:
            raise self._not_encoded(given, state, STATE_NAMES[state])
        return ResolvedPlace(given, pack, "state", state, None)

    def _county(self, given: str, county: County) -> ResolvedPlace:
        local = sorted(
            (spec.level != "county", name)
            for name, spec in self.places.packs.items()
            if county.fips in spec.fips and name in self.packs
        )
        if local:
            return ResolvedPlace(given, local[0][1], "county", county.state, county)
        pack = self.state_pack(county.state)
        if pack is None:
            raise self._not_encoded(given, county.state, county.label)
        note = f"no county or city pack for {county.label}: the state's law decides"
        return ResolvedPlace(given, pack, "county", county.state, county, note)

    def _find_county(self, given: str, name: str, state: str) -> County:
        wanted = _norm(name)
        here = [c for c in counties().values() if c.state == state]
        exact = [c for c in here if _norm(c.name) == wanted]
        found = exact or [c for c in here if _base(_norm(c.name)) == _base(wanted)]
        if len(found) == 1:
            return found[0]
        if found:
            names = " or ".join(f"{c.title}, {state} ({c.fips})" for c in found)
            raise self._unknown(given, f"that name is ambiguous: {names}")
        raise self._unknown(given, f"{STATE_NAMES[state]} has no county named {name.strip()!r}")
