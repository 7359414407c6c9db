"""`policy check` must fail, naming the rule, on each kind of broken pack."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from detainer_desk.law.check import check_packs
from detainer_desk.law.pack import default_packs_dir
from tests.test_pack import BASE_MANIFEST, BASE_RULES, CITY_MANIFEST, CITY_RULES, rule, write_pack


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    target = tmp_path / "packs"
    shutil.copytree(default_packs_dir(), target)
    return target


def check_cli(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", "policy", "check", "--packs-dir", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_shipped_packs_pass_policy_check_whole(packs: Path) -> None:
    assert check_packs(packs) == []
    assert check_cli(packs).returncode == 0


def test_required_hold_on_a_secondary_source_is_refused(packs: Path) -> None:
    cedar = packs / "iowa" / "policies.cedar"
    text = cedar.read_text()
    rule_start = text.index('@id("ia.code.27A_2.comply-with-detainer")')
    assert '@mandatory("true")' in text[rule_start : rule_start + 800]
    cedar.write_text(text[:rule_start] + '@confidence("secondary")\n' + text[rule_start:])
    problems = check_packs(packs)
    mine = [p for p in problems if p.startswith("iowa:")]
    assert mine == [
        "iowa: rule 'ia.code.27A_2.comply-with-detainer' requires holds (@mandatory on "
        "hold_beyond_release) but its @confidence is 'secondary': a required hold needs the "
        "law's primary text (verified); encode it as not required, and say in the version notes "
        "that the duty is reported only by a secondary source"
    ]
    result = check_cli(packs)
    assert result.returncode == 1 and "ia.code.27A_2.comply-with-detainer" in result.stderr


def test_not_required_secondary_hold_and_verified_mandate_pass(tmp_path: Path) -> None:
    # A mandatory hold that is verified, and a secondary hold permit that is not mandatory,
    # are both accepted: only the combination is refused.
    hold = 'permit (principal, action == Action::"hold_beyond_release", resource);'
    mandate = rule("base.must-hold", hold, extra='@mandatory("true")\n')
    secondary = rule("base.may-hold", hold, extra='@confidence("secondary")\n')
    write_pack(tmp_path, "base", BASE_MANIFEST, policies=mandate + secondary)
    assert check_packs(tmp_path) == []
    cedar = tmp_path / "base" / "policies.cedar"
    unverified = '@mandatory("true")\n@confidence("unverified")\n'
    cedar.write_text(cedar.read_text().replace('@mandatory("true")\n', unverified, 1))
    assert [p.split(" requires holds")[0] for p in check_packs(tmp_path)] == [
        "base: rule 'base.must-hold'"
    ]


def test_manifest_without_verified_through_is_refused(packs: Path) -> None:
    manifest = packs / "oregon" / "manifest.yaml"
    manifest.write_text(re.sub(r"(?m)^verified_through:.*\n", "", manifest.read_text()))
    problems = [p for p in check_packs(packs) if p.startswith("oregon")]
    assert problems and problems[0].startswith(
        "oregon: manifest.yaml verified_through: Field required; add `verified_through: YYYY-MM-DD`"
    )


def test_rule_without_citation(packs: Path) -> None:
    cedar = packs / "denver" / "policies.cedar"
    cedar.write_text(cedar.read_text().replace('@cite("D.R.M.C. § 28-252(a)")\n', "", 1))
    result = check_cli(packs)
    assert result.returncode == 1
    assert "den.drmc.28-252a.no-secure-area-access" in result.stderr and "@cite" in result.stderr


def test_unknown_attribute(packs: Path) -> None:
    cedar = packs / "texas" / "policies.cedar"
    cedar.write_text(
        cedar.read_text().replace(
            '  context.request.kind == "detainer" &&\n  !context.exceptions_established',
            '  context.request.knd == "detainer" &&\n  !context.exceptions_established',
            1,
        )
    )
    result = check_cli(packs)
    assert result.returncode == 1
    assert "tx.ccp.2_251a1.comply-with-detainer" in result.stderr and "knd" in result.stderr


def test_overlapping_versions(packs: Path) -> None:
    manifest = packs / "massachusetts" / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("to: 2017-07-23", "to: 2017-08-30"))
    result = check_cli(packs)
    assert (
        result.returncode == 1 and "overlap" in result.stderr and "massachusetts" in result.stderr
    )


def test_change_of_law_inside_a_version(packs: Path) -> None:
    cedar = packs / "colorado" / "policies.cedar"
    cedar.write_text(
        re.sub(
            r'@effective\("2019-05-28"\)', '@effective("2019-06-15")', cedar.read_text(), count=1
        )
    )
    problems = check_packs(packs)
    assert any(
        "co.crs.24-76.6-102.no-detention-on-detainer" in p and "2019-06-15" in p for p in problems
    )


def test_duplicate_rule_id(packs: Path) -> None:
    cedar = packs / "federal" / "policies.cedar"
    cedar.write_text(
        cedar.read_text().replace("fed.i247n.no-detention", "fed.8cfr287_7d.hold-only-on-detainer")
    )
    assert any("used twice" in p for p in check_packs(packs))


@pytest.mark.parametrize(
    ("line", "expected"),
    [("", "time_zone"), ("time_zone: America/Austin\n", "unknown IANA time zone")],
)
def test_pack_time_zone_required_and_known(packs: Path, line: str, expected: str) -> None:
    manifest = packs / "texas" / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("time_zone: America/Chicago\n", line, 1))
    result = check_cli(packs)
    assert result.returncode == 1
    assert "texas" in result.stderr and expected in result.stderr


def test_agency_rule_whose_condition_does_not_test_the_agency(packs: Path) -> None:
    cedar = packs / "new-york-city" / "policies.cedar"
    text = cedar.read_text()
    # § 9-131's release rule binds DOC; dropping its agency test would silence the NYPD too
    broken = text.replace(
        'forbid (principal, action in [Action::"notify_release", Action::"share_release_date"], '
        'resource)\nwhen { context.agency.kind == "department_of_correction" }\n',
        'forbid (principal, action in [Action::"notify_release", Action::"share_release_date"], '
        "resource)\n",
        1,
    )
    assert broken != text
    cedar.write_text(broken)
    result = check_cli(packs)
    assert result.returncode == 1
    assert "nyc.admin-code.9-131.release-information" in result.stderr
    assert "department_of_correction" in result.stderr


def test_rule_testing_an_agency_must_name_it(packs: Path) -> None:
    cedar = packs / "colorado" / "policies.cedar"
    cedar.write_text(cedar.read_text().replace('@agency("probation")\n', "", 1))
    problems = check_packs(packs)
    assert any(
        "co.crs.24-76.6-103.probation-personal-info" in p and "@agency" in p for p in problems
    )


def test_agency_must_be_a_known_kind(packs: Path) -> None:
    cedar = packs / "colorado" / "policies.cedar"
    cedar.write_text(cedar.read_text().replace('@agency("probation")', '@agency("parole")', 1))
    problems = check_packs(packs)
    assert any("parole" in p for p in problems), problems


def test_rule_the_fact_sheet_binds_to_one_agency_must_name_it(packs: Path) -> None:
    # Travis County's 2017 policy binds the Sheriff's Office (fact sheet section 10): a rule
    # citing it that names no agency (and so would decide for Austin police too) is refused.
    cedar = packs / "travis-county" / "policies.cedar"
    text = cedar.read_text()
    unscoped = text.replace('@agency("sheriff")\n', "", 1).replace(
        'when { context.agency.kind == "sheriff" && !context.request.judicial_warrant };',
        "when { !context.request.judicial_warrant };",
        1,
    )
    assert unscoped != text
    cedar.write_text(unscoped)
    result = check_cli(packs)
    assert result.returncode == 1
    assert "trv.tcso-2017.no-hold-without-judicial-warrant" in result.stderr
    assert "TX_TRAVIS_POLICY_2017" in result.stderr and '@agency("sheriff")' in result.stderr


# --- check_packs on a small world (tests/test_pack.py): exact messages, each once ------------

AGENCY_BOUND = yaml.safe_load(
    resources.files("detainer_desk.law").joinpath("agency_bound.yaml").read_text()
)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    write_pack(tmp_path, "base", BASE_MANIFEST, policies=BASE_RULES)
    write_pack(tmp_path, "city", CITY_MANIFEST, policies=CITY_RULES)
    (tmp_path / "city" / "scenarios.yaml").write_text("pack: city\nscenarios: []\n")
    (tmp_path / "notes").mkdir()  # no manifest: not a pack
    return tmp_path


def test_small_world_passes(world: Path) -> None:
    assert check_packs(world) == []


def test_every_pack_is_checked_and_a_broken_one_skipped(world: Path) -> None:
    (world / "base" / "policies.cedar").unlink()
    (world / "city" / "scenarios.yaml").write_text(
        "pack: city\nscenarios:\n  - {name: n, date: 2021-08-01, expect: {}}\n"
    )
    assert check_packs(world) == [
        "base: no .cedar policy file",
        f"{world / 'city' / 'scenarios.yaml'}: scenario 'n': 'exercises'",
        "city: builds_on 'base', which is not a pack",
    ]


def test_scenarios_of_a_pack_that_fails_to_load_are_not_read(world: Path) -> None:
    (world / "city" / "policies.cedar").write_text(CITY_RULES + CITY_RULES)
    (world / "city" / "scenarios.yaml").write_text("pack: city\nscenarios: [{}]\n")
    assert check_packs(world) == ["city: rule id 'city.no-notice' is used twice"]


def test_a_problem_of_an_ancestor_is_reported_once(world: Path) -> None:
    (world / "base" / "policies.cedar").write_text(
        BASE_RULES + rule("base.later", effective="2021-07-01")
    )
    # a city version starts 2021-07-01, no base version does: the base's own library and the
    # city's (which checks the base after the city) both find it
    assert check_packs(world) == [
        "base: rule 'base.later' (base) changes on 2021-07-01, but no version of base starts "
        "that day; add one"
    ]


def test_a_cycle_is_reported_for_each_pack_in_it(world: Path) -> None:
    base = world / "base" / "manifest.yaml"
    base.write_text(base.read_text().replace("title: Base\n", "title: Base\nbuilds_on: city\n"))
    assert check_packs(world) == [
        "base: builds_on forms a cycle through 'base'",
        "city: builds_on forms a cycle through 'city'",
    ]


def _bound_message(pack: str, rule_id: str, key: str) -> str:
    kinds = sorted(AGENCY_BOUND[key]["agencies"])
    return (
        f"{pack}: rule {rule_id!r} cites {key}, which binds only {', '.join(kinds)} "
        f'({AGENCY_BOUND[key]["why"]}); add @agency("{",".join(kinds)}") and test '
        "context.agency.kind"
    )


def test_rules_citing_an_agency_bound_provision(world: Path) -> None:
    scoped = (
        'forbid (principal, action == Action::"notify_release", resource)\n'
        'when { context.agency.kind == "{kind}" };'
    )
    (world / "city" / "policies.cedar").write_text(
        CITY_RULES
        # the key after another, with or without spaces: still found
        + rule("city.unscoped", source="TEST_1,TX_TRAVIS_POLICY_2017", effective="2021-07-01")
        + rule("city.spaced", source="TEST_1 ,  TX_TRAVIS_POLICY_2017", effective="2021-07-01")
        # names an agency the provision does not bind
        + rule(
            "city.police",
            scoped.replace("{kind}", "police"),
            source="TX_TRAVIS_POLICY_2017",
            effective="2021-07-01",
            extra='@agency("police")\n',
        )
        # names only agencies it binds: fine
        + rule(
            "city.sheriff",
            scoped.replace("{kind}", "sheriff"),
            source="COOK_CODE_46_37",
            effective="2021-07-01",
            extra='@agency("sheriff")\n',
        )
        # one of two agencies named but too many kinds for another key
        + rule(
            "city.cook-and-police",
            scoped.replace("{kind}", "sheriff")[:-2] + ' || context.agency.kind == "police" };',
            source="COOK_CODE_46_37",
            effective="2021-07-01",
            extra='@agency("sheriff,police")\n',
        )
    )
    assert check_packs(world) == [
        _bound_message("city", "city.unscoped", "TX_TRAVIS_POLICY_2017"),
        _bound_message("city", "city.spaced", "TX_TRAVIS_POLICY_2017"),
        _bound_message("city", "city.police", "TX_TRAVIS_POLICY_2017"),
        _bound_message("city", "city.cook-and-police", "COOK_CODE_46_37"),
    ]
    # the message for the two-agency key, worked out by hand from agency_bound.yaml
    assert _bound_message("city", "r", "COOK_CODE_46_37").endswith(
        'add @agency("department_of_correction,sheriff") and test context.agency.kind'
    )
    assert "binds only department_of_correction, sheriff (" in _bound_message(
        "city", "r", "COOK_CODE_46_37"
    )
