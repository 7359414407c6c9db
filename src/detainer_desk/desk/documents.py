"""What the desk accepts besides request documents: jail events, overrides, interviews, notes.

Pydantic validates at the edge; errors become one InputError naming the field and the fix.
Event kinds are the jail's own words: booked, charges_changed, release_scheduled,
release_eligible, released, transferred.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from detainer_desk.desk.bounds import check_json
from detainer_desk.errors import InputError
from detainer_desk.request.document import Conviction, JudicialWarrant, Offence
from detainer_desk.request.forbidden import refuse_forbidden_fields
from detainer_desk.vocabulary import Action, Effect, ReleaseReason, WarrantKind


class EventKind(StrEnum):
    booked = "booked"
    charges_changed = "charges_changed"
    release_scheduled = "release_scheduled"
    release_eligible = "release_eligible"
    released = "released"
    transferred = "transferred"


class _Edge(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JailEventDocument(_Edge):
    """One thing that happened to a booking; `at` without an offset is in the jail's zone."""

    booking_id: str = Field(min_length=1, max_length=200)
    kind: EventKind
    at: datetime
    jurisdiction: str | None = Field(
        default=None, max_length=80, description="Required for `booked`."
    )
    charges: tuple[Offence, ...] | None = Field(default=None, max_length=100)
    convictions: tuple[Conviction, ...] | None = Field(default=None, max_length=100)
    release_at: datetime | None = Field(default=None, description="For release_scheduled.")
    release_reason: ReleaseReason | None = Field(default=None, description="For release_eligible.")
    release_date_public: bool | None = None
    sex_or_arson_registrant: bool | None = None
    magistrate_probable_cause_on_felony_charge: bool | None = None
    handled_by_287g_officer: bool | None = None
    transferred_to: str | None = Field(default=None, max_length=200, description="For transferred.")


class RequestAmendment(_Edge):
    """Paper that arrived later for the same request, e.g. a judicial warrant (who signed it,
    for what offence)."""

    warrant_kind: WarrantKind
    judicial_warrant: JudicialWarrant | None = None


class OverrideDocument(_Edge):
    """A supervisor's override. Permitting a hold the law denies needs a stated legal basis
    (the judicial warrant attached to the request, or a provision id) and counsel's confirmation.
    """

    action: Action
    effect: Effect
    reason: str = Field(min_length=10, max_length=5000, description="Why; at least a sentence.")
    provision: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="Legal basis: the id of a provision of the jurisdiction's packs.",
    )
    judicial_warrant_attached: bool = Field(
        default=False,
        description="Legal basis: the judicial warrant recorded on the request (amend first).",
    )


class ConfirmationDocument(_Edge):
    """Counsel's confirmation of a pending override: a second person, with a note."""

    note: str = Field(min_length=3, max_length=2000)


class AnnotationDocument(_Edge):
    text: str = Field(min_length=1, max_length=10_000)


class InterviewDocument(_Edge):
    modality: Literal["in_person", "remote"]
    written_advisement_given: bool = False
    advisement_language: str | None = Field(default=None, max_length=80)
    written_consent_signed: bool = False
    declined: bool = False
    attorney_requested: bool = False
    conditions_met: dict[
        Annotated[str, StringConstraints(max_length=120)],
        Annotated[str, StringConstraints(max_length=2000)],
    ] = Field(
        default_factory=dict,
        max_length=50,
        description="Condition id (one of the decision's own) of each condition met -> how.",
    )


class ConditionTickItem(_Edge):
    """One condition of a decision's permitted action, met."""

    action: Action = Field(description="The permitted action the condition is attached to.")
    condition: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="The condition's id, one of that action's conditions in the current decision.",
    )
    note: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[^\x00-\x1f]*$",
        description="How it was met (optional, at most 200 characters; no facts about the person).",
    )


class ConditionTicksDocument(_Edge):
    """Conditions of the current decision ticked as met; each tick is its own ledger entry."""

    ticks: tuple[ConditionTickItem, ...] = Field(min_length=1, max_length=50)


class InterviewOutcomeDocument(_Edge):
    held: bool
    outcome: str = Field(min_length=1, max_length=2000)


class AcknowledgementDocument(_Edge):
    note: str = Field(min_length=3, max_length=2000)


class OfficeDocument(_Edge):
    name: str = Field(min_length=1, max_length=200)
    channel: Literal["email", "webhook"]
    address: str = Field(min_length=3, max_length=500)


M = TypeVar("M", bound=BaseModel)


def parse_edge(model: type[M], data: Any) -> M:
    """Validate `data` as `model`; forbidden fields and schema errors become one InputError."""
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object for {model.__name__}")
    check_json(data)
    refuse_forbidden_fields(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or model.__name__
        if first["type"] == "extra_forbidden":
            raise InputError(
                f"unknown field {field!r}: remove it or fix its spelling", field
            ) from None
        if first["type"] == "missing":
            raise InputError(f"missing field {field!r}: add it", field) from None
        raise InputError(f"field {field!r}: {first['msg']}", field) from None
