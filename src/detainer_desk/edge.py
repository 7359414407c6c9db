"""Plain values from the edge (CLI options, query parameters), validated with one clear error."""

from __future__ import annotations

from datetime import date

from detainer_desk.errors import InputError


def parse_day(value: str | None, field: str, default: date | None = None) -> date:
    """`YYYY-MM-DD` -> date; None gives `default` (today when not given)."""
    if value is None:
        return default or date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{field} {value!r} is not a date; write it as YYYY-MM-DD", field
        ) from None
