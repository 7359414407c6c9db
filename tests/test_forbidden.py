"""The forbidden-field guard, name by name: every listed name is caught in every spelling.

Each name is written here, not read from the module, so removing one from the guard's list fails
a test (mutation testing found that removing the A-number names passed every test before).
"""

from __future__ import annotations

import pytest

from detainer_desk import ForbiddenFieldError
from detainer_desk.request.forbidden import (
    find_forbidden_fields,
    is_forbidden_field,
    refuse_forbidden_fields,
    strip_forbidden_fields,
)

# (snake_case, camelCase, Title-Kebab) of each forbidden name.
SPELLINGS = [
    ("immigration_status", "immigrationStatus", "Immigration-Status"),
    ("alien_status", "alienStatus", "Alien-Status"),
    ("lawful_status", "lawfulStatus", "Lawful-Status"),
    ("legal_status", "legalStatus", "Legal-Status"),
    ("entry_status", "entryStatus", "Entry-Status"),
    ("visa_status", "visaStatus", "Visa-Status"),
    ("citizen", "Citizen", "CITIZEN"),
    ("us_citizen", "usCitizen", "US-Citizen"),
    ("is_citizen", "isCitizen", "Is-Citizen"),
    ("national_origin", "nationalOrigin", "National-Origin"),
    ("country_of_origin", "countryOfOrigin", "Country-Of-Origin"),
    ("birth_country", "birthCountry", "Birth-Country"),
    ("city_of_birth", "cityOfBirth", "City-Of-Birth"),
    ("state_of_birth", "stateOfBirth", "State-Of-Birth"),
    ("born_in", "bornIn", "Born-In"),
    ("born_in_us", "bornInUs", "Born-In-US"),
    ("foreign_born", "foreignBorn", "Foreign-Born"),
    # The A-number (alien registration number) identifies a person in DHS files.
    ("a_number", "aNumber", "A-Number"),
    ("alien_number", "alienNumber", "Alien-Number"),
    ("alien_registration_number", "alienRegistrationNumber", "Alien-Registration-Number"),
]
# Names caught as a part of any longer name.
FRAGMENTS = ["citizenship", "nationality", "birthplace", "place_of_birth", "country_of_birth"]
ALLOWED = [
    "booking_id",
    "name",
    "number",
    "status",  # the request's own status is not immigration status
    "birth_date",
    "alien",
    "born",
    "origin",
    "visa",
    "release_status",
    "charge_number",
    "citizen_review_board_case",  # contains "citizen" but is not the name "citizen"
]


@pytest.mark.parametrize("spellings", SPELLINGS, ids=lambda s: s[0])
def test_each_forbidden_name_is_caught_in_every_spelling(spellings: tuple[str, ...]) -> None:
    for name in spellings:
        assert is_forbidden_field(name), name


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_forbidden_fragments_are_caught_inside_longer_names(fragment: str) -> None:
    assert is_forbidden_field(fragment)
    assert is_forbidden_field(f"prior_{fragment}_record")
    assert is_forbidden_field(f"{fragment}Verified")


@pytest.mark.parametrize("name", ALLOWED)
def test_ordinary_names_are_allowed(name: str) -> None:
    assert not is_forbidden_field(name)


def test_a_number_refused_at_any_depth_and_named_without_its_value() -> None:
    doc = {"booking": {"charges": [{"offence": "x"}, {"subject": {"A-Number": "A012345678"}}]}}
    assert list(find_forbidden_fields(doc)) == ["booking.charges[1].subject.A-Number"]
    with pytest.raises(ForbiddenFieldError) as err:
        refuse_forbidden_fields(doc)
    assert err.value.field == "booking.charges[1].subject.A-Number"
    assert "A012345678" not in err.value.message
    assert "remove it" in err.value.message


def test_refuse_names_the_first_path_in_order() -> None:
    doc = {"z": {"citizenship": 1}, "a": {"alienNumber": 2}}
    with pytest.raises(ForbiddenFieldError) as err:
        refuse_forbidden_fields(doc)
    assert err.value.field == "a.alienNumber"


def test_refuse_accepts_a_clean_document() -> None:
    refuse_forbidden_fields({"booking": {"booking_id": "B1", "charges": [{"level": "felony"}]}})


def test_strip_removes_only_forbidden_keys_and_keeps_scalars_and_lists() -> None:
    doc = {"a_number": "A1", "keep": [1, {"x": 2, "visaStatus": "v"}], "n": 3, "s": "t"}
    cleaned, removed = strip_forbidden_fields(doc)
    assert cleaned == {"keep": [1, {"x": 2}], "n": 3, "s": "t"}
    assert removed == ["a_number", "keep[1].visaStatus"]
    assert doc["a_number"] == "A1"  # the input is not changed


def test_a_forbidden_key_is_reported_once_not_its_children() -> None:
    doc = {"citizenship": {"country_of_birth": "x"}}
    assert list(find_forbidden_fields(doc)) == ["citizenship"]
