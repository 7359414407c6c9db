"""YAML scenario tests a city attorney can read; run by `detainer-desk policy test` and pytest.

A pack's `scenarios.yaml`:

    pack: denver
    request: {...}            # optional: merged over BASE_REQUEST for every scenario
    scenarios:
      - name: Administrative-warrant detainer after the ordinance
        date: 2017-09-27
        exercises: den.drmc.28-253.no-hold-on-civil-detainer
        request: {request: {warrant_kind: administrative_I205}}   # optional, merged last
        expect:
          hold_beyond_release: deny
          notify_release: {effect: permit, conditions: [den.drmc.28-253.advise-and-record]}

`exercises` names the provision under test. When it is in force on `date`, it must be among the
deciding provisions or conditions; on a date outside its time in force it must not appear, so a
pair of scenarios either side of an effective date tests the date itself. `applies: false` says
the rule is in force but must not decide this case (e.g. Lunn says nothing on notifications).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from detainer_desk.errors import DetainerDeskError, NoVersionInForceError, PackError
from detainer_desk.law.decide import decide
from detainer_desk.law.decision import ActionDecision, Decision
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.vocabulary import Action

BASE_REQUEST: dict[str, Any] = {
    "received_at": "2017-09-27T08:00:00",
    "request": {
        "kind": "detainer",
        "form": "I-247A",
        "warrant_kind": "administrative_I200",
        "office": "ICE ERO field office",
    },
    "booking": {
        "booking_id": "SCENARIO-1",
        "booked_at": "2017-09-25T22:00:00",
        "charges": [{"offence": "driving under the influence", "level": "misdemeanor"}],
        "convictions": [],
        "release_eligible_at": "2017-09-27T14:00:00",
        "release_reason": "bond_posted",
        "release_date_public": False,
    },
}


@dataclass(frozen=True)
class Scenario:
    pack: str
    name: str
    on: date
    exercises: str
    applies: bool | None
    request: dict[str, Any]
    expect: dict[Action, dict[str, Any]]
    source: Path
    awaits: str | None = None

    @property
    def date_label(self) -> str:
        return self.on.isoformat()


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: dictionaries merge, everything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


STANDARD_JUDICIAL_WARRANT: dict[str, Any] = {
    "issuing_court": "U.S. District Court (scenario)",
    "judge": "U.S. Magistrate Judge (scenario)",
    "offence": "8 U.S.C. § 1326",
}
"""The paper a scenario's judicial warrant is taken to carry when it names none (a request
document must name the court and the judge of a judicial warrant)."""


def with_warrant_paper(document: dict[str, Any]) -> dict[str, Any]:
    """A scenario naming a judicial_* warrant_kind without its paper gets the standard one."""
    request = document.get("request", {})
    if str(request.get("warrant_kind", "")).startswith("judicial_") and (
        "judicial_warrant" not in request
    ):
        return merged(document, {"request": {"judicial_warrant": STANDARD_JUDICIAL_WARRANT}})
    return document


def _expectation(value: Any) -> dict[str, Any]:
    return {"effect": value} if isinstance(value, str) else dict(value)


def load_scenarios(path: Path) -> list[Scenario]:
    data = yaml.safe_load(path.read_text())
    pack = data["pack"]
    base = merged(BASE_REQUEST, data.get("request", {}))
    scenarios = []
    for item in data["scenarios"]:
        try:
            day = (
                item["date"] if isinstance(item["date"], date) else date.fromisoformat(item["date"])
            )
            # Unless the scenario says when the paper arrived, it arrived on the scenario's day.
            arrived = {"received_at": f"{day.isoformat()}T08:00:00"}
            scenarios.append(
                Scenario(
                    pack=pack,
                    name=item["name"],
                    on=day,
                    exercises=item["exercises"],
                    applies=item.get("applies"),
                    request=with_warrant_paper(
                        merged(
                            merged(base, {"jurisdiction": pack, **arrived}),
                            item.get("request", {}),
                        )
                    ),
                    expect={Action(a): _expectation(v) for a, v in item["expect"].items()},
                    source=path,
                    awaits=item.get("awaits"),
                )
            )
        except (KeyError, ValueError) as exc:
            name = item.get("name", "?")
            raise PackError(f"{path}: scenario {name!r}: {exc}", pack=pack) from None
    return scenarios


def _check_action(got: ActionDecision, want: dict[str, Any]) -> list[str]:
    problems = []
    for key in ("effect", "required", "by_default"):
        if key in want and str(getattr(got, key)) != str(want[key]):
            problems.append(f"{got.action}: {key} is {getattr(got, key)}, expected {want[key]}")
    for key in ("provisions", "conditions"):
        have = {p["id"] for p in getattr(got, key)}
        for wanted in want.get(key, []):
            if wanted not in have:
                problems.append(f"{got.action}: {key} lack {wanted} (have {sorted(have)})")
    if "hold_ends_at" in want:
        ends = (
            got.hold_limit.ends_at.isoformat()
            if got.hold_limit and got.hold_limit.ends_at
            else None
        )
        if ends != str(want["hold_ends_at"]):
            problems.append(f"{got.action}: hold ends {ends}, expected {want['hold_ends_at']}")
    return problems


def _check_exercise(scenario: Scenario, decision: Decision, library: PolicyLibrary) -> list[str]:
    provision = next(
        (
            p
            for pack in library.chain(scenario.pack)
            for p in pack.provisions
            if p.id == scenario.exercises
        ),
        None,
    )
    if provision is None:
        return [f"exercises {scenario.exercises!r}, which is not a rule of {scenario.pack}"]
    cited = {p["id"] for a in decision.actions for p in (*a.provisions, *a.conditions)}
    # A rule that could not decide because a fact was missing was exercised too.
    vs = library.version_set(scenario.pack, scenario.on)
    for a in decision.actions:
        cited |= {
            p.id
            for p in vs.provisions.values()
            if a.action in p.actions and p.reads & set(a.missing_facts)
        }
    in_force = provision.in_force(scenario.on)
    should_apply = in_force if scenario.applies is None else scenario.applies
    if should_apply and not in_force:
        return [f"{provision.id} is not in force on {scenario.on}; it cannot apply"]
    if should_apply and provision.id not in cited:
        return [f"{provision.id} is in force on {scenario.on} but decided nothing"]
    if not should_apply and provision.id in cited:
        why = "is not in force" if not in_force else "should not apply"
        return [f"{provision.id} {why} on {scenario.on} but was applied"]
    return []


class ScenarioPending(Exception):
    """A scenario marked `awaits` whose date has no law in force yet in the pack chain."""

    def __init__(self, scenario: Scenario, why: str) -> None:
        super().__init__(f"awaits {scenario.awaits}: {why}")
        self.reason = f"awaits {scenario.awaits}: {why}"


def run_scenario(scenario: Scenario, library: PolicyLibrary) -> list[str]:
    """The problems found; an empty list means the scenario passes.

    Raises ScenarioPending for an `awaits` scenario whose date has no law in force yet.
    """
    try:
        decision = decide(
            scenario.request, on=scenario.on, actions=list(scenario.expect), library=library
        )
    except NoVersionInForceError as exc:
        if scenario.awaits:
            raise ScenarioPending(scenario, exc.message) from None
        return [f"decide failed: {exc.message}"]
    except DetainerDeskError as exc:
        return [f"decide failed: {exc.message}"]
    problems = []
    for action, want in scenario.expect.items():
        problems += _check_action(decision.action(action), want)
    return problems + _check_exercise(scenario, decision, library)


def scenario_files(packs_dir: Path) -> list[Path]:
    return sorted(packs_dir.glob("*/scenarios.yaml"))
