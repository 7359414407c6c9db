"""The desk: every operation a jail's records unit performs, one transaction each.

Each method checks the actor's role (access.cedar), validates its input at the edge, changes the
business tables and appends the ledger entry in the same transaction — so either all of it
happens or none of it. The API, the UI and the CLI all call these methods and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from detainer_desk.access.check import Actor, Permission, Role, is_allowed, require
from detainer_desk.desk import views
from detainer_desk.desk.bounds import check_id, check_json, check_text
from detainer_desk.desk.clock import Clock
from detainer_desk.desk.deciding import (
    DEFAULT_HOLD_HOURS,
    EXCEPTIONS_KEY,
    DeskAgency,
    compose_document,
    conflicting_overrides,
    decide_document,
    decided_effects,
    effective_effects,
    latest_decision,
    store_decision,
)
from detainer_desk.desk.documents import (
    AcknowledgementDocument,
    AnnotationDocument,
    ConditionTicksDocument,
    ConfirmationDocument,
    EventKind,
    InterviewDocument,
    InterviewOutcomeDocument,
    JailEventDocument,
    OfficeDocument,
    OverrideDocument,
    RequestAmendment,
    parse_edge,
)
from detainer_desk.desk.holdclock import (
    AlarmRule,
    check_booking,
    in_custody,
    law_changed,
    raise_alarm,
    take_clock_lock,
)
from detainer_desk.desk.outbox import queue_release_notification, record_actual_release
from detainer_desk.desk.queue import QueuePage, QueueQuery, page_query, page_rows
from detainer_desk.desk.settings import DeskSettings
from detainer_desk.desk.tables import (
    Alarm,
    Annotation,
    Booking,
    ConditionTick,
    DecisionRecord,
    FederalRequest,
    InterviewRecord,
    JailEvent,
    Office,
    Override,
    RefusalCount,
)
from detainer_desk.desk.tokens import (
    UiLogin,
    close_session,
    create_token,
    list_tokens,
    open_session,
    resolve_session,
    resolve_token,
    revoke_token,
)
from detainer_desk.errors import (
    ConflictError,
    ForbiddenFieldError,
    InputError,
    NotFoundError,
    NoVersionInForceError,
)
from detainer_desk.law.decide import check_exceptions, declared_exceptions
from detainer_desk.law.pack import PolicyLibrary
from detainer_desk.ledger import tree as ledger_tree
from detainer_desk.ledger.cosignatures import Witness, fetch_cosigned, kept_note
from detainer_desk.ledger.cosignatures import check_note as check_cosigned_note
from detainer_desk.ledger.cosignatures import keep as keep_cosignature
from detainer_desk.ledger.cosignatures import newest as newest_cosignatures
from detainer_desk.ledger.entries import append, lock_ledger
from detainer_desk.ledger.keys import load_signing_key
from detainer_desk.ledger.log import (
    latest_checkpoint,
    make_checkpoint,
    prove_consistency,
    prove_inclusion,
)
from detainer_desk.ledger.standalone import VerificationError
from detainer_desk.request.document import ExceptionEstablished, RequestDocument, parse_request
from detainer_desk.request.forbidden import forbidden_categories, strip_forbidden_fields
from detainer_desk.vocabulary import Action, Effect, WarrantKind

_Row = TypeVar("_Row")


@dataclass
class Desk:
    sessions: sessionmaker[Session]
    settings: DeskSettings
    clock: Clock
    library: PolicyLibrary

    # -- plumbing -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connections."""
        bind = self.sessions.kw.get("bind")
        if bind is not None:
            bind.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self.sessions.begin() as session:
            lock_ledger(session)
            yield session

    @property
    def _agency(self) -> DeskAgency:
        s = self.settings
        return DeskAgency(s.agency_name, s.agency_kind, s.has_287g_agreement)

    def _localise(self, moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=self.settings.zone)

    def _refuse_forbidden(self, actor: Actor, where: str, raw: Any) -> None:
        """Count a refusal of forbidden fields by an authorized caller; the input is dropped.

        Only the category is kept (citizenship, birthplace, …), never the field's name or value;
        the ledger gets the day's 1st, 10th, 100th … refusal per actor, place and category.
        """
        now = self.clock.now()
        day = now.astimezone(self.settings.zone).date().isoformat()
        with self._transaction() as session:
            for category in forbidden_categories(raw):
                row = session.execute(
                    select(RefusalCount).where(
                        RefusalCount.actor == actor.label,
                        RefusalCount.day == day,
                        RefusalCount.where == where,
                        RefusalCount.category == category,
                    )
                ).scalar_one_or_none()
                if row is None:
                    row = RefusalCount(
                        actor=actor.label, day=day, where=where, category=category, count=0
                    )
                    session.add(row)
                row.count += 1
                if str(row.count).rstrip("0") == "1":
                    append(
                        session,
                        "forbidden_field_refused",
                        actor.label,
                        now,
                        {"where": where, "category": category, "day": day, "count": row.count},
                    )

    # -- intake ---------------------------------------------------------------------------

    def receive_request(
        self,
        actor: Actor,
        raw: dict[str, Any],
        *,
        strip_forbidden: bool = False,
        paper_sha256: str | None = None,
    ) -> dict[str, Any]:
        """Store and decide one request document. Returns the request view.

        `paper_sha256`: the SHA-256 of the paper it was read from (an uploaded PDF); the paper
        itself is never stored, only this digest goes into the ledger as proof of receipt.
        """
        own_office = actor.office if actor.role is Role.federal_liaison else None
        require(actor, Permission.receive_request, own_office)  # before anything is recorded
        if paper_sha256 is not None and not _is_sha256(paper_sha256):
            raise InputError("pdf_sha256 must be 64 hexadecimal digits", field="pdf_sha256")
        check_json(raw)
        stripped = forbidden_categories(raw) if strip_forbidden else []
        if strip_forbidden:
            raw, removed = strip_forbidden_fields(raw)
        else:
            removed = []
        try:
            document = parse_request(raw)
        except ForbiddenFieldError:
            self._refuse_forbidden(actor, "request", raw)
            raise
        require(actor, Permission.receive_request, document.request.office)
        if document.request.office is not None:
            check_text(document.request.office, "request.office", limit=200)
        with self._transaction() as session:
            now = self.clock.now()
            if removed:
                append(
                    session,
                    "forbidden_field_stripped",
                    actor.label,
                    now,
                    {"where": "request", "categories": stripped, "fields": len(removed)},
                )
            booking = self._booking_for_request(session, actor, document, now)
            request = self._store_request(session, actor, booking, document, now)
            if paper_sha256 is not None:
                append(
                    session,
                    "paper_received",
                    actor.label,
                    now,
                    {"request": request.id, "sha256": paper_sha256.lower()},
                )
            self._decide(session, request, booking, "received", actor.label, on=request.received_at)
            return views.request_status(session, request)

    def _booking_for_request(
        self, session: Session, actor: Actor, document: RequestDocument, now: datetime
    ) -> Booking:
        booking = self._find_booking(session, document.booking.booking_id)
        if booking is not None:
            if booking.jurisdiction != document.jurisdiction:
                raise InputError(
                    f"booking {booking.booking_id!r} is in {booking.jurisdiction!r}, not "
                    f"{document.jurisdiction!r}; fix 'jurisdiction'",
                    field="jurisdiction",
                )
            return booking
        if actor.role is Role.federal_liaison:
            raise NotFoundError(
                f"booking {document.booking.booking_id!r} is not known to this jail; check the "
                "booking id",
                field="booking.booking_id",
            )
        self.library.pack(document.jurisdiction)  # unknown jurisdiction -> InputError
        facts = document.booking.model_dump(mode="json", exclude_none=True)
        booking = Booking(
            booking_id=document.booking.booking_id,
            jurisdiction=document.jurisdiction,
            facts=_booking_facts(facts),
            booked_at=self._opt(document.booking.booked_at),
            release_eligible_at=self._opt(document.booking.release_eligible_at),
            release_reason=document.booking.release_reason,
            updated_at=now,
        )
        session.add(booking)
        session.flush()
        append(
            session,
            "booking_created_from_request",
            actor.label,
            now,
            {"booking": booking.id, "booking_id": booking.booking_id},
        )
        return booking

    def _opt(self, moment: datetime | None) -> datetime | None:
        return None if moment is None else self._localise(moment)

    def _store_request(
        self,
        session: Session,
        actor: Actor,
        booking: Booking,
        document: RequestDocument,
        now: datetime,
    ) -> FederalRequest:
        req = document.request
        body = req.model_dump(mode="json", exclude_none=True)
        body.pop("warrant_kind", None)
        if document.exceptions_established:
            check_exceptions(document, self.library)
            body[EXCEPTIONS_KEY] = [
                e.model_dump(mode="json") for e in document.exceptions_established
            ]
        if req.actions is None:
            body["actions"] = [a.value for a in document.actions_asked()]
        request = FederalRequest(
            booking_pk=booking.id,
            kind=req.kind.value,
            form=req.form.value,
            warrant_kind=req.warrant_kind.value,
            office=req.office,
            received_at=self._localise(document.received_at),
            document=body,
            received_by=actor.label,
        )
        session.add(request)
        session.flush()
        append(
            session,
            "request_received",
            actor.label,
            now,
            {
                "request": request.id,
                "booking": booking.id,
                "kind": request.kind,
                "form": request.form,
                "warrant_kind": request.warrant_kind,
                "office": request.office,
                "received_at": request.received_at.isoformat(),
            },
        )
        return request

    def _decide(
        self,
        session: Session,
        request: FederalRequest,
        booking: Booking,
        trigger: str,
        actor: str,
        on: datetime | None = None,
    ) -> None:
        interview = session.execute(
            select(InterviewRecord)
            .where(InterviewRecord.request_pk == request.id)
            .order_by(InterviewRecord.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        document = compose_document(booking, request, interview, self._agency, self.settings.zone)
        # The instant is read on the jail's calendar (the document's agency zone) by `decide`.
        decision = decide_document(document, on or self.clock.now(), self.library)
        now = self.clock.now()
        record = store_decision(session, request, decision, trigger, now, actor)
        for override in conflicting_overrides(session, record):
            raise_alarm(
                session,
                booking,
                request.id,
                "override_conflicts_with_decision",
                f"override {override.id} ({override.action} -> {override.effect}) stays in force "
                f"but the new decision ({trigger}) says "
                f"{decided_effects(record).get(Action(override.action), 'nothing')}; review both",
                None,
                now,
            )
        self._queue_if_due(session, request, booking, now, actor)

    def _queue_if_due(
        self,
        session: Session,
        request: FederalRequest,
        booking: Booking,
        now: datetime,
        actor: str,
    ) -> None:
        release_known = booking.release_scheduled_at or booking.release_eligible_at
        if release_known is None or not booking.in_custody:
            return
        if effective_effects(session, request.id).get(Action.notify_release) is Effect.permit:
            queue_release_notification(session, request, booking, now, actor)

    def record_event(self, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
        """Record one jail event; re-decide and queue notifications as it requires."""
        require(actor, Permission.record_event)  # before anything is recorded
        try:
            event = parse_edge(JailEventDocument, raw)
        except ForbiddenFieldError:
            self._refuse_forbidden(actor, "event", raw)
            raise
        with self._transaction() as session:
            return self._apply_event(session, actor, event)

    def _apply_event(
        self, session: Session, actor: Actor, event: JailEventDocument
    ) -> dict[str, Any]:
        now = self.clock.now()
        at = self._localise(event.at)
        booking = self._find_booking(session, event.booking_id)
        if event.kind is EventKind.booked:
            booking = self._book(session, event, booking, at, now)
        elif booking is None:
            raise NotFoundError(
                f"booking {event.booking_id!r} has no 'booked' event; record that first",
                field="booking_id",
            )
        elif not booking.in_custody:
            raise ConflictError(
                f"booking {booking.booking_id!r} already left custody; nothing more can happen",
                field="kind",
            )
        else:
            self._change_booking(booking, event, at)
        booking.updated_at = now
        row = JailEvent(
            booking_pk=booking.id,
            kind=event.kind.value,
            at=at,
            data=event.model_dump(mode="json", exclude_none=True),
            recorded_at=now,
            recorded_by=actor.label,
        )
        session.add(row)
        session.flush()
        append(
            session,
            "jail_event",
            actor.label,
            now,
            {"event": row.id, "booking": booking.id, "kind": row.kind, "at": at.isoformat()},
        )
        self._after_event(session, actor, booking, event, at)
        return {"event": row.id, "booking_id": booking.booking_id, "kind": row.kind}

    def _book(
        self,
        session: Session,
        event: JailEventDocument,
        booking: Booking | None,
        at: datetime,
        now: datetime,
    ) -> Booking:
        if booking is not None:
            raise ConflictError(f"booking {event.booking_id!r} is already booked", "booking_id")
        if not event.jurisdiction:
            raise InputError(
                "a 'booked' event needs 'jurisdiction' (a policy pack name)", "jurisdiction"
            )
        self.library.pack(event.jurisdiction)
        booking = Booking(
            booking_id=event.booking_id,
            jurisdiction=event.jurisdiction,
            facts=_event_facts(event, {}),
            booked_at=at,
            updated_at=now,
        )
        session.add(booking)
        session.flush()
        return booking

    def _change_booking(self, booking: Booking, event: JailEventDocument, at: datetime) -> None:
        booking.facts = _event_facts(event, dict(booking.facts))
        if event.kind is EventKind.release_scheduled:
            if event.release_at is None:
                raise InputError("release_scheduled needs 'release_at'", field="release_at")
            booking.release_scheduled_at = self._localise(event.release_at)
        elif event.kind is EventKind.release_eligible:
            booking.release_eligible_at = at
            booking.release_reason = event.release_reason or "other_eligible"
        elif event.kind is EventKind.released:
            booking.released_at = at
        elif event.kind is EventKind.transferred:
            booking.transferred_at = at
            booking.transferred_to = event.transferred_to

    def _after_event(
        self,
        session: Session,
        actor: Actor,
        booking: Booking,
        event: JailEventDocument,
        at: datetime,
    ) -> None:
        requests = list(
            session.execute(
                select(FederalRequest).where(FederalRequest.booking_pk == booking.id)
            ).scalars()
        )
        if event.kind is EventKind.released:
            record_actual_release(session, booking)
            return
        if event.kind in (EventKind.booked, EventKind.transferred):
            return
        for request in requests:
            if event.kind in (EventKind.charges_changed, EventKind.release_eligible):
                self._decide(session, request, booking, event.kind.value, actor.label, on=at)
            else:
                self._queue_if_due(session, request, booking, self.clock.now(), actor.label)

    def receive_bulk(
        self,
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
                    self.receive_request(actor, record, strip_forbidden=strip_forbidden)
                else:
                    self.record_event(actor, record)
                accepted += 1
            except InputError as exc:
                errors.append((line, exc.message))
        return accepted, errors

    def amend_request(self, actor: Actor, request_id: int, raw: dict[str, Any]) -> dict[str, Any]:
        """New paper for a request (e.g. a judicial warrant attached): re-decide."""
        require(actor, Permission.amend_request)  # staff only; the office is checked below
        amendment = parse_edge(RequestAmendment, raw)
        with self._transaction() as session:
            request, booking = self._request(session, request_id)
            require(actor, Permission.amend_request, request.office)
            if amendment.judicial_warrant is not None and not amendment.warrant_kind.is_judicial:
                raise InputError(
                    "field 'judicial_warrant' describes a judicial warrant, but warrant_kind is "
                    f"{amendment.warrant_kind.value!r}; send the judicial kind with it",
                    field="judicial_warrant",
                )
            request.warrant_kind = amendment.warrant_kind.value
            body = {k: v for k, v in request.document.items() if k != "judicial_warrant"}
            if amendment.judicial_warrant is not None:
                body["judicial_warrant"] = amendment.judicial_warrant.model_dump(mode="json")
            request.document = body
            now = self.clock.now()
            append(
                session,
                "request_amended",
                actor.label,
                now,
                {
                    "request": request.id,
                    "warrant_kind": request.warrant_kind,
                    "judicial_warrant": body.get("judicial_warrant"),
                },
            )
            self._decide(session, request, booking, "warrant_attached", actor.label)
            return views.request_detail(session, request)

    def record_exception(
        self, actor: Actor, request_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        """Record that a rule's exception is established (e.g. Texas art. 2.251(b)); re-decide.

        Only the rule id, who determined it (counsel or supervisor) and when are kept: never the
        document shown, nor any status, citizenship or birthplace value.
        """
        require(actor, Permission.record_exception)
        try:
            doc = parse_edge(ExceptionEstablished, raw)
        except ForbiddenFieldError as exc:
            self._refuse_forbidden(actor, "exception", exc)
            raise
        with self._transaction() as session:
            request, booking = self._request(session, request_id)
            known = declared_exceptions(self.library, booking.jurisdiction)
            if doc.exception not in known:
                raise InputError(
                    f"exception {doc.exception!r} is not declared by a rule of "
                    f"{booking.jurisdiction}; known: {', '.join(sorted(known)) or 'none'}",
                    field="exception",
                )
            recorded = list(request.document.get(EXCEPTIONS_KEY, []))
            if any(e["exception"] == doc.exception for e in recorded):
                raise ConflictError(
                    f"exception {doc.exception!r} is already recorded on request {request.id}",
                    field="exception",
                )
            recorded.append(doc.model_dump(mode="json"))
            request.document = {**request.document, EXCEPTIONS_KEY: recorded}
            now = self.clock.now()
            append(
                session,
                "exception_established",
                actor.label,
                now,
                {"request": request.id, **doc.model_dump(mode="json")},
            )
            self._decide(session, request, booking, "exception_established", actor.label)
            return views.request_detail(session, request)

    # -- decisions ------------------------------------------------------------------------

    def override(self, actor: Actor, request_id: int, raw: dict[str, Any]) -> dict[str, Any]:
        """A supervisor overrides one action of the current decision.

        Permitting a hold the law denies is never silent nor unbounded: it needs a stated legal
        basis (the judicial warrant attached to the request, or a provision id of the
        jurisdiction's packs) and stays `pending` — changing nothing — until counsel, a second
        person, confirms it; the hold then ends `hold_hours` after release eligibility.
        """
        require(actor, Permission.override_decision)
        doc = parse_edge(OverrideDocument, raw)
        with self._transaction() as session:
            request, booking = self._request(session, request_id)
            current = latest_decision(session, request.id)
            if current is None:
                raise ConflictError(f"request {request.id} has no decision to override", "action")
            decided = decided_effects(current).get(doc.action)
            if decided is None:
                raise InputError(
                    f"request {request.id} does not ask for {doc.action.value!r}; override one "
                    f"of: {', '.join(a.value for a in decided_effects(current))}",
                    field="action",
                )
            hold_permit = self._check_hold_override(doc, request, booking, decided)
            now = self.clock.now()
            row = Override(
                request_pk=request.id,
                decision_pk=current.id,
                action=doc.action.value,
                effect=doc.effect.value,
                reason=doc.reason,
                by=actor.label,
                at=now,
                status="pending" if hold_permit else "active",
                decided_effect=decided.value,
                basis_provision=doc.provision,
                basis_judicial_warrant=doc.judicial_warrant_attached,
                hold_hours=self._override_hold_hours(booking, current) if hold_permit else None,
            )
            session.add(row)
            session.flush()
            append(
                session,
                "override",
                actor.label,
                now,
                {
                    "override": row.id,
                    "request": request.id,
                    "decision": current.id,
                    "action": row.action,
                    "effect": row.effect,
                    "decided_effect": row.decided_effect,
                    "status": row.status,
                    "basis_provision": row.basis_provision,
                    "basis_judicial_warrant": row.basis_judicial_warrant,
                    "hold_hours": row.hold_hours,
                    "reason": row.reason,
                },
            )
            self._queue_if_due(session, request, booking, now, actor.label)
            return views.request_detail(session, request)

    def _check_hold_override(
        self,
        doc: OverrideDocument,
        request: FederalRequest,
        booking: Booking,
        decided: Effect,
    ) -> bool:
        """Refuse a hold override without its basis; True when it needs counsel's confirmation."""
        if doc.action is not Action.hold_beyond_release:
            return False
        if doc.effect is Effect.review_required:
            raise InputError(
                "a hold is permitted or denied, never left for review: use 'deny' (or 'permit' "
                "with a legal basis)",
                field="effect",
            )
        if doc.effect is not Effect.permit or decided is Effect.permit:
            return False
        if not doc.judicial_warrant_attached and doc.provision is None:
            raise InputError(
                "an override permitting a hold the law denies needs a stated legal basis: "
                "'judicial_warrant_attached': true (the warrant recorded on the request) or "
                "'provision': the id of the provision that authorizes it",
                field="provision",
            )
        if doc.judicial_warrant_attached and not WarrantKind(request.warrant_kind).is_judicial:
            raise InputError(
                f"request {request.id} records warrant_kind {request.warrant_kind!r}, not a "
                "judicial warrant; attach it first (POST /api/requests/{id}/amend)",
                field="judicial_warrant_attached",
            )
        if doc.provision is not None:
            known = {
                p.id for pack in self.library.chain(booking.jurisdiction) for p in pack.provisions
            }
            if doc.provision not in known:
                raise InputError(
                    f"provision {doc.provision!r} is not a provision of {booking.jurisdiction} "
                    "or the law it builds on; name one `detainer-desk policy show` lists",
                    field="provision",
                )
        return True

    def _override_hold_hours(self, booking: Booking, current: DecisionRecord) -> int:
        """The shortest lawful window: 48 hours after release eligibility, less if the pack says.

        Flat hours (no weekend or holiday extension): an override never holds longer than that.
        """
        hours = DEFAULT_HOLD_HOURS
        try:
            vs = self.library.version_set(
                booking.jurisdiction, date.fromisoformat(current.decided_on)
            )
        except NoVersionInForceError:
            return hours
        windows = [w.hours for w in vs.hold_windows.values()]
        return min([hours, *windows])

    def confirm_override(
        self, actor: Actor, override_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        """Counsel confirms a pending override (a second person): it takes effect, bounded."""
        require(actor, Permission.confirm_override)
        doc = parse_edge(ConfirmationDocument, raw)
        with self._transaction() as session:
            row = _existing(session, Override, override_id, "override_id", "override")
            if row.status != "pending":
                raise ConflictError(
                    f"override {override_id} is {row.status}, not pending confirmation",
                    field="override_id",
                )
            if row.by == actor.label:
                raise ConflictError(
                    "the person who proposed an override cannot confirm it; a second person "
                    "(counsel) must",
                    field="override_id",
                )
            now = self.clock.now()
            row.status, row.confirmed_by, row.confirmed_at = "active", actor.label, now
            row.confirmation_note = doc.note
            append(
                session,
                "override_confirmed",
                actor.label,
                now,
                {"override": row.id, "request": row.request_pk, "note": doc.note},
            )
            request, booking = self._request(session, row.request_pk)
            self._queue_if_due(session, request, booking, now, actor.label)
            return views.request_detail(session, request)

    def annotate(self, actor: Actor, request_id: int, raw: dict[str, Any]) -> dict[str, Any]:
        require(actor, Permission.annotate)
        doc = parse_edge(AnnotationDocument, raw)
        with self._transaction() as session:
            request, _ = self._request(session, request_id)
            now = self.clock.now()
            row = Annotation(request_pk=request.id, text=doc.text, by=actor.label, at=now)
            session.add(row)
            session.flush()
            append(
                session,
                "annotation",
                actor.label,
                now,
                {"annotation": row.id, "request": request.id},
            )
            return {"annotation": row.id}

    # -- interviews -----------------------------------------------------------------------

    def record_interview(
        self, actor: Actor, request_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        require(actor, Permission.record_interview)
        doc = parse_edge(InterviewDocument, raw)
        with self._transaction() as session:
            request, booking = self._request(session, request_id)
            self._check_condition_ids(session, request.id, doc)
            now = self.clock.now()
            row = InterviewRecord(
                request_pk=request.id,
                modality=doc.modality,
                written_advisement_given=doc.written_advisement_given,
                advisement_language=doc.advisement_language,
                written_consent_signed=doc.written_consent_signed,
                declined=doc.declined,
                attorney_requested=doc.attorney_requested,
                conditions_met=doc.conditions_met,
                status="recorded",
                recorded_at=now,
                recorded_by=actor.label,
            )
            session.add(row)
            session.flush()
            append(
                session,
                "interview_conditions_recorded",
                actor.label,
                now,
                {
                    "interview": row.id,
                    "request": request.id,
                    "modality": row.modality,
                    "written_advisement_given": row.written_advisement_given,
                    "written_consent_signed": row.written_consent_signed,
                    "declined": row.declined,
                    "attorney_requested": row.attorney_requested,
                    "conditions_met": sorted(row.conditions_met),
                },
            )
            self._decide(session, request, booking, "interview_recorded", actor.label)
            return views.interview(row)

    def interview_outcome(
        self, actor: Actor, interview_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        """Mark an interview held (only if permitted and every condition is recorded met)."""
        require(actor, Permission.record_interview)
        doc = parse_edge(InterviewOutcomeDocument, raw)
        with self._transaction() as session:
            row = _existing(session, InterviewRecord, interview_id, "interview_id", "interview")
            if doc.held:
                self._check_may_hold_interview(session, row)
            row.status = "held" if doc.held else "not_held"
            row.outcome = doc.outcome
            append(
                session,
                "interview_outcome",
                actor.label,
                self.clock.now(),
                {"interview": row.id, "request": row.request_pk, "status": row.status},
            )
            return views.interview(row)

    @staticmethod
    def _check_condition_ids(session: Session, request_pk: int, doc: InterviewDocument) -> None:
        """`conditions_met` keys must be the current decision's own condition ids."""
        action = (
            Action.allow_in_person_interview
            if doc.modality == "in_person"
            else Action.allow_remote_interview
        )
        current = latest_decision(session, request_pk)
        actions = current.document["actions"] if current is not None else []
        ids = sorted(
            c["id"] for a in actions if a["action"] == action.value for c in a.get("conditions", [])
        )
        if any(key not in ids for key in doc.conditions_met):
            allowed = ", ".join(ids) or "none: this decision sets no conditions"
            raise InputError(
                "conditions_met has a key that is not a condition id of this request's "
                f"{action.value} decision; use its condition ids ({allowed})",
                field="conditions_met",
            )

    def _check_may_hold_interview(self, session: Session, row: InterviewRecord) -> None:
        action = (
            Action.allow_in_person_interview
            if row.modality == "in_person"
            else Action.allow_remote_interview
        )
        current = latest_decision(session, row.request_pk)
        effects = effective_effects(session, row.request_pk)
        if effects.get(action) is not Effect.permit:
            raise ConflictError(
                f"{action.value} is {effects.get(action, 'not decided')}, not permit; the "
                "interview may not be held",
                field="held",
            )
        assert current is not None
        wanted = next(a for a in current.document["actions"] if a["action"] == action.value)
        ticked = {
            t.condition_id
            for t in views.condition_ticks(session, row.request_pk)
            if t.action == action.value
        }
        met = set(row.conditions_met) | ticked  # on the interview record, or on the checklist
        missing = [c["id"] for c in wanted["conditions"] if c["id"] not in met]
        if missing:
            raise ConflictError(
                f"condition {missing[0]!r} is not recorded as met; tick it on the request's "
                "conditions checklist before the interview is marked held",
                field="conditions_met",
            )

    # -- conditions as a checklist ----------------------------------------------------------

    def record_conditions(
        self, actor: Actor, request_id: int, raw: dict[str, Any]
    ) -> dict[str, Any]:
        """Tick conditions of the current decision as met: one row and one ledger entry each.

        Each tick must name one of the current decision's own (action, condition) pairs, once,
        and not one ticked already; otherwise nothing at all is written. The entry names who,
        when, the request, the decision, the action and the condition; the note (how it was met,
        at most 200 characters) is in the row, which the entry seals by its digest."""
        require(actor, Permission.record_condition)
        doc = parse_edge(ConditionTicksDocument, raw)
        with self._transaction() as session:
            request, _ = self._request(session, request_id)
            current = latest_decision(session, request.id)
            ticked = {
                (t.action, t.condition_id): t for t in views.condition_ticks(session, request.id)
            }
            offered = {
                (action, c["id"])
                for action, c in views.condition_items(current.document if current else None)
            }
            _check_ticks(doc, offered, ticked, request.id)
            assert current is not None  # offered is empty without a decision
            now = self.clock.now()
            for item in doc.ticks:
                row = ConditionTick(
                    request_pk=request.id,
                    decision_pk=current.id,
                    action=item.action.value,
                    condition_id=item.condition,
                    note=(item.note or "").strip() or None,
                    by=actor.label,
                    at=now,
                )
                session.add(row)
                session.flush()
                append(
                    session,
                    "condition_met",
                    actor.label,
                    now,
                    {
                        "tick": row.id,
                        "request": request.id,
                        "decision": current.id,
                        "action": row.action,
                        "condition": row.condition_id,
                    },
                )
            ticks = views.condition_ticks(session, request.id)
            return {"request": request.id, "conditions": views.checklist(current.document, ticks)}

    # -- hold clock -----------------------------------------------------------------------

    def check_clock(self) -> dict[str, int]:
        """One tick: re-decide on new law, then raise due alarms. Returns counts."""
        now = self.clock.now()
        rule = AlarmRule(self.settings.approaching, self.settings.release_grace)
        with self._transaction() as session:
            take_clock_lock(session)
            stale = law_changed(session, self.library, self.settings.zone, now)
            for request in stale:
                booking = session.get(Booking, request.booking_pk)
                assert booking is not None
                self._decide(session, request, booking, "law_changed", "hold_clock")
            raised = sum(check_booking(session, b, rule, now) for b in list(in_custody(session)))
        return {"redecided": len(stale), "alarms_raised": raised}

    def acknowledge_alarm(self, actor: Actor, alarm_id: int, raw: dict[str, Any]) -> dict[str, Any]:
        require(actor, Permission.acknowledge_alarm)
        doc = parse_edge(AcknowledgementDocument, raw)
        with self._transaction() as session:
            alarm = _existing(session, Alarm, alarm_id, "alarm_id", "alarm")
            if alarm.acknowledged_at is not None:
                raise ConflictError(f"alarm {alarm_id} is already acknowledged", field="alarm_id")
            now = self.clock.now()
            alarm.acknowledged_at, alarm.acknowledged_by, alarm.note = now, actor.label, doc.note
            append(
                session,
                "alarm_acknowledged",
                actor.label,
                now,
                {"alarm": alarm.id, "note": doc.note},
            )
            return views.alarm(session, alarm)

    # -- configuration --------------------------------------------------------------------

    def set_office(self, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
        require(actor, Permission.manage_offices)
        doc = parse_edge(OfficeDocument, raw)
        with self._transaction() as session:
            office = session.get(Office, doc.name) or Office(name=doc.name, channel="", address="")
            office.channel, office.address = doc.channel, doc.address
            session.add(office)
            append(
                session,
                "office_configured",
                actor.label,
                self.clock.now(),
                {"office": doc.name, "channel": doc.channel},
            )
            return {"name": doc.name, "channel": doc.channel, "address": doc.address}

    def offices(self, actor: Actor) -> list[dict[str, Any]]:
        require(actor, Permission.manage_offices)
        with self._transaction() as session:
            rows = session.execute(select(Office).order_by(Office.name)).scalars()
            return [{"name": o.name, "channel": o.channel, "address": o.address} for o in rows]

    def issue_token(
        self,
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
        with self._transaction() as session:
            now = self.clock.now()
            expires = None if expires_days is None else now + timedelta(days=expires_days)
            token = create_token(session, name, role, now, office, expires)
            append(
                session,
                "token_created",
                actor.label,
                now,
                {
                    "name": name,
                    "role": role,
                    "office": office,
                    "expires_at": _iso_or_none(expires),
                },
            )
            return token

    # -- reads ----------------------------------------------------------------------------

    def queue(self, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
        require(actor, Permission.read_queue, actor.office)
        with self._transaction() as session:
            query = select(FederalRequest).order_by(FederalRequest.id.desc()).limit(limit)
            if actor.role is Role.federal_liaison:
                query = query.where(FederalRequest.office == actor.office)
            return [views.request_status(session, r) for r in session.execute(query).scalars()]

    def queue_page(self, actor: Actor, raw: dict[str, Any]) -> QueuePage:
        """One page of the queue: searched, filtered, sorted; staff see each row's status."""
        require(actor, Permission.read_queue, actor.office)  # authorize first, then read input
        query = parse_edge(QueueQuery, raw)
        liaison = actor.role is Role.federal_liaison
        now = self.clock.now()
        rows_stmt, count_stmt = page_query(query, now, actor.office if liaison else None)
        with self.sessions.begin() as session:  # a read: no need to queue behind ledger writers
            pairs = [(r, b) for r, b in session.execute(rows_stmt).all()]
            rows = page_rows(session, pairs, now, staff=not liaison)
            total = session.execute(count_stmt).scalar_one()
        return QueuePage(rows, total, query)

    def request_detail(self, actor: Actor, request_id: int) -> dict[str, Any]:
        """Full view (staff; the read is logged) or status only (federal liaison, own office)."""
        with self._transaction() as session:
            request, _ = self._request(session, request_id)
            if actor.role is Role.federal_liaison:
                if not is_allowed(actor, Permission.read_request_status, request.office):
                    # another office's request: the same answer as one that does not exist
                    raise NotFoundError(f"no request {request_id}", field="request_id")
                return views.request_status(session, request)
            require(actor, Permission.read_request, request.office)
            append(
                session,
                "record_read",
                actor.label,
                self.clock.now(),
                {"request": request.id, "booking": request.booking_pk},
            )
            return views.request_detail(session, request)

    def booking_detail(self, actor: Actor, booking_id: str) -> dict[str, Any]:
        if actor.role is Role.federal_liaison:
            # a liaison sees no booking: the same 404 whether it exists or not (no enumeration)
            raise NotFoundError(f"no booking {booking_id!r}", field="booking_id")
        require(actor, Permission.read_booking)
        check_text(booking_id, "booking_id", limit=200)
        with self._transaction() as session:
            booking = self._find_booking(session, booking_id)
            if booking is None:
                raise NotFoundError(f"no booking {booking_id!r}", field="booking_id")
            append(session, "record_read", actor.label, self.clock.now(), {"booking": booking.id})
            return views.booking_timeline(session, booking)

    def alarms(self, actor: Actor, open_only: bool = True) -> list[dict[str, Any]]:
        require(actor, Permission.read_alarms)
        with self._transaction() as session:
            query = select(Alarm).order_by(Alarm.id)
            if open_only:
                query = query.where(Alarm.acknowledged_at.is_(None))
            return [views.alarm(session, a) for a in session.execute(query).scalars()]

    # -- tokens and the ledger -------------------------------------------------------------

    def actor_for(self, token: str | None) -> Actor:
        with self.sessions() as session:  # a read: no write lock
            return resolve_token(session, token, self.clock.now())

    def create_token(
        self, name: str, role: str, office: str | None = None, expires_days: float | None = None
    ) -> str:
        """Administrative (CLI only: whoever holds the database file): a new API token."""
        with self._transaction() as session:
            now = self.clock.now()
            expires = None if expires_days is None else now + timedelta(days=expires_days)
            token = create_token(session, name, role, now, office, expires)
            append(
                session,
                "token_created",
                "admin",
                now,
                {
                    "name": name,
                    "role": role,
                    "office": office,
                    "expires_at": expires.isoformat() if expires else None,
                },
            )
            return token

    def tokens(self, actor: Actor | None = None) -> list[dict[str, Any]]:
        """Every token (never the token itself), with expiry and revocation.

        `actor` None is the administrator at the CLI; otherwise a supervisor (manage_tokens).
        """
        if actor is not None:
            require(actor, Permission.manage_tokens)
        with self.sessions() as session:
            return list_tokens(session)

    def revoke_token(self, token_id: int, actor: Actor | None = None) -> dict[str, Any]:
        """Revoke a token; its UI sessions end with it (CLI administrator or a supervisor)."""
        if actor is not None:
            require(actor, Permission.manage_tokens)
        by = "admin" if actor is None else actor.label
        with self._transaction() as session:
            now = self.clock.now()
            row = revoke_token(session, token_id, now)
            append(session, "token_revoked", by, now, {"token": row.id, "name": row.name})
            return {"id": row.id, "name": row.name, "revoked_at": _iso_or_none(row.revoked_at)}

    def log_in(self, token: str) -> UiLogin:
        """Open a staff UI session with an API token (the cookie never holds the token)."""
        with self._transaction() as session:
            return open_session(
                session,
                token,
                self.clock.now(),
                timedelta(hours=self.settings.session_hours),
            )

    def ui_session(self, session_id: str | None) -> UiLogin:
        with self.sessions() as session:
            return resolve_session(session, session_id, self.clock.now())

    def log_out(self, session_id: str | None) -> None:
        with self._transaction() as session:
            close_session(session, session_id, self.clock.now())

    def checkpoint(self) -> str:
        """Sign the ledger's current root; returns the signed note."""
        key = load_signing_key(self.settings.signing_key_path)
        with self._transaction() as session:
            return make_checkpoint(session, self.settings.log_origin, key, self.clock.now()).note

    def fetch_cosignatures(
        self,
        witnesses: Sequence[Witness],
        fetch: Callable[[Witness], str] = fetch_cosigned,
    ) -> list[dict[str, Any]]:
        """Ask each witness for what it cosigned; keep (and ledger) each note that checks.

        A note that fails any check (witness key, desk key, this ledger's root) is not kept.
        Returns one result per witness: kept, already kept, refused or unreachable.
        """
        desk_vkey = self.settings.public_key_path.read_text()
        results: list[dict[str, Any]] = []
        for witness in witnesses:
            result: dict[str, Any] = {"witness": witness.url}
            try:
                note = fetch(witness)
            except (OSError, ValueError) as exc:
                results.append({**result, "status": "unreachable", "reason": str(exc)[:500]})
                continue
            with self._transaction() as session:
                try:
                    fields = check_cosigned_note(session, note, witness.vkey, desk_vkey)
                except VerificationError as exc:
                    results.append({**result, "status": "refused", "reason": str(exc)[:500]})
                    continue
                now = self.clock.now()
                row, new = keep_cosignature(session, fields, witness.url, now)
                if new:
                    append(
                        session,
                        "cosignature_kept",
                        "admin",
                        now,
                        {
                            "cosignature": row.id,
                            "witness": row.witness_name,
                            "key_id": row.key_id,
                            "tree_size": row.tree_size,
                            "root": row.root_hash,
                        },
                    )
                results.append(
                    {
                        **result,
                        "status": "kept" if new else "already kept",
                        "id": row.id,
                        "name": row.witness_name,
                        "tree_size": row.tree_size,
                    }
                )
        return results

    def cosignatures(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest kept cosignatures (public), each checked again as it is shown."""
        desk_vkey = self.settings.public_key_path.read_text()
        with self.sessions() as session:
            return newest_cosignatures(session, desk_vkey, limit)

    def cosigned_note(self, cosignature_id: int) -> str:
        check_id(cosignature_id, "cosignature_id", "cosignature")
        with self.sessions() as session:
            note = kept_note(session, cosignature_id)
            if note is None:
                raise NotFoundError(f"no cosignature {cosignature_id}", field="cosignature_id")
            return note

    def latest_checkpoint(self) -> str:
        with self._transaction() as session:
            row = latest_checkpoint(session)
            if row is None:
                raise NotFoundError("no checkpoint yet; run 'detainer-desk ledger checkpoint'")
            return row.note

    def consistency(self, old: int, new: int) -> dict[str, Any]:
        """RFC 9162 consistency proof between two tree sizes (public, like the checkpoint)."""
        with self._transaction() as session:
            size = ledger_tree.size(session)
            if not 0 <= old <= new <= size:
                raise NotFoundError(
                    f"no consistency proof from {old} to {new}: the ledger has {size} entries",
                    field="new",
                )
            path = prove_consistency(session, old, new) if 0 < old < new else []
            return {"old": old, "new": new, "proof": [p.hex() for p in path]}

    def prove(self, actor: Actor, seq: int) -> dict[str, Any]:
        require(actor, Permission.read_ledger)
        with self._transaction() as session:
            return prove_inclusion(session, seq)

    # -- lookups --------------------------------------------------------------------------

    @staticmethod
    def _find_booking(session: Session, booking_id: str) -> Booking | None:
        return session.execute(
            select(Booking).where(Booking.booking_id == booking_id)
        ).scalar_one_or_none()

    @staticmethod
    def _request(session: Session, request_id: int) -> tuple[FederalRequest, Booking]:
        request = _existing(session, FederalRequest, request_id, "request_id", "request")
        booking = session.get(Booking, request.booking_pk)
        assert booking is not None
        return request, booking


def _check_ticks(
    doc: ConditionTicksDocument,
    offered: set[tuple[str, str]],
    ticked: dict[tuple[str, str], ConditionTick],
    request_id: int,
) -> None:
    """Every tick names a condition of the current decision, once, not ticked before."""
    seen: set[tuple[str, str]] = set()
    for n, item in enumerate(doc.ticks):
        key, field = (item.action.value, item.condition), f"ticks.{n}.condition"
        if key not in offered:
            ids = sorted(c for a, c in offered if a == item.action.value)
            choices = ", ".join(ids) or "none: the current decision sets it no condition"
            raise InputError(
                f"{item.condition!r} is not a condition of {item.action.value} in request "
                f"{request_id}'s current decision; its conditions: {choices}",
                field=field,
            )
        if key in seen:
            raise InputError(f"{item.condition!r} is ticked twice; tick it once", field=field)
        if key in ticked:
            done = ticked[key]
            raise ConflictError(
                f"{item.condition!r} was already ticked as met by {done.by} at "
                f"{done.at.isoformat()}",
                field=field,
            )
        seen.add(key)


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


_BOOKING_FACT_FIELDS = (
    "charges",
    "convictions",
    "release_date_public",
    "sex_or_arson_registrant",
    "magistrate_probable_cause_on_felony_charge",
    "handled_by_287g_officer",
)


def _booking_facts(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if k in _BOOKING_FACT_FIELDS}


def _event_facts(event: JailEventDocument, facts: dict[str, Any]) -> dict[str, Any]:
    data = event.model_dump(mode="json", exclude_none=True)
    facts.update(_booking_facts(data))
    return facts


def _existing(session: Session, model: type[_Row], row_id: int, field: str, noun: str) -> _Row:
    """The row `row_id` of `model`, or 404 naming `field` (ids out of the database's range too)."""
    check_id(row_id, field, noun)
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(f"no {noun} {row_id}", field=field)
    return row
