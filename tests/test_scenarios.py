"""The scenario runner: a scenario file loads into exact requests, and a failing scenario says
exactly what differs. Uses the small `base`/`city` world of tests/test_pack.py."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from detainer_desk.errors import PackError
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.law.place import HOW_TO_NAME
from detainer_desk.law.scenarios import (
    BASE_REQUEST,
    STANDARD_JUDICIAL_WARRANT,
    Scenario,
    ScenarioPending,
    load_scenarios,
    merged,
    run_scenario,
    scenario_files,
)
from detainer_desk.vocabulary import Action
from tests.test_pack import BASE_MANIFEST, BASE_RULES, CITY_MANIFEST, CITY_RULES, rule, write_pack

# The city honours a detainer backed by a judge's criminal warrant, from its 2021 ordinance.
HOLD_RULE = rule(
    "city.judicial-hold",
    'permit (principal, action == Action::"hold_beyond_release", resource)\n'
    'when { context.request.warrant_kind == "judicial_criminal_warrant" };',
    effective="2021-07-01",
    extra='@hold_window("48h")\n',
)

SCENARIOS = """\
pack: city
request:
  agency: {name: City Jail, kind: sheriff}
  booking: {booking_id: CITY-1}
scenarios:
  - name: The ordinance keeps the release date
    date: 2021-08-01
    exercises: city.no-notice
    expect:
      notify_release: {effect: deny, provisions: [city.no-notice]}
      hold_beyond_release: {effect: deny, by_default: true, required: false}
  - name: A judge's warrant is honoured
    date: "2021-08-02"
    exercises: city.judicial-hold
    applies: true
    awaits: nothing
    request:
      request: {warrant_kind: judicial_criminal_warrant}
      received_at: "2021-08-02T09:30:00"
    expect:
      hold_beyond_release:
        effect: permit
        conditions: [base.serve-copy]
        hold_ends_at: "2017-09-29T14:00:00"
"""


@pytest.fixture
def world(tmp_path: Path) -> Path:
    write_pack(tmp_path, "base", BASE_MANIFEST, policies=BASE_RULES)
    write_pack(tmp_path, "city", CITY_MANIFEST, policies=CITY_RULES + HOLD_RULE)
    (tmp_path / "city" / "scenarios.yaml").write_text(SCENARIOS)
    return tmp_path


@pytest.fixture
def library(world: Path) -> PolicyLibrary:
    return PolicyLibrary.load(world)


@pytest.fixture
def scenarios(world: Path) -> list[Scenario]:
    return load_scenarios(world / "city" / "scenarios.yaml")


def test_merged_merges_dictionaries_and_replaces_the_rest() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 2, "c": {"z": 3}}
    out = merged(base, {"a": {"y": [3]}, "b": {"new": 1}, "c": 4, "d": {"e": 5}})
    assert out == {"a": {"x": 1, "y": [3]}, "b": {"new": 1}, "c": 4, "d": {"e": 5}}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 2, "c": {"z": 3}}  # untouched
    override = {"d": {"e": [5]}}
    copied = merged({}, override)
    copied["d"]["e"].append(6)
    assert override == {"d": {"e": [5]}}  # the result shares nothing with the override
    kept = merged(base, {})
    kept["a"]["y"].append(3)
    assert base["a"] == {"x": 1, "y": [1, 2]}  # ... nor with the base


def test_scenarios_load_into_exact_requests(world: Path, scenarios: list[Scenario]) -> None:
    path = world / "city" / "scenarios.yaml"
    first, second = scenarios
    assert (first.pack, first.name, first.on, first.exercises) == (
        "city",
        "The ordinance keeps the release date",
        date(2021, 8, 1),
        "city.no-notice",
    )
    assert (first.applies, first.awaits, first.source, first.date_label) == (
        None,
        None,
        path,
        "2021-08-01",
    )
    # BASE_REQUEST, then the file's request, then the jurisdiction and the day it arrived
    booking = {**BASE_REQUEST["booking"], "booking_id": "CITY-1"}
    assert first.request == {
        "received_at": "2021-08-01T08:00:00",
        "request": BASE_REQUEST["request"],
        "booking": booking,
        "agency": {"name": "City Jail", "kind": "sheriff"},
        "jurisdiction": "city",
    }
    assert first.expect == {
        Action.notify_release: {"effect": "deny", "provisions": ["city.no-notice"]},
        Action.hold_beyond_release: {"effect": "deny", "by_default": True, "required": False},
    }
    # a quoted date is read too; the scenario's own request is merged last
    assert (second.on, second.applies, second.awaits) == (date(2021, 8, 2), True, "nothing")
    assert second.request["received_at"] == "2021-08-02T09:30:00"
    assert second.request["request"] == {
        **BASE_REQUEST["request"],
        "warrant_kind": "judicial_criminal_warrant",
        "judicial_warrant": STANDARD_JUDICIAL_WARRANT,  # a judicial warrant names court and judge
    }
    assert BASE_REQUEST["booking"]["booking_id"] == "SCENARIO-1"  # the base is never changed


def test_a_short_expectation_is_the_effect(world: Path) -> None:
    path = world / "city" / "scenarios.yaml"
    path.write_text(
        "pack: city\nscenarios:\n  - {name: n, date: 2021-08-01, exercises: x, "
        "expect: {notify_release: deny}}\n"
    )
    (scenario,) = load_scenarios(path)
    assert scenario.expect == {Action.notify_release: {"effect": "deny"}}
    assert scenario.request["received_at"] == "2021-08-01T08:00:00"
    assert scenario.request["jurisdiction"] == "city"


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ("{name: n, exercises: x, expect: {}}", "scenario 'n': 'date'"),
        ("{date: 2021-08-01, exercises: x, expect: {}}", "scenario '?': 'name'"),
        ("{name: n, date: 2021-08-01, expect: {}}", "scenario 'n': 'exercises'"),
        ("{name: n, date: 2021-08-01, exercises: x}", "scenario 'n': 'expect'"),
        (
            "{name: n, date: '2021-13-01', exercises: x, expect: {}}",
            "scenario 'n': month must be in 1..12",
        ),
        (
            "{name: n, date: 2021-08-01, exercises: x, expect: {fly: deny}}",
            "scenario 'n': 'fly' is not a valid Action",
        ),
    ],
)
def test_a_broken_scenario_is_named(world: Path, item: str, problem: str) -> None:
    path = world / "city" / "scenarios.yaml"
    path.write_text(f"pack: city\nscenarios:\n  - {item}\n")
    with pytest.raises(PackError) as caught:
        load_scenarios(path)
    assert caught.value.message == f"{path}: {problem}"
    assert caught.value.pack == "city"


def test_passing_scenarios(scenarios: list[Scenario], library: PolicyLibrary) -> None:
    assert [run_scenario(s, library) for s in scenarios] == [[], []]


def test_a_failing_scenario_says_what_differs(
    scenarios: list[Scenario], library: PolicyLibrary
) -> None:
    first, second = scenarios
    wrong = dataclasses.replace(
        first,
        expect={
            Action.notify_release: {
                "effect": "permit",
                "by_default": True,
                "required": True,
                "provisions": ["city.no-notice", "city.other"],
                "conditions": ["base.serve-copy"],
            },
            Action.hold_beyond_release: {"effect": "deny", "hold_ends_at": "2017-09-29T14:00:00"},
        },
    )
    assert run_scenario(wrong, library) == [
        "notify_release: effect is deny, expected permit",
        "notify_release: required is False, expected True",
        "notify_release: by_default is False, expected True",
        "notify_release: provisions lack city.other (have ['city.no-notice'])",
        "notify_release: conditions lack base.serve-copy (have [])",
        "hold_beyond_release: hold ends None, expected 2017-09-29T14:00:00",
    ]
    late = dataclasses.replace(
        second,
        expect={Action.hold_beyond_release: {"hold_ends_at": "2017-09-29T15:00:00"}},
    )
    # release eligible Wednesday 2017-09-27 14:00 (local) + 48 hours, weekends counted ("48h")
    assert run_scenario(late, library) == [
        "hold_beyond_release: hold ends 2017-09-29T14:00:00, expected 2017-09-29T15:00:00"
    ]


def test_exercises_a_rule_outside_the_chain(
    scenarios: list[Scenario], library: PolicyLibrary
) -> None:
    odd = dataclasses.replace(scenarios[0], exercises="town.rule")
    assert run_scenario(odd, library) == ["exercises 'town.rule', which is not a rule of city"]


def test_exercises_a_rule_of_an_ancestor(scenarios: list[Scenario], library: PolicyLibrary) -> None:
    served = dataclasses.replace(scenarios[1], exercises="base.serve-copy", applies=None)
    assert run_scenario(served, library) == []


def test_a_rule_in_force_that_decided_nothing(
    scenarios: list[Scenario], library: PolicyLibrary
) -> None:
    idle = dataclasses.replace(scenarios[0], exercises="city.judicial-hold")
    assert run_scenario(idle, library) == [
        "city.judicial-hold is in force on 2021-08-01 but decided nothing"
    ]


def test_a_rule_not_in_force(scenarios: list[Scenario], library: PolicyLibrary) -> None:
    early = dataclasses.replace(scenarios[0], on=date(2021, 6, 30), expect={})
    assert run_scenario(early, library) == []  # not in force, not applied: passes
    forced = dataclasses.replace(early, applies=True)
    assert run_scenario(forced, library) == [
        "city.no-notice is not in force on 2021-06-30; it cannot apply"
    ]


def test_a_rule_that_applied_when_it_should_not(
    scenarios: list[Scenario], library: PolicyLibrary
) -> None:
    told_not = dataclasses.replace(scenarios[0], applies=False)
    assert run_scenario(told_not, library) == [
        "city.no-notice should not apply on 2021-08-01 but was applied"
    ]


def test_a_rule_not_in_force_that_applied(world: Path, scenarios: list[Scenario]) -> None:
    # The loader refuses a duplicate id within a pack, not across packs: the city reuses the
    # base's id from 2021-07-01. On 2021-06-30 the runner finds the city's rule first (not yet
    # in force), while the base's rule of that id decides: reported as not in force but applied.
    (world / "city" / "policies.cedar").write_text(
        CITY_RULES + rule("base.only-detainers", effective="2021-07-01")
    )
    early = dataclasses.replace(
        scenarios[0],
        on=date(2021, 6, 30),
        exercises="base.only-detainers",
        request=merged(scenarios[0].request, {"request": {"kind": "notification_request"}}),
        expect={Action.hold_beyond_release: {"effect": "deny"}},
    )
    assert run_scenario(early, PolicyLibrary.load(world)) == [
        "base.only-detainers is not in force on 2021-06-30 but was applied"
    ]


def test_a_rule_that_could_not_decide_for_a_missing_fact_was_exercised(
    scenarios: list[Scenario], library: PolicyLibrary
) -> None:
    unknown = dataclasses.replace(
        scenarios[0],
        request=merged(scenarios[0].request, {"booking": {"release_date_public": None}}),
        expect={Action.notify_release: {"effect": "review_required"}},
    )
    assert run_scenario(unknown, library) == []
    # ... but only for the action whose rules read that fact
    other = dataclasses.replace(unknown, exercises="base.only-detainers", applies=True)
    assert run_scenario(other, library) == [
        "base.only-detainers is in force on 2021-08-01 but decided nothing"
    ]


def test_decide_failing_is_a_problem(scenarios: list[Scenario], library: PolicyLibrary) -> None:
    bad = dataclasses.replace(
        scenarios[0], request=merged(scenarios[0].request, {"jurisdiction": "town"})
    )
    assert run_scenario(bad, library) == [
        "decide failed: unknown jurisdiction 'town': no pack, state or county of that name; "
        f"{HOW_TO_NAME}; packs: base, city"
    ]


def test_no_law_in_force_fails_or_awaits(scenarios: list[Scenario], library: PolicyLibrary) -> None:
    early = dataclasses.replace(scenarios[0], on=date(2019, 6, 1))
    reason = (
        "city has no policy version in force on 2019-06-01 (versions: 2020-01-01..2020-12-31, "
        "2021-01-01..2021-06-30, 2021-07-01..now); choose a date inside one — holds are never "
        "decided without law in force"
    )
    assert run_scenario(early, library) == [f"decide failed: {reason}"]
    waiting = dataclasses.replace(early, awaits="the base pack")
    with pytest.raises(ScenarioPending) as caught:
        run_scenario(waiting, library)
    assert caught.value.reason == f"awaits the base pack: {reason}"
    assert str(caught.value) == caught.value.reason


def test_scenario_files_in_name_order(world: Path) -> None:
    (world / "base" / "scenarios.yaml").write_text("pack: base\nscenarios: []\n")
    (world / "base" / "other.yaml").write_text("")
    assert scenario_files(world) == [
        world / "base" / "scenarios.yaml",
        world / "city" / "scenarios.yaml",
    ]
