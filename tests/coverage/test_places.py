"""Any place resolves: pack names, states, county FIPS codes and "County, ST", fast, with clear
errors; the packaged county table matches its reference."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from detainer_desk.errors import UnknownJurisdictionError
from detainer_desk.law import default_library
from detainer_desk.law.decide import decide
from detainer_desk.law.place import HOW_TO_NAME, PlaceResolver, counties, load_places
from tests.helpers import ROOT

REFERENCE = ROOT.parent / "shared" / "data" / "reference" / "county_to_ice_aor.csv.gz"
EXAMPLE = ROOT / "examples" / "denver-i247a-i200-2017-09-27.json"
SHIPPED = default_library().names()


def resolve(name: str, packs: list[str] | None = None) -> tuple[str, str | None, str | None]:
    place = PlaceResolver(SHIPPED if packs is None else packs).resolve(name)
    return place.pack, place.state, place.county.fips if place.county else None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("denver", ("denver", "CO", "08031")),
        ("texas", ("texas", "TX", None)),
        ("Texas", ("texas", "TX", None)),
        ("tx", ("texas", "TX", None)),
        ("DC", ("district-of-columbia", "DC", None)),
        ("Washington, D.C.", ("district-of-columbia", "DC", None)),
        ("washington", ("washington", "WA", None)),
        ("New York", ("new-york-state", "NY", None)),
        ("New York City", ("new-york-city", "NY", None)),
        ("48453", ("travis-county", "TX", "48453")),
        ("48201", ("texas", "TX", "48201")),
        ("Harris County, TX", ("texas", "TX", "48201")),
        ("travis county, texas", ("travis-county", "TX", "48453")),
        ("Travis, TX", ("travis-county", "TX", "48453")),
        ("08031", ("denver", "CO", "08031")),
        ("42101", ("philadelphia", "PA", "42101")),
        ("Philadelphia County, PA", ("philadelphia", "PA", "42101")),
        ("06037", ("los-angeles", "CA", "06037")),
        ("17031", ("cook-county", "IL", "17031")),
        ("36103", ("suffolk-county", "NY", "36103")),
        ("Suffolk County, MA", ("massachusetts", "MA", "25025")),
        ("41005", ("clackamas-county", "OR", "41005")),
        ("Kings County, NY", ("new-york-city", "NY", "36047")),
        ("36085", ("new-york-city", "NY", "36085")),
        ("36001", ("new-york-state", "NY", "36001")),
        ("O'Brien County, Iowa", ("iowa", "IA", "19141")),
        ("obrien county, ia", ("iowa", "IA", "19141")),
    ],
)
def test_places_resolve(given: str, expected: tuple[str, str | None, str | None]) -> None:
    assert resolve(given) == expected


def test_nyc_is_its_five_counties() -> None:
    nyc = load_places().packs["new-york-city"]
    assert set(nyc.fips) == {"36005", "36047", "36061", "36081", "36085"}
    names = sorted(counties()[f].label for f in nyc.fips)
    assert names == [
        "Bronx County, New York",
        "Kings County, New York",
        "New York County, New York",
        "Queens County, New York",
        "Richmond County, New York",
    ]


def test_every_local_pack_names_its_counties_and_they_are_in_its_state() -> None:
    for name, spec in load_places().packs.items():
        if spec.level in ("county", "city") and name in SHIPPED:
            assert spec.fips, f"{name}: add fips: to coverage/places.yaml"
            for code in spec.fips:
                assert counties()[code].state == spec.state, (name, code)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("Maricopa County, AZ", "Maricopa County, Arizona: the law of Arizona (AZ) is not encoded"),
        ("04013", "Maricopa County, Arizona: the law of Arizona (AZ) is not encoded"),
        ("ohio", "Ohio: the law of Ohio (OH) is not encoded yet"),
        ("saint louis city, MO", "St. Louis City, Missouri: the law of Missouri (MO) is not"),
        ("48999", "unknown jurisdiction '48999': no county has that FIPS code"),
        ("Baltimore, MD", "ambiguous: Baltimore County, MD (24005) or Baltimore City, MD (24510)"),
        ("Gotham County, NJ", "New Jersey has no county named 'Gotham County'"),
        ("Travis County, Texsa", "'Texsa' is not a state or its code"),
        ("Atlantis", "unknown jurisdiction 'Atlantis': no pack, state or county of that name"),
    ],
)
def test_unknown_or_unencoded_places_say_how_to_name_one(given: str, message: str) -> None:
    # Every state has a pack now: a library without Arizona, Ohio and Missouri stands for one
    # where a state is not (yet) encoded.
    without = [n for n in SHIPPED if n not in {"arizona", "ohio", "missouri"}]
    with pytest.raises(UnknownJurisdictionError) as caught:
        PlaceResolver(without).resolve(given)
    assert message in caught.value.message
    assert caught.value.field == "jurisdiction"
    if "unknown jurisdiction" in message or "ambiguous" in message:
        assert HOW_TO_NAME in caught.value.message


def test_a_state_pack_added_later_takes_its_counties() -> None:
    # Maricopa resolves to an arizona pack as soon as one exists and is placed.
    places = load_places().model_copy(
        update={
            "packs": {
                **load_places().packs,
                "arizona": load_places().packs["texas"].model_copy(update={"state": "AZ"}),
            }
        }
    )
    place = PlaceResolver([*SHIPPED, "arizona"], places).resolve("Maricopa County, AZ")
    assert (place.pack, place.county.fips if place.county else None) == ("arizona", "04013")
    assert (
        place.note == "no county or city pack for Maricopa County, Arizona: the state's law decides"
    )


def test_the_county_table_is_complete_and_loaded_lazily() -> None:
    table = counties()
    assert len(table) == 3223
    assert table["48453"].label == "Travis County, Texas"
    assert table["11001"].label == "District of Columbia, District of Columbia"
    assert len({c.state for c in table.values()}) == 52  # 50 states, DC, Puerto Rico


def test_resolving_is_fast_reads_no_pack_and_loads_counties_only_when_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import detainer_desk.law.pack as pack_module

    def no_pack_loading(*_: object) -> None:
        raise AssertionError("resolving a place must not load a pack")

    monkeypatch.setattr(pack_module, "load_pack", no_pack_loading)
    monkeypatch.setattr(pack_module.PolicyLibrary, "load", no_pack_loading)
    counties.cache_clear()
    resolver = PlaceResolver(SHIPPED)
    assert [resolver.resolve(n).pack for n in ("TX", "texas", "new-york-city")] == [
        "texas",
        "texas",
        "new-york-city",
    ]
    assert counties.cache_info().currsize == 0  # states and most packs need no county table
    started = time.perf_counter()
    for given in ("Harris County, TX", "48453", "TX", "kings county, new york") * 25:
        resolver.resolve(given)
    assert counties.cache_info().currsize == 1
    assert time.perf_counter() - started < 1.0


@pytest.mark.data
def test_the_shipped_table_matches_its_reference() -> None:
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} is not here: the reference comparison DID NOT RUN")
    with gzip.open(REFERENCE, "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(counties()) == 3223
    for row in rows:
        county = counties()[row["geoid"]]
        assert f"{county.name}, {row['name'].rsplit(', ', 1)[1]}" == row["name"]
        assert row["geoid"] == row["geoid_state"] + row["geoid_county"]


def _document(jurisdiction: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(EXAMPLE.read_text())
    document["jurisdiction"] = jurisdiction
    return document


def test_a_county_is_decided_under_its_chain_and_the_decision_names_the_place() -> None:
    travis = decide(_document("48453"), on=date(2017, 9, 28)).to_dict()
    assert travis["jurisdiction"] == "travis-county"
    assert travis["place"] == {
        "input": "48453",
        "matched": "county",
        "state": {"code": "TX", "name": "Texas"},
        "county": {"fips": "48453", "name": "Travis County, Texas"},
        "pack": "travis-county",
        "chain": ["travis-county", "texas", "federal"],
        "note": "",
    }
    harris = decide(_document("Harris County, TX"), on=date(2017, 9, 28))
    assert harris.jurisdiction == "texas" and harris.place is not None
    assert harris.place["chain"] == ["texas", "federal"]
    assert harris.action("hold_beyond_release").required  # SB 4's mandate
    by_name = decide(_document("texas"), on=date(2017, 9, 28))
    assert by_name.to_dict()["actions"] == harris.to_dict()["actions"]


def test_cli_decide_names_the_place_and_refuses_an_unencoded_state(tmp_path: Path) -> None:
    folder = tmp_path
    harris, maricopa = folder / "harris.json", folder / "maricopa.json"
    harris.write_text(json.dumps(_document("Harris County, TX")))
    maricopa.write_text(json.dumps(_document("maricopa county, arizona")))
    san_juan = folder / "san-juan.json"
    san_juan.write_text(json.dumps(_document("72127")))  # Puerto Rico: in the county list, no pack
    cli = [sys.executable, "-m", "detainer_desk.cli", "decide"]
    done = subprocess.run([*cli, str(harris)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Place: 'Harris County, TX' → Harris County, Texas; law of texas → federal" in (
        " ".join(done.stdout.split())
    )
    arizona = subprocess.run([*cli, str(maricopa)], capture_output=True, text=True, check=False)
    assert arizona.returncode == 0, arizona.stderr
    assert "law of arizona → federal" in " ".join(arizona.stdout.split())
    refused = subprocess.run([*cli, str(san_juan)], capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith(
        "error: San Juan Municipio, Puerto Rico: the law of Puerto Rico (PR) is not encoded"
    )
    assert "Traceback" not in refused.stderr
