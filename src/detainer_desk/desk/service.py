"""The desk: every operation a jail's records unit performs, one unit of work each.

`Desk` is the composition root and a façade: it holds the sessions, settings, clock and law
library, and hands them as one `DeskContext` to the use case each method names. The use cases
are functions in modules named after what a person does (`intake`, `events`, `overrides`,
`interviews`, `conditions`, `alarms`, `offices`, `credentials`, `reads`, `proofs`,
`witnesses`): each checks the actor's role (access.cedar), validates its input at the edge,
changes the business tables and appends the ledger entry in the same transaction — so either
all of it happens or none of it. The API, the UI and the CLI all call `Desk` and nothing else.

The façade is grouped by who uses it (`Intake`, `Decisions`, `Watch`, `Administration`,
`Proofs`), so that no class carries more than a dozen operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from detainer_desk.access.check import Actor
from detainer_desk.desk import (
    alarms,
    bulk,
    conditions,
    credentials,
    events,
    intake,
    interviews,
    offices,
    overrides,
    proofs,
    reads,
)
from detainer_desk.desk import witnesses as cosigning
from detainer_desk.desk.clock import Clock
from detainer_desk.desk.queue import QueuePage
from detainer_desk.desk.settings import DeskSettings
from detainer_desk.desk.tokens import UiLogin
from detainer_desk.desk.uow import DeskContext
from detainer_desk.errors import InputError
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.ledger.cosignatures import Witness, fetch_cosigned


class _Facet:
    @property
    def _ctx(self) -> DeskContext:
        raise NotImplementedError  # the Desk gives its own


class Intake(_Facet):
    """Requests and jail events coming in (clerks, federal liaisons, bulk files)."""

    def receive_request(
        self,
        actor: Actor,
        raw: dict[str, Any],
        *,
        strip_forbidden: bool = False,
        paper_sha256: str | None = None,
    ) -> dict[str, Any]:
        return intake.receive_request(
            self._ctx, actor, raw, strip_forbidden=strip_forbidden, paper_sha256=paper_sha256
        )

    def receive_bulk(
        self,
        actor: Actor,
        records: Iterator[tuple[int, dict[str, Any] | InputError]],
        *,
        strip_forbidden: bool = False,
    ) -> tuple[int, list[tuple[int, str]]]:
        return bulk.receive_bulk(self._ctx, actor, records, strip_forbidden=strip_forbidden)

    def amend_request(self, actor: Actor, request_id: int, raw: dict[str, Any]) -> dict[str, Any]:
        return intake.amend_request(self._ctx, actor, request_id, raw)

    def record_exception(
        self, actor: Actor, request_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        return intake.record_exception(self._ctx, actor, request_id, raw)

    def record_event(self, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
        return events.record_event(self._ctx, actor, raw)


class Decisions(_Facet):
    """What staff do to a decided request: override, confirm, annotate, interview, tick."""

    def override(self, actor: Actor, request_id: int, raw: dict[str, Any]) -> dict[str, Any]:
        return overrides.override(self._ctx, actor, request_id, raw)

    def confirm_override(
        self, actor: Actor, override_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        return overrides.confirm_override(self._ctx, actor, override_id, raw)

    def annotate(self, actor: Actor, request_id: int, raw: dict[str, Any]) -> dict[str, Any]:
        return overrides.annotate(self._ctx, actor, request_id, raw)

    def record_interview(
        self, actor: Actor, request_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        return interviews.record_interview(self._ctx, actor, request_id, raw)

    def interview_outcome(
        self, actor: Actor, interview_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        return interviews.interview_outcome(self._ctx, actor, interview_id, raw)

    def record_conditions(
        self, actor: Actor, request_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        return conditions.record_conditions(self._ctx, actor, request_id, raw)


class Watch(_Facet):
    """Watching custody: the queue, a request or booking in detail, the hold clock's alarms."""

    def queue(self, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
        return reads.queue(self._ctx, actor, limit)

    def queue_page(self, actor: Actor, raw: dict[str, Any]) -> QueuePage:
        return reads.queue_page(self._ctx, actor, raw)

    def request_detail(self, actor: Actor, request_id: int) -> dict[str, Any]:
        return reads.request_detail(self._ctx, actor, request_id)

    def booking_detail(self, actor: Actor, booking_id: str) -> dict[str, Any]:
        return reads.booking_detail(self._ctx, actor, booking_id)

    def check_clock(self) -> dict[str, int]:
        return alarms.check_clock(self._ctx)

    def acknowledge_alarm(self, actor: Actor, alarm_id: int, raw: dict[str, Any]) -> dict[str, Any]:
        return alarms.acknowledge_alarm(self._ctx, actor, alarm_id, raw)

    def alarms(self, actor: Actor, open_only: bool = True) -> list[dict[str, Any]]:
        return alarms.alarms(self._ctx, actor, open_only)


class Administration(_Facet):
    """Offices, tokens and staff sessions (supervisors, and the administrator at the CLI)."""

    def set_office(self, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
        return offices.set_office(self._ctx, actor, raw)

    def offices(self, actor: Actor) -> list[dict[str, Any]]:
        return offices.offices(self._ctx, actor)

    def issue_token(
        self,
        actor: Actor,
        name: str,
        role: str,
        office: str | None,
        expires_days: float | None = None,
    ) -> str:
        return credentials.issue_token(self._ctx, actor, name, role, office, expires_days)

    def create_token(
        self, name: str, role: str, office: str | None = None, expires_days: float | None = None
    ) -> str:
        return credentials.create_token(self._ctx, name, role, office, expires_days)

    def tokens(self, actor: Actor | None = None) -> list[dict[str, Any]]:
        return credentials.tokens(self._ctx, actor)

    def revoke_token(self, token_id: int, actor: Actor | None = None) -> dict[str, Any]:
        return credentials.revoke_token(self._ctx, token_id, actor)

    def actor_for(self, token: str | None) -> Actor:
        return credentials.actor_for(self._ctx, token)

    def log_in(self, token: str) -> UiLogin:
        return credentials.log_in(self._ctx, token)

    def ui_session(self, session_id: str | None) -> UiLogin:
        return credentials.ui_session(self._ctx, session_id)

    def log_out(self, session_id: str | None) -> None:
        credentials.log_out(self._ctx, session_id)


class Proofs(_Facet):
    """The ledger's checkpoints, proofs and witnesses' cosignatures."""

    def checkpoint(self) -> str:
        return proofs.checkpoint(self._ctx)

    def latest_checkpoint(self) -> str:
        return proofs.latest_checkpoint(self._ctx)

    def consistency(self, old: int, new: int) -> dict[str, Any]:
        return proofs.consistency(self._ctx, old, new)

    def prove(self, actor: Actor, seq: int) -> dict[str, Any]:
        return proofs.prove(self._ctx, actor, seq)

    def fetch_cosignatures(
        self,
        witnesses: Sequence[Witness],
        fetch: Callable[[Witness], str] = fetch_cosigned,
    ) -> list[dict[str, Any]]:
        return cosigning.fetch_cosignatures(self._ctx, witnesses, fetch)

    def cosignatures(self, limit: int = 100) -> list[dict[str, Any]]:
        return cosigning.cosignatures(self._ctx, limit)

    def cosigned_note(self, cosignature_id: int) -> str:
        return cosigning.cosigned_note(self._ctx, cosignature_id)


@dataclass
class Desk(Intake, Decisions, Watch, Administration, Proofs):
    sessions: sessionmaker[Session]
    settings: DeskSettings
    clock: Clock
    library: PolicyLibrary

    @property
    def _ctx(self) -> DeskContext:
        return DeskContext(self.sessions, self.settings, self.clock, self.library)

    def close(self) -> None:
        """Close the database connections."""
        bind = self.sessions.kw.get("bind")
        if bind is not None:
            bind.dispose()
