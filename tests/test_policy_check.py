"""`policy check` must fail, naming the rule, on each kind of broken pack."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from detainer_desk.law.check import check_packs
from detainer_desk.law.pack import default_packs_dir


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


def test_shipped_packs_pass(packs: Path) -> None:
    assert check_packs(packs) == []
    assert check_cli(packs).returncode == 0


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
