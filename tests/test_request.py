from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detainer_desk import ForbiddenFieldError, InputError, parse_request
from detainer_desk.request import find_forbidden_fields, strip_forbidden_fields
from detainer_desk.vocabulary import Action
from tests.helpers import article_request

FORBIDDEN_SPELLINGS = [
    "immigration_status",
    "citizenship",
    "Citizenship",
    "countryOfBirth",
    "country_of_birth",
    "place-of-birth",
    "birthplace",
    "nationality",
    "born_in_us",
    "citizenship_country",
]


def test_article_request_parses() -> None:
    doc = parse_request(article_request())
    assert doc.jurisdiction == "denver"
    assert Action.hold_beyond_release in doc.actions_asked()


@pytest.mark.parametrize("name", FORBIDDEN_SPELLINGS)
@pytest.mark.parametrize("where", ["top", "booking", "charge"])
def test_forbidden_field_refused_anywhere(name: str, where: str) -> None:
    doc = article_request()
    target = {"top": doc, "booking": doc["booking"], "charge": doc["booking"]["charges"][0]}[where]
    target[name] = "SECRET-VALUE-123"
    with pytest.raises(ForbiddenFieldError) as err:
        parse_request(doc)
    assert name in err.value.message
    assert "SECRET-VALUE-123" not in err.value.message


@given(value=st.text(min_size=3), key=st.sampled_from(FORBIDDEN_SPELLINGS))
def test_forbidden_value_never_echoed(value: str, key: str) -> None:
    doc = article_request()
    doc["booking"][key] = value
    with pytest.raises(ForbiddenFieldError) as err:
        parse_request(json.dumps(doc))
    # The message does not depend on the value at all (a plain substring test fails falsely
    # when the value happens to be a word of the fixed text, e.g. 'Des' in 'Detainer Desk').
    doc["booking"][key] = "placeholder"
    with pytest.raises(ForbiddenFieldError) as other:
        parse_request(json.dumps(doc))
    assert err.value.message == other.value.message


def test_strip_reports_paths_not_values() -> None:
    cleaned, removed = strip_forbidden_fields(
        {"a": {"citizenship": "X"}, "b": [{"birthplace": "Y"}]}
    )
    assert cleaned == {"a": {}, "b": [{}]}
    assert removed == ["a.citizenship", "b[0].birthplace"]


def test_charge_text_mentioning_citizen_is_not_a_field() -> None:
    doc = article_request()
    doc["booking"]["charges"][0]["offence"] = "RCW 9.41.171 firearm WHILE NOT US CITIZEN"
    assert list(find_forbidden_fields(doc)) == []
    parse_request(doc)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["request"].update(warrant_kind="I-200"), "request.warrant_kind"),
        (lambda d: d["request"].update(actions=["hold_forever"]), "request.actions.0"),
        (lambda d: d["booking"].pop("booking_id"), "booking.booking_id"),
        (lambda d: d.update(colour="blue"), "colour"),
        (
            lambda d: d["booking"].update(release_eligible_at="tomorrow"),
            "booking.release_eligible_at",
        ),
    ],
)
def test_bad_fields_are_named(mutate: object, field: str) -> None:
    doc = article_request()
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(InputError) as err:
        parse_request(doc)
    assert err.value.field == field
    assert field in err.value.message


def test_malformed_json_names_the_position() -> None:
    with pytest.raises(InputError, match="malformed JSON at line 1 column"):
        parse_request('{"jurisdiction": "denver",')
