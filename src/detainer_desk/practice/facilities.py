"""Identifying facilities: from ICE's spelling of a jail to its kind, state and county.

A facility is placed in a county only when its name (or, for a consolidated city-county or an
independent city, its city) says which: "LAUDERDALE COUNTY DET. CENTER" in Alabama is Lauderdale
County; "CALDWELL PAR DET CENTER" in Louisiana is Caldwell Parish; "NORFOLK CITY JAIL" in Virginia
is the independent city of Norfolk. A name that names no county, or a county the state does not
have, stays unmatched, with the reason as its class — nothing is guessed. Federal prisons, the
U.S. Marshals, ICE's own and contract detention, and state prisons are their own kinds, not
county jails.
"""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict


class FacilityKind(StrEnum):
    """What kind of custody a facility is, read from its name."""

    local = "local"  # a county or city jail, sheriff, police lock-up
    state_prison = "state_prison"
    federal_prison = "federal_prison"
    us_marshals = "us_marshals"
    ice_detention = "ice_detention"  # ICE's own, contract or hold-room facilities
    other = "other"  # a name with no sign of its kind
    unknown = "unknown"  # ICE's "OTHER-OTHER FACILITY", or no facility at all

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    FacilityKind.local: "county or city jail, sheriff or police",
    FacilityKind.state_prison: "state prison or state corrections",
    FacilityKind.federal_prison: "federal prison (Bureau of Prisons)",
    FacilityKind.us_marshals: "U.S. Marshals",
    FacilityKind.ice_detention: "ICE detention (own, contract or hold room)",
    FacilityKind.other: "a name that does not say what kind of facility",
    FacilityKind.unknown: 'no facility named ("OTHER-OTHER FACILITY" or empty)',
}


class Unmatched(StrEnum):
    """Why a facility has no county: each a class the command prints with its count."""

    no_state = "no state in the export"
    territory = "a territory (no county list)"
    federal = "federal custody (prison, Marshals or ICE): no county jail"
    state_prison = "state prison: no county jail"
    unknown_facility = "no facility named"
    county_not_in_state = "names a county this state does not have"
    regional = "a regional jail (several counties)"
    city_or_police = "a city or police facility: the city names no county"
    no_county_named = "the name names no county"
    ambiguous = "names more than one county"


@dataclass(frozen=True)
class County:
    geoid: str  # five-digit FIPS
    name: str  # as the county list spells it, e.g. "lauderdale county"
    state: str  # two-letter code


@dataclass(frozen=True)
class Placement:
    """One facility (ICE's name, state and city) placed: kind, state, county or why not."""

    kind: FacilityKind
    state: str | None  # two-letter code (territories included); None when the export has none
    county: County | None
    unmatched: Unmatched | None
    method: str  # how the county was found: "name", "bare name", "city", or ""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PracticePlaces(_Model):
    consolidated: dict[str, dict[str, str]]
    pack_fips: dict[str, tuple[str, ...]]
    territories: dict[str, str]


@cache
def load_practice_places() -> PracticePlaces:
    text = resources.files("detainer_desk.practice").joinpath("places.yaml").read_text()
    return PracticePlaces.model_validate(yaml.safe_load(text))


_SPELLED = {"SAINT": "ST", "FT": "FORT"}
_SUFFIXES = ("city and borough", "census area", "municipality", "borough", "parish", "county")


def key(text: str) -> str:
    """A name reduced to its letters and digits, SAINT as ST: 'St. Lucie' -> 'STLUCIE'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Z0-9 ]+", " ", plain.upper().replace("'", "")).split()
    return "".join(_SPELLED.get(w, w) for w in words)


@dataclass(frozen=True)
class CountyList:
    """The county list by state: (key of the name without its suffix, suffix) -> county."""

    by_state: dict[str, dict[tuple[str, str], County]]

    def find(self, state: str, name: str, suffixes: tuple[str, ...]) -> list[County]:
        here = self.by_state.get(state, {})
        found = [here.get((key(name), s)) for s in suffixes]
        return list(dict.fromkeys(c for c in found if c is not None))

    def named(self, state: str, full: str) -> County | None:
        """A county by its full name in the list ('denver county')."""
        for county in self.by_state.get(state, {}).values():
            if county.name == full:
                return county
        return None


def read_county_list(path: Path, state_codes: dict[str, str]) -> CountyList:
    """county_to_ice_aor.csv(.gz): geoid, name ("pierce county, washington"), ..."""
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    by_state: dict[str, dict[tuple[str, str], County]] = {}
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name, _, state_name = row["name"].rpartition(", ")
            code = state_codes.get(state_name.upper())
            if code is None:
                continue
            suffix = next((s for s in _SUFFIXES if name.endswith(" " + s)), "city")
            base = name[: -len(suffix)].strip() if name.endswith(suffix) else name
            if name == "district of columbia":
                base, suffix = name, "county"
            county = County(row["geoid"], name, code)
            by_state.setdefault(code, {})[(key(base), suffix)] = county
    return CountyList(by_state)


# --- reading a name -----------------------------------------------------------------------------

_COUNTY_WORDS = {
    "COUNTY": ("county",),
    "COUNT": ("county",),  # ICE's typing: "TURNER COUNT SHERIFF", "ORANGE COUNT INTAKE"
    "CNTY": ("county",),
    "CTY": ("county",),
    "CO": ("county",),
    "PARISH": ("parish",),
    "PAR": ("parish",),
    "BOROUGH": ("borough", "city and borough"),
    "BORO": ("borough", "city and borough"),
}
_ICE = re.compile(
    r"\b(SPC|CDF|IGSA|ICE|INS|ERO|PROCESSING|SERVICE PROCESSING|CONTRACT|CIVIL DET|"
    r"DETENTION COMPLEX|HOLD ROOM|DIST OFFICE|DISTRICT OFFICE|FIELD OFFICE|CCA|GEO)\b"
)
_MARSHALS = re.compile(r"\b(US MARSHALL?S?|USMS|U S MARSHALL?S?|MARSHALL?S? SERVICE|MARSHALS)\b")
_FEDERAL = re.compile(
    r"\b(FCI|USP|FDC|FMC|MCC|MDC|FPC|FCC|BOP|FED CORR|FEDERAL CORR|FED DET|FEDERAL DET|"
    r"FEDERAL PRISON|FEDERAL MEDICAL|FED PRISON|FED MED|US PEN|U S PEN|FEDERAL BUREAU)"
)
_STATE = re.compile(
    r"\b(STATE PRISON|STATE PEN|STATE CORR|STATE CORRECTIONS|DEPT (OF )?CORR\w*|"
    r"DEPARTMENT OF CORR\w*|DOC|DOCS|SCI|CI|CF|ASPC|ASP|CSP|TDC|TDCJ|MCI|ACI|CORRECTIONAL INST|"
    r"CORR INST|CORRECTIONAL INSTITUTION|CORRECTIONAL FACILITY|CORRECTIONAL CENTER|CORR CENTER|"
    r"CORR CTR|COR CENTER|COR FAC|CORR FAC|CORRECTIONAL|CORRECTIONS|REFORMATORY|PENITENTIARY|"
    r"PRISON|UNIT|YCF|REHAB)\b"
)
_LOCAL = re.compile(
    r"\b(JAIL|SHERIFF|SHERIFFS|SHERRIF|POLICE|PD|DET|DETENTION|DETENT|JUSTICE|LOCK UP|"
    r"CONSTABLE|MAGISTRATE|BOOKING|HOLDING|PRECINCT|PRE TRIAL|PRETRIAL|INTAKE|CELL)\b"
)
_CITY = re.compile(r"\b(CITY|POLICE|PD|TOWN|VILLAGE|TOWNSHIP|TWP)\b")
_REGIONAL = re.compile(r"\b(REGIONAL|REG|DISTRICT|TRI|MULTI|AREA)\b")
_FACILITY_WORDS = {
    "JAIL", "DETENTION", "DET", "CENTER", "CTR", "CENTRE", "ADULT", "FACILITY", "FAC", "SHERIFF",
    "SHERIFFS", "DEPT", "OFFICE", "COMPLEX", "MAIN", "COUNTY", "JUSTICE",
}  # fmt: skip


def words(name: str) -> list[str]:
    """A facility name as words; runs of single letters joined ('U.S.P.' -> 'USP')."""
    bare = re.sub(r"\([^)]*\)", " ", name.upper().replace("'", ""))  # "MECKLENBURG (NC) CO"
    raw = re.sub(r"[^A-Z0-9]+", " ", bare).split()
    out: list[str] = []
    run = ""
    for w in raw:
        if len(w) == 1 and w.isalpha():
            run += w
            continue
        if run:
            out.append(run)
            run = ""
        out.append(w)
    if run:
        out.append(run)
    return out


def _kind(text: str) -> FacilityKind | None:
    """Federal, Marshals and ICE kinds: read before any county (a county's name is no jail)."""
    if _MARSHALS.search(text):
        return FacilityKind.us_marshals
    if _FEDERAL.search(text):
        return FacilityKind.federal_prison
    if _ICE.search(text):
        return FacilityKind.ice_detention
    return None


def _named_counties(ws: list[str], state: str, counties: CountyList) -> tuple[list[County], bool]:
    """Counties the name names with a county word ("X COUNTY", "X CO.", "X PARISH", "COUNTY OF
    X"): the longest name before the word that the state has. Also: was a county word there?"""
    found: list[County] = []
    marked = False
    for i, w in enumerate(ws):
        suffixes = _COUNTY_WORDS.get(w)
        if suffixes is None:
            continue
        marked = True
        spans = [ws[j:i] for j in range(max(0, i - 4), i)]  # longest first
        if w == "COUNTY" and i + 2 < len(ws) and ws[i + 1] == "OF":
            spans = [ws[i + 2 : i + 2 + n] for n in (3, 2, 1)] + spans
        for span in spans:
            if span and (hit := counties.find(state, " ".join(span), suffixes)):
                found.extend(hit)
                break
    return list(dict.fromkeys(found)), marked


def _independent_city(ws: list[str], state: str, counties: CountyList) -> County | None:
    """ "NORFOLK CITY JAIL" in Virginia: an independent city in the county list."""
    for i, w in enumerate(ws):
        if w == "CITY" and i > 0:
            for j in range(max(0, i - 3), i):
                hit = counties.find(state, " ".join(ws[j:i]), ("city",))
                if hit:
                    return hit[0]
    return None


def _bare_name(ws: list[str], city: str, state: str, counties: CountyList) -> County | None:
    """ "PRINCE WILLIAM", "PLACER JAIL": the name, less facility words, is exactly a county's —
    and not the facility's own city, nor a city or police name."""
    if _CITY.search(" ".join(ws)):
        return None
    rest = [w for w in ws if w not in _FACILITY_WORDS]
    if not rest or key(" ".join(rest)) == key(city):
        return None
    hit = counties.find(state, " ".join(rest), ("county", "parish", "borough"))
    return hit[0] if len(hit) == 1 else None


def place_facility(
    facility: str | None,
    state_name: str | None,
    city: str | None,
    counties: CountyList,
    state_codes: dict[str, str],
) -> Placement:
    """Place one facility as ICE spelled it. Never a county the name (or city) does not give."""
    places = load_practice_places()
    ws = words(facility or "")
    text = " ".join(ws)
    state = None
    if state_name:
        state = state_codes.get(state_name.upper()) or places.territories.get(state_name.upper())
    if not ws or text in ("OTHER OTHER FACILITY", "OTHER FACILITY"):
        reason = Unmatched.no_state if state is None else Unmatched.unknown_facility
        return Placement(FacilityKind.unknown, state, None, reason, "")
    kind = _kind(text)
    if state is None:
        return Placement(kind or FacilityKind.other, None, None, Unmatched.no_state, "")
    if kind is not None:
        return Placement(kind, state, None, Unmatched.federal, "")
    if state not in state_codes.values():
        state_kind = FacilityKind.state_prison if _STATE.search(text) else FacilityKind.local
        return Placement(state_kind, state, None, Unmatched.territory, "")
    named, marked = _named_counties(ws, state, counties)
    if len(named) == 1:
        return Placement(FacilityKind.local, state, named[0], None, "name")
    if len(named) > 1:
        return Placement(FacilityKind.local, state, None, Unmatched.ambiguous, "")
    if _STATE.search(text) and not _LOCAL.search(text):
        return Placement(FacilityKind.state_prison, state, None, Unmatched.state_prison, "")
    kind = FacilityKind.local if (marked or _LOCAL.search(text)) else FacilityKind.other
    if marked:  # a county word, but no county of that name in this state
        return Placement(kind, state, None, Unmatched.county_not_in_state, "")
    if (county := _independent_city(ws, state, counties)) is not None:
        return Placement(kind, state, county, None, "name")
    consolidated = places.consolidated.get(state, {}).get((city or "").upper().strip())
    if consolidated and (county := counties.named(state, consolidated)) is not None:
        return Placement(kind, state, county, None, "city")
    if (county := _bare_name(ws, city or "", state, counties)) is not None:
        return Placement(FacilityKind.local, state, county, None, "bare name")
    if _REGIONAL.search(text):
        return Placement(kind, state, None, Unmatched.regional, "")
    if _CITY.search(text):
        return Placement(kind, state, None, Unmatched.city_or_police, "")
    return Placement(kind, state, None, Unmatched.no_county_named, "")
