"""API tokens: 32 random bytes shown once; only their SHA-256 is stored.

Tokens are high-entropy secrets, so a plain SHA-256 (not a slow password hash) is the usual
choice (as GitHub and PyPI do for API tokens); lookups compare digests, never tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk.tables import ApiToken
from detainer_desk.errors import AccessError, InputError

PREFIX = "dd_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session, name: str, role: Role | str, at: datetime, office: str | None = None
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
            name=name, role=role.value, office=office, token_sha256=digest(token), created_at=at
        )
    )
    return token


def resolve_token(session: Session, token: str | None) -> Actor:
    """The actor a token stands for; AccessError if missing, unknown or revoked."""
    if not token:
        raise AccessError("no API token: send 'Authorization: Bearer <token>' or log in")
    row = session.execute(
        select(ApiToken).where(ApiToken.token_sha256 == digest(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        raise AccessError("unknown or revoked API token; ask a supervisor for a new one")
    return Actor(name=row.name, role=Role(row.role), office=row.office)
