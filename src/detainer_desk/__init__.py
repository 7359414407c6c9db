"""Detainer Desk: decide federal immigration requests under the local law in force, with citations.

    >>> from detainer_desk import decide
    >>> decision = decide(request_document, on=date(2017, 9, 27))   # doctest: +SKIP

The public API is what `__all__` lists; everything else is internal.
"""

from detainer_desk.errors import (
    DetainerDeskError,
    ForbiddenFieldError,
    InputError,
    NoVersionInForceError,
    PackError,
    UnknownJurisdictionError,
)
from detainer_desk.law import ActionDecision, Decision, HoldLimit, PolicyLibrary, decide
from detainer_desk.request import RequestDocument, parse_request
from detainer_desk.vocabulary import Action, Effect, Form, RequestKind, WarrantKind

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ActionDecision",
    "Decision",
    "DetainerDeskError",
    "Effect",
    "ForbiddenFieldError",
    "Form",
    "HoldLimit",
    "InputError",
    "NoVersionInForceError",
    "PackError",
    "PolicyLibrary",
    "RequestDocument",
    "RequestKind",
    "UnknownJurisdictionError",
    "WarrantKind",
    "__version__",
    "decide",
    "parse_request",
]
