"""Data minimization: find fields that would carry immigration status, citizenship or birthplace.

The desk never stores such values (DEVELOPERS.md, PROVENANCE.md). Field names are compared after
folding case and dropping everything but letters and digits, so `countryOfBirth`,
`country_of_birth` and `Country-Of-Birth` are all caught. Only names and paths are returned, never
values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_FORBIDDEN_NAMES = frozenset(
    {
        "immigrationstatus",
        "alienstatus",
        "lawfulstatus",
        "legalstatus",
        "entrystatus",
        "visastatus",
        "citizenship",
        "citizenshipcountry",
        "countryofcitizenship",
        "citizen",
        "uscitizen",
        "iscitizen",
        "nationality",
        "nationalorigin",
        "countryoforigin",
        "birthplace",
        "placeofbirth",
        "countryofbirth",
        "birthcountry",
        "cityofbirth",
        "stateofbirth",
        "bornin",
        "borninus",
        "foreignborn",
        "anumber",
        "aliennumber",
        "alienregistrationnumber",
    }
)
_FORBIDDEN_FRAGMENTS = (
    "citizenship",
    "nationality",
    "birthplace",
    "placeofbirth",
    "countryofbirth",
)


# What a refusal records: the category of the field, never its name or value (a name can carry a
# value: "citizenship: <value>").
_CATEGORIES = (
    ("alien_number", ("anumber", "aliennumber", "alienregistrationnumber")),
    ("citizenship", ("citizen", "nationality")),
    ("birthplace", ("birth", "bornin", "foreignborn", "origin")),
    ("immigration_status", ("status",)),
)


def forbidden_category(name: str) -> str:
    """The category a forbidden field name falls in: immigration_status, citizenship, …"""
    folded = _fold(name)
    for category, markers in _CATEGORIES:
        if any(marker in folded for marker in markers):
            return category
    return "citizenship"


def forbidden_categories(document: Any) -> list[str]:
    """The sorted categories of every forbidden field in a document (names stay out)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if is_forbidden_field(str(key)):
                    found.add(forbidden_category(str(key)))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return sorted(found)


def _fold(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def is_forbidden_field(name: str) -> bool:
    folded = _fold(name)
    return folded in _FORBIDDEN_NAMES or any(f in folded for f in _FORBIDDEN_FRAGMENTS)


def find_forbidden_fields(document: Any, path: str = "") -> Iterator[str]:
    """Yield the dotted path of every forbidden field name anywhere in a JSON-like document.

    >>> list(find_forbidden_fields({"booking": {"countryOfBirth": "x"}, "ok": 1}))
    ['booking.countryOfBirth']
    """
    return (here for here, _ in _found(document, path))


def _found(document: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, field name) of every forbidden field; its value is never walked."""
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{path}.{key}" if path else str(key)
            if is_forbidden_field(str(key)):
                yield here, str(key)
            else:
                yield from _found(value, here)
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from _found(item, f"{path}[{index}]")


@dataclass(frozen=True)
class Screening:
    """What one screen of a document found: the forbidden fields' paths (sorted) and their
    categories (sorted; what a refusal records), never their values."""

    paths: tuple[str, ...]
    categories: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.paths


def screen(document: Any) -> Screening:
    """Screen a document for forbidden fields, in one walk: the edge does this once per input,
    and what it found travels on (with the validated document, or on the refusal's error)."""
    found = sorted(_found(document))
    return Screening(
        tuple(here for here, _ in found),
        tuple(sorted({forbidden_category(name) for _, name in found})),
    )


@dataclass(frozen=True)
class Screened(Generic[T]):
    """A value made from input that passed `screen` at the edge (and the desk's own field
    names): the ledger takes it without scanning it again."""

    value: T


def strip_forbidden_fields(document: Any) -> tuple[Any, list[str]]:
    """Return a copy without forbidden fields, and the paths removed (for bulk intake)."""
    removed = list(find_forbidden_fields(document))
    return _without(document), removed


def _without(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: _without(v) for k, v in document.items() if not is_forbidden_field(str(k))}
    if isinstance(document, list):
        return [_without(item) for item in document]
    return document


def refuse_forbidden_fields(document: Any) -> None:
    """Raise ForbiddenFieldError naming the first forbidden field (never its value)."""
    from detainer_desk.errors import ForbiddenFieldError

    screening = screen(document)
    if not screening.clean:
        first = screening.paths[0]
        raise ForbiddenFieldError(
            f"field {first!r} would carry immigration status, citizenship or birthplace, "
            "which Detainer Desk never stores; remove it and send it again",
            field=first,
            categories=screening.categories,
        )
