"""The columnar replay gives exactly what deciding every booking one by one gives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pytest

from detainer_desk.law import default_library
from detainer_desk.law.hold_limit import hold_ends_at
from detainer_desk.replay import (
    import_file,
    load_mapping,
    parse_policy,
    replay_actual,
    replay_policy,
)
from detainer_desk.replay.columnar import BOOKINGS_DDL, replay_columnar, replay_rows
from detainer_desk.replay.mapping import FormRule
from detainer_desk.replay.replay import decide_replayed
from detainer_desk.vocabulary import Action, Effect, Form, WarrantKind
from tests.helpers import SHARED

PIERCE = SHARED / "data" / "pierce" / "pierce_bookings_train.csv.gz"


@pytest.mark.data
@pytest.mark.skipif(not PIERCE.exists(), reason="shared/data is not beside the repo: NOT RUN")
def test_columnar_equals_row_replay_on_pierce() -> None:
    mapping = load_mapping("pierce")
    rows = import_file(PIERCE, mapping).rows
    specs = [
        parse_policy(p)
        for p in (
            "denver@2017-09-28",
            "texas@2017-09-28",
            "washington",
            "texas",
            "california@2018-06-01",
            "massachusetts@2017-09-28",
        )
    ]
    library = default_library()
    assert replay_rows(rows, mapping, specs, library) == [
        replay_policy(rows, mapping, s, library) for s in specs
    ]


def _synthetic(n: int) -> list[tuple[object, ...]]:
    rng = random.Random(9)
    out: list[tuple[object, ...]] = []
    for i in range(n):
        booked = datetime(2016, 10, 1) + timedelta(hours=rng.randint(0, 24 * 360))
        eligible = None if i % 17 == 0 else booked + timedelta(hours=rng.randint(1, 400))
        excess = rng.choice([0.0, 0.0, rng.uniform(0, 150)])
        out.append((f"S{i}", booked, eligible, excess, i % 10 != 0))
    return out


@pytest.mark.parametrize(
    "policy", ["denver@2017-09-28", "texas@2017-09-28", "texas", "federal@2013-06-01"]
)
@pytest.mark.parametrize("weekend_form", [False, True])
def test_columnar_equals_per_record_cedar(policy: str, weekend_form: bool) -> None:
    """Every booking decided one by one (no cache) vs the batched replay, row for row."""
    mapping = load_mapping("pierce")
    if weekend_form:  # the 2012 I-247: 48 h excluding weekends and holidays
        mapping = mapping.model_copy(
            update={
                "request": mapping.request.model_copy(
                    update={"forms": (FormRule(form=Form.I_247, warrant_kind=WarrantKind.none),)}
                )
            }
        )
    spec, library = parse_policy(policy), default_library()
    rows = _synthetic(600)
    con = duckdb.connect()
    con.execute(BOOKINGS_DDL)
    con.executemany("INSERT INTO bookings VALUES (?, ?, ?, ?, ?)", rows)
    batched = replay_columnar(con, mapping, spec, library)
    hours = []
    notified = 0
    for _, booked, eligible, excess, in_group in rows:
        if not in_group:
            continue
        assert isinstance(booked, datetime)
        day = spec.on or booked.date()
        rule = mapping.request.form_on(booked.date())
        decision = decide_replayed(mapping, spec.pack, rule, day, library)
        hold = decision.action(Action.hold_beyond_release)
        h = 0.0
        if hold.effect is Effect.permit and hold.hold_limit is not None:
            limit = hold.hold_limit
            if isinstance(eligible, datetime):
                end = hold_ends_at(eligible, limit.hours, limit.excludes_weekends_and_holidays)
                h = min(float(excess), (end - eligible).total_seconds() / 3600)  # type: ignore[arg-type]
        elif hold.effect is Effect.permit:
            h = float(excess)  # type: ignore[arg-type]
        hours.append(h)
        notified += decision.action(Action.notify_release).effect is Effect.permit
    assert batched.bookings_with_hold == len(hours)
    assert batched.holds_honoured == sum(h > 0 for h in hours)
    assert batched.hold_hours == round(sum(hours), 2)
    assert batched.notifications_permitted == notified
    con.close()


def test_weekend_window_really_differs_from_flat(tmp_path: Path) -> None:
    """Guard that the weekend case above exercises something: a Friday start gets more hours."""
    friday = datetime(2017, 9, 29, 10)
    assert (hold_ends_at(friday, 48, True) - friday) > (hold_ends_at(friday, 48, False) - friday)


@pytest.mark.data
@pytest.mark.skipif(not PIERCE.exists(), reason="shared/data is not beside the repo: NOT RUN")
def test_replay_cli_writes_the_comparison_and_its_chart(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from detainer_desk.cli import app

    result = CliRunner().invoke(
        app,
        [
            "replay",
            str(PIERCE.parent),
            "--policy",
            "actual",
            "--policy",
            "denver@2017-09-28",
            "--policy",
            "texas@2017-09-28",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads((tmp_path / "replay.json").read_text())
    assert [r["policy"] for r in payload["results"]] == [
        "actual",
        "denver@2017-09-28",
        "texas@2017-09-28",
    ]
    results = {r["policy"]: r for r in payload["results"]}
    # one row per booking of the study group; its per-policy columns add up to the summary
    table = (
        duckdb.connect()
        .execute(
            f'SELECT count(*), sum("actual hours"), sum("texas@2017-09-28 hours"), '
            f'sum("texas@2017-09-28 cost"), count(*) FILTER ("denver@2017-09-28 hold" = \'deny\') '
            f"FROM read_parquet('{tmp_path / 'bookings.parquet'}')"
        )
        .fetchall()[0]
    )
    assert table[0] == 109 == results["actual"]["bookings_with_hold"]
    assert round(table[1], 2) == results["actual"]["hold_hours"] == 166.18
    assert round(table[2], 2) == results["texas@2017-09-28"]["hold_hours"]
    assert abs(table[3] - results["texas@2017-09-28"]["cost_dollars"]) < 0.5  # rounded per row
    assert table[4] == 109
    csv_lines = (tmp_path / "bookings.csv").read_text().splitlines()
    assert len(csv_lines) == 110 and csv_lines[0].startswith("booking_id,booked_at")
    for name in ("replay.svg", "hold-hours.svg", "monthly.svg"):
        root = ElementTree.parse(tmp_path / name).getroot()  # well-formed XML or it raises
        assert root.tag.endswith("svg")
        assert "Pierce County" in root.get("aria-label", "")
    svg = (tmp_path / "replay.svg").read_text()
    assert '"Unequal Justice"' in ElementTree.parse(tmp_path / "replay.svg").getroot().get(
        "aria-label", ""
    )  # the title's quotes survive, escaped
    assert "texas@2017-09-28" in svg
    assert "2017-09-30" in svg  # the period, from the data, in the (wrapped, unclipped) title


TRAVIS = SHARED / "data" / "travis" / "travis_detainer_bookings_train.csv.gz"


@pytest.mark.data
@pytest.mark.skipif(not TRAVIS.exists(), reason="shared/data is not beside the repo: NOT RUN")
def test_travis_mapping_imports_and_replays_before_and_after_sb4() -> None:
    mapping = load_mapping("travis")
    imported = import_file(TRAVIS, mapping)
    assert len(imported.rows) == 9174 and imported.bad_rows == []  # PROVENANCE.md, files table
    assert imported.period_label() == "booked 1991-08-17..2015-09-26 (from the data)"
    library = default_library()
    specs = [parse_policy(p) for p in ("texas@2016-06-01", "texas@2017-09-28")]
    before, after = replay_rows(imported.rows, mapping, specs, library)
    assert before == replay_policy(imported.rows, mapping, specs[0], library)
    assert after == replay_policy(imported.rows, mapping, specs[1], library)
    assert before.holds_honoured == 0 < after.holds_honoured  # SB 4 requires honouring detainers
    assert after.cost_dollars is None  # the source gives no daily rate: none is invented
    actual = replay_actual(imported.rows, mapping)
    assert actual.released_to_immigration == sum(
        r["hold_release_disposition"] == "RELEASED TO ICE"
        for r in imported.rows
        if r["in_study_population"]
    )
