"""A decision's conditions as a checklist (issue 13): each tick is its own ledger entry, shown
with who and when; only the decision's own conditions, by the roles that record, and nothing
written when any tick is refused. Service, JSON API and staff UI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import SettableClock
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import ConditionTick
from detainer_desk.errors import ConflictError, InputError, PermissionDeniedError
from detainer_desk.ledger.log import verify_database
from detainer_desk.ledger.standalone import VerificationError
from detainer_desk.ledger.tables import LedgerEntry
from detainer_desk.web.app import create_app

from .helpers import DENVER_OFFICE, TEXAS_OFFICE, booked, detainer, event, ui_csrf, ui_login

SUPERVISOR = Actor("sam", Role.supervisor)
CLERK = Actor("kim", Role.clerk)
# Denver, 27 Sep 2017, an I-247A with an I-200: notify_release is permitted under D.R.M.C.
# § 28-253 with one condition (den/policies.cedar, @kind("condition")); the hold is denied and
# carries none. So the checklist has exactly one item.
ADVISE = "den.drmc.28-253.advise-and-record"
TICK = {"action": "notify_release", "condition": ADVISE}


def ledger(desk: Desk) -> list[dict[str, Any]]:
    with desk.sessions() as session:
        bodies = session.execute(select(LedgerEntry.body).order_by(LedgerEntry.seq)).scalars()
        return [json.loads(b) for b in bodies]


def tick_rows(desk: Desk) -> int:
    with desk.sessions() as session:
        return int(session.execute(select(func.count()).select_from(ConditionTick)).scalar_one())


@pytest.fixture
def denver(desk: Desk) -> int:
    desk.record_event(SUPERVISOR, booked("DEN-C", "denver"))
    return int(desk.receive_request(SUPERVISOR, detainer("DEN-C", "denver", DENVER_OFFICE))["id"])


def test_the_checklist_lists_each_condition_once_unticked(desk: Desk, denver: int) -> None:
    detail = desk.request_detail(SUPERVISOR, denver)
    assert [(c["action"], c["condition"], c["ticked"]) for c in detail["conditions"]] == [
        ("notify_release", ADVISE, None)
    ]
    assert detail["condition_ticks"] == []


def test_a_tick_is_one_ledger_entry_with_who_when_and_ids(
    desk: Desk, denver: int, clock: SettableClock
) -> None:
    before = ledger(desk)
    clock.set(datetime(2017, 9, 27, 15, 5, tzinfo=UTC))
    done = desk.record_conditions(
        CLERK, denver, {"ticks": [{**TICK, "note": "Advised in writing, form DEN-7"}]}
    )
    after = ledger(desk)
    assert len(after) == len(before) + 1  # one tick, one entry
    entry = after[-1]
    decision = desk.request_detail(SUPERVISOR, denver)["decisions"][-1]["id"]
    assert entry["kind"] == "condition_met" and entry["actor"] == "clerk:kim"
    assert entry["at"] == "2017-09-27T15:05:00+00:00"
    assert entry["data"] == {
        "tick": 1,
        "request": denver,
        "decision": decision,
        "action": "notify_release",
        "condition": ADVISE,
    }
    assert [r["t"] for r in entry["rows"]] == ["condition_ticks"]  # the row is sealed by it
    assert "DEN-7" not in json.dumps(entry)  # the note is in the row, not in the entry
    [item] = done["conditions"]
    assert item["ticked"]["by"] == "clerk:kim"
    assert item["ticked"]["at"] == "2017-09-27T15:05:00+00:00"
    assert item["ticked"]["note"] == "Advised in writing, form DEN-7"


def test_a_tick_stays_when_the_request_is_decided_again(desk: Desk, denver: int) -> None:
    desk.record_conditions(CLERK, denver, {"ticks": [TICK]})
    first = desk.request_detail(SUPERVISOR, denver)["decisions"][-1]["id"]
    desk.record_event(CLERK, event("DEN-C", "charges_changed", "2017-09-27T09:00:00"))
    detail = desk.request_detail(SUPERVISOR, denver)
    assert detail["decisions"][-1]["id"] > first  # decided again
    [item] = detail["conditions"]
    assert item["ticked"] is not None and item["ticked"]["decision"] == first


@pytest.mark.parametrize(
    ("ticks", "field"),
    [
        ([{"action": "notify_release", "condition": "den.nope"}], "ticks.0.condition"),
        # a real condition id, but not one of this action's
        ([{"action": "hold_beyond_release", "condition": ADVISE}], "ticks.0.condition"),
        # one good tick and one bad: neither is written
        ([TICK, {"action": "notify_release", "condition": "x"}], "ticks.1.condition"),
        ([TICK, TICK], "ticks.1.condition"),  # twice in one go
        ([{**TICK, "note": "n" * 201}], "ticks.0.note"),  # the note is bounded
        ([{**TICK, "note": "a\x00b"}], "ticks[0].note"),  # the desk's NUL check names it so
        ([], "ticks"),
        ([{"action": "fly", "condition": ADVISE}], "ticks.0.action"),
    ],
)
def test_a_refused_tick_writes_nothing(
    desk: Desk, denver: int, ticks: list[dict[str, Any]], field: str
) -> None:
    before = ledger(desk)
    with pytest.raises(InputError) as refused:
        desk.record_conditions(CLERK, denver, {"ticks": ticks})
    assert refused.value.field == field
    assert ledger(desk) == before and tick_rows(desk) == 0


def test_a_condition_is_ticked_once(desk: Desk, denver: int) -> None:
    desk.record_conditions(CLERK, denver, {"ticks": [TICK]})
    before = ledger(desk)
    with pytest.raises(ConflictError, match="already ticked as met by clerk:kim"):
        desk.record_conditions(SUPERVISOR, denver, {"ticks": [TICK]})
    assert ledger(desk) == before and tick_rows(desk) == 1


@pytest.mark.parametrize("role", [Role.counsel, Role.auditor, Role.public])
def test_roles_that_do_not_record_cannot_tick(desk: Desk, denver: int, role: Role) -> None:
    before = ledger(desk)
    with pytest.raises(PermissionDeniedError):
        desk.record_conditions(Actor("x", role), denver, {"ticks": [TICK]})
    with pytest.raises(PermissionDeniedError):  # refused before the body is even read
        desk.record_conditions(Actor("x", role), denver, {"citizenship": "Q"})
    liaison = Actor("ice", Role.federal_liaison, DENVER_OFFICE)
    with pytest.raises(PermissionDeniedError):
        desk.record_conditions(liaison, denver, {"ticks": [TICK]})
    assert ledger(desk) == before and tick_rows(desk) == 0


def test_checklist_ticks_let_an_interview_be_held(desk: Desk) -> None:
    """Denver: a remote interview is permitted with two conditions (D.R.M.C. § 28-252(b));
    it may be marked held once both are ticked on the checklist."""
    desk.record_event(SUPERVISOR, booked("DEN-I", "denver"))
    doc = detainer("DEN-I", "denver", DENVER_OFFICE)
    doc["request"] |= {"kind": "interview_request", "actions": ["allow_remote_interview"]}
    rid = desk.receive_request(SUPERVISOR, doc)["id"]
    items = desk.request_detail(SUPERVISOR, rid)["conditions"]
    assert sorted(c["condition"] for c in items) == [
        "den.drmc.28-252b.public-contact-rules",
        "den.drmc.28-252b.written-advisement",
    ]
    interview = desk.record_interview(CLERK, rid, {"modality": "remote"})["id"]
    held = {"held": True, "outcome": "Held by video."}
    first = {"action": "allow_remote_interview", "condition": items[0]["condition"]}
    desk.record_conditions(CLERK, rid, {"ticks": [first]})
    with pytest.raises(ConflictError, match=items[1]["condition"]):
        desk.interview_outcome(CLERK, interview, held)
    second = {"action": "allow_remote_interview", "condition": items[1]["condition"]}
    desk.record_conditions(CLERK, rid, {"ticks": [second]})
    assert desk.interview_outcome(CLERK, interview, held)["status"] == "held"


def test_ticks_are_append_only_and_verified_from_the_ledger(desk: Desk, denver: int) -> None:
    desk.record_conditions(CLERK, denver, {"ticks": [{**TICK, "note": "done"}]})
    desk.checkpoint()
    vkey = desk.settings.public_key_path.read_text()
    with desk.sessions() as session:
        verify_database(session, vkey)  # honest: passes
    with desk.sessions.begin() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE condition_ticks SET note = 'forged'"))
    with desk.sessions.begin() as session:  # an administrator drops the guard first
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("DROP TRIGGER condition_ticks_no_update"))
        else:
            session.execute(text("DROP TRIGGER condition_ticks_append_only ON condition_ticks"))
        session.execute(text("UPDATE condition_ticks SET note = 'forged'"))
    with desk.sessions() as session, pytest.raises(VerificationError, match="condition_ticks"):
        verify_database(session, vkey)


# -- the JSON API ---------------------------------------------------------------------------


@pytest.fixture
def api(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk, worker=False)) as client:
        yield client


def bearer(desk: Desk, role: str, office: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {desk.create_token(role, role, office)}"}


def test_api_ticks_and_refuses_in_the_envelope(desk: Desk, denver: int, api: TestClient) -> None:
    url = f"/api/requests/{denver}/conditions"
    clerk = bearer(desk, "clerk")
    before = ledger(desk)
    unknown = api.post(url, headers=clerk, json={"ticks": [{**TICK, "condition": "den.nope"}]})
    assert unknown.status_code == 422
    assert unknown.json() == {
        "ok": False,
        "status": 422,
        "error": unknown.json()["error"],
        "field": "ticks.0.condition",
    }
    assert ADVISE in unknown.json()["error"]  # the message names the real choices
    assert ledger(desk) == before
    done = api.post(url, headers=clerk, json={"ticks": [{**TICK, "note": "Advised."}]})
    assert done.status_code == 201, done.text
    assert done.json()["conditions"][0]["ticked"]["by"] == "clerk:clerk"
    again = api.post(url, headers=clerk, json={"ticks": [TICK]})
    assert again.status_code == 409 and again.json()["field"] == "ticks.0.condition"
    assert len(ledger(desk)) == len(before) + 1
    detail = api.get(f"/api/requests/{denver}", headers=clerk).json()
    assert detail["conditions"][0]["ticked"]["note"] == "Advised."


def test_api_refuses_other_roles_and_writes_nothing(
    desk: Desk, denver: int, api: TestClient
) -> None:
    url = f"/api/requests/{denver}/conditions"
    readers = [bearer(desk, role) for role in ("counsel", "auditor", "public")]
    liaison, clerk = bearer(desk, "federal_liaison", DENVER_OFFICE), bearer(desk, "clerk")
    before = ledger(desk)
    for headers in [*readers, liaison]:
        assert api.post(url, headers=headers, json={"ticks": [TICK]}).status_code == 403
    assert api.post(url, json={"ticks": [TICK]}).status_code == 401
    missing = api.post("/api/requests/999/conditions", headers=clerk, json={})
    assert missing.status_code == 422  # the body is checked before the request is looked up
    gone = api.post("/api/requests/999/conditions", headers=clerk, json={"ticks": [TICK]})
    assert gone.status_code == 404
    assert ledger(desk) == before and tick_rows(desk) == 0


def test_openapi_declares_the_route_its_body_and_errors(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    route = spec["paths"]["/api/requests/{request_id}/conditions"]["post"]
    body = route["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ConditionTicksDocument")
    assert {"201", "401", "403", "404", "409", "422"} <= set(route["responses"])
    item = spec["components"]["schemas"]["ConditionTickItem"]["properties"]
    assert item["note"]["anyOf"][0]["maxLength"] == 200


# -- the staff UI ---------------------------------------------------------------------------


@pytest.fixture
def ui(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk, worker=False), follow_redirects=False) as client:
        ui_login(client, desk.create_token("kim", "clerk"))
        yield client


def test_the_page_shows_each_condition_once_and_records_a_tick(
    desk: Desk, denver: int, ui: TestClient
) -> None:
    text_of = desk.request_detail(SUPERVISOR, denver)["conditions"][0]["text"]
    page = ui.get(f"/ui/requests/{denver}").text
    assert page.count(text_of) == 1  # once: the decision table points at the checklist
    assert f'value="notify_release|{ADVISE}"' in page and 'id="conditions-form"' in page
    before = ledger(desk)
    sent = ui.post(
        f"/ui/requests/{denver}/conditions",
        data={
            "tick": f"notify_release|{ADVISE}",
            f"note:notify_release|{ADVISE}": "Advised at booking desk.",
            "csrf": ui_csrf(ui, desk),
        },
    )
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"/ui/requests/{denver}#conditions"
    assert len(ledger(desk)) == len(before) + 1 and ledger(desk)[-1]["kind"] == "condition_met"
    page = ui.get(f"/ui/requests/{denver}").text
    assert "ticked by clerk:kim" in page and "Advised at booking desk." in page
    timeline = ui.get("/ui/bookings/DEN-C").text  # the booking's one timeline has it too
    assert f"clerk:kim: notify release — condition {ADVISE} met" in timeline
    assert page.count(text_of) == 1 and 'id="conditions-form"' not in page  # nothing left open


def test_the_ui_refuses_unknown_ids_forged_forms_and_readers(
    desk: Desk, denver: int, ui: TestClient
) -> None:
    url = f"/ui/requests/{denver}/conditions"
    before = ledger(desk)
    unknown = ui.post(url, data={"tick": "notify_release|den.nope", "csrf": ui_csrf(ui, desk)})
    assert unknown.status_code == 422 and "den.nope" in unknown.text
    nothing = ui.post(url, data={"csrf": ui_csrf(ui, desk)})
    assert nothing.status_code == 422 and "tick at least one" in nothing.text
    good = {"tick": f"notify_release|{ADVISE}"}
    assert ui.post(url, data=good).status_code == 403  # no CSRF token
    assert ui.post(url, data={**good, "csrf": "forged"}).status_code == 403
    elsewhere = {"origin": "https://evil.example"}
    assert (
        ui.post(url, data={**good, "csrf": ui_csrf(ui, desk)}, headers=elsewhere).status_code == 403
    )
    ui.cookies.clear()
    ui_login(ui, desk.create_token("ava", "auditor"))
    page = ui.get(f"/ui/requests/{denver}").text
    assert "not yet ticked" in page and 'id="conditions-form"' not in page  # read-only
    assert ui.post(url, data={**good, "csrf": ui_csrf(ui, desk)}).status_code == 403
    assert [e for e in ledger(desk) if e["kind"] == "condition_met"] == []
    assert (
        len([e for e in ledger(desk) if e["kind"] != "record_read"])
        == len([e for e in before if e["kind"] != "record_read"]) + 1
    )  # the auditor's token; no tick


def test_texas_hold_conditions_are_on_the_checklist(desk: Desk, clock: SettableClock) -> None:
    """Texas, 27 Sep 2017: the hold is required and carries the federal "serve a copy" condition
    and two of art. 2.251's; each is its own item, ticked on its own."""
    desk.record_event(SUPERVISOR, booked("TX-C", "texas"))
    rid = desk.receive_request(SUPERVISOR, detainer("TX-C", "texas", TEXAS_OFFICE))["id"]
    items = desk.request_detail(SUPERVISOR, rid)["conditions"]
    assert {c["action"] for c in items} == {"hold_beyond_release"}
    assert "fed.i247a-guidance.serve-copy" in {c["condition"] for c in items}
    clock.advance(timedelta(minutes=5))
    serve = {"action": "hold_beyond_release", "condition": "fed.i247a-guidance.serve-copy"}
    desk.record_conditions(CLERK, rid, {"ticks": [serve]})
    ticked = {c["condition"]: c["ticked"] for c in desk.request_detail(CLERK, rid)["conditions"]}
    assert ticked.pop("fed.i247a-guidance.serve-copy") is not None
    assert ticked and all(t is None for t in ticked.values())  # the others still open


# -- the CLI --------------------------------------------------------------------------------


def test_the_cli_ticks_a_condition(tmp_path: Path) -> None:
    from .test_cli_law_edges import _desk_with_request, cli

    home = _desk_with_request(tmp_path, "DEN-CLI", "denver", DENVER_OFFICE)
    unknown = cli(home, "condition", "1", "notify_release", "den.nope")
    assert unknown.returncode == 2 and ADVISE in unknown.stderr
    assert "Traceback" not in unknown.stderr
    auditor = cli(home, "token", "create", "ava", "--role", "auditor").stdout.strip()
    refused = cli(home, "condition", "1", "notify_release", ADVISE, "--token", auditor)
    assert refused.returncode != 0 and "may not record condition" in refused.stderr
    done = cli(home, "condition", "1", "notify_release", ADVISE, "--note", "Advised.")
    assert done.returncode == 0, done.stderr
    [item] = json.loads(done.stdout)["conditions"]
    assert item["ticked"]["by"] == "supervisor:cli" and item["ticked"]["note"] == "Advised."
