"""Status questions, exactly (issue 10 item 7): § 1373 is a limit, status and birthplace apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from detainer_desk import Action, Effect, decide
from tests.helpers import article_request

SHARE = Action.share_immigration_status_or_birthplace


def asking(jurisdiction: str, *sought: str) -> dict[str, Any]:
    doc = article_request(jurisdiction=jurisdiction)
    doc["request"].update(kind="information_request", information_sought=list(sought))
    doc["request"].pop("actions", None)
    return doc


def test_1373_is_a_limit_on_local_restrictions_not_a_grant() -> None:
    status = decide(asking("federal", "immigration_status"), on=date(2017, 9, 27)).action(SHARE)
    assert status.effect is Effect.permit
    assert "not a grant" in status.reason and "permitted by" not in status.reason
    assert status.parts == ()  # one subject asked: one answer


@pytest.mark.parametrize(
    ("jurisdiction", "on", "status_effect"),
    [
        ("california", date(2018, 6, 1), Effect.permit),
        ("denver", date(2017, 9, 27), Effect.permit),
        ("washington", date(2020, 3, 1), Effect.review_required),
    ],
)
def test_status_and_birthplace_are_answered_separately(
    jurisdiction: str, on: date, status_effect: Effect
) -> None:
    both = decide(asking(jurisdiction, "immigration_status", "birthplace"), on=on).action(SHARE)
    parts = {p.subject: p for p in both.parts}
    assert set(parts) == {"immigration_status", "birthplace"}
    assert parts["immigration_status"].effect is status_effect
    assert parts["birthplace"].effect is Effect.deny
    assert both.effect is Effect.deny  # the combined question is answered by the stricter part
    assert both.to_dict()["parts"][1]["subject"] == "birthplace"


def test_california_shares_status_only_if_known_and_never_inquires() -> None:
    status = decide(asking("california", "immigration_status"), on=date(2018, 6, 1)).action(SHARE)
    assert status.effect is Effect.permit
    assert "ca.gc.7284_6a1A.status-only-if-known" in {c["id"] for c in status.conditions}
    both = decide(asking("california", "immigration_status", "birthplace"), on=date(2018, 6, 1))
    part = next(p for p in both.action(SHARE).parts if p.subject == "immigration_status")
    assert part.conditions == ("ca.gc.7284_6a1A.status-only-if-known",)


def test_truth_act_notice_and_public_records_when_a_release_date_is_shared() -> None:
    doc = article_request(jurisdiction="california")
    notify = decide(doc, on=date(2017, 6, 1)).action(Action.notify_release)
    ids = {c["id"] for c in notify.conditions}
    assert {"ca.gc.7283_1b.notify-person-too", "ca.gc.7283_1c.public-records"} <= ids


def test_an_i247a_hold_requires_serving_the_copy() -> None:
    hold = decide(article_request(jurisdiction="texas"), on=date(2017, 9, 27)).action(
        Action.hold_beyond_release
    )
    assert "fed.i247a-guidance.serve-copy" in {c["id"] for c in hold.conditions}


def test_readable_output_shows_each_subject(tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(asking("denver", "immigration_status", "birthplace")))
    done = subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", "decide", str(path), "--on", "2017-09-27"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert "immigration_status: permit" in done.stdout and "birthplace: deny" in done.stdout
