"""One exception hierarchy for Detainer Desk.

    DetainerDeskError                 every error this package raises on purpose
    ├── InputError                    bad input from a user: exit code 2 / HTTP 4xx
    │   ├── ForbiddenFieldError       input carries immigration status, citizenship or birthplace
    │   ├── UnknownJurisdictionError  no policy pack of that name
    │   ├── NoVersionInForceError     the pack has no version in force on that date
    │   ├── NotFoundError             the desk holds no such record (HTTP 404)
    │   └── ConflictError             the record's state does not allow that now (HTTP 409)
    ├── AccessError                   no or wrong credentials (HTTP 401) ...
    │   └── PermissionDeniedError     ... or the role may not do this (HTTP 403)
    └── PackError                     a policy pack is malformed: exit code 1 from `policy check`

Every message names the problem and the next step; none ever repeats a forbidden value.
"""

from __future__ import annotations


class DetainerDeskError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(DetainerDeskError):
    """The input is wrong; `field` names where (dotted path), when known."""

    exit_code = 2

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ForbiddenFieldError(InputError):
    """Input carried a field the desk must never store. Only the field name is kept, and the
    categories found (citizenship, birthplace, …) for counting the refusal."""

    def __init__(
        self, message: str, field: str | None = None, categories: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, field)
        self.categories = categories


class UnknownJurisdictionError(InputError):
    pass


class NoVersionInForceError(InputError):
    pass


class NotFoundError(InputError):
    """No record with that id; `field` names the id that was looked up."""


class ConflictError(InputError):
    """The record exists but its state does not allow the change (e.g. already released)."""


class AccessError(DetainerDeskError):
    """Missing or unknown API token."""

    exit_code = 3


class PermissionDeniedError(AccessError):
    """The token is valid but its role may not do this."""


class PackError(DetainerDeskError):
    """A policy pack failed to load or validate; `rule` names the offending policy when known."""

    def __init__(self, message: str, pack: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.pack = pack
        self.rule = rule
