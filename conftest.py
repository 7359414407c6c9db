"""pytest plugin: collect each pack's scenarios.yaml as test items a city attorney can read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from detainer_desk.law.decide import default_library
from detainer_desk.law.scenarios import Scenario, ScenarioPending, load_scenarios, run_scenario


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
