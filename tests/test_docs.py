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
