"""The staff queue at scale: its first page (and searches, filters, sorts) at 100,000 requests.

The desk is generated: a handful of requests go through the real `Desk` (decided, notified,
alarmed, overridden), then their rows are copied in bulk (SQLAlchemy Core) to reach N requests,
each with its own booking, decision and action outcomes — the shapes the queue queries read. The
ledger is not copied (the queue never reads it). ANALYZE runs after the bulk load, as autovacuum
would on a live PostgreSQL desk (without statistics PostgreSQL's plans are several times
slower). Timed: `Desk.queue_page` alone, the whole page through HTTP (GET /ui/…, in-process
ASGI client, Jinja rendering included) and the same page as JSON (GET /api/requests).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from bench.desk_bench import _desk, database
from detainer_desk.access.check import Actor, Role
from detainer_desk.desk.clock import SettableClock
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import (
    ActionOutcome,
    Alarm,
    Booking,
    DecisionRecord,
    FederalRequest,
    Notification,
    Override,
)

SUPERVISOR = Actor("bench", Role.supervisor)
DENVER, TEXAS = "ICE ERO Denver Field Office", "ICE ERO San Antonio Field Office"
BATCH = 5000


def _seed(desk: Desk) -> None:
    """Real requests through the desk: the templates the bulk copy repeats."""
    for n, (jurisdiction, office) in enumerate([("denver", DENVER), ("texas", TEXAS)] * 2):
        booking = f"SEED-{n}"
        desk.record_event(
            SUPERVISOR,
            {"booking_id": booking, "kind": "booked", "at": "2017-09-25T22:10:00"}
            | {"jurisdiction": jurisdiction},
        )
        desk.receive_request(
            SUPERVISOR,
            {
                "jurisdiction": jurisdiction,
                "received_at": "2017-09-27T08:30:00",
                "request": {"kind": "detainer", "form": "I-247A"}
                | {"warrant_kind": "administrative_I200", "office": office},
                "booking": {"booking_id": booking},
            },
        )
        if n < 2:
            desk.record_event(
                SUPERVISOR,
                {"booking_id": booking, "kind": "release_eligible", "at": "2017-09-27T06:00:00"},
            )


def _plain(row: Any, table: Any) -> dict[str, Any]:
    return {c.name: getattr(row, c.key) for c in table.__table__.columns if c.name != "id"}


def generate(desk: Desk, n: int) -> None:
    """Copy the seeded requests until the desk holds n requests (each its own booking)."""
    with desk.sessions.begin() as session:
        templates = _templates(session)
        start_booking = session.execute(select(Booking.id).order_by(Booking.id.desc())).scalar()
        start_request = session.execute(
            select(FederalRequest.id).order_by(FederalRequest.id.desc())
        ).scalar()
        start_decision = session.execute(
            select(DecisionRecord.id).order_by(DecisionRecord.id.desc())
        ).scalar()
    assert start_booking and start_request and start_decision
    made = start_request
    while made < n:
        count = min(BATCH, n - made)
        with desk.sessions.begin() as session:
            _copy_batch(session, templates, made, count, start_booking, start_decision)
        made += count
    with desk.sessions.begin() as session:  # planner statistics, as autovacuum would gather
        session.execute(text("ANALYZE"))


def _templates(session: Session) -> list[dict[str, Any]]:
    out = []
    for request in session.execute(select(FederalRequest)).scalars():
        booking = session.get(Booking, request.booking_pk)
        decision = session.execute(
            select(DecisionRecord)
            .where(DecisionRecord.request_pk == request.id)
            .order_by(DecisionRecord.id.desc())
            .limit(1)
        ).scalar_one()
        outcomes = session.execute(
            select(ActionOutcome).where(ActionOutcome.decision_pk == decision.id)
        ).scalars()
        out.append(
            {
                "booking": _plain(booking, Booking),
                "request": _plain(request, FederalRequest),
                "decision": _plain(decision, DecisionRecord),
                "outcomes": [_plain(o, ActionOutcome) for o in outcomes],
            }
        )
    return out


def _copy_batch(
    session: Session,
    templates: list[dict[str, Any]],
    made: int,
    count: int,
    booking0: int,
    decision0: int,
) -> None:
    bookings, requests, decisions, outcomes = [], [], [], []
    notifications, alarms, overrides = [], [], []
    base = datetime(2017, 1, 1, tzinfo=UTC)
    for i in range(made + 1, made + count + 1):
        t = templates[i % len(templates)]
        booking_pk, decision_pk = booking0 + i, decision0 + i
        received = base + timedelta(minutes=5 * i)
        booking = t["booking"] | {"id": booking_pk, "booking_id": f"GEN-{i:07d}"}
        if i % 10:  # 90 % have left custody, as on a desk with years of history
            booking["released_at"] = received + timedelta(days=2)
        bookings.append(booking)
        requests.append(t["request"] | {"id": i, "booking_pk": booking_pk, "received_at": received})
        decisions.append(t["decision"] | {"id": decision_pk, "request_pk": i})
        outcomes += [o | {"decision_pk": decision_pk, "request_pk": i} for o in t["outcomes"]]
        if i % 50 == 0:  # 2 % have a notification still to send
            notifications.append(_notification(i, received))
        if i % 100 == 0:  # 1 % an open alarm, 1 % an override
            alarms.append(_alarm(booking_pk, i, received))
            overrides.append(_override(i, decision_pk, received))
    for table, rows in (
        (Booking, bookings),
        (FederalRequest, requests),
        (DecisionRecord, decisions),
        (ActionOutcome, outcomes),
        (Notification, notifications),
        (Alarm, alarms),
        (Override, overrides),
    ):
        if rows:
            session.execute(insert(table), rows)


def _notification(i: int, at: datetime) -> dict[str, Any]:
    return {
        "request_pk": i,
        "purpose": "release",
        "idempotency_key": f"gen-{i}",
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": at,
        "queued_at": at,
    }


def _alarm(booking_pk: int, i: int, at: datetime) -> dict[str, Any]:
    return {
        "booking_pk": booking_pk,
        "request_pk": i,
        "kind": "held_after_release_eligible",
        "message": "generated",
        "due_at": at,
        "raised_at": at,
    }


def _override(i: int, decision_pk: int, at: datetime) -> dict[str, Any]:
    return {
        "request_pk": i,
        "decision_pk": decision_pk,
        "action": "notify_release",
        "effect": "deny",
        "reason": "generated override for the bench",
        "by": "bench",
        "at": at,
    }


def _median_ms(fn: Callable[[], object], repeat: int = 7) -> float:
    fn()  # warm: first-use compilation of the statements
    values = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        values.append((time.perf_counter() - start) * 1000)
    return statistics.median(values)


def _log_in(client: Any, token: str) -> None:
    """Log in through the login form, with its per-visit CSRF token (as a browser does)."""
    form = client.get("/ui/login").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    done = client.post("/ui/login", data={"token": token, "csrf": csrf})
    assert done.status_code == 303, "the bench could not log in to the staff UI"


def _ok(response: Any) -> None:
    """A timed page must be the page itself: 200, not a redirect to the login form."""
    assert response.status_code == 200, response.status_code


def queue_table(n: int, kinds: list[str]) -> None:
    from fastapi.testclient import TestClient

    from detainer_desk.web.app import create_app

    print(f"\nThe staff queue at {n:,} generated requests (median of 7, after one warm-up)")
    print(f"{'database':11} {'what':46} {'ms':>9}")
    for kind in kinds:
        with database(kind) as url:
            desk = _desk(url)
            assert isinstance(desk.clock, SettableClock)
            _seed(desk)
            started = time.perf_counter()
            generate(desk, n)
            print(f"{kind:11} {'(generating the rows, s)':46} {time.perf_counter() - started:9.1f}")
            token = desk.create_token("bench", "supervisor")
            cases: list[tuple[str, dict[str, Any]]] = [
                ("first page, newest first", {}),
                ("search: one booking id", {"q": f"GEN-{n // 2:07d}"}),
                ("search: one request number", {"q": str(n // 3)}),
                ("filter: open alarms", {"status": "open_alarms"}),
                ("filter: notification pending", {"status": "notification_pending"}),
                ("filter: overridden", {"status": "overridden"}),
                ("filter: hold running", {"status": "hold_running"}),
                ("filter: awaiting decision", {"status": "awaiting_decision"}),
                ("sort: by booking id", {"sort": "booking"}),
                ("sort: by received, page 1000", {"sort": "received", "page": 1000}),
            ]
            for name, query in cases:
                ms = _median_ms(partial(desk.queue_page, SUPERVISOR, query))
                print(f"{kind:11} {'queue_page: ' + name:46} {ms:9.1f}")
            with TestClient(create_app(desk, worker=False), follow_redirects=False) as client:
                _log_in(client, token)
                ms = _median_ms(lambda: _ok(client.get("/ui/")))
                print(f"{kind:11} {'GET /ui/ (first page, HTML rendered)':46} {ms:9.1f}")
                bearer = {"Authorization": f"Bearer {token}"}
                for path in ("/api/requests", "/api/requests?status=hold_running"):
                    get = partial(client.get, path, headers=bearer)
                    ms = _median_ms(lambda get=get: _ok(get()))
                    print(f"{kind:11} {'GET ' + path + ' (JSON)':46} {ms:9.1f}")
            desk.close()
