"""Issue 10 at the desk: local calendar, exceptions established, bounded overrides."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detainer_desk import decide
from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.errors import AccessError, ConflictError, InputError
from detainer_desk.web.app import create_app
from tests.helpers import JUDICIAL_PAPER

from .helpers import DENVER_OFFICE, TEXAS_OFFICE, booked, detainer, event


@pytest.fixture
def texas_desk(settings: DeskSettings, clock: SettableClock) -> Iterator[Desk]:
    austin = settings.with_changes(timezone="America/Chicago")
    initialise(austin)
    opened = open_desk(austin, clock)
    yield opened
    opened.close()


@pytest.fixture
def texas_api(texas_desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(texas_desk, worker=False)) as client:
        clerk = texas_desk.create_token("clerk-1", "clerk")
        client.headers["Authorization"] = f"Bearer {clerk}"
        yield client


@pytest.mark.parametrize("written", ["2017-09-24T23:30:00-05:00", "2017-09-25T04:30:00Z"])
def test_desk_decides_the_austin_instant_on_its_local_date(
    texas_api: TestClient, written: str
) -> None:
    texas_api.post("/api/events", json=booked("TX-9", "texas", "2017-09-20T10:00:00"))
    document = detainer("TX-9", "texas", TEXAS_OFFICE, received_at=written)
    response = texas_api.post("/api/requests", json=document)
    assert response.status_code == 201, response.text
    assert response.json()["effects"]["hold_beyond_release"] == "deny"
    detail = texas_api.get(f"/api/requests/{response.json()['id']}").json()
    assert detail["decisions"][-1]["document"]["decided_on"] == "2017-09-24"
    # `decide` on the same document (the desk's zone as the agency's) gives the same answer
    document["agency"] = {"time_zone": "America/Chicago"}
    assert decide(document).action("hold_beyond_release").effect.value == "deny"


PROOF = "tx.ccp.2_251b.proof-exception"


def _ledger_size(desk: Desk) -> int:
    from sqlalchemy import func, select

    from detainer_desk.ledger.tables import LedgerEntry

    with desk.sessions() as session:
        return int(session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one())


def _hold(detail: dict[str, object]) -> dict[str, object]:
    decisions = detail["decisions"]
    assert isinstance(decisions, list)
    actions = decisions[-1]["document"]["actions"]
    return next(a for a in actions if a["action"] == "hold_beyond_release")


def test_exception_in_the_document_decides_as_decide_does(texas_api: TestClient) -> None:
    texas_api.post("/api/events", json=booked("TX-E1", "texas"))
    document = detainer("TX-E1", "texas", TEXAS_OFFICE)
    document["exceptions_established"] = [
        {"exception": PROOF, "determined_by": "counsel", "determined_on": "2017-09-27"}
    ]
    response = texas_api.post("/api/requests", json=document)
    assert response.status_code == 201, response.text
    assert response.json()["effects"]["hold_beyond_release"] == "deny"
    expected = decide(document).action("hold_beyond_release")
    assert (expected.effect.value, expected.required) == ("deny", False)
    detail = texas_api.get(f"/api/requests/{response.json()['id']}").json()
    assert _hold(detail)["required"] is False
    assert detail["exceptions_established"][0]["exception"] == PROOF


def test_counsel_records_an_exception_on_an_existing_request(
    texas_desk: Desk, texas_api: TestClient
) -> None:
    texas_api.post("/api/events", json=booked("TX-E2", "texas"))
    rid = texas_api.post("/api/requests", json=detainer("TX-E2", "texas", TEXAS_OFFICE)).json()[
        "id"
    ]
    assert texas_api.get(f"/api/requests/{rid}").json()["effects"]["hold_beyond_release"] == (
        "permit"
    )
    body = {"exception": PROOF, "determined_by": "counsel", "determined_on": "2017-09-27"}
    counsel = {"Authorization": f"Bearer {texas_desk.create_token('c', 'counsel')}"}
    before = _ledger_size(texas_desk)
    clerk = texas_api.post(f"/api/requests/{rid}/exceptions", json=body)
    assert clerk.status_code == 403
    unknown = texas_api.post(
        f"/api/requests/{rid}/exceptions", json={**body, "exception": "tx.nope"}, headers=counsel
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "exception"
    assert _ledger_size(texas_desk) == before  # nothing half-written
    done = texas_api.post(f"/api/requests/{rid}/exceptions", json=body, headers=counsel)
    assert done.status_code == 201, done.text
    assert done.json()["effects"]["hold_beyond_release"] == "deny"
    hold = _hold(done.json())
    assert hold["required"] is False and hold["provisions"][0]["id"] == PROOF
    assert done.json()["decisions"][-1]["trigger"] == "exception_established"
    again = texas_api.post(f"/api/requests/{rid}/exceptions", json=body, headers=counsel)
    assert again.status_code == 409


# -- overrides: never unbounded, never silent -------------------------------------------------

SUPERVISOR = Actor("sam", Role.supervisor)
COUNSEL = Actor("cora", Role.counsel)
CLERK = Actor("cleo", Role.clerk)
BASIS = "fed.8cfr287_7d.hold-only-on-detainer"
PERMIT_HOLD = {
    "action": "hold_beyond_release",
    "effect": "permit",
    "reason": "Counsel reviewed the federal order; hold for ICE pickup.",
}


def _denver_request(desk: Desk, booking_id: str) -> int:
    desk.record_event(SUPERVISOR, booked(booking_id, "denver"))
    request = desk.receive_request(SUPERVISOR, detainer(booking_id, "denver", DENVER_OFFICE))
    assert request["effects"]["hold_beyond_release"] == "deny"
    return int(request["id"])


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({}, "provision"),
        ({"provision": "den.no-such-rule"}, "provision"),
        ({"judicial_warrant_attached": True}, "judicial_warrant_attached"),
        ({"effect": "review_required"}, "effect"),
        ({"reason": "short"}, "reason"),
        ({"effect": ""}, "effect"),
    ],
)
def test_an_override_permitting_a_denied_hold_without_basis_is_refused(
    desk: Desk, extra: dict[str, Any], field: str
) -> None:
    rid = _denver_request(desk, "DEN-O1")
    before = _ledger_size(desk)
    with pytest.raises(InputError) as caught:
        desk.override(SUPERVISOR, rid, {**PERMIT_HOLD, **extra})
    assert caught.value.field == field
    assert _ledger_size(desk) == before  # nothing half-written
    assert desk.request_detail(SUPERVISOR, rid)["overrides"] == []


def test_override_needs_counsel_then_ends_48h_after_eligibility_and_alarms(
    desk: Desk, clock: SettableClock
) -> None:
    rid = _denver_request(desk, "DEN-O2")
    pending = desk.override(SUPERVISOR, rid, {**PERMIT_HOLD, "provision": BASIS})
    assert pending["overrides"][0]["status"] == "pending"
    assert pending["overrides"][0]["hold_hours"] == 48
    assert pending["effects"]["hold_beyond_release"] == "deny"  # nothing changes yet
    oid = pending["overrides"][0]["id"]
    for actor in (CLERK, SUPERVISOR):
        with pytest.raises(AccessError):
            desk.confirm_override(actor, oid, {"note": "ok"})
    confirmed = desk.confirm_override(COUNSEL, oid, {"note": "Basis checked."})
    assert confirmed["effects"]["hold_beyond_release"] == "permit"
    assert confirmed["overrides"][0]["confirmed_by"] == "counsel:cora"
    with pytest.raises(ConflictError):
        desk.confirm_override(COUNSEL, oid, {"note": "again"})

    desk.record_event(SUPERVISOR, event("DEN-O2", "release_eligible", "2017-09-27T08:00:00"))
    detail = desk.request_detail(SUPERVISOR, rid)
    ends = datetime.fromisoformat(detail["hold_ends_at"])
    eligible = datetime(2017, 9, 27, 8, tzinfo=ZoneInfo("America/Denver"))
    assert ends == eligible + timedelta(hours=48)
    # the re-decision on release eligibility still denies: both stay visible, with an alarm
    assert detail["effects"]["hold_beyond_release"] == "permit"
    assert _hold(detail)["effect"] == "deny"
    kinds = {a["kind"] for a in desk.alarms(SUPERVISOR)}
    assert "override_conflicts_with_decision" in kinds

    clock.set(ends.astimezone(UTC) - timedelta(hours=1))
    desk.check_clock()
    clock.set(ends.astimezone(UTC) + timedelta(minutes=1))
    desk.check_clock()
    kinds = {a["kind"] for a in desk.alarms(SUPERVISOR) if a["request"] == rid}
    assert {"hold_deadline_approaching", "hold_deadline_passed"} <= kinds


def test_an_override_may_deny_without_counsel(desk: Desk) -> None:
    rid = _denver_request(desk, "DEN-O3")
    done = desk.override(
        SUPERVISOR, rid, {"action": "notify_release", "effect": "deny", "reason": "A sentence."}
    )
    assert done["overrides"][0]["status"] == "active"
    assert done["effects"]["notify_release"] == "deny"


# -- property: random events, overrides and re-decisions --------------------------------------

Op = tuple[str, int]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(min_value=1, max_value=30)),
        st.tuples(
            st.sampled_from(["eligible", "override_permit", "override_deny", "redecide", "tick"]),
            st.just(0),
        ),
    ),
    min_size=1,
    max_size=12,
)


def test_every_permitted_hold_has_an_end_and_the_clock_alarms_when_it_passes(
    desk: Desk, clock: SettableClock
) -> None:
    counter = itertools.count()
    outcomes = {"passed": 0, "denied": 0}

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(jurisdiction=st.sampled_from(["denver", "texas"]), steps=ops)
    def run(jurisdiction: str, steps: list[Op]) -> None:
        clock.set(datetime(2017, 9, 27, 12, tzinfo=UTC))
        booking_id = f"P-{next(counter)}"
        office = DENVER_OFFICE if jurisdiction == "denver" else TEXAS_OFFICE
        desk.record_event(SUPERVISOR, booked(booking_id, jurisdiction))
        rid = int(
            desk.receive_request(SUPERVISOR, detainer(booking_id, jurisdiction, office))["id"]
        )
        eligible = False
        warrant = "administrative_I200"
        for op, hours in steps:
            if op == "advance":
                clock.set(clock.now() + timedelta(hours=hours))
            elif op == "eligible" and not eligible:
                at = clock.now().isoformat()
                desk.record_event(SUPERVISOR, event(booking_id, "release_eligible", at))
                eligible = True
            elif op == "override_permit":
                made = desk.override(SUPERVISOR, rid, {**PERMIT_HOLD, "provision": BASIS})
                pending = [o for o in made["overrides"] if o["status"] == "pending"]
                if pending:
                    desk.confirm_override(COUNSEL, pending[-1]["id"], {"note": "checked"})
            elif op == "override_deny":
                desk.override(
                    SUPERVISOR,
                    rid,
                    {"action": "hold_beyond_release", "effect": "deny", "reason": "No hold here."},
                )
            elif op == "redecide":
                warrant = (
                    "judicial_criminal_warrant"
                    if warrant == "administrative_I200"
                    else "administrative_I200"
                )
                paper = (
                    {"judicial_warrant": JUDICIAL_PAPER} if warrant.startswith("judicial") else {}
                )
                desk.amend_request(SUPERVISOR, rid, {"warrant_kind": warrant, **paper})
            elif op == "tick":
                desk.check_clock()
            detail = desk.request_detail(SUPERVISOR, rid)
            permitted = detail["effects"]["hold_beyond_release"] == "permit"
            if permitted and eligible:
                assert detail["hold_ends_at"] is not None, "a permitted hold without an end"
        if not eligible:
            desk.record_event(
                SUPERVISOR, event(booking_id, "release_eligible", clock.now().isoformat())
            )
        detail = desk.request_detail(SUPERVISOR, rid)
        if detail["effects"]["hold_beyond_release"] == "permit":
            ends = datetime.fromisoformat(detail["hold_ends_at"])
            outcomes["passed"] += 1
            clock.set(max(clock.now(), ends.astimezone(UTC)) + timedelta(minutes=1))
            desk.check_clock()
            kinds = {a["kind"] for a in desk.alarms(SUPERVISOR) if a["request"] == rid}
            assert "hold_deadline_passed" in kinds
        else:
            clock.set(clock.now() + timedelta(hours=3))
            desk.check_clock()
            kinds = {
                a["kind"]
                for a in desk.alarms(SUPERVISOR)
                if a["booking_id"] == booking_id and a["request"] is None
            }
            assert "held_after_release_eligible" in kinds
            outcomes["denied"] += 1
        desk.record_event(SUPERVISOR, event(booking_id, "released", clock.now().isoformat()))

    run()
    assert outcomes["passed"] and outcomes["denied"]  # both kinds of ending were exercised


def test_desk_refuses_a_withdrawn_form_issued_late_and_writes_nothing(
    desk: Desk,
) -> None:
    desk.record_event(SUPERVISOR, booked("DEN-V1", "denver"))
    document = detainer("DEN-V1", "denver", DENVER_OFFICE)
    document["request"].update(form="I-247D", issued_on="2017-06-01")
    before = _ledger_size(desk)
    with pytest.raises(InputError) as caught:
        desk.receive_request(SUPERVISOR, document)
    assert caught.value.field == "request.issued_on"
    assert _ledger_size(desk) == before
    assert desk.queue(SUPERVISOR) == []


def test_desk_amends_with_the_judicial_warrant_details(desk: Desk) -> None:
    rid = _denver_request(desk, "DEN-V2")
    paper = {
        "issuing_court": "U.S. District Court, D. Colo.",
        "judge": "Magistrate Judge A. Example",
        "offence": "8 U.S.C. § 1326",
    }
    with pytest.raises(InputError) as caught:
        desk.amend_request(
            SUPERVISOR, rid, {"warrant_kind": "immigration_judge_order", "judicial_warrant": paper}
        )
    assert caught.value.field == "judicial_warrant"
    done = desk.amend_request(
        SUPERVISOR, rid, {"warrant_kind": "judicial_criminal_warrant", "judicial_warrant": paper}
    )
    assert done["warrant_kind"] == "judicial_criminal_warrant"
    assert done["decisions"][-1]["trigger"] == "warrant_attached"
