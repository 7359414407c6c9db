"""The request document and its edge validation."""

from detainer_desk.request.document import (
    Agency,
    Booking,
    Conviction,
    FederalRequest,
    Interview,
    Offence,
    RequestDocument,
    load_request_file,
    parse_request,
)
from detainer_desk.request.forbidden import find_forbidden_fields, strip_forbidden_fields

__all__ = [
    "Agency",
    "Booking",
    "Conviction",
    "FederalRequest",
    "Interview",
    "Offence",
    "RequestDocument",
    "find_forbidden_fields",
    "load_request_file",
    "parse_request",
    "strip_forbidden_fields",
]
