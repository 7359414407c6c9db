"""Mapping files: how a source's columns become replay fields (documented YAML, one per source)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from detainer_desk.errors import InputError
from detainer_desk.vocabulary import Form, RequestKind, WarrantKind


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Model):
    """One replay field from the source.

    `string`, `datetime`, `date` (midnight), `float`, `flag` (0/1) read `column`;
    `constant` is `value` for every row; `on_or_after` is true when the date in `column` is on or
    after `value`; `hours_between` is the hours from `columns[1]` to `columns[0]` (dates or
    datetimes), empty when either is.
    """

    column: str | None = None
    columns: tuple[str, str] | None = None
    type: Literal[
        "string", "datetime", "date", "float", "flag", "constant", "on_or_after", "hours_between"
    ]
    value: str | bool | float | None = None
    required: bool = False

    def reads(self) -> tuple[str, ...]:
        return tuple(c for c in (self.column, *(self.columns or ())) if c)


class TableSpec(Protocol):
    def columns(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Columns:
    """The columns a file must carry to be recognised as the mapping's bookings file."""

    names: tuple[str, ...]

    def columns(self) -> tuple[str, ...]:
        return self.names


class ChargesSpec(_Model):
    """The charge rows file (one row per charge), recognised by these columns; for the PR share."""

    booking_id: str
    disposition: str
    personal_recognizance: str = "PR"

    def columns(self) -> tuple[str, ...]:
        return (self.booking_id, self.disposition)


class PeriodSpec(_Model):
    """Which field's dates label the period (from the data: its first and last day)."""

    field: str = "released_at"
    label: str = "released"


class FormRule(_Model):
    before: date | None = None
    form: Form
    warrant_kind: WarrantKind


class RequestSpec(_Model):
    kind: RequestKind
    forms: tuple[FormRule, ...]

    def form_on(self, day: date) -> FormRule:
        return next(r for r in self.forms if r.before is None or day < r.before)


class Published(_Model):
    no_hold_mean_days: float | None = None
    daily_cost_dollars: float | None = None  # None: the source gives no daily rate
    felony_from_seriousness: int | None = None  # max_seriousness >= this: felony
    misdemeanor_seriousness: tuple[int, int] | None = None  # inclusive range: misdemeanour


class Mapping(_Model):
    name: str
    title: str
    file: str | None = None  # the shipped file, for reference: files are found by their columns
    fields: dict[str, FieldSpec]
    request: RequestSpec
    published: Published
    released_to_immigration: tuple[str, ...] = ("Immigration",)
    period: PeriodSpec = PeriodSpec()
    charges: ChargesSpec | None = None
    biases: tuple[str, ...] = ()

    @property
    def bookings(self) -> Columns:
        return Columns(tuple(dict.fromkeys(c for s in self.fields.values() for c in s.reads())))


def load_mapping(name_or_path: str) -> Mapping:
    path = Path(name_or_path)
    if not path.suffix:
        path = Path(
            str(resources.files("detainer_desk.replay").joinpath(f"mappings/{name_or_path}.yaml"))
        )
    try:
        return Mapping.model_validate(yaml.safe_load(path.read_text()))
    except OSError:
        raise InputError(f"no mapping {name_or_path!r}; shipped mappings: pierce, travis") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(f"mapping {path.name}: {where}: {err['msg']}") from None
