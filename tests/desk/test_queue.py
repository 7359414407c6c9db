"""The queue at scale: paging, search by booking id and request number, filters, sorting, status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import SettableClock
from detainer_desk.desk.service import Desk
from detainer_desk.errors import InputError
from detainer_desk.web.app import create_app

from .helpers import DENVER_OFFICE, TEXAS_OFFICE, booked, detainer, event, ui_login

SUPERVISOR = Actor("sam", Role.supervisor)


@pytest.fixture
def busy(desk: Desk, clock: SettableClock) -> Desk:
    """1: Denver, released-eligible, held without a hold (alarm), notice pending, overridden;
    2: Texas, hold running, notice pending; 3: received when no law was in force (review);
    4..25: plain Denver detainers, for paging."""
    desk.record_event(SUPERVISOR, booked("DEN-1", "denver"))
    desk.receive_request(SUPERVISOR, detainer("DEN-1", "denver", DENVER_OFFICE))
    desk.record_event(SUPERVISOR, event("DEN-1", "release_eligible", "2017-09-27T06:00:00"))
    desk.record_event(SUPERVISOR, booked("TX-2", "texas"))
    desk.receive_request(SUPERVISOR, detainer("TX-2", "texas", TEXAS_OFFICE))
    desk.record_event(SUPERVISOR, event("TX-2", "release_eligible", "2017-09-27T06:00:00"))
    clock.set(datetime(2017, 9, 28, tzinfo=UTC))
    desk.check_clock()
    desk.override(
        SUPERVISOR,
        1,
        {
            "action": "hold_beyond_release",
            "effect": "deny",
            "reason": "Counsel confirmed: no hold.",
        },
    )
    clock.set(datetime(2005, 1, 1, 18, tzinfo=UTC))  # no law in force: review required
    desk.record_event(SUPERVISOR, booked("OLD-3", "denver", "2005-01-01T08:00:00"))
    desk.receive_request(
        SUPERVISOR, detainer("OLD-3", "denver", DENVER_OFFICE, "2005-01-01T10:00:00")
    )
    for n in range(4, 26):
        desk.record_event(SUPERVISOR, booked(f"PAGE-{n:02}", "denver", "2004-12-01T08:00:00"))
        desk.receive_request(
            SUPERVISOR, detainer(f"PAGE-{n:02}", "denver", DENVER_OFFICE, "2004-12-02T08:00:00")
        )
    clock.set(datetime(2017, 9, 28, 1, tzinfo=UTC))
    return desk


def ids(desk: Desk, **query: object) -> list[int]:
    return [r["id"] for r in desk.queue_page(SUPERVISOR, dict(query)).rows]


def test_filters_pick_exactly_their_requests(busy: Desk) -> None:
    assert ids(busy, status="hold_running") == [2]
    assert ids(busy, status="notification_pending") == [2, 1]
    assert ids(busy, status="open_alarms") == [1]
    assert ids(busy, status="overridden") == [1]
    awaiting = ids(busy, status="awaiting_decision", per_page=50)
    assert 3 in awaiting and 1 not in awaiting and 2 not in awaiting


def test_status_column_says_what_is_going_on(busy: Desk) -> None:
    rows = {r["id"]: r for r in busy.queue_page(SUPERVISOR, {"q": "DEN-1"}).rows}
    assert rows[1]["status"] == [
        "open alarm",
        "notification pending",
        "overridden",
        "in custody",
    ]
    texas = busy.queue_page(SUPERVISOR, {"q": "2"}).rows
    assert texas[0]["id"] == 2 and "hold running" in texas[0]["status"]


def test_search_by_booking_id_request_number_and_prefix(busy: Desk) -> None:
    assert ids(busy, q="TX-2") == [2]
    assert ids(busy, q="#3") == [3]
    assert ids(busy, q="PAGE-1") == [19, 18, 17, 16, 15, 14, 13, 12, 11, 10]
    assert busy.queue_page(SUPERVISOR, {"q": "NOBODY"}).total == 0


def test_paging_and_sorting(busy: Desk) -> None:
    first = busy.queue_page(SUPERVISOR, {"per_page": 10})
    assert first.total == 25 and first.pages == 3
    assert [r["id"] for r in first.rows] == list(range(25, 15, -1))
    assert ids(busy, per_page=10, page=3) == [5, 4, 3, 2, 1]
    assert ids(busy, per_page=10, sort="oldest")[:3] == [1, 2, 3]
    assert ids(busy, per_page=10, sort="booking")[:3] == [1, 3, 4]  # DEN-1, OLD-3, PAGE-04
    assert ids(busy, per_page=10, sort="received")[:3] == [2, 1, 3]  # same time: newer first


@pytest.mark.parametrize(
    ("query", "field"),
    [({"page": "0"}, "page"), ({"per_page": "100000"}, "per_page"), ({"status": "x"}, "status")],
)
def test_bad_queue_queries_are_refused_naming_the_field(
    busy: Desk, query: dict[str, str], field: str
) -> None:
    with pytest.raises(InputError) as bad:
        busy.queue_page(SUPERVISOR, query)
    assert field in (bad.value.field or "")


def test_the_queue_page_in_the_ui(busy: Desk) -> None:
    token = busy.create_token("kim", "clerk")
    with TestClient(create_app(busy, worker=False)) as client:
        ui_login(client, token)
        page = client.get("/ui/?status=open_alarms").text
        assert "1 request found" in page and "open alarm" in page and "DEN-1" in page
        paged = client.get("/ui/?per_page=10&page=2")
        assert paged.status_code == 200 and "page 2 of 3" in paged.text
        assert 'rel="next"' in paged.text and 'rel="prev"' in paged.text
        bad = client.get("/ui/?page=banana")
        assert bad.status_code == 422 and "page" in bad.text


# -- GET /api/requests: the same page through the JSON API -----------------------------------


def _api_ids(body: dict[str, object]) -> list[int]:
    items = body["items"]
    assert isinstance(items, list)
    return [int(r["id"]) for r in items]


def test_the_api_pages_searches_filters_and_sorts(busy: Desk) -> None:
    headers = {"Authorization": f"Bearer {busy.create_token('kim', 'clerk')}"}
    with TestClient(create_app(busy, worker=False)) as client:

        def get(query: str) -> dict[str, object]:
            answer = client.get(f"/api/requests{query}", headers=headers)
            assert answer.status_code == 200, answer.text
            body: dict[str, object] = answer.json()
            return body

        # 25 requests, 10 a page: pages 25..16, 15..6, 5..1 (newest first).
        first = get("?per_page=10")
        assert (first["total"], first["page"], first["per_page"]) == (25, 1, 10)
        assert (first["pages"], first["next_page"]) == (3, 2)
        assert _api_ids(first) == list(range(25, 15, -1))
        last = get("?per_page=10&page=3")
        assert _api_ids(last) == [5, 4, 3, 2, 1] and last["next_page"] is None
        assert _api_ids(get("?per_page=10&page=4")) == []  # past the end: empty, not an error
        assert _api_ids(get("?q=TX-2")) == [2]
        assert _api_ids(get("?q=%233")) == [3]  # "#3"
        assert get("?q=PAGE-1")["total"] == 10  # PAGE-10 … PAGE-19
        assert _api_ids(get("?status=open_alarms")) == [1]
        assert _api_ids(get("?status=notification_pending")) == [2, 1]
        assert _api_ids(get("?status=hold_running")) == [2]
        assert _api_ids(get("?status=overridden")) == [1]
        assert _api_ids(get("?sort=oldest&per_page=10"))[:3] == [1, 2, 3]
        assert _api_ids(get("?sort=booking&per_page=10"))[:3] == [1, 3, 4]
        default = get("")
        assert (default["per_page"], default["pages"], len(_api_ids(default))) == (50, 1, 25)
        row = next(r for r in default["items"] if r["id"] == 1)  # type: ignore[attr-defined]
        assert row["booking_id"] == "DEN-1"
        assert row["status"] == ["open alarm", "notification pending", "overridden", "in custody"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=100001", "page"),
        ("per_page=201", "per_page"),
        ("per_page=9", "per_page"),
        ("status=x", "status"),
        ("sort=shoe", "sort"),
        ("q=" + "A" * 201, "q"),
        ("q=a%00b", "q"),
        ("page=banana", "page"),
    ],
)
def test_the_api_refuses_out_of_range_queries_in_the_envelope(
    busy: Desk, query: str, field: str
) -> None:
    headers = {"Authorization": f"Bearer {busy.create_token('kim', 'clerk')}"}
    with TestClient(create_app(busy, worker=False)) as client:
        answer = client.get(f"/api/requests?{query}", headers=headers)
    assert answer.status_code == 422
    body = answer.json()
    assert (body["ok"], body["status"], body["field"]) == (False, 422, field)


def test_a_liaison_pages_only_its_own_offices_requests_status_only(busy: Desk) -> None:
    liaison = busy.create_token("ice", "federal_liaison", TEXAS_OFFICE)
    with TestClient(create_app(busy, worker=False)) as client:
        headers = {"Authorization": f"Bearer {liaison}"}
        body = client.get("/api/requests", headers=headers).json()
        assert body["total"] == 1 and _api_ids(body) == [2]  # only TX-2 is San Antonio's
        assert set(body["items"][0]) == {
            "id",
            "kind",
            "form",
            "warrant_kind",
            "office",
            "received_at",
            "decided_on",
            "effects",
        }
        assert client.get("/api/requests?q=DEN-1", headers=headers).json()["total"] == 0
        public = {"Authorization": f"Bearer {busy.create_token('pub', 'public')}"}
        assert client.get("/api/requests", headers=public).status_code == 403
        assert client.get("/api/requests?page=1").status_code == 401


def test_the_api_query_parameters_are_declared_in_openapi(busy: Desk) -> None:
    with TestClient(create_app(busy, worker=False)) as client:
        spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/requests"]["get"]["parameters"]}
    assert set(params) == {"q", "status", "sort", "page", "per_page", "authorization"}
    assert params["per_page"]["schema"]["maximum"] == 200
    assert params["per_page"]["schema"]["minimum"] == 10
    assert params["page"]["schema"]["minimum"] == 1
    assert params["q"]["schema"]["maxLength"] == 200
    assert all(params[p].get("description") for p in ("q", "status", "sort", "page", "per_page"))
    responses = spec["paths"]["/api/requests"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/RequestPage"
    )
    assert "422" in responses
