"""Detainer Desk: decide federal immigration requests under the local law in force, with citations.

    >>> from detainer_desk import decide
    >>> decision = decide(request_document, on=date(2017, 9, 27))   # doctest: +SKIP

The public API is what `__all__` lists; everything else is internal.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first use (PEP 562), so that `detainer-desk --help` starts fast
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

_WHERE = {
    "detainer_desk.errors": (
        "DetainerDeskError",
        "ForbiddenFieldError",
        "InputError",
        "NoVersionInForceError",
        "PackError",
        "UnknownJurisdictionError",
    ),
    "detainer_desk.law": ("ActionDecision", "Decision", "HoldLimit", "PolicyLibrary", "decide"),
    "detainer_desk.request": ("RequestDocument", "parse_request"),
    "detainer_desk.vocabulary": ("Action", "Effect", "Form", "RequestKind", "WarrantKind"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _MODULE_OF:
        value = getattr(import_module(_MODULE_OF[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'detainer_desk' has no attribute {name!r}")


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
