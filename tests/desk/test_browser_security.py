"""The browser side: server-side sessions (never the token in a cookie), CSRF tokens and the
Origin check on every form, security headers, login throttling, token expiry and revocation,
and no way for a federal liaison to tell a booking or request it may not see from none."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from detainer_desk.access.check import Actor, Role
from detainer_desk.cli import app as cli
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.tables import Override
from detainer_desk.web.app import create_app

from .helpers import DENVER_OFFICE, TEXAS_OFFICE, booked, detainer

SETUP = Actor("setup", Role.supervisor)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'desk.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock(datetime(2017, 9, 27, 12, tzinfo=UTC)))
    desk.record_event(SETUP, booked("B1", "denver"))
    desk.receive_request(SETUP, detainer("B1", "denver", DENVER_OFFICE))
    desk.record_event(SETUP, booked("B2", "texas"))
    desk.receive_request(SETUP, detainer("B2", "texas", TEXAS_OFFICE))
    yield desk
    desk.close()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _log_in(c: TestClient, token: str, origin: str = "http://testserver") -> TestClient:
    form = c.get("/ui/login")
    response = c.post(
        "/ui/login",
        data={"token": token, "csrf": _csrf(form.text)},
        headers={"Origin": origin},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return c


def _overrides(desk: Desk) -> int:
    with desk.sessions() as session:
        return session.execute(select(func.count()).select_from(Override)).scalar_one()


OVERRIDE = {"action": "notify_release", "effect": "deny", "reason": "Supervisor's reason here."}


def test_the_cookie_is_a_session_id_never_the_token(desk: Desk) -> None:
    token = desk.create_token("sam", "supervisor")
    with TestClient(create_app(desk, worker=False)) as c:
        form = c.get("/ui/login")
        response = c.post(
            "/ui/login",
            data={"token": token, "csrf": _csrf(form.text)},
            follow_redirects=False,
        )
        cookie = response.headers["set-cookie"]
        assert "dd_session=" in cookie and token not in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
        assert c.get("/ui/").status_code == 200
        # the API takes a Bearer token only: a cookie carrying a token is not a login
        c.cookies.clear()
        c.cookies.set("dd_token", token)
        assert c.get("/api/requests").status_code == 401
    with TestClient(create_app(desk, worker=False), base_url="https://testserver") as c:
        form = c.get("/ui/login")
        response = c.post(
            "/ui/login", data={"token": token, "csrf": _csrf(form.text)}, follow_redirects=False
        )
        assert "Secure" in response.headers["set-cookie"]


def test_logout_revokes_and_sessions_expire(desk: Desk) -> None:
    token = desk.create_token("sam", "supervisor")
    with TestClient(create_app(desk, worker=False)) as c:
        _log_in(c, token)
        stolen = c.cookies.get("dd_session")
        page = c.get("/ui/")
        out = c.post("/ui/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
        assert out.status_code == 303
        c.cookies.set("dd_session", stolen or "")
        replay = c.get("/ui/", follow_redirects=False)
        assert replay.status_code == 303 and replay.headers["location"] == "/ui/login"
        _log_in(c, token)
        assert c.get("/ui/", follow_redirects=False).status_code == 200
        desk.clock.advance(timedelta(hours=desk.settings.session_hours, minutes=1))  # type: ignore[attr-defined]
        assert c.get("/ui/", follow_redirects=False).status_code == 303


def test_forms_need_the_csrf_token_and_this_origin(desk: Desk) -> None:
    token = desk.create_token("sam", "supervisor")
    with TestClient(create_app(desk, worker=False)) as c:
        _log_in(c, token)
        page = c.get("/ui/requests/1")
        csrf = _csrf(page.text)
        before = _overrides(desk)
        # a cross-origin page posting the form (the cookie rides along): refused, nothing stored
        forged = c.post(
            "/ui/requests/1/override",
            data=OVERRIDE,
            headers={"Origin": "http://evil.example"},
            follow_redirects=False,
        )
        assert forged.status_code == 403
        with_token_elsewhere = c.post(
            "/ui/requests/1/override",
            data={**OVERRIDE, "csrf": csrf},
            headers={"Origin": "http://evil.example"},
            follow_redirects=False,
        )
        assert with_token_elsewhere.status_code == 403
        no_token = c.post("/ui/requests/1/override", data=OVERRIDE, follow_redirects=False)
        assert no_token.status_code == 403
        assert _overrides(desk) == before
        ok = c.post(
            "/ui/requests/1/override",
            data={**OVERRIDE, "csrf": csrf},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert ok.status_code == 303 and _overrides(desk) == before + 1
        login_elsewhere = c.post(
            "/ui/login",
            data={"token": token, "csrf": "x"},
            headers={"Origin": "http://evil.example"},
        )
        assert login_elsewhere.status_code == 403


def test_security_headers(desk: Desk) -> None:
    with TestClient(create_app(desk, worker=False)) as c:
        for path in ("/ui/login", "/api/health", "/classify"):
            headers = c.get(path).headers
            assert "frame-ancestors 'none'" in headers["content-security-policy"], path
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "same-origin"
            assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in c.get("/docs").headers["content-security-policy"]


def test_failed_logins_are_throttled(desk: Desk) -> None:
    token = desk.create_token("sam", "supervisor")
    with TestClient(create_app(desk, worker=False)) as c:
        statuses = []
        for _ in range(desk.settings.login_attempts + 1):
            form = c.get("/ui/login")
            statuses.append(
                c.post("/ui/login", data={"token": "guess", "csrf": _csrf(form.text)}).status_code
            )
        assert statuses[:-1] == [401] * desk.settings.login_attempts and statuses[-1] == 429
        form = c.get("/ui/login")
        right = c.post("/ui/login", data={"token": token, "csrf": _csrf(form.text)})
        assert right.status_code == 429  # even the right token waits out the window
        desk.clock.advance(timedelta(minutes=desk.settings.login_window_minutes + 1))  # type: ignore[attr-defined]
        _log_in(c, token)


def test_tokens_listed_expired_and_revoked(desk: Desk, tmp_path: Path) -> None:
    short = desk.create_token("temp", "clerk", expires_days=1)
    kept = desk.create_token("kept", "clerk")
    with TestClient(create_app(desk, worker=False)) as c:
        bearer = {"Authorization": f"Bearer {short}"}
        assert c.get("/api/requests", headers=bearer).status_code == 200
        desk.clock.advance(timedelta(days=1, seconds=1))  # type: ignore[attr-defined]
        expired = c.get("/api/requests", headers=bearer)
        assert expired.status_code == 401 and "expired" in expired.json()["error"]
        runner = CliRunner()
        listing = runner.invoke(cli, ["token", "list", "--home", str(tmp_path)])
        assert listing.exit_code == 0 and "temp" in listing.stdout and "expires" in listing.stdout
        assert short not in listing.stdout and kept not in listing.stdout
        kept_id = next(t["id"] for t in desk.tokens() if t["name"] == "kept")
        _log_in(c, kept)
        revoked = runner.invoke(cli, ["token", "revoke", str(kept_id), "--home", str(tmp_path)])
        assert revoked.exit_code == 0, revoked.stderr
        assert (
            c.get("/api/requests", headers={"Authorization": f"Bearer {kept}"}).status_code == 401
        )
        assert c.get("/ui/", follow_redirects=False).status_code == 303  # its session ended too
        missing = runner.invoke(cli, ["token", "revoke", "9999", "--home", str(tmp_path)])
        assert missing.exit_code == 2


def test_a_liaison_cannot_tell_hidden_from_missing(desk: Desk) -> None:
    liaison = desk.create_token("ice-den", "federal_liaison", DENVER_OFFICE)
    with TestClient(create_app(desk, worker=False)) as c:
        c.headers["Authorization"] = f"Bearer {liaison}"
        own = c.get("/api/requests/1")
        assert own.status_code == 200
        hidden, missing = c.get("/api/requests/2"), c.get("/api/requests/3")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["error"].replace("2", "N") == missing.json()["error"].replace("3", "N")
        known, unknown = c.get("/api/bookings/B1"), c.get("/api/bookings/NOPE")
        assert known.status_code == unknown.status_code == 404
        assert known.json()["error"].replace("B1", "X") == unknown.json()["error"].replace(
            "NOPE", "X"
        )


def test_a_supervisor_lists_and_revokes_tokens_in_the_ui(desk: Desk) -> None:
    supervisor = desk.create_token("sam", "supervisor")
    clerk = desk.create_token("maria", "clerk")
    clerk_id = next(t["id"] for t in desk.tokens() if t["name"] == "maria")
    with TestClient(create_app(desk, worker=False)) as c:
        _log_in(c, supervisor)
        page = c.get("/ui/tokens")
        assert page.status_code == 200 and "maria" in page.text
        assert clerk not in page.text and supervisor not in page.text
        forged = c.post(f"/ui/tokens/{clerk_id}/revoke", follow_redirects=False)
        assert forged.status_code == 403  # no CSRF token: nothing revoked
        bearer = {"Authorization": f"Bearer {clerk}"}
        assert c.get("/api/requests", headers=bearer).status_code == 200
        done = c.post(
            f"/ui/tokens/{clerk_id}/revoke",
            data={"csrf": _csrf(page.text)},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert c.get("/api/requests", headers=bearer).status_code == 401
    with TestClient(create_app(desk, worker=False)) as c:
        _log_in(c, desk.create_token("lee", "clerk"))
        assert c.get("/ui/tokens").status_code == 403  # clerks may not manage tokens
