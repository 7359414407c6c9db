"""The JSON API under /api. Every route is a thin call into `Desk`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from detainer_desk.access.check import Actor
from detainer_desk.desk.documents import (
    AcknowledgementDocument,
    AnnotationDocument,
    ConditionTicksDocument,
    ConfirmationDocument,
    InterviewDocument,
    InterviewOutcomeDocument,
    JailEventDocument,
    OfficeDocument,
    OverrideDocument,
    RequestAmendment,
)
from detainer_desk.desk.queue import (
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_SEARCH,
    MIN_PER_PAGE,
    SEARCH_PATTERN,
    QueueFilter,
    QueueSort,
)
from detainer_desk.desk.service import Desk
from detainer_desk.request.document import ExceptionEstablished, RequestDocument
from detainer_desk.web.limits import ERROR_RESPONSES, body_of, json_body

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
JsonBody = Annotated[dict[str, Any], Depends(json_body)]


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def actor_of(request: Request, authorization: Annotated[str | None, Header()] = None) -> Actor:
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    return desk_of(request).actor_for(token)  # Bearer only: no cookie, so no CSRF on the API


DeskDep = Annotated[Desk, Depends(desk_of)]
ActorDep = Annotated[Actor, Depends(actor_of)]


@router.get("/health")
def health() -> dict[str, Any]:
    return {"ok": True}


@router.post("/requests", status_code=201, openapi_extra=body_of(RequestDocument))
def receive_request(desk: DeskDep, actor: ActorDep, body: JsonBody) -> dict[str, Any]:
    """Receive a federal request document; it is decided at once."""
    return desk.receive_request(actor, body)


class QueueRow(BaseModel):
    """One request of the queue: its effects now (after overrides); staff also see the booking
    id and the status labels (a federal liaison never does)."""

    id: int
    kind: str
    form: str
    warrant_kind: str
    office: str | None
    received_at: str
    decided_on: str | None
    effects: dict[str, str]
    booking_id: str | None = Field(default=None, description="Staff only.")
    status: list[str] | None = Field(
        default=None,
        description="Staff only: open alarm, awaiting decision, hold running, notification "
        "pending, overridden, in custody / left custody.",
    )


class RequestPage(BaseModel):
    """One page of the queue, with what a client needs to fetch the rest."""

    items: list[QueueRow]
    total: int = Field(description="Requests matching the search and filter, on every page.")
    page: int
    per_page: int
    pages: int = Field(description="Number of pages (at least 1).")
    next_page: int | None = Field(description="The next page's number; null on the last page.")


@router.get("/requests", response_model=RequestPage, response_model_exclude_unset=True)
def list_requests(
    desk: DeskDep,
    actor: ActorDep,
    q: Annotated[
        str,
        Query(
            max_length=MAX_SEARCH,
            pattern=SEARCH_PATTERN,
            description="Search: a request number (`17` or `#17`) or a booking id (exact, or "
            "its beginning).",
        ),
    ] = "",
    status: Annotated[
        QueueFilter | None, Query(description="Only the requests in this state now.")
    ] = None,
    sort: Annotated[
        QueueSort,
        Query(
            description="newest or oldest number first, received (newest first), booking, "
            "office or kind."
        ),
    ] = QueueSort.newest,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    per_page: Annotated[
        int, Query(ge=MIN_PER_PAGE, le=MAX_PER_PAGE, description="Requests per page.")
    ] = DEFAULT_PER_PAGE,
) -> dict[str, Any]:
    """The queue, one page at a time, searched, filtered and sorted like the staff UI's
    (`Desk.queue_page`); a federal liaison sees only its own office's requests, status only."""
    raw = {"q": q, "sort": sort.value, "page": page, "per_page": per_page}
    if status is not None:
        raw["status"] = status.value
    found = desk.queue_page(actor, raw)
    return {
        "items": found.rows,
        "total": found.total,
        "page": found.query.page,
        "per_page": found.query.per_page,
        "pages": found.pages,
        "next_page": found.next_page,
    }


@router.get("/requests/{request_id}")
def get_request(desk: DeskDep, actor: ActorDep, request_id: int) -> dict[str, Any]:
    return desk.request_detail(actor, request_id)


@router.post("/requests/{request_id}/amend", openapi_extra=body_of(RequestAmendment))
def amend_request(
    desk: DeskDep, actor: ActorDep, request_id: int, body: JsonBody
) -> dict[str, Any]:
    return desk.amend_request(actor, request_id, body)


@router.post(
    "/requests/{request_id}/exceptions",
    status_code=201,
    openapi_extra=body_of(ExceptionEstablished),
)
def record_exception(
    desk: DeskDep, actor: ActorDep, request_id: int, body: JsonBody
) -> dict[str, Any]:
    """Counsel or a supervisor records that a rule's exception is established; re-decided."""
    return desk.record_exception(actor, request_id, body)


@router.post(
    "/requests/{request_id}/overrides", status_code=201, openapi_extra=body_of(OverrideDocument)
)
def override(desk: DeskDep, actor: ActorDep, request_id: int, body: JsonBody) -> dict[str, Any]:
    return desk.override(actor, request_id, body)


@router.post("/overrides/{override_id}/confirm", openapi_extra=body_of(ConfirmationDocument))
def confirm_override(
    desk: DeskDep, actor: ActorDep, override_id: int, body: JsonBody
) -> dict[str, Any]:
    """Counsel (a second person) confirms an override that permits a hold the law denies."""
    return desk.confirm_override(actor, override_id, body)


@router.post(
    "/requests/{request_id}/annotations", status_code=201, openapi_extra=body_of(AnnotationDocument)
)
def annotate(desk: DeskDep, actor: ActorDep, request_id: int, body: JsonBody) -> dict[str, Any]:
    return desk.annotate(actor, request_id, body)


@router.post(
    "/requests/{request_id}/interviews", status_code=201, openapi_extra=body_of(InterviewDocument)
)
def record_interview(
    desk: DeskDep, actor: ActorDep, request_id: int, body: JsonBody
) -> dict[str, Any]:
    return desk.record_interview(actor, request_id, body)


@router.post(
    "/requests/{request_id}/conditions",
    status_code=201,
    openapi_extra=body_of(ConditionTicksDocument),
)
def record_conditions(
    desk: DeskDep, actor: ActorDep, request_id: int, body: JsonBody
) -> dict[str, Any]:
    """Tick conditions of the current decision as met (clerk or supervisor): one ledger entry
    (`condition_met`) per tick. A condition that is not one of the decision's own is refused
    (422) and nothing is written; one already ticked is refused (409)."""
    return desk.record_conditions(actor, request_id, body)


@router.post("/interviews/{interview_id}/outcome", openapi_extra=body_of(InterviewOutcomeDocument))
def interview_outcome(
    desk: DeskDep, actor: ActorDep, interview_id: int, body: JsonBody
) -> dict[str, Any]:
    return desk.interview_outcome(actor, interview_id, body)


@router.post("/events", status_code=201, openapi_extra=body_of(JailEventDocument))
def record_event(desk: DeskDep, actor: ActorDep, body: JsonBody) -> dict[str, Any]:
    """Record a jail event: booked, charges_changed, release_scheduled, release_eligible, …"""
    return desk.record_event(actor, body)


@router.get("/bookings/{booking_id}")
def get_booking(desk: DeskDep, actor: ActorDep, booking_id: str) -> dict[str, Any]:
    return desk.booking_detail(actor, booking_id)


@router.get("/alarms")
def list_alarms(desk: DeskDep, actor: ActorDep, all: bool = False) -> list[dict[str, Any]]:
    return desk.alarms(actor, open_only=not all)


@router.post("/alarms/{alarm_id}/acknowledge", openapi_extra=body_of(AcknowledgementDocument))
def acknowledge(desk: DeskDep, actor: ActorDep, alarm_id: int, body: JsonBody) -> dict[str, Any]:
    return desk.acknowledge_alarm(actor, alarm_id, body)


@router.post("/offices", openapi_extra=body_of(OfficeDocument))
def set_office(desk: DeskDep, actor: ActorDep, body: JsonBody) -> dict[str, Any]:
    return desk.set_office(actor, body)


@router.get("/ledger/checkpoint", response_class=PlainTextResponse)
def latest_checkpoint(desk: DeskDep) -> str:
    """The newest signed checkpoint (public: anyone may hold one to check the ledger later)."""
    return desk.latest_checkpoint()


@router.get("/ledger/consistency")
def consistency(desk: DeskDep, old: int, new: int) -> dict[str, Any]:
    """RFC 9162 consistency proof from tree size `old` to `new` (public: witnesses use it)."""
    return desk.consistency(old, new)


@router.get("/ledger/entries/{seq}/proof")
def prove(desk: DeskDep, actor: ActorDep, seq: int) -> dict[str, Any]:
    return desk.prove(actor, seq)
