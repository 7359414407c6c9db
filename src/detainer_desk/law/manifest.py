"""A pack's manifest (`manifest.yaml`): title, chain, versions, defaults, hold windows, how
current it is (`verified_through`, `latest_source`), standing duties and unresearched questions.

Validated with Pydantic at load; a pack whose manifest fails is refused naming the field.
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from detainer_desk.errors import PackError
from detainer_desk.vocabulary import Action, Effect


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DefaultSpec(_Model):
    effect: Effect
    reason: str


class HoldWindow(_Model):
    hours: int = 48
    excludes_weekends_and_holidays: bool
    cite: str
    note: str = ""
    counted_from: Literal["release_eligibility", "receipt"] = "release_eligibility"


class VersionSpec(_Model):
    from_: date = Field(alias="from")
    to: date | None = None
    label: str
    notes: str = ""

    def covers(self, on: date) -> bool:
        return self.from_ <= on and (self.to is None or on <= self.to)


class Duty(_Model):
    """A standing duty the law puts on the agency itself, not an answer to one request.

    E.g. Texas SB 8: the sheriff "shall request and enter into" a 287(g) agreement. Shown by
    `policy coverage`, `/law` and a desk's home page while in force; never decides a request.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,120}$")
    text: str = Field(min_length=10)
    cite: str = Field(min_length=3)
    source: str = Field(min_length=2, description="citation key of the fact sheet or reference")
    confidence: Literal["verified", "secondary", "translated", "unverified"] = "verified"
    effective: date
    repealed: date | None = None
    due: date | None = Field(default=None, description="a deadline the duty sets, if any")
    applies_to: str = Field(default="", description="whom it binds, e.g. 'sheriff'")

    def in_force(self, on: date) -> bool:
        return self.effective <= on and (self.repealed is None or on < self.repealed)


class NotResearched(_Model):
    """A question of this place's law the sources did not settle: never encoded, shown as such."""

    topic: str = Field(min_length=3)
    note: str = Field(min_length=10)


class Manifest(_Model):
    name: str
    title: str
    builds_on: str | None = None
    time_zone: str = Field(
        description="IANA zone of the jail's local calendar: the law in force follows its date"
    )
    summary: str = ""
    defaults: dict[Action, DefaultSpec] = {}
    hold_windows: dict[str, HoldWindow] = {}
    versions: tuple[VersionSpec, ...] = Field(min_length=1)
    verified_through: date = Field(
        description="the last day through which this pack's law was checked against its sources"
    )
    latest_source: date | None = Field(
        default=None, description="the date of the newest source the pack relies on"
    )
    duties: tuple[Duty, ...] = ()
    not_researched: tuple[NotResearched, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. America/Denver)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def read_manifest(folder: Path) -> Manifest:
    path = folder / "manifest.yaml"
    try:
        data = yaml.safe_load(path.read_text())
        return Manifest.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise PackError(
            f"{folder.name}: cannot read manifest.yaml: {exc}", pack=folder.name
        ) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        hint = _HINTS.get(where, "") if err["type"] == "missing" else ""
        raise PackError(
            f"{folder.name}: manifest.yaml {where}: {err['msg']}{hint}", pack=folder.name
        ) from None


_HINTS = {
    "verified_through": (
        "; add `verified_through: YYYY-MM-DD`, the last day through which the pack's law was "
        "checked against its sources (a decision for a later day says the law may have changed)"
    ),
}


def check_versions(manifest: Manifest) -> None:
    ordered = sorted(manifest.versions, key=lambda v: v.from_)
    for v in ordered:
        if v.to is not None and v.to < v.from_:
            raise PackError(f"{manifest.name}: version {v.from_} ends before it starts")
    for earlier, later in itertools.pairwise(ordered):
        if earlier.to is None or earlier.to >= later.from_:
            raise PackError(
                f"{manifest.name}: versions {earlier.from_} and {later.from_} overlap; "
                f"end the earlier one (to:) before {later.from_}",
                pack=manifest.name,
            )
