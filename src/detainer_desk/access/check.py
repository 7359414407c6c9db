"""Access decisions by Cedar policies of their own (access.cedar), separate from the law packs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import cedarpy

from detainer_desk.errors import PermissionDeniedError

HERE = Path(__file__).parent


class Role(StrEnum):
    clerk = "clerk"
    supervisor = "supervisor"
    counsel = "counsel"
    auditor = "auditor"
    federal_liaison = "federal_liaison"
    public = "public"


class Permission(StrEnum):
    receive_request = "receive_request"
    record_event = "record_event"
    amend_request = "amend_request"
    read_queue = "read_queue"
    read_request = "read_request"
    read_booking = "read_booking"
    read_request_status = "read_request_status"
    override_decision = "override_decision"
    annotate = "annotate"
    record_interview = "record_interview"
    read_alarms = "read_alarms"
    acknowledge_alarm = "acknowledge_alarm"
    read_ledger = "read_ledger"
    manage_offices = "manage_offices"
    manage_tokens = "manage_tokens"
    read_reports = "read_reports"
    record_exception = "record_exception"
    confirm_override = "confirm_override"
    record_condition = "record_condition"  # tick a decision's condition as met


@dataclass(frozen=True)
class Actor:
    """Who is acting: a token's name, its role and (for a federal liaison) its office."""

    name: str
    role: Role
    office: str | None = None

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.name}"


@dataclass(frozen=True)
class _Handles:
    policies: Any
    schema: Any


@cache
def _handles() -> _Handles:
    text = (HERE / "access.cedar").read_text()
    schema_text = (HERE / "access.cedarschema").read_text()
    est = json.loads(cedarpy.policies_to_json_str(text))
    keyed = {p["annotations"]["id"]: p for p in est["staticPolicies"].values()}
    policies = cedarpy.PolicySet.from_json_str(
        json.dumps({"staticPolicies": keyed, "templates": {}, "templateLinks": []})
    )
    schema = cedarpy.Schema.from_str(schema_text)
    result = cedarpy.validate_policies(text, schema_text)
    if not result.validation_passed:  # pragma: no cover - caught by the access tests
        raise RuntimeError(f"access policies do not validate: {result.errors}")
    return _Handles(policies, schema)


def is_allowed(actor: Actor, permission: Permission, office: str | None = None) -> bool:
    """May `actor` do `permission` on a record of `office` (the requesting office, if any)?"""
    handles = _handles()
    entities = cedarpy.Entities.from_json_str(
        json.dumps(
            [
                {
                    "uid": {"type": "User", "id": actor.name},
                    "attrs": {"role": actor.role.value, "office": actor.office or ""},
                    "parents": [],
                },
                {
                    "uid": {"type": "Record", "id": "r"},
                    "attrs": {"office": office or "-"},
                    "parents": [],
                },
            ]
        )
    )
    request = {
        "principal": f'User::"{_escape(actor.name)}"',
        "action": f'Action::"{permission.value}"',
        "resource": 'Record::"r"',
        "context": {},
    }
    result = cedarpy.is_authorized(request, handles.policies, entities, schema=handles.schema)
    return bool(result.allowed) and not result.diagnostics.errors


def require(actor: Actor, permission: Permission, office: str | None = None) -> None:
    if not is_allowed(actor, permission, office):
        raise PermissionDeniedError(
            f"role {actor.role.value!r} may not {permission.value.replace('_', ' ')}"
            + (" for another office" if actor.role is Role.federal_liaison else "")
            + "; ask a supervisor for a token with the right role"
        )


def _escape(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')
