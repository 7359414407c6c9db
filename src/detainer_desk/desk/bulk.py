"""Bulk intake: a file of request documents and jail events, one unit of work per record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from detainer_desk.access.check import Actor
from detainer_desk.desk.events import record_event
from detainer_desk.desk.intake import receive_request
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import InputError


def receive_bulk(
    ctx: DeskContext,
    actor: Actor,
    records: Iterator[tuple[int, dict[str, Any] | InputError]],
    *,
    strip_forbidden: bool = False,
) -> tuple[int, list[tuple[int, str]]]:
    """Bulk intake: each record is a request document or a jail event ('kind' tells).

    One transaction per record: a bad record is reported (line, reason) and loses nothing
    else. Returns (accepted, [(line, reason)]).
    """
    accepted, errors = 0, []
    for line, record in records:
        if isinstance(record, InputError):
            errors.append((line, record.message))
            continue
        try:
            if "request" in record:
                receive_request(ctx, actor, record, strip_forbidden=strip_forbidden)
            else:
                record_event(ctx, actor, record)
            accepted += 1
        except InputError as exc:
            errors.append((line, exc.message))
    return accepted, errors
