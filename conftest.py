"""pytest plugins: each pack's scenarios.yaml as test items a city attorney can read; and, under
CI=true, a test that needs a real part (PostgreSQL, Chromium, ../shared) fails when it skips."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from detainer_desk.law.decide import default_library
from detainer_desk.law.scenarios import Scenario, ScenarioPending, load_scenarios, run_scenario

# The markers of tests that drive a real part, and what to name when that part is missing.
REAL_PARTS = {
    "postgres": "PostgreSQL (the server at DETAINER_DESK_TEST_PG, default 127.0.0.1:5432)",
    "browser": "Chromium (Debian chromium at /usr/bin/chromium, or DETAINER_DESK_TEST_CHROMIUM)",
    "data": "../shared (the real data and the law fact sheet, or DETAINER_DESK_TEST_SHARED)",
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Under CI=true a skipped real-part test is a failure naming the part that was missing."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not (report.skipped and in_ci()) or hasattr(report, "wasxfail"):
        return
    missing = [what for mark, what in REAL_PARTS.items() if item.get_closest_marker(mark)]
    if not missing:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"CI=true and a real part is missing: {'; '.join(missing)}. "
        f"This test DID NOT RUN ({reason}); CI must not pass without it."
    )


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.name == "scenarios.yaml":
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        for scenario in load_scenarios(self.path):
            yield ScenarioItem.from_parent(
                self, name=f"{scenario.date_label}: {scenario.name}", scenario=scenario
            )


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        try:
            problems = run_scenario(self.scenario, default_library())
        except ScenarioPending as pending:
            pytest.skip(pending.reason)
        if problems:
            raise ScenarioFailed(problems)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return "\n".join(excinfo.value.problems)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.scenario.name}"


class ScenarioFailed(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
