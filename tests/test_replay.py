"""Replay fidelity: with --policy actual the source study's figures come out as published."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from detainer_desk.law import default_library
from detainer_desk.replay import (
    import_file,
    load_mapping,
    parse_policy,
    replay_actual,
    replay_policy,
    study_figures,
)
from tests.helpers import SHARED

PIERCE = SHARED / "data" / "pierce"
pytestmark = [
    pytest.mark.data,
    pytest.mark.skipif(not PIERCE.exists(), reason="shared/data is not beside the repo: NOT RUN"),
]

# PROVENANCE.md, "Figures a replay of the Pierce County training portion must reproduce".
PUBLISHED = {
    "bookings": 5032,
    "bookings_with_hold": 115,
    "detainer_group": 109,
    "mean_days": 60.5996,
    "median_days": 26.4854,
    "max_days": 405.5181,
    "felony_n": 85,
    "felony_mean_days": 72.2619,
    "misdemeanor_n": 24,
    "misdemeanor_mean_days": 19.2955,
    "held_longer_n": 26,
    "held_longer_hours": 166.18,
    "held_longer_median_hours": 2.32,
    "excess_days_vs_no_hold_mean": 3678.26,
    "excess_cost_dollars": 463460.77,
    "paid_bail_n": 3,
    "released_to_ice_group": 73,
    "released_to_ice_all_holds": 76,
    "released_to_ice_mean_days": 47.6760,
    "released_to_ice_median_days": 22.3590,
}


@pytest.fixture(scope="module")
def pierce() -> tuple[object, list[dict[str, object]]]:
    mapping = load_mapping("pierce")
    imported = import_file(PIERCE / "pierce_bookings_train.csv.gz", mapping)
    assert imported.bad_rows == []
    return mapping, imported.rows


def _round_as_published(figure: str, got: float) -> float:
    digits = len(str(PUBLISHED[figure]).partition(".")[2])
    return round(got, digits)


@pytest.mark.parametrize("figure", sorted(PUBLISHED))
def test_published_figure(pierce: tuple[object, list[dict[str, object]]], figure: str) -> None:
    mapping, rows = pierce
    got = study_figures(rows, mapping)[figure]  # type: ignore[arg-type]
    assert _round_as_published(figure, got) == PUBLISHED[figure]


@pytest.fixture(scope="module")
def renamed_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new export of the same source: a folder whose files have other names (the bookings
    as a plain-named gzip, the charges decompressed), beside files that are not the export."""
    folder = tmp_path_factory.mktemp("new-export")
    (folder / "export-2026-11.dat").write_bytes(
        (PIERCE / "pierce_bookings_train.csv.gz").read_bytes()
    )
    with gzip.open(PIERCE / "pierce_charges_train.csv.gz", "rb") as handle:
        (folder / "charge rows.csv").write_bytes(handle.read())
    (folder / "README.txt").write_text("notes from the records office\n")
    (folder / "bail.csv.gz").write_bytes((PIERCE / "pierce_bail_train.csv.gz").read_bytes())
    return folder


@pytest.fixture(scope="module")
def cli_payload(renamed_export: Path) -> dict[str, object]:
    from typer.testing import CliRunner

    from detainer_desk.cli import app

    result = CliRunner().invoke(
        app, ["replay", str(renamed_export), "--policy", "actual", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    payload: dict[str, object] = json.loads(result.stdout)  # the whole stdout is the document
    return payload


@pytest.mark.parametrize("figure", sorted(PUBLISHED))
def test_published_figure_from_a_renamed_export_through_the_cli(
    cli_payload: dict[str, object], figure: str
) -> None:
    figures = {f["key"]: f for f in cli_payload["figures"]}  # type: ignore[attr-defined]
    assert figures[figure]["label"]  # each figure says what it measures
    assert _round_as_published(figure, figures[figure]["value"]) == PUBLISHED[figure]


def test_renamed_export_pr_share_period_and_labels(cli_payload: dict[str, object]) -> None:
    figures = {f["key"]: f["value"] for f in cli_payload["figures"]}  # type: ignore[attr-defined]
    assert (figures["pr_charge_rows"], figures["charge_rows"]) == (15, 371)
    assert round(figures["pr_share_pct"], 4) == 4.0431
    assert round(figures["paid_bail_pct"], 2) == 2.75  # 3 of 109, PROVENANCE.md
    assert cli_payload["period"] == "released 2016-10-01..2017-09-30 (from the data)"
    assert [Path(f).name for f in cli_payload["files"]] == ["export-2026-11.dat"]  # type: ignore[attr-defined]
    months = cli_payload["monthly"]
    assert sum(m["detainer_group"] for m in months) == 109  # type: ignore[attr-defined]
    assert len(months) == 12  # type: ignore[arg-type]
    assert "NOT the study's extra cost" in cli_payload["result_columns"]["cost_dollars"]  # type: ignore[index]
    assert cli_payload["biases"] and cli_payload["dominance"]


def test_policies_side_by_side(pierce: tuple[object, list[dict[str, object]]]) -> None:
    mapping, rows = pierce
    actual = replay_actual(rows, mapping)  # type: ignore[arg-type]
    denver = replay_policy(rows, mapping, parse_policy("denver@2017-09-28"), default_library())  # type: ignore[arg-type]
    texas = replay_policy(rows, mapping, parse_policy("texas@2017-09-28"), default_library())  # type: ignore[arg-type]
    assert actual.holds_honoured == 26 and actual.hold_hours == 166.18
    assert (
        denver.holds_honoured == 0
        and denver.hold_hours == 0
        and denver.notifications_permitted == 109
    )
    # Texas honours every hold, but never past its 48-hour window: the >900 h anomalies are capped.
    assert texas.holds_honoured == 26 and 0 < texas.hold_hours < actual.hold_hours


def test_bad_rows_reported_and_the_rest_replayed(tmp_path: Path) -> None:
    with gzip.open(PIERCE / "pierce_bookings_train.csv.gz", "rt") as handle:
        lines = handle.read().splitlines()
    header = lines[0].split(",")
    broken = lines[:4]
    cells = broken[2].split(",")
    cells[header.index("time_detained_days")] = ""
    broken[2] = ",".join(cells)
    cells = broken[3].split(",")
    cells[header.index("imm_hold")] = "yes"
    broken[3] = ",".join(cells)
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(broken) + "\n")
    imported = import_file(path, load_mapping("pierce"))
    assert [str(b) for b in imported.bad_rows] == [
        f"{path}:3: time_detained_days: empty but required",
        f"{path}:4: imm_hold: must be 0 or 1, not 'yes'",
    ]
    assert len(imported.rows) == 1


def test_cli_replay() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "detainer_desk.cli",
            "replay",
            str(PIERCE),
            "--json",
            "--policy",
            "actual",
            "--policy",
            "denver@2017-09-28",
            "--policy",
            "texas@2017-09-28",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [r["policy"] for r in payload["results"]] == [
        "actual",
        "denver@2017-09-28",
        "texas@2017-09-28",
    ]


def test_personal_recognizance_share_as_published(
    pierce: tuple[object, list[dict[str, object]]],
) -> None:
    from detainer_desk.replay.replay import personal_recognizance_share

    _, rows = pierce
    charges = PIERCE / "pierce_charges_train.csv.gz"
    pr, total = personal_recognizance_share(charges, rows)  # type: ignore[arg-type]
    assert (pr, total) == (15, 371)
    assert round(100 * pr / total, 4) == 4.0431
