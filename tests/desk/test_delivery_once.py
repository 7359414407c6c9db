"""Notifications are delivered once: a worker killed mid-delivery and restarted, and two server
processes on one PostgreSQL receiving the same release events at the same time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import select

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, SystemClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Notification

from .conftest import STARTUP_DEADLINE, SmtpSink, drop_pg_database, free_port, fresh_pg_database
from .helpers import DENVER_OFFICE, booked, detainer, event

ADMIN = Actor("setup", Role.supervisor)
LEASE_SECONDS = 1.5  # workers in these tests send with a 1 s timeout


def _env(home: Path, smtp: SmtpSink, db: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DETAINER_DESK_HOME": str(home),
            "DETAINER_DESK_SMTP": f"{smtp.host}:{smtp.port}",
            "DETAINER_DESK_LEASE_SECONDS": str(LEASE_SECONDS),
            "DETAINER_DESK_SEND_TIMEOUT_SECONDS": str(LEASE_SECONDS / 1.5),
        }
    )
    if db:
        env["DETAINER_DESK_DB"] = db
    return env


def _statuses(desk: Desk) -> Counter[str]:
    with desk.sessions() as session:
        return Counter(session.execute(select(Notification.status)).scalars())


def _prepare(desk: Desk, n: int, eligible: bool = True) -> None:
    desk.set_office(
        ADMIN, {"name": DENVER_OFFICE, "channel": "email", "address": "ero@ice.example"}
    )
    for i in range(n):
        desk.record_event(ADMIN, booked(f"K{i}", "denver"))
        desk.receive_request(ADMIN, detainer(f"K{i}", "denver", DENVER_OFFICE))
        if eligible:
            desk.record_event(ADMIN, event(f"K{i}", "release_eligible", "2017-09-27T14:00:00"))


def test_worker_killed_during_delivery_delivers_each_once(tmp_path: Path, smtp: SmtpSink) -> None:
    home = tmp_path / "home"
    settings = DeskSettings(home=home)
    initialise(settings)
    desk = open_desk(settings, SystemClock())
    _prepare(desk, 10)
    assert _statuses(desk) == {"queued": 10}
    in_rcpt = threading.Event()
    smtp.rcpt_delay = 0.4
    original = smtp.handle_RCPT

    async def flagged(*args: object) -> str:
        in_rcpt.set()
        return await original(*args)  # type: ignore[arg-type]

    smtp.handle_RCPT = flagged  # type: ignore[method-assign]
    command = [sys.executable, "-m", "detainer_desk.cli", "worker"]
    kills = 0
    for _ in range(3):  # kill three workers in the middle of an SMTP conversation
        in_rcpt.clear()
        worker = subprocess.Popen(command, env=_env(home, smtp), stdout=subprocess.DEVNULL)
        assert in_rcpt.wait(30), "worker never reached the SMTP server"
        time.sleep(0.1)
        worker.kill()
        worker.wait()
        kills += 1
        time.sleep(LEASE_SECONDS + 0.2)  # the dead worker's lease runs out
    smtp.rcpt_delay = 0.0
    worker = subprocess.Popen(command, env=_env(home, smtp), stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _statuses(desk) != {"sent": 10} and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        worker.kill()
        worker.wait()
    assert _statuses(desk) == {"sent": 10}
    keys = Counter(smtp.keys())
    assert len(keys) == 10 and set(keys.values()) == {1}, keys
    with desk.sessions() as session:
        attempts = list(session.execute(select(Notification.attempts)).scalars())
    assert sum(attempts) >= 10 + kills  # the interrupted ones were tried again
    desk.close()


@pytest.mark.postgres
def test_two_servers_one_postgres_send_each_notification_once(
    tmp_path: Path, smtp: SmtpSink, postgres: str
) -> None:
    name, url = fresh_pg_database()
    servers: list[subprocess.Popen[bytes]] = []
    desk: Desk | None = None
    clients: list[httpx.Client] = []
    try:
        home = tmp_path / "home"
        settings = DeskSettings(home=home, db=url)
        initialise(settings)
        desk = open_desk(settings, SystemClock())
        n = 20
        _prepare(desk, n, eligible=False)
        token = desk.create_token("clerk", "clerk")
        ports = [free_port(), free_port()]
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "detainer_desk.cli", "serve", "--port", str(port)],
                    env=_env(home, smtp, url),
                    stdout=subprocess.DEVNULL,
                )
            )
        clients += [
            httpx.Client(
                base_url=f"http://127.0.0.1:{p}", headers={"Authorization": f"Bearer {token}"}
            )
            for p in ports
        ]
        for client, server in zip(clients, servers, strict=True):
            _wait_up(client, server)

        def send(job: tuple[int, int]) -> int:
            i, which = job
            doc = event(f"K{i}", "release_eligible", "2017-09-27T14:00:00")
            return clients[which].post("/api/events", json=doc).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(send, [(i, w) for i in range(n) for w in (0, 1)]))
        assert set(codes) <= {201, 409}, Counter(codes)
        deadline = time.monotonic() + 60
        while _statuses(desk) != {"sent": n} and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _statuses(desk) == {"sent": n}
        time.sleep(2.5)  # both workers get another pass: nothing more may go out
        keys = Counter(smtp.keys())
        assert len(keys) == n and set(keys.values()) == {1}, keys
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.kill()
            server.wait()
        if desk is not None:
            desk.close()
        drop_pg_database(name)


def _wait_up(client: httpx.Client, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited with {server.returncode} before answering")
        try:
            if client.get("/api/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server did not answer within {STARTUP_DEADLINE} s")


def test_release_after_person_left_is_recorded_not_possible(desk: Desk, smtp: SmtpSink) -> None:
    from detainer_desk.desk.outbox import NetworkTransport, deliver_due

    desk.clock = SystemClock()
    _prepare(desk, 1)
    desk.record_event(ADMIN, event("K0", "released", datetime.now(UTC).isoformat()))
    transport = NetworkTransport(smtp.host, smtp.port, "desk@county.example")
    assert deliver_due(desk.sessions, transport, desk.clock, desk.settings.zone) == {
        "not_possible": 1
    }
    assert smtp.messages == []
