"""The request document: what arrived from federal immigration authorities, about which booking.

Pydantic validates at the edge; everything inside the package works on these frozen models.
See docs/request-format.md (and docs/request.schema.json, generated from these models).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from detainer_desk.errors import InputError
from detainer_desk.request.forbidden import refuse_forbidden_fields
from detainer_desk.vocabulary import (
    DEFAULT_ACTIONS,
    WITHDRAWN_FORMS,
    WITHDRAWN_FORMS_LAST_ISSUE,
    Action,
    AgencyKind,
    ChargeLevel,
    Form,
    InformationSought,
    OffenceList,
    PriorityBasis,
    ProbableCauseBasis,
    ReleaseReason,
    RequestKind,
    TransferPlace,
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
    handled_by_287g_officer: bool | None = Field(
        default=None,
        description="The booking was handled by an officer designated under a 287(g) agreement "
        "(8 U.S.C. § 1357(g)); omit when unknown.",
    )
    federal_criminal_charge: bool | None = Field(
        default=None,
        description="The person is awaiting trial or sentencing on, or serving a sentence for, "
        "a federal criminal charge (D.C. Code § 24-211.07(a)(4)); omit when unknown.",
    )


class Interview(_Model):
    """The interview record: advisement, consent and whether the person declined."""

    written_advisement_given: bool = False
    advisement_language: str | None = None
    written_consent_signed: bool = False
    declined: bool = False
    attorney_requested: bool = False
    requested_by_person: bool = Field(
        default=False,
        description="The detained person asked for the interview (D.C. § 24-211.07(a)(3)(A)).",
    )
    judicial_order: bool = Field(
        default=False,
        description="ICE presented a judicial order authorizing the interview "
        "(D.C. § 24-211.07(a)(3)(A)).",
    )
    counsel_present: bool = Field(
        default=False, description="The person's counsel is present (D.C. § 24-211.07(a)(3)(B))."
    )
    counsel_waived: bool = Field(
        default=False,
        description="The person knowingly, intelligently and voluntarily declined to have "
        "counsel present (D.C. § 24-211.07(a)(3)(B)).",
    )


class Agency(_Model):
    """The custodian deciding: the jail, its kind, any 287(g) agreement and its own clock."""

    name: str | None = None
    kind: AgencyKind = AgencyKind.sheriff
    has_287g_agreement: bool = False
    time_zone: str | None = Field(
        default=None,
        max_length=64,
        description="IANA zone of the jail's calendar when it differs from its pack's "
        "(e.g. El Paso, Texas: America/Denver). The law in force follows this local date.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone; use e.g. America/Chicago"
            ) from None
        return value


class JudicialWarrant(_Model):
    """Who signed a judicial warrant and for what: recorded from the paper attached."""

    issuing_court: str = Field(
        min_length=1, max_length=200, description="e.g. 'U.S. District Court, D. Colo.'"
    )
    judge: str = Field(
        min_length=1, max_length=200, description="The federal judge or magistrate judge."
    )
    offence: str = Field(
        min_length=1,
        max_length=300,
        description="The federal criminal offence charged, e.g. '8 U.S.C. § 1326'.",
    )
    issued_on: date | None = None
    custody_ends_at: datetime | None = Field(
        default=None,
        description="When the warrant or order says custody for federal authorities ends, if it "
        "says; a permitted hold on it ends then (else under the detainer's 48-hour window).",
    )


class FederalRequest(_Model):
    kind: RequestKind
    form: Form = Form.other
    issued_on: date | None = Field(
        default=None,
        description="The date printed on the form. An I-247D, I-247N or I-247X issued after "
        "2017-04-02 is not a valid request (refused); without this date, such a form received "
        "after 2017-04-02 denies holds and sends everything else to review.",
    )
    actions: tuple[Action, ...] | None = Field(
        default=None, description="Actions asked; omitted means the usual ones for the kind."
    )
    warrant_kind: WarrantKind = WarrantKind.none
    judicial_warrant: JudicialWarrant | None = Field(
        default=None,
        description="Issuing court, judge and offence of the judicial warrant attached "
        "(only with a judicial_* warrant_kind).",
    )
    probable_cause_bases: tuple[ProbableCauseBasis, ...] = ()
    priority_bases: tuple[PriorityBasis, ...] = Field(
        default=(), description="I-247D section 1A priority boxes checked (I-247D only)."
    )
    office: str | None = Field(default=None, description="Requesting DHS office.")
    information_sought: tuple[InformationSought, ...] = ()
    tsdb_match_asserted: bool = Field(
        default=False, description="ICE asserts a possible terrorist screening database match."
    )
    prior_removal_and_reentry_asserted: bool = False
    outstanding_federal_felony_warrant: bool = False
    transfer_place: TransferPlace | None = Field(
        default=None,
        description="Where ICE asks to take custody: 'courthouse' when at, or going to or from, "
        "a court proceeding (N.Y. Civ. Rights Law § 28); omit when unknown.",
    )


class ExceptionEstablished(_Model):
    """A recorded determination that a rule's exception applies (e.g. Texas art. 2.251(b)).

    It names the rule (its @id) and who determined it, when. It never carries the document shown,
    nor any status, citizenship or birthplace value (LAW-INTERFACE §2).
    """

    exception: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        description="The @id of the pack rule declaring the exception, e.g. "
        "'tx.ccp.2_251b.proof-exception'.",
    )
    determined_by: Literal["counsel", "supervisor"]
    determined_on: date


class RequestDocument(_Model):
    """One federal immigration request about one booking, as received."""

    jurisdiction: str = Field(min_length=1, description="Policy pack name, e.g. 'denver'.")
    received_at: datetime
    request: FederalRequest
    booking: Booking
    agency: Agency = Agency()
    interview: Interview = Interview()
    exceptions_established: tuple[ExceptionEstablished, ...] = Field(
        default=(),
        max_length=20,
        description="Determinations (by counsel or a supervisor) that a rule's exception "
        "applies; each names a rule the jurisdiction's packs declare with @exception.",
    )

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
        document = RequestDocument.model_validate(data)
    except ValidationError as exc:
        raise _input_error(exc) from None
    check_paper(document.request)
    return document


def check_paper(req: FederalRequest) -> None:
    """Refuse papers that contradict themselves (fact sheet 2.2), naming the field."""
    if (
        req.form in WITHDRAWN_FORMS
        and req.issued_on is not None
        and req.issued_on > WITHDRAWN_FORMS_LAST_ISSUE
    ):
        raise InputError(
            f"field 'request.issued_on': an {req.form.value} may not be issued after "
            f"{WITHDRAWN_FORMS_LAST_ISSUE} (ICE I-247A guidance); this is not a valid request — "
            "ask ICE for an I-247A, or correct the date",
            field="request.issued_on",
        )
    if req.warrant_kind.is_judicial and req.judicial_warrant is None:
        raise InputError(
            f"field 'request.judicial_warrant' is missing: a {req.warrant_kind.value} must name "
            "the court that issued it and the judge who signed it (issuing_court, judge, "
            "offence); without them it cannot be checked, so it is not accepted",
            field="request.judicial_warrant",
        )
    if req.judicial_warrant is not None and not req.warrant_kind.is_judicial:
        raise InputError(
            f"field 'request.judicial_warrant' describes a judicial warrant, but warrant_kind is "
            f"{req.warrant_kind.value!r}; set warrant_kind to the judicial paper attached or "
            "remove judicial_warrant",
            field="request.judicial_warrant",
        )
    if req.priority_bases and req.form is not Form.I_247D:
        raise InputError(
            "field 'request.priority_bases': priority boxes are printed only on the I-247D; "
            f"this form is {req.form.value}",
            field="request.priority_bases",
        )
    if ProbableCauseBasis.investigation_initiated in req.probable_cause_bases and (
        req.form is not Form.I_247
    ):
        raise InputError(
            "field 'request.probable_cause_bases': 'investigation_initiated' is a box of the "
            f"pre-2012 I-247 only; this form is {req.form.value}",
            field="request.probable_cause_bases",
        )


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
    "ExceptionEstablished",
    "FederalRequest",
    "Interview",
    "JudicialWarrant",
    "Offence",
    "RequestDocument",
    "load_request_file",
    "parse_request",
    "request_json_schema",
]
