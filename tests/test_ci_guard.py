"""Under CI=true a test that needs a real part and skips fails the run, naming the missing part.

Each case runs a small real pytest session (this repository's own conftest and tests) in a
subprocess with one part pointed somewhere it is not.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT

PG_TEST = (
    "tests/desk/test_delivery_once.py::test_two_servers_one_postgres_send_each_notification_once"
)
UI_TESTS = "tests/desk/test_ui_browser.py"
SHEET_TEST = "tests/classify/test_classify.py::test_definition_citations_trace_to_the_fact_sheet"


def _session(target: str, ci: bool, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "CI"}
    full.update(env)
    if ci:
        full["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: a connection to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def test_ci_fails_when_postgres_is_unreachable(closed_port: int) -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port}/test"
    run = _session(PG_TEST, ci=True, DETAINER_DESK_TEST_PG=url)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "CI=true and a real part is missing: PostgreSQL" in run.stdout, run.stdout
    assert f"127.0.0.1:{closed_port}" in run.stdout and "1 error" in run.stdout  # in set-up


def test_outside_ci_the_same_session_skips_visibly(closed_port: int) -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port}/test"
    run = _session(PG_TEST, ci=False, DETAINER_DESK_TEST_PG=url)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout and "DID NOT RUN" in run.stdout, run.stdout


def test_ci_fails_when_chromium_is_missing(tmp_path: Path) -> None:
    run = _session(UI_TESTS, ci=True, DETAINER_DESK_TEST_CHROMIUM=str(tmp_path / "no-chromium"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "CI=true and a real part is missing: Chromium" in run.stdout, run.stdout
    assert " passed" not in run.stdout and " skipped" not in run.stdout


def test_ci_fails_when_the_fact_sheet_is_missing(tmp_path: Path) -> None:
    run = _session(SHEET_TEST, ci=True, DETAINER_DESK_TEST_SHARED=str(tmp_path))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "CI=true and a real part is missing: ../shared" in run.stdout, run.stdout
    quiet = _session(SHEET_TEST, ci=False, DETAINER_DESK_TEST_SHARED=str(tmp_path))
    assert quiet.returncode == 0 and "1 skipped" in quiet.stdout, quiet.stdout
