"""Browser-facing security: response headers, same-origin checks, login throttling.

- Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`,
  `X-Frame-Options: DENY` and a Content-Security-Policy with `frame-ancestors 'none'` (the
  OpenAPI pages at /docs and /redoc run inline scripts — their assets are served locally by
  fastapi-offline — so they get only the framing rules); `Strict-Transport-Security` when
  served over HTTPS.
- Every UI POST must come from this origin (`Origin`, else `Referer`) and carry the session's
  CSRF token (checked in web.ui).
- Failed UI logins are counted per client address; past the limit in the window: 429.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response

from detainer_desk.desk.clock import Clock

CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
OPENAPI_PAGES = ("/docs", "/redoc")


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")  # no-referrer would make Origin "null"
        headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path.startswith(OPENAPI_PAGES):
            headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        else:
            headers.setdefault("Content-Security-Policy", CSP)
        if request.url.scheme == "https":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def same_origin(request: Request) -> bool:
    """A browser POST from this site: its Origin (or Referer) names this scheme and host.

    A request carrying neither (not a browser, or a very old one) passes here; the CSRF token
    still has to match.
    """
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True
    parts = urlsplit(claimed)
    own = request.base_url
    return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


@dataclass
class LoginThrottle:
    """Failed logins per client in a sliding window (this process's memory; one per app)."""

    clock: Clock
    limit: int = 5
    window: timedelta = timedelta(minutes=15)
    failures: dict[str, list[datetime]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, client: str) -> list[datetime]:
        cutoff = self.clock.now() - self.window
        recent = [t for t in self.failures.get(client, []) if t > cutoff]
        if recent:
            self.failures[client] = recent
        else:
            self.failures.pop(client, None)
        return recent

    def blocked(self, client: str) -> bool:
        with self.lock:
            return len(self._recent(client)) >= self.limit

    def failed(self, client: str) -> None:
        with self.lock:
            self._recent(client)
            self.failures.setdefault(client, []).append(self.clock.now())
            if len(self.failures) > 10_000:  # bounded memory: forget the oldest clients
                for stale in list(self.failures)[:1_000]:
                    del self.failures[stale]

    def succeeded(self, client: str) -> None:
        with self.lock:
            self.failures.pop(client, None)
