"""Bounds on everything that comes in: sizes, lengths, depths, characters, id ranges.

Checked at the edge, before anything is parsed further or written, with the same answer on SQLite
and PostgreSQL (which refuses NUL in text and integers past its column types with a server
error): a 422 naming the field, or a 404 for an id no row can have.
"""

from __future__ import annotations

import math
from typing import Any

from detainer_desk.errors import InputError, NotFoundError

MAX_ID = 2**31 - 1  # the id columns are 32-bit INTEGER on PostgreSQL
MAX_TEXT = 10_000  # characters in any one string
MAX_KEY = 200  # characters in an object key
MAX_LIST = 500  # items in any one list
MAX_KEYS = 200  # members of any one object
MAX_DEPTH = 12
MAX_INT = 2**53 - 1  # the integers JSON (and RFC 8785) carry exactly
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _bad_char(text: str) -> bool:
    return any(
        (ord(ch) < 32 and ch not in _ALLOWED_CONTROLS) or 0x7F <= ord(ch) <= 0x9F for ch in text
    )


def check_text(text: str, field: str, limit: int = MAX_TEXT) -> None:
    if len(text) > limit:
        raise InputError(f"field {field!r} is longer than {limit} characters; shorten it", field)
    if _bad_char(text):
        raise InputError(f"field {field!r} contains a NUL or control character; remove it", field)


def check_json(value: Any, field: str = "body", depth: int = 0) -> None:
    """Refuse a JSON value too deep, too long, too wide, or with control characters."""
    if depth > MAX_DEPTH:
        raise InputError(f"{field!r} is nested more than {MAX_DEPTH} levels deep", field)
    if isinstance(value, str):
        check_text(value, field)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            raise InputError(f"field {field!r}: number out of range (at most 2^53 - 1)", field)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"field {field!r}: numbers must be finite", field)
    elif isinstance(value, list):
        if len(value) > MAX_LIST:
            raise InputError(f"field {field!r} has more than {MAX_LIST} items", field)
        for index, item in enumerate(value):
            check_json(item, f"{field}[{index}]", depth + 1)
    elif isinstance(value, dict):
        if len(value) > MAX_KEYS:
            raise InputError(f"{field!r} has more than {MAX_KEYS} fields", field)
        for key, item in value.items():
            name = str(key)
            where = name if field == "body" else f"{field}.{name}"
            if len(name) > MAX_KEY or _bad_char(name):
                raise InputError(
                    f"a field name in {field!r} is too long or has control characters", field
                )
            check_json(item, where, depth + 1)


def check_id(value: int, field: str, what: str) -> None:
    """An id no row can have is simply not found (404), on either database."""
    if not 1 <= value <= MAX_ID:
        raise NotFoundError(f"no {what} {value}", field=field)
