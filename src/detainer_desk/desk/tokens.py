"""API tokens: 32 random bytes shown once; only their SHA-256 is stored.

Tokens are high-entropy secrets, so a plain SHA-256 (not a slow password hash) is the usual
choice (as GitHub and PyPI do for API tokens); lookups compare digests, never tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk.tables import ApiToken, UiSession
from detainer_desk.errors import AccessError, InputError, NotFoundError

PREFIX = "dd_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session,
    name: str,
    role: Role | str,
    at: datetime,
    office: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Store a new token's digest and return the token (the only time it exists in clear)."""
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {role!r}; use one of {allowed}", field="role") from None
    if role is Role.federal_liaison and not office:
        raise InputError("a federal_liaison token needs --office (its DHS office)", field="office")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            role=role.value,
            office=office,
            token_sha256=digest(token),
            created_at=at,
            expires_at=expires_at,
        )
    )
    return token


def _usable(row: ApiToken | None, now: datetime | None) -> ApiToken:
    if row is None or row.revoked_at is not None:
        raise AccessError("unknown or revoked API token; ask a supervisor for a new one")
    if now is not None and row.expires_at is not None and row.expires_at <= now:
        raise AccessError("this API token has expired; ask a supervisor for a new one")
    return row


def _actor(row: ApiToken) -> Actor:
    return Actor(name=row.name, role=Role(row.role), office=row.office)


def resolve_token(session: Session, token: str | None, now: datetime | None = None) -> Actor:
    """The actor a token stands for; AccessError if missing, unknown, revoked or expired."""
    if not token:
        raise AccessError("no API token: send 'Authorization: Bearer <token>' or log in")
    if len(token) > 200:
        raise AccessError("unknown or revoked API token; ask a supervisor for a new one")
    row = session.execute(
        select(ApiToken).where(ApiToken.token_sha256 == digest(token))
    ).scalar_one_or_none()
    return _actor(_usable(row, now))


@dataclass(frozen=True)
class UiLogin:
    session_id: str  # for the cookie; only its SHA-256 is stored
    csrf: str
    actor: Actor


def open_session(session: Session, token: str, now: datetime, lifetime: timedelta) -> UiLogin:
    """Log in to the UI with an API token: a new server-side session (random id, own CSRF)."""
    actor = resolve_token(session, token, now)
    row = session.execute(
        select(ApiToken).where(ApiToken.token_sha256 == digest(token))
    ).scalar_one()
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        UiSession(
            session_sha256=digest(session_id),
            token_pk=row.id,
            csrf=csrf,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return UiLogin(session_id, csrf, actor)


def resolve_session(session: Session, session_id: str | None, now: datetime) -> UiLogin:
    """The UI session a cookie names: AccessError if unknown, expired, logged out, or its token
    was revoked or expired since."""
    if not session_id or len(session_id) > 200:
        raise AccessError("not logged in")
    row = session.execute(
        select(UiSession).where(UiSession.session_sha256 == digest(session_id))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise AccessError("the session ended; log in again")
    token = _usable(session.get(ApiToken, row.token_pk), now)
    return UiLogin(session_id, row.csrf, _actor(token))


def close_session(session: Session, session_id: str | None, now: datetime) -> None:
    if not session_id or len(session_id) > 200:
        return
    row = session.execute(
        select(UiSession).where(UiSession.session_sha256 == digest(session_id))
    ).scalar_one_or_none()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


def list_tokens(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(ApiToken).order_by(ApiToken.id)).scalars()
    return [
        {
            "id": r.id,
            "name": r.name,
            "role": r.role,
            "office": r.office,
            "created_at": r.created_at.isoformat(),
            "expires_at": r.expires_at.isoformat() if r.expires_at else None,
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
        }
        for r in rows
    ]


def revoke_token(session: Session, token_id: int, now: datetime) -> ApiToken:
    row = session.get(ApiToken, token_id) if 1 <= token_id <= 2**31 - 1 else None
    if row is None:
        raise NotFoundError(f"no token {token_id}; 'detainer-desk token list' shows them", "id")
    if row.revoked_at is None:
        row.revoked_at = now
    for ui in session.execute(
        select(UiSession).where(UiSession.token_pk == row.id, UiSession.revoked_at.is_(None))
    ).scalars():
        ui.revoked_at = now
    return row
