"""Mapping files: how a source's columns become replay fields (documented YAML, one per source)."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from detainer_desk.errors import InputError
from detainer_desk.vocabulary import Form, RequestKind, WarrantKind


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Model):
    column: str
    type: Literal["string", "datetime", "float", "flag"]
    required: bool = False


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
    no_hold_mean_days: float
    daily_cost_dollars: float


class Mapping(_Model):
    name: str
    title: str
    file: str
    fields: dict[str, FieldSpec]
    request: RequestSpec
    published: Published


def load_mapping(name_or_path: str) -> Mapping:
    path = Path(name_or_path)
    if not path.suffix:
        path = Path(
            str(resources.files("detainer_desk.replay").joinpath(f"mappings/{name_or_path}.yaml"))
        )
    try:
        return Mapping.model_validate(yaml.safe_load(path.read_text()))
    except OSError:
        raise InputError(f"no mapping {name_or_path!r}; shipped mappings: pierce") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(f"mapping {path.name}: {where}: {err['msg']}") from None
