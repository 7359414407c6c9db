"""Fixtures for the desk: real databases (SQLite file, PostgreSQL), a real SMTP server."""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
PG_ADMIN = os.environ.get("DETAINER_DESK_TEST_PG") or DEFAULT_PG


def _pg_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@functools.cache
def postgres_available() -> bool:
    if _pg_reachable():
        return True
    if PG_ADMIN != DEFAULT_PG:
        return False  # a server named on purpose is not ours to start
    versions = sorted(Path("/etc/postgresql").glob("*"))
    if versions:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"],
            check=False,
            capture_output=True,
        )
    return _pg_reachable()


@pytest.fixture(scope="session")
def postgres() -> str:
    if not postgres_available():
        pytest.skip(
            f"PostgreSQL at {make_url(PG_ADMIN).host}:{make_url(PG_ADMIN).port} cannot be reached: "
            "the PostgreSQL half of the desk tests DID NOT RUN"
        )
    return PG_ADMIN


def fresh_pg_database() -> tuple[str, str]:
    name = f"dd_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN).set(drivername="postgresql+psycopg", database=name)
    return name, url.render_as_string(hide_password=False)


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.db'}"
        return
    request.getfixturevalue("postgres")
    name, url = fresh_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(name)


@dataclass
class SmtpSink:
    """Messages a real SMTP server (aiosmtpd on loopback) accepted."""

    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    rcpt_delay: float = 0.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def keys(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink("127.0.0.1", free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2017, 9, 27, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, db_url: str, smtp: SmtpSink) -> DeskSettings:
    return DeskSettings(
        home=tmp_path / "home",
        db=db_url,
        timezone="America/Denver",
        smtp_host=smtp.host,
        smtp_port=smtp.port,
    )


@pytest.fixture
def desk(settings: DeskSettings, clock: SettableClock) -> Iterator[Desk]:
    initialise(settings)
    opened = open_desk(settings, clock)
    yield opened
    opened.close()


@contextmanager
def serving(desk: Desk) -> Iterator[str]:
    """The desk's web app on a free loopback port, in a thread; yields its base URL."""
    import threading
    import time

    import uvicorn

    from detainer_desk.web.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(desk, worker=False), port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
