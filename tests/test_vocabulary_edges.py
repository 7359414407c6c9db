"""Papers the format must describe (issue 10 item 6), and the bad ones it must refuse."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from detainer_desk import Action, Effect, decide
from detainer_desk.errors import InputError
from detainer_desk.request.document import parse_request
from detainer_desk.vocabulary import WarrantKind
from tests.helpers import JUDICIAL_PAPER, article_request

ON = date(2017, 9, 27)


def with_request(jurisdiction: str = "denver", **request: Any) -> dict[str, Any]:
    doc = article_request(jurisdiction=jurisdiction)
    doc["request"].update(request)
    return doc


def refused_field(doc: dict[str, Any]) -> str | None:
    with pytest.raises(InputError) as caught:
        parse_request(doc)
    return caught.value.field


def test_an_immigration_judge_order_is_civil_never_a_judicial_warrant() -> None:
    kind = WarrantKind.immigration_judge_order
    assert not kind.is_judicial and not kind.is_administrative
    doc = with_request(warrant_kind="immigration_judge_order", kind="interview_request")
    interview = decide(doc, on=ON).action(Action.allow_in_person_interview)
    assert interview.effect is Effect.deny  # Denver § 28-252(a) wants a federal judge's warrant
    nyc = with_request("new-york-city", warrant_kind="immigration_judge_order")
    nyc["agency"] = {"kind": "department_of_correction"}
    nyc["booking"]["convictions"] = [
        {
            "offence": "PL 160.15",
            "level": "felony",
            "lists": ["nyc_violent_or_serious_crime"],
            "convicted_on": "2016-01-01",
        }
    ]
    hold = decide(nyc, on=ON).action(Action.hold_beyond_release)
    assert hold.effect is Effect.deny and "9-131" in hold.reason
    judicial = dict(
        nyc,
        request={
            **nyc["request"],
            "warrant_kind": "judicial_criminal_warrant",
            "judicial_warrant": JUDICIAL_PAPER,
        },
    )
    assert decide(judicial, on=ON).action(Action.hold_beyond_release).effect is Effect.permit


def test_unknown_warrant_kind_is_refused_naming_the_field() -> None:
    assert refused_field(with_request(warrant_kind="immigration_judge_warrant")) == (
        "request.warrant_kind"
    )


def test_a_judicial_warrant_records_court_judge_and_offence() -> None:
    paper = {
        "issuing_court": "U.S. District Court for the District of Colorado",
        "judge": "Magistrate Judge A. Example",
        "offence": "8 U.S.C. § 1326 (reentry after removal)",
        "issued_on": "2017-09-26",
    }
    doc = parse_request(
        with_request(warrant_kind="judicial_criminal_warrant", judicial_warrant=paper)
    )
    assert doc.request.judicial_warrant is not None
    assert doc.request.judicial_warrant.offence.startswith("8 U.S.C.")
    assert refused_field(with_request(judicial_warrant=paper)) == "request.judicial_warrant"
    assert refused_field(
        with_request(warrant_kind="judicial_criminal_warrant", judicial_warrant={"judge": "X"})
    ).startswith("request.judicial_warrant")


@pytest.mark.parametrize("form", ["I-247D", "I-247N", "I-247X"])
def test_a_withdrawn_form_issued_after_2017_04_02_is_refused(form: str) -> None:
    assert refused_field(with_request(form=form, issued_on="2017-04-03")) == "request.issued_on"
    parse_request(with_request(form=form, issued_on="2017-04-02"))  # the last day is fine


def test_a_withdrawn_form_without_its_date_denies_holds_and_reviews_the_rest() -> None:
    decision = decide(with_request(form="I-247D"), on=ON)
    hold, notify = decision.action("hold_beyond_release"), decision.action("notify_release")
    assert hold.effect is Effect.deny and notify.effect is Effect.review_required
    assert "request.form_issued_after_withdrawal" in notify.missing_facts
    active = decide(with_request(form="I-247D", issued_on="2017-03-01"), on=ON)
    assert active.action("notify_release").effect is Effect.permit
    early = with_request(form="I-247D")
    early["received_at"] = "2016-05-01T09:00:00"
    assert decide(early).action("notify_release").missing_facts == ()


def test_priority_boxes_only_on_an_i247d() -> None:
    boxes = ["aggravated_felony", "significant_misdemeanor"]
    doc = parse_request(with_request(form="I-247D", issued_on="2016-01-05", priority_bases=boxes))
    assert [b.value for b in doc.request.priority_bases] == boxes
    assert refused_field(with_request(priority_bases=boxes)) == "request.priority_bases"
    assert refused_field(with_request(form="I-247D", priority_bases=["priority_1"])).startswith(
        "request.priority_bases"
    )


def test_investigation_initiated_only_on_the_pre_2012_i247() -> None:
    basis = {"probable_cause_bases": ["investigation_initiated"]}
    parse_request(with_request(form="I-247", **basis))
    assert refused_field(with_request(**basis)) == "request.probable_cause_bases"


def test_a_booking_handled_by_a_287g_officer() -> None:
    doc = article_request()
    doc["booking"]["handled_by_287g_officer"] = True
    assert parse_request(doc).booking.handled_by_287g_officer is True


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"warrant_kind": "immigration_judge_warrant"}, "request.warrant_kind"),
        ({"form": "I-247X", "issued_on": "2018-01-01"}, "request.issued_on"),
    ],
)
def test_cli_exits_2_naming_the_field(
    tmp_path: Path, request_fields: dict[str, Any], field: str
) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(with_request(**request_fields)))
    done = subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", "decide", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and field in done.stderr and "Traceback" not in done.stderr
