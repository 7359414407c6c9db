"""Import a source file through its mapping; every bad row is reported with its line and reason."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from detainer_desk.replay.mapping import FieldSpec, Mapping

Row = dict[str, Any]


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class Imported:
    rows: list[Row] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.rows)} rows imported, {len(self.bad_rows)} bad rows reported"


def _moment(raw: str) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def _field(source: dict[str, str], spec: FieldSpec) -> Any:
    if spec.type == "constant":
        return spec.value
    if spec.type == "hours_between":
        assert spec.columns is not None
        later, earlier = (_moment(source[c] or "") for c in spec.columns)
        if later is None or earlier is None:
            return None
        return (later - earlier).total_seconds() / 3600
    assert spec.column is not None
    raw = source[spec.column] or ""
    if spec.type == "on_or_after":
        day = _moment(raw)
        return day is not None and day.date() >= date.fromisoformat(str(spec.value))
    return _value(raw, spec)


def _value(raw: str, spec: FieldSpec) -> Any:
    if raw == "":
        if spec.required:
            raise ValueError(f"{spec.column} is empty but required")
        return None
    if spec.type == "string":
        return raw
    if spec.type in ("datetime", "date"):
        return datetime.fromisoformat(raw)
    if spec.type == "float":
        return float(raw)
    if raw not in {"0", "1"}:
        raise ValueError(f"{spec.column} must be 0 or 1, not {raw!r}")
    return raw == "1"


def _open(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def _rows(handle: TextIO, mapping: Mapping) -> Iterator[tuple[int, Row | BadRow]]:
    reader = csv.DictReader(handle)
    missing = [
        column
        for spec in mapping.fields.values()
        for column in spec.reads()
        if column not in (reader.fieldnames or [])
    ]
    if missing:
        yield 1, BadRow(1, f"header lacks column {missing[0]!r}")
        return
    for row in reader:
        line = reader.line_num
        try:
            yield (
                line,
                {name: _field(row, spec) for name, spec in mapping.fields.items()},
            )
        except ValueError as exc:
            yield line, BadRow(line, str(exc))


def import_file(path: Path, mapping: Mapping) -> Imported:
    out = Imported()
    with _open(path) as handle:
        for _, item in _rows(handle, mapping):
            if isinstance(item, BadRow):
                out.bad_rows.append(item)
            else:
                out.rows.append(item)
    return out
