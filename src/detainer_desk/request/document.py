"""The request document: what arrived from federal immigration authorities, about which booking.

Pydantic validates at the edge; everything inside the package works on these frozen models.
See docs/request-format.md (and docs/request.schema.json, generated from these models).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from detainer_desk.errors import InputError
from detainer_desk.request.forbidden import refuse_forbidden_fields
from detainer_desk.vocabulary import (
    DEFAULT_ACTIONS,
    Action,
    AgencyKind,
    ChargeLevel,
    Form,
    InformationSought,
    OffenceList,
    ProbableCauseBasis,
    ReleaseReason,
    RequestKind,
    WarrantKind,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Offence(_Model):
    """A current charge or a prior conviction."""

    offence: str = Field(description="Offence as charged, e.g. statute or charge text.")
    level: ChargeLevel
    degree: str | None = Field(
        default=None, description="Grade or class, e.g. 'F1', 'F2' (Pennsylvania), 'A', 'B'."
    )
    violent: bool = Field(default=False, description="Offence involves violence.")
    lists: tuple[OffenceList, ...] = Field(
        default=(), description="Jurisdiction offence lists the offence is on."
    )


class Conviction(Offence):
    convicted_on: date
    released_from_incarceration_on: date | None = Field(
        default=None, description="End of any incarceration served for this conviction."
    )
    this_booking: bool = Field(
        default=False, description="The conviction the person is being released after."
    )


class Booking(_Model):
    """Facts about the person's custody; never their status, citizenship or birthplace."""

    booking_id: str = Field(min_length=1, max_length=200)
    booked_at: datetime | None = None
    charges: tuple[Offence, ...] = ()
    convictions: tuple[Conviction, ...] | None = Field(
        default=None,
        description="Prior convictions. Omit when unknown; [] when known to be none.",
    )
    release_eligible_at: datetime | None = None
    release_reason: ReleaseReason | None = None
    release_date_public: bool | None = Field(
        default=None, description="The release date is available to the public (inmate locator)."
    )
    sex_or_arson_registrant: bool = False
    magistrate_probable_cause_on_felony_charge: bool = Field(
        default=False,
        description="A magistrate found probable cause on a serious, violent or state-prison "
        "felony charge (Cal. Penal Code § 872).",
    )


class Interview(_Model):
    """The interview record: advisement, consent and whether the person declined."""

    written_advisement_given: bool = False
    advisement_language: str | None = None
    written_consent_signed: bool = False
    declined: bool = False
    attorney_requested: bool = False


class Agency(_Model):
    """The custodian deciding: the jail, its kind and any 287(g) agreement."""

    name: str | None = None
    kind: AgencyKind = AgencyKind.sheriff
    has_287g_agreement: bool = False


class FederalRequest(_Model):
    kind: RequestKind
    form: Form = Form.other
    actions: tuple[Action, ...] | None = Field(
        default=None, description="Actions asked; omitted means the usual ones for the kind."
    )
    warrant_kind: WarrantKind = WarrantKind.none
    issued_on: date | None = Field(default=None, description="The date the form was issued.")
    warrant_issuer: str | None = Field(
        default=None,
        max_length=200,
        description="Who signed the warrant attached (an immigration officer's title, or the "
        "judge or court).",
    )
    probable_cause_bases: tuple[ProbableCauseBasis, ...] = ()
    office: str | None = Field(default=None, description="Requesting DHS office.")
    information_sought: tuple[InformationSought, ...] = ()
    tsdb_match_asserted: bool = Field(
        default=False, description="ICE asserts a possible terrorist screening database match."
    )
    prior_removal_and_reentry_asserted: bool = False
    outstanding_federal_felony_warrant: bool = False


class RequestDocument(_Model):
    """One federal immigration request about one booking, as received."""

    jurisdiction: str = Field(min_length=1, description="Policy pack name, e.g. 'denver'.")
    received_at: datetime
    request: FederalRequest
    booking: Booking
    agency: Agency = Agency()
    interview: Interview = Interview()

    def actions_asked(self) -> tuple[Action, ...]:
        if self.request.actions is not None:
            return self.request.actions
        asked = list(DEFAULT_ACTIONS[self.request.kind])
        sought = set(self.request.information_sought)
        if sought & {InformationSought.immigration_status, InformationSought.birthplace}:
            asked.append(Action.share_immigration_status_or_birthplace)
        if InformationSought.personal_info in sought:
            asked.append(Action.share_personal_info)
        return tuple(asked)


def parse_request(raw: str | bytes | dict[str, Any]) -> RequestDocument:
    """Validate a request document. Raises InputError / ForbiddenFieldError with one clear line."""
    data = _load_json(raw) if isinstance(raw, str | bytes) else raw
    if not isinstance(data, dict):
        raise InputError("the request document must be a JSON object; see docs/request-format.md")
    refuse_forbidden_fields(data)
    try:
        return RequestDocument.model_validate(data)
    except ValidationError as exc:
        raise _input_error(exc) from None


def request_json_schema() -> dict[str, Any]:
    """The JSON Schema of the request document (docs/request.schema.json is generated from it)."""
    schema = RequestDocument.model_json_schema()
    schema["$id"] = "https://detainer-desk.example/schemas/request.schema.json"
    schema["title"] = "Detainer Desk request document"
    return schema


def load_request_file(path: Path) -> RequestDocument:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}; check the path") from None
    return parse_request(raw)


def _load_json(raw: str | bytes) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
            "fix the syntax (a JSON validator shows where)"
        ) from None
    except UnicodeDecodeError:
        raise InputError("the request is not UTF-8 text; save it as UTF-8 JSON") from None


def _input_error(exc: ValidationError) -> InputError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    kind = first["type"]
    if kind == "extra_forbidden":
        fix = "remove it, or check the spelling against docs/request-format.md"
        return InputError(f"unknown field {field!r}: {fix}", field=field)
    if kind == "missing":
        return InputError(f"missing field {field!r}: add it (see docs/request-format.md)", field)
    if kind == "enum":
        allowed = first.get("ctx", {}).get("expected", "")
        return InputError(f"field {field!r} has an unknown value; expected {allowed}", field)
    return InputError(f"field {field!r}: {first['msg']}; see docs/request-format.md", field)


__all__ = [
    "Agency",
    "Booking",
    "Conviction",
    "FederalRequest",
    "Interview",
    "Offence",
    "RequestDocument",
    "load_request_file",
    "parse_request",
    "request_json_schema",
]
