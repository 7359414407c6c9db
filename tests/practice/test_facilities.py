"""Facility names against their counties: hand-checked answers (FIPS looked up by hand in the
Census county list), on a county list written out here, so no ../shared is needed."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from detainer_desk.practice.facilities import (
    CountyList,
    FacilityKind,
    Unmatched,
    place_facility,
    read_county_list,
    words,
)
from detainer_desk.practice.tabulating import state_codes

# The reference file's own rows (county_to_ice_aor.csv.gz), copied by hand.
COUNTY_ROWS = """geoid,geoid_state,geoid_county,name,aor
01077,01,077,"lauderdale county, alabama",NOL
02020,02,020,"anchorage municipality, alaska",SEA
04013,04,013,"maricopa county, arizona",PHO
06037,06,037,"los angeles county, california",LOS
06073,06,073,"san diego county, california",SND
08031,08,031,"denver county, colorado",DEN
12111,12,111,"st. lucie county, florida",MIA
18063,18,063,"hendricks county, indiana",CHI
22021,22,021,"caldwell parish, louisiana",NOL
48123,48,123,"dewitt county, texas",HOU
48157,48,157,"fort bend county, texas",HOU
48255,48,255,"karnes county, texas",SNA
51153,51,153,"prince william county, virginia",WAS
51510,51,510,"alexandria city, virginia",WAS
51690,51,690,"martinsville city, virginia",WAS
51710,51,710,"norfolk city, virginia",WAS
"""

MATCHED = [  # (facility as ICE spells it, state, city) -> FIPS
    ("LAUDERDALE COUNTY DET. CENTER", "ALABAMA", "FLORENCE", "01077"),
    ("CALDWELL PAR DET CENTER", "LOUISIANA", "CLARKS", "22021"),
    ("NORFOLK CITY JAIL", "VIRGINIA", "NORFOLK", "51710"),
    ("ALEXANDRIA CITY JAIL", "VIRGINIA", "ALEXANDRIA", "51510"),
    ("ANCHORAGE JAIL", "ALASKA", "ANCHORAGE", "02020"),
    ("DENVER JUSTICE CENTER", "COLORADO", "DENVER", "08031"),
    ("ST. LUCIE COUNTY JAIL", "FLORIDA", "FORT PIERCE", "12111"),
    ("MARICOPA CO LOWER BUCKEYE JAIL", "ARIZONA", "PHOENIX", "04013"),
    ("FT. BEND COUNTY JAIL", "TEXAS", "RICHMOND", "48157"),
    ("DE WITT COUNTY JAIL", "TEXAS", "CUERO", "48123"),
    ("PRINCE WILLIAM", "VIRGINIA", "MANASSAS", "51153"),
]
UNMATCHED = [  # -> (kind, why)
    ("HENDRICKS COUNTY SHERIFF/JAIL", "ILLINOIS", "DANVILLE", FacilityKind.local,
     Unmatched.county_not_in_state),  # Hendricks County is in Indiana
    ("MARTINSVILLE COUNTY JAIL", "VIRGINIA", "MARTINSVILLE", FacilityKind.local,
     Unmatched.county_not_in_state),  # Martinsville is an independent city, not a county
    ("ALICEVILLE FCI", "ALABAMA", "ALICEVILLE", FacilityKind.federal_prison, Unmatched.federal),
    ("U.S.P. ATWATER", "CALIFORNIA", "ATWATER", FacilityKind.federal_prison, Unmatched.federal),
    ("FLORENCE SPC", "ARIZONA", "FLORENCE", FacilityKind.ice_detention, Unmatched.federal),
    ("DENVER CONTRACT DET. FAC.", "COLORADO", "AURORA", FacilityKind.ice_detention,
     Unmatched.federal),
    ("KARNES COUNTY CIVIL DET. FACILITY", "TEXAS", "KARNES CITY", FacilityKind.ice_detention,
     Unmatched.federal),  # ICE's family detention, not Karnes County's jail
    ("US MARSHALS, E.DIST.PA", "PENNSYLVANIA", "PHILADELPHIA", FacilityKind.us_marshals,
     Unmatched.federal),
    ("AVENAL STATE PRISON", "CALIFORNIA", "AVENAL", FacilityKind.state_prison,
     Unmatched.state_prison),
    ("LOS ANGELES CITY JAIL", "CALIFORNIA", "LOS ANGELES", FacilityKind.local,
     Unmatched.city_or_police),  # the city's jail: Los Angeles is not its county
    ("VISTA DETENTION FACILITY", "CALIFORNIA", "VISTA", FacilityKind.local,
     Unmatched.no_county_named),  # San Diego County's, but the name does not say so
    ("OTHER-OTHER FACILITY", None, None, FacilityKind.unknown, Unmatched.no_state),
]  # fmt: skip


@pytest.fixture(scope="module")
def counties(tmp_path_factory: pytest.TempPathFactory) -> CountyList:
    path = tmp_path_factory.mktemp("counties") / "county_to_ice_aor.csv.gz"
    path.write_bytes(gzip.compress(COUNTY_ROWS.encode()))
    return read_county_list(path, state_codes())


@pytest.mark.parametrize(("facility", "state", "city", "fips"), MATCHED)
def test_a_name_that_names_a_county_is_placed_there(
    counties: CountyList, facility: str, state: str, city: str, fips: str
) -> None:
    placed = place_facility(facility, state, city, counties, state_codes())
    assert placed.county is not None, placed
    assert placed.county.geoid == fips
    assert placed.unmatched is None


@pytest.mark.parametrize(("facility", "state", "city", "kind", "why"), UNMATCHED)
def test_no_county_is_guessed(
    counties: CountyList,
    facility: str,
    state: str | None,
    city: str | None,
    kind: FacilityKind,
    why: Unmatched,
) -> None:
    placed = place_facility(facility, state, city, counties, state_codes())
    assert (placed.kind, placed.county, placed.unmatched) == (kind, None, why)


def test_initials_are_read_as_one_word() -> None:
    assert words("U.S.P. ATWATER") == ["USP", "ATWATER"]
    assert words("MECKLENBURG (NC) CO JAIL") == ["MECKLENBURG", "CO", "JAIL"]


@pytest.mark.data
def test_real_county_list_gives_the_same_answers() -> None:
    from tests.helpers import SHARED

    path = SHARED / "data" / "reference" / "county_to_ice_aor.csv.gz"
    if not path.exists():
        pytest.skip("../shared/data/reference is missing: NOT RUN")
    real = read_county_list(Path(path), state_codes())
    for facility, state, city, fips in MATCHED:
        placed = place_facility(facility, state, city, real, state_codes())
        assert placed.county is not None and placed.county.geoid == fips, facility
