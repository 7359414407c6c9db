"""The access log: one line per HTTP request — time, method, path, status, duration.

Only the path is written (it names ids: a request number, a booking id), never the query string
(a search may carry a name or a booking id typed by a clerk), a header, a cookie or a body.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class AccessLog:
    """Appends lines to a file; safe from the server's threads."""

    def __init__(self, path: Path, now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.path = path
        self.now = now
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, method: str, path: str, status: int, seconds: float) -> None:
        line = (
            f"{self.now().isoformat(timespec='seconds')} {method} {_printable(path)} "
            f"{status} {seconds * 1000:.1f}ms\n"
        )
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)


def _printable(path: str) -> str:
    """The path alone, bounded, with no spaces or control characters to forge lines with."""
    cleaned = "".join(c if c.isprintable() and not c.isspace() else "_" for c in path)
    return cleaned[:300]


class AccessLogMiddleware:
    """Pure ASGI middleware (streaming-safe): logs when the response starts and ends."""

    def __init__(self, app: ASGIApp, log: AccessLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.log.write(
                scope["method"], scope["path"], status["code"], time.perf_counter() - started
            )
