"""Scenarios marked `awaits` are pending only while the law they need is missing."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest

from detainer_desk.law.pack import PolicyLibrary, default_packs_dir
from detainer_desk.law.scenarios import Scenario, ScenarioPending, load_scenarios, run_scenario
from detainer_desk.vocabulary import Action


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    target = tmp_path / "packs"
    shutil.copytree(default_packs_dir(), target)
    return target


def _cook_2011_10_03(packs: Path) -> Scenario:
    scenarios = load_scenarios(packs / "cook-county" / "scenarios.yaml")
    return next(s for s in scenarios if s.on.isoformat() == "2011-10-03")


def _federal_from_2008(packs: Path) -> None:
    """Simulate the federal pack reaching back (issue 15 item 3): a bare pre-2011 version."""
    manifest = packs / "federal" / "manifest.yaml"
    text = manifest.read_text()
    marker = "versions:\n  - from: 2011-12-29\n"
    if marker not in text:  # the federal pack already reaches back
        return
    manifest.write_text(
        text.replace(
            marker,
            "versions:\n  - from: 2008-01-01\n    to: 2011-12-28\n    label: test\n"
            "  - from: 2011-12-29\n",
        )
    )


def _before_any_law(packs: Path) -> Scenario:
    """The Cook County scenario moved to 2007, before any pack's first version."""
    return dataclasses.replace(_cook_2011_10_03(packs), on=date(2007, 6, 1))


def test_awaiting_scenario_is_pending_while_no_law_is_in_force(packs: Path) -> None:
    scenario = _before_any_law(packs)
    assert scenario.awaits
    with pytest.raises(ScenarioPending, match="awaits the federal pack"):
        run_scenario(scenario, PolicyLibrary.load(packs))


def test_without_awaits_a_date_with_no_law_fails(packs: Path) -> None:
    scenario = dataclasses.replace(_before_any_law(packs), awaits=None)
    problems = run_scenario(scenario, PolicyLibrary.load(packs))
    assert problems and "no policy version in force on 2007-06-01" in problems[0]


def test_once_the_law_exists_the_scenario_runs_and_can_fail(packs: Path) -> None:
    _federal_from_2008(packs)
    library = PolicyLibrary.load(packs)
    scenario = _cook_2011_10_03(packs)
    assert run_scenario(scenario, library) == []
    wrong = dataclasses.replace(scenario, expect={Action.hold_beyond_release: {"effect": "permit"}})
    assert any("effect is deny, expected permit" in p for p in run_scenario(wrong, library))
