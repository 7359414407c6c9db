"""The docs are part of the product: keep them true."""

from __future__ import annotations

import json

from detainer_desk.law import default_library
from detainer_desk.request.document import request_json_schema
from tests.helpers import ROOT


def test_request_schema_is_generated_from_the_models() -> None:
    committed = json.loads((ROOT / "docs" / "request.schema.json").read_text())
    assert committed == request_json_schema(), (
        "run: detainer-desk schema > docs/request.schema.json"
    )


def test_every_pack_is_documented() -> None:
    text = (ROOT / "docs" / "policy-packs.md").read_text()
    for name in default_library().names():
        assert f"`{name}`" in text


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme


def test_every_pack_has_six_scenarios_and_both_sides_of_each_version() -> None:
    import yaml

    library = default_library()
    for name in library.names():
        data = yaml.safe_load(
            (ROOT / "src/detainer_desk/law/packs" / name / "scenarios.yaml").read_text()
        )
        dates = [s["date"] for s in data["scenarios"]]
        assert len(dates) >= 6, name
        versions = sorted(library.pack(name).manifest.versions, key=lambda v: v.from_)
        for version in versions:
            assert any(version.covers(d) for d in dates), f"{name}: no scenario in {version.from_}"


def test_every_api_route_is_documented() -> None:
    from fastapi.routing import APIRoute

    from detainer_desk.web.api import router

    text = (ROOT / "docs" / "desk.md").read_text()
    for route in router.routes:
        assert isinstance(route, APIRoute)
        for method in route.methods:
            assert f"| {method} | `{route.path}` |" in text, f"{method} {route.path}"


def test_every_command_is_documented() -> None:
    import typer.main

    from detainer_desk.cli import app

    docs = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in (ROOT / "docs").glob("*.md")
    )
    group = typer.main.get_group(app)
    for name, command in group.commands.items():
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for sub in subcommands:
                assert f"detainer-desk {name} {sub}" in docs, f"{name} {sub}"
        else:
            assert f"detainer-desk {name}" in docs, name


def test_every_alarm_kind_and_event_kind_is_documented() -> None:
    from detainer_desk.desk.documents import EventKind

    text = (ROOT / "docs" / "desk.md").read_text()
    for kind in EventKind:
        assert f"`{kind.value}`" in text
    for alarm in (
        "hold_deadline_approaching",
        "hold_deadline_passed",
        "held_after_release_eligible",
    ):
        assert f"`{alarm}`" in text


def test_every_setting_has_its_environment_variable_documented() -> None:
    from detainer_desk.desk.settings import DeskSettings

    text = (ROOT / "docs" / "desk.md").read_text()
    for name in DeskSettings.model_fields:
        if name.startswith("smtp"):
            name = "smtp"
        assert f"`DETAINER_DESK_{name.upper()}`" in text, name
