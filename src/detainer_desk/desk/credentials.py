"""People and their credentials: API tokens (issued, listed, revoked) and staff UI sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from detainer_desk.access.check import Actor, Permission, Role, require
from detainer_desk.desk.bounds import check_text
from detainer_desk.desk.tokens import (
    UiLogin,
    close_session,
    list_tokens,
    open_session,
    resolve_session,
    resolve_token,
)
from detainer_desk.desk.tokens import create_token as new_token
from detainer_desk.desk.tokens import revoke_token as end_token
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import InputError
from detainer_desk.ledger.entries import append


def issue_token(
    ctx: DeskContext,
    actor: Actor,
    name: str,
    role: str,
    office: str | None,
    expires_days: float | None = None,
) -> str:
    """A supervisor issues a token from the UI (never a supervisor's: that is the CLI's)."""
    require(actor, Permission.manage_tokens)
    if role == Role.supervisor.value:
        raise InputError(
            "a supervisor token is issued only with 'detainer-desk token create'", "role"
        )
    check_text(name, "name", limit=200)
    if office is not None:
        check_text(office, "office", limit=200)
    if expires_days is not None and not 0 < expires_days <= 3650:
        raise InputError("expires_days must be between 0 and 3650", "expires_days")
    return _token(ctx, actor.label, name, role, office, expires_days)


def create_token(
    ctx: DeskContext,
    name: str,
    role: str,
    office: str | None = None,
    expires_days: float | None = None,
) -> str:
    """Administrative (CLI only: whoever holds the database file): a new API token."""
    return _token(ctx, "admin", name, role, office, expires_days)


def _token(
    ctx: DeskContext,
    by: str,
    name: str,
    role: str,
    office: str | None,
    expires_days: float | None,
) -> str:
    with ctx.write() as session:
        now = ctx.clock.now()
        expires = None if expires_days is None else now + timedelta(days=expires_days)
        token = new_token(session, name, role, now, office, expires)
        append(
            session,
            "token_created",
            by,
            now,
            {"name": name, "role": role, "office": office, "expires_at": _iso_or_none(expires)},
        )
        return token


def tokens(ctx: DeskContext, actor: Actor | None = None) -> list[dict[str, Any]]:
    """Every token (never the token itself), with expiry and revocation.

    `actor` None is the administrator at the CLI; otherwise a supervisor (manage_tokens).
    """
    if actor is not None:
        require(actor, Permission.manage_tokens)
    with ctx.read() as session:
        return list_tokens(session)


def revoke_token(ctx: DeskContext, token_id: int, actor: Actor | None = None) -> dict[str, Any]:
    """Revoke a token; its UI sessions end with it (CLI administrator or a supervisor)."""
    if actor is not None:
        require(actor, Permission.manage_tokens)
    by = "admin" if actor is None else actor.label
    with ctx.write() as session:
        now = ctx.clock.now()
        row = end_token(session, token_id, now)
        append(session, "token_revoked", by, now, {"token": row.id, "name": row.name})
        return {"id": row.id, "name": row.name, "revoked_at": _iso_or_none(row.revoked_at)}


def actor_for(ctx: DeskContext, token: str | None) -> Actor:
    with ctx.read() as session:  # a read: no write lock
        return resolve_token(session, token, ctx.clock.now())


def log_in(ctx: DeskContext, token: str) -> UiLogin:
    """Open a staff UI session with an API token (the cookie never holds the token)."""
    with ctx.write() as session:
        return open_session(
            session, token, ctx.clock.now(), timedelta(hours=ctx.settings.session_hours)
        )


def ui_session(ctx: DeskContext, session_id: str | None) -> UiLogin:
    with ctx.read() as session:
        return resolve_session(session, session_id, ctx.clock.now())


def log_out(ctx: DeskContext, session_id: str | None) -> None:
    with ctx.write() as session:
        close_session(session, session_id, ctx.clock.now())


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
