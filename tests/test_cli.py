from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, article_request


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def write(tmp_path: Path, document: object | str) -> str:
    path = tmp_path / "request.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def test_decide_json_is_deterministic_and_complete() -> None:
    first, second = run("decide", str(EXAMPLE), "--json"), run("decide", str(EXAMPLE), "--json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    decision = json.loads(first.stdout)
    effects = {a["action"]: a["effect"] for a in decision["actions"]}
    assert effects == {
        "hold_beyond_release": "deny",
        "notify_release": "permit",
        "allow_in_person_interview": "deny",
        "allow_remote_interview": "permit",
    }
    assert decision["pack"]["version"] == "2017-08-28"
    assert decision["pack"]["digest"].startswith("sha256:")


def test_decide_all_answers_every_action() -> None:
    result = run("decide", str(EXAMPLE), "--all", "--json")
    assert len(json.loads(result.stdout)["actions"]) == 8


def test_readable_output_cites_the_ordinance() -> None:
    result = run("decide", str(EXAMPLE))
    assert result.returncode == 0
    assert (
        "28-252(a)" in result.stdout
        and "den.drmc.28-253.no-hold-on-civil-detainer" in result.stdout
    )


BAD_INPUTS = {
    "malformed JSON": ("{not json", [], "malformed JSON"),
    "unknown jurisdiction": (article_request(jurisdiction="gotham"), [], "unknown jurisdiction"),
    "no version in force": (
        article_request(),
        ["--on", "1999-01-01"],
        "no policy version in force",
    ),
    "unknown action": (None, [], "request.actions"),
    "unknown warrant kind": (None, [], "request.warrant_kind"),
    "forbidden field": (None, [], "citizenship"),
    "bad --on date": (article_request(), ["--on", "27/09/2017"], "YYYY-MM-DD"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line(tmp_path: Path, case: str) -> None:
    document, extra, expected = BAD_INPUTS[case]
    if document is None:
        document = article_request()
        if case == "unknown action":
            document["request"]["actions"] = ["deport_now"]
        elif case == "unknown warrant kind":
            document["request"]["warrant_kind"] = "I-200"
        else:
            document["booking"]["citizenship"] = "SECRET-VALUE"
    result = run("decide", write(tmp_path, document), *extra)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr and "SECRET-VALUE" not in result.stderr + result.stdout


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("decide", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "cannot read" in result.stderr


def test_policy_list_and_show() -> None:
    listed = json.loads(run("policy", "list", "--json").stdout)
    assert {p["name"] for p in listed} >= {"federal", "denver", "texas", "washington"}
    shown = run("policy", "show", "texas", "--on", "2017-09-27")
    assert shown.returncode == 0 and "tx.ccp.2_251a1.comply-with-detainer" in shown.stdout


def test_policy_test_runs_every_scenario() -> None:
    result = run("policy", "test")
    assert result.returncode == 0, result.stdout[-2000:]
    assert " passed, 0 failed" in result.stdout
