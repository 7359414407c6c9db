"""Provisions read from Cedar policies: annotations, actions, the context paths read, and the
PackError a malformed rule gets (it must name the pack, the rule and the fix)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import cedarpy
import pytest

from detainer_desk.errors import PackError
from detainer_desk.law.provisions import context_reads, provision_from_est
from detainer_desk.vocabulary import Action, Effect

NOTES = (
    '@id("x.rule") @cite("X § 1") @source("X_1") @effective("2017-08-28") '
    '@text("Says what the rule does.")'
)
NOTIFY = 'action == Action::"notify_release"'


def est(body: str, notes: str = NOTES) -> dict[str, Any]:
    parsed = json.loads(cedarpy.policies_to_json_str(f"{notes} {body};"))
    policy: dict[str, Any] = parsed["staticPolicies"]["policy0"]
    return policy


def permit(condition: str = "true", scope: str = NOTIFY, notes: str = NOTES) -> dict[str, Any]:
    return est(f"permit(principal, {scope}, resource) when {{ {condition} }}", notes)


def error(policy: dict[str, Any]) -> PackError:
    with pytest.raises(PackError) as caught:
        provision_from_est("xpack", policy)
    return caught.value


def test_a_well_formed_rule_and_its_defaults() -> None:
    p = provision_from_est("xpack", permit("context.booking.released_after_conviction"))
    assert (p.id, p.pack, p.effect, p.cite, p.source, p.text) == (
        "x.rule",
        "xpack",
        "permit",
        "X § 1",
        "X_1",
        "Says what the rule does.",
    )
    assert (p.effective, p.repealed, p.confidence) == (date(2017, 8, 28), None, "verified")
    assert (p.is_condition, p.mandatory, p.outcome, p.hold_window) == (False, False, None, None)
    assert (p.is_exception, p.is_limit, p.agencies) == (False, False, frozenset())
    assert p.actions == frozenset({Action.notify_release})
    assert p.reads == frozenset({"booking.released_after_conviction"})
    assert p.in_force(date(2017, 8, 28)) and not p.in_force(date(2017, 8, 27))


def test_optional_annotations_are_read() -> None:
    notes = (
        NOTES + ' @repealed("2019-01-01") @confidence("secondary") @kind("condition")'
        ' @mandatory("true") @hold_window("48h_from_receipt") @limit("true")'
    )
    p = provision_from_est("xpack", permit(notes=notes))
    assert (p.repealed, p.confidence, p.is_condition, p.mandatory) == (
        date(2019, 1, 1),
        "secondary",
        True,
        True,
    )
    assert (p.hold_window, p.is_limit) == ("48h_from_receipt", True)
    assert p.in_force(date(2018, 12, 31)) and not p.in_force(date(2019, 1, 1))


def test_review_required_outcome() -> None:
    notes = NOTES + ' @outcome("review_required")'
    p = provision_from_est("xpack", est("forbid(principal, action, resource)", notes))
    assert p.outcome is Effect.review_required and p.effect == "forbid"


@pytest.mark.parametrize(
    ("scope", "actions"),
    [
        ("action", frozenset(Action)),
        (NOTIFY, frozenset({Action.notify_release})),
        (
            'action in [Action::"notify_release", Action::"share_release_date"]',
            frozenset({Action.notify_release, Action.share_release_date}),
        ),
    ],
)
def test_scope_actions(scope: str, actions: frozenset[Action]) -> None:
    assert provision_from_est("xpack", permit(scope=scope)).actions == actions


def test_context_reads_walks_attributes_and_has() -> None:
    policy = permit(
        "context.booking.released_after_conviction && context has request.form"
        ' && (context.agency.kind == "sheriff" || [1, 2].contains(3))'
        ' && principal.name == "x"'
    )
    assert context_reads(policy["conditions"]) == {
        "booking.released_after_conviction",
        "request",
        "request.form",
        "agency.kind",
    }
    only_has = permit("context has interview.declined")
    assert context_reads(only_has["conditions"]) == {"interview", "interview.declined"}
    two = [
        {".": {"left": {"Var": "context"}, "attr": "a"}},
        {"has": {"left": {"Var": "context"}, "attr": "b"}},
    ]
    assert context_reads(two) == {"a", "b"}
    assert context_reads([]) == set() and context_reads({"Value": 1}) == set()


def test_a_policy_without_annotations_lacks_its_id() -> None:
    bare = est("permit(principal, action, resource)", notes="")
    assert "annotations" not in bare
    err = error(bare)
    assert str(err).startswith("xpack: rule '<policy without @id>' lacks @id;")


SHERIFF = 'context.agency.kind == "sheriff"'


def test_agency_is_read_and_summarised() -> None:
    both = f'{SHERIFF} || "police" == context.agency.kind'
    p = provision_from_est("xpack", permit(both, notes=NOTES + ' @agency("sheriff, police")'))
    assert p.agencies == frozenset({"sheriff", "police"})
    assert p.summary()["agency"] == "police,sheriff"
    assert "agency" not in provision_from_est("xpack", permit()).summary()


@pytest.mark.parametrize(
    ("condition", "agency", "message"),
    [
        (
            SHERIFF,
            None,
            "xpack: rule 'x.rule' tests context.agency.kind (sheriff) but names no agency; "
            'add @agency("sheriff")',
        ),
        (
            SHERIFF,
            "sheriff, mayor, court",
            "xpack: rule 'x.rule': @agency names court, mayor; use "
            "sheriff, department_of_correction, police, probation, state_prison",
        ),
        (
            SHERIFF,
            " , ",
            "xpack: rule 'x.rule': @agency names nothing; use "
            "sheriff, department_of_correction, police, probation, state_prison",
        ),
        (
            SHERIFF,
            "sheriff,probation,police",
            "xpack: rule 'x.rule' is @agency('sheriff,probation,police') but its condition does "
            'not test context.agency.kind == "police"; a rule the law binds to one agency must '
            "apply only there",
        ),
    ],
)
def test_agency_errors(condition: str, agency: str | None, message: str) -> None:
    notes = NOTES if agency is None else f'{NOTES} @agency("{agency}")'
    err = error(permit(condition, notes=notes))
    assert str(err) == message and (err.pack, err.rule) == ("xpack", "x.rule")


def test_missing_annotation_names_it_and_the_list() -> None:
    notes = '@id("x.rule") @cite("X § 1") @source("X_1") @text("t")'
    err = error(permit(notes=notes))
    assert str(err) == (
        "xpack: rule 'x.rule' lacks @effective; every rule needs "
        "@id, @cite, @source, @effective, @text"
    )
    assert (err.pack, err.rule) == ("xpack", "x.rule")


def test_blank_annotation_counts_as_missing_and_no_id_is_named() -> None:
    notes = '@cite("X § 1") @source("  ") @effective("2017-08-28") @text("t")'
    err = error(permit(notes=notes))
    assert str(err).startswith("xpack: rule '<policy without @id>' lacks @id;")
    assert err.rule == "<policy without @id>"
    blank = error(
        permit(notes='@id("x.rule") @cite("c") @source("  ") @effective("2017-08-28") @text("t")')
    )
    assert str(blank).startswith("xpack: rule 'x.rule' lacks @source;")


def test_unknown_annotation() -> None:
    err = error(permit(notes=NOTES + ' @zzz("1") @aaa("2")'))
    assert str(err) == "xpack: rule 'x.rule' has unknown annotation @aaa"
    assert (err.pack, err.rule) == ("xpack", "x.rule")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '@confidence("sure")',
            "xpack: rule 'x.rule': @confidence must be one of "
            "('verified', 'secondary', 'translated', 'unverified')",
        ),
        (
            '@hold_window("72h")',
            "xpack: rule 'x.rule': @hold_window must be one of "
            "('48h', '48h_excluding_weekends_and_holidays', '48h_from_receipt', "
            "'as_warrant_says')",
        ),
        ('@outcome("deny")', "xpack: rule 'x.rule': @outcome may only be 'review_required'"),
    ],
)
def test_bad_annotation_values(extra: str, message: str) -> None:
    assert str(error(permit(notes=f"{NOTES} {extra}"))) == message


@pytest.mark.parametrize(("name", "what"), [("effective", "@effective"), ("repealed", "@repealed")])
def test_bad_dates(name: str, what: str) -> None:
    notes = NOTES.replace('@effective("2017-08-28")', "")
    notes += ' @effective("2017-08-28")' if name == "repealed" else ""
    notes += f' @{name}("28/08/2017")'
    err = error(permit(notes=notes))
    assert str(err) == f"xpack: rule 'x.rule' has {what} '28/08/2017', not a YYYY-MM-DD date"
    assert (err.pack, err.rule) == ("xpack", "x.rule")


def test_a_condition_must_be_a_permit() -> None:
    notes = NOTES + ' @kind("condition")'
    assert provision_from_est(
        "xpack", est("permit(principal, action, resource)", notes)
    ).is_condition
    with pytest.raises(PackError) as caught:
        provision_from_est("xpack", est("forbid(principal, action, resource)", notes))
    assert str(caught.value) == (
        "xpack: rule 'x.rule' is a @kind(\"condition\"), so it must be a permit "
        "(a condition is met before a permitted action; it cannot forbid one)"
    )
    assert (caught.value.pack, caught.value.rule) == ("xpack", "x.rule")


def test_exception_must_be_a_forbid_on_its_own_id() -> None:
    notes = NOTES + ' @exception("true")'
    good = est(
        "forbid(principal, action, resource) when "
        '{ context.exceptions_established.contains("x.rule") }',
        notes,
    )
    assert provision_from_est("xpack", good).is_exception is True
    expected = (
        "xpack: rule 'x.rule' is an @exception, so it must be a forbid "
        'when { context.exceptions_established.contains("x.rule") }'
    )
    as_permit = est(
        "permit(principal, action, resource) when "
        '{ context.exceptions_established.contains("x.rule") }',
        notes,
    )
    other_id = est(
        "forbid(principal, action, resource) when "
        '{ context.exceptions_established.contains("y.rule") }',
        notes,
    )
    no_list = est('forbid(principal, action, resource) when { "x.rule" == "x.rule" }', notes)
    for bad in (as_permit, other_id, no_list):
        err = error(bad)
        assert str(err) == expected and (err.pack, err.rule) == ("xpack", "x.rule")


def test_a_rule_testing_two_agency_kinds_without_agency_names_both() -> None:
    # The kinds sorted: police before sheriff; ", " between them in the text, "," in the fix.
    either = 'context.agency.kind == "sheriff" || context.agency.kind == "police"'
    err = error(permit(either))
    assert str(err) == (
        "xpack: rule 'x.rule' tests context.agency.kind (police, sheriff) but names no agency; "
        'add @agency("police,sheriff")'
    )
