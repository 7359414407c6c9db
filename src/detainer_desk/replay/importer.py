"""Import a source export in one pass in DuckDB, through its mapping.

DATA is a folder or files: every file whose header carries all the columns the mapping reads is
the mapping's (any name, gzip or not, judged by content). Each file is read once by DuckDB's CSV
reader — delimiter from the header, quoting, CRLF, a UTF-8 byte-order mark, `--encoding` — with
the mapping's types, and every row that does not fit is reported as `file:line: column: reason`:

- rows the reader rejects (a value that is not a number or a date, too many or too few fields, a
  byte that is not in the encoding) — DuckDB's own line numbers;
- then the checks a type cannot make: required but empty, a flag that is not 0 or 1, NaN or
  infinity in a number;
- then duplicate booking ids: the first occurrence is kept (files in name order, then line order)
  and every later one is reported and not counted.

An empty, header-only, truncated or unrecognisable file stops the import with one clear line
(`InputError`, exit 2). The rows that pass are the view `bookings` on the DuckDB connection, with
the mapping's field names, `excess_hours` and `in_group` (the study's population), ready for every
policy.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detainer_desk.errors import InputError
from detainer_desk.replay.mapping import FieldSpec, Mapping, TableSpec

if TYPE_CHECKING:
    import duckdb

Row = dict[str, Any]

GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
}
_READER_TYPES = {
    "datetime": "TIMESTAMP",
    "date": "TIMESTAMP",
    "on_or_after": "TIMESTAMP",
    "hours_between": "TIMESTAMP",
    "float": "DOUBLE",
}
MAX_LISTED = 1000  # bad rows kept in detail; the count is always exact


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column or 'row'}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class Header:
    """What the first bytes of a file say: compression, delimiter, column names."""

    path: Path
    gzipped: bool
    delimiter: str
    names: tuple[str, ...]
    has_rows: bool
    encoding: str = "utf-8"


@dataclass
class Imported:
    """The rows that passed, as the `bookings` view on `con`, and everything that did not."""

    con: duckdb.DuckDBPyConnection
    mapping: Mapping
    files: list[Path]
    count: int
    bad_rows: list[BadRow] = field(default_factory=list)
    bad_count: int = 0
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)
    charges: Path | None = None
    encoding: str = "utf-8"

    def summary(self) -> str:
        dup = f", {self.duplicates} duplicate ids not counted" if self.duplicates else ""
        return f"{self.count} rows imported, {self.bad_count} bad rows reported{dup}"

    @cached_property
    def rows(self) -> list[Row]:
        """The imported rows as dicts, in file then line order (for the row-by-row replay)."""
        names = list(self.mapping.fields)
        query = f"SELECT {', '.join(_q(n) for n in names)} FROM bookings ORDER BY _file, _row"
        return [dict(zip(names, r, strict=True)) for r in self.con.execute(query).fetchall()]

    def period(self) -> tuple[date, date] | None:
        """The first and last day of the mapping's period field, from the data itself."""
        column = _q(self.mapping.period.field)
        low, high = self.con.execute(
            f"SELECT min({column}), max({column}) FROM bookings"
        ).fetchall()[0]
        if low is None:
            return None
        return _day(low), _day(high)

    def period_label(self) -> str:
        found = self.period()
        if found is None:
            return "no dated rows"
        return f"{self.mapping.period.label} {found[0]}..{found[1]} (from the data)"


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def normalise_encoding(encoding: str | None) -> str:
    name = (encoding or "utf-8").strip().lower()
    if name not in ENCODINGS:
        raise InputError(
            f"--encoding {encoding!r} is not supported; use utf-8, latin-1 or utf-16",
            field="encoding",
        )
    return ENCODINGS[name]


def read_header(path: Path, encoding: str = "utf-8") -> Header:
    """Sniff a file's first bytes: gzip by content, BOM, delimiter, header names."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    if not head:
        raise InputError(f"{path}: the file is empty; give the export with its header and rows")
    gzipped = head[:2] == GZIP_MAGIC
    if gzipped:
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 1 << 16)
        except zlib.error:
            raise InputError(f"{path}: corrupt gzip data; re-export or re-download it") from None
        if not head:
            raise InputError(f"{path}: the file is empty (gzip of nothing)")
    head = head.removeprefix(BOM)
    text = head.decode("utf-16" if encoding == "utf-16" else encoding, errors="replace")
    first, _, rest = text.partition("\n")
    first = first.rstrip("\r")
    if not first.strip():
        raise InputError(f"{path}: the first line is blank; the export must start with its header")
    delimiter = max(DELIMITERS, key=first.count)
    if first.count(delimiter) == 0:
        delimiter = ","
    names = tuple(n.strip() for n in next(csv.reader([first], delimiter=delimiter)))
    return Header(path, gzipped, delimiter, names, bool(rest.strip()), encoding)


def _missing(header: Header, table: TableSpec) -> list[str]:
    return [c for c in table.columns() if c not in header.names]


def _candidates(data: list[Path]) -> list[Path]:
    out: list[Path] = []
    for item in data:
        if item.is_dir():
            out += sorted(p for p in item.iterdir() if p.is_file() and not p.name.startswith("."))
        elif item.exists():
            out.append(item)
        else:
            raise InputError(f"{item}: no such file or folder")
    return out


def find_files(data: list[Path], table: TableSpec, what: str, encoding: str) -> list[Header]:
    """The files of `data` whose header carries every column `table` reads. A file named on the
    command line that does not fit is an error; in a folder, it is skipped."""
    named = {p for p in data if not p.is_dir()}
    found: list[Header] = []
    nearest: tuple[int, Path, list[str]] | None = None
    for path in _candidates(data):
        try:
            header = read_header(path, encoding)
        except InputError:
            if path in named:
                raise
            continue
        missing = _missing(header, table)
        if missing and path in named and what == "bookings":
            raise InputError(
                f"{path}: not this mapping's {what} file: no column {', '.join(missing[:5])}"
                f"{' …' if len(missing) > 5 else ''} (it has {', '.join(header.names[:6])}"
                f"{' …' if len(header.names) > 6 else ''}); pick the right file or --mapping"
            )
        if not missing:
            found.append(header)
        elif nearest is None or len(missing) < nearest[0]:
            nearest = (len(missing), path, missing)
    return found


def no_bookings_error(data: list[Path], mapping: Mapping) -> InputError:
    columns = ", ".join(mapping.bookings.columns())
    where = ", ".join(str(p) for p in data)
    return InputError(
        f"{where}: no file with the columns mapping {mapping.name!r} reads ({columns}); "
        "give the folder or file of that export, or another --mapping"
    )


def _reader_types(mapping: Mapping) -> dict[str, str]:
    types: dict[str, str] = {}
    for spec in mapping.fields.values():
        for column in spec.reads():
            if spec.type in _READER_TYPES:
                types.setdefault(column, _READER_TYPES[spec.type])
            else:
                types[column] = "VARCHAR"
    return types


def read_csv_sql(header: Header, encoding: str, types: dict[str, str], rejects: str) -> str:
    """DuckDB's CSV reader over one file, no sniffing: the header's columns, text unless the
    mapping types them."""
    columns = ", ".join(f"{_lit(n)}: {_lit(types.get(n, 'VARCHAR'))}" for n in header.names)
    return (
        f"read_csv({_lit(str(header.path))}, header = true, columns = {{{columns}}}, "
        f"delim = {_lit(header.delimiter)}, quote = '\"', escape = '\"', "
        f"compression = '{'gzip' if header.gzipped else 'none'}', encoding = {_lit(encoding)}, "
        f"store_rejects = true, rejects_table = '{rejects}', "
        f"rejects_scan = '{rejects}_scan', auto_detect = false)"
    )


_CAST = re.compile(r'Could not convert string "(.*)" to \'(\w+)')


def _reader_reason(error_type: str, message: str) -> str:
    if error_type == "CAST":
        found = _CAST.search(message)
        if found:
            value, target = found.groups()
            kind = (
                "a number" if target == "DOUBLE" else "a date or date-time (YYYY-MM-DD[ HH:MM:SS])"
            )
            return f"{value!r} is not {kind}"
    if error_type == "INVALID ENCODING":
        return "a byte that is not valid in the encoding; try --encoding latin-1"
    if error_type in ("TOO MANY COLUMNS", "TOO FEW COLUMNS"):
        return message.lower().replace("expected number of columns", "expected")
    return f"{error_type.lower()}: {message}"


def _load_one(
    con: duckdb.DuckDBPyConnection, k: int, header: Header, mapping: Mapping
) -> tuple[list[BadRow], set[int]]:
    import duckdb

    needed = mapping.bookings.columns()
    select = ", ".join(_q(c) for c in needed)
    # computed while reading (one pass): does a check fail, and the id's hash for duplicates
    checks = _row_checks(mapping)
    flagged = " OR ".join(f"({cond} IS TRUE)" for _, cond, _ in checks) or "false"
    id_spec = mapping.fields.get("booking_id")
    id_hash = f"hash({_q(id_spec.column)})" if id_spec and id_spec.column else "NULL::UBIGINT"
    select += f", ({flagged}) AS _flagged, {id_hash} AS _id_hash"
    rejects = f"rej_{k}"
    try:
        con.execute(
            f"CREATE TEMP TABLE src_{k} AS SELECT {select} "
            f"FROM {read_csv_sql(header, header.encoding, _reader_types(mapping), rejects)}"
        )
    except duckdb.Error as exc:
        raise InputError(_read_failure(header, str(exc))) from None
    bad = [
        BadRow(str(header.path), int(line), column, _reader_reason(kind, message))
        for line, column, kind, message in con.execute(
            f"SELECT line, column_name, error_type::VARCHAR, error_message FROM {rejects} "
            "ORDER BY line"
        ).fetchall()
    ]
    rejected = {b.line for b in bad}
    return bad + _checks(con, k, header, mapping, rejected), rejected


def _read_failure(header: Header, message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "unreadable"
    if header.gzipped and ("gzip" in message.lower() or "inflate" in message.lower()):
        return (
            f"{header.path}: truncated or corrupt gzip data ({first}); re-export or re-download it"
        )
    return f"{header.path}: cannot be read as CSV: {first}"


def _row_checks(mapping: Mapping) -> list[tuple[str, str, str]]:
    """(column, SQL condition that is true when the value is bad, reason) for each check a
    reader type cannot make."""
    checks: list[tuple[str, str, str]] = []
    for spec in mapping.fields.values():
        if spec.column is None or spec.type in ("constant",):
            continue
        col = _q(spec.column)
        if spec.required:
            checks.append((spec.column, f"{col} IS NULL", "empty but required"))
        if spec.type == "flag":
            checks.append((spec.column, f"{col} NOT IN ('0', '1')", "must be 0 or 1"))
        if spec.type == "float":
            checks.append((spec.column, f"isnan({col})", "NaN is not a number"))
            checks.append((spec.column, f"isinf({col})", "infinity is not a number"))
    return list(dict.fromkeys(checks))


def _checks(
    con: duckdb.DuckDBPyConnection, k: int, header: Header, mapping: Mapping, rejected: set[int]
) -> list[BadRow]:
    checks = _row_checks(mapping)
    if not checks:
        return []
    cases = ", ".join(f"{cond} IS TRUE" for _, cond, _ in checks)
    values = ", ".join(f"{_q(c)}::VARCHAR" for c, _, _ in checks)
    found = con.execute(
        f"SELECT rowid, [{cases}], [{values}] FROM src_{k} WHERE _flagged ORDER BY rowid"
    ).fetchall()
    if not found:
        return []
    lines = record_lines(header, [r[0] for r in found], rejected)
    bad = []
    for (_, flags, raw), line in zip(found, lines, strict=True):
        for (column, _, reason), hit, value in zip(checks, flags, raw, strict=True):
            if hit:
                shown = f"{reason}, not {value!r}" if "0 or 1" in reason else reason
                bad.append(BadRow(str(header.path), line, column, shown))
    con.execute(f"DELETE FROM src_{k} WHERE rowid IN ({', '.join(str(r[0]) for r in found)})")
    return bad


def _body(header: Header) -> str:
    import gzip

    with gzip.open(header.path) if header.gzipped else header.path.open("rb") as handle:
        data = handle.read()
    return data.decode(header.encoding, errors="replace").removeprefix("\ufeff")


def record_lines(header: Header, rowids: list[int], rejected: set[int]) -> list[int]:
    """The line each accepted record starts on (rowid = its place among accepted records),
    found by reading the file again — only when a record failed a check, so never in the
    normal case. Quoted fields spanning lines are counted as the file has them."""
    wanted = dict.fromkeys(sorted(rowids), 0)
    reader = csv.reader(io.StringIO(_body(header), newline=""), delimiter=header.delimiter)
    next(reader, None)
    accepted, previous = 0, reader.line_num
    for record in reader:
        start, previous = previous + 1, reader.line_num
        if not record or start in rejected:
            continue
        if accepted in wanted:
            wanted[accepted] = start
        accepted += 1
    return [wanted[r] for r in rowids]


def _field_sql(spec: FieldSpec) -> str:
    if spec.type == "constant":
        value = spec.value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float | int):
            return repr(float(value))
        return "NULL" if value is None else _lit(str(value))
    if spec.type == "hours_between":
        assert spec.columns is not None
        later, earlier = (_q(c) for c in spec.columns)
        return f"epoch({later} - {earlier}) / 3600.0"
    assert spec.column is not None
    col = _q(spec.column)
    if spec.type == "flag":
        return f"({col} = '1')"
    if spec.type == "on_or_after":
        return f"coalesce(CAST({col} AS DATE) >= DATE {_lit(str(spec.value))}, false)"
    return col


def bookings_view_sql(mapping: Mapping, sources: int) -> str:
    fields = ", ".join(f"{_field_sql(s)} AS {_q(n)}" for n, s in mapping.fields.items())
    union = " UNION ALL ".join(
        f"SELECT *, {k} AS _file, rowid AS _row FROM src_{k}" for k in range(sources)
    )
    return (
        f"CREATE OR REPLACE TEMP VIEW bookings AS SELECT *, "
        "greatest(coalesce(hold_outlasts_local_charges_hours, 0.0), 0.0) AS excess_hours, "
        "coalesce(has_immigration_hold AND in_study_population, false) AS in_group "
        f"FROM (SELECT {fields}, _file, _row FROM ({union}))"
    )


def _duplicates(
    con: duckdb.DuckDBPyConnection,
    headers: list[Header],
    rejected: list[set[int]],
    column: str | None,
) -> list[BadRow]:
    """Later occurrences of a booking id: reported, removed; the first one counts. A pass over
    the ids' 64-bit hashes finds candidates; only those are compared by value."""
    if column is None:
        return []
    hashes = " UNION ALL ".join(f"SELECT _id_hash AS h FROM src_{k}" for k in range(len(headers)))
    candidates = f"SELECT h FROM ({hashes}) GROUP BY h HAVING count(*) > 1"
    if not con.execute(f"SELECT count(*) FROM ({candidates})").fetchall()[0][0]:
        return []
    found = con.execute(f"""
        SELECT _file, _row, booking_id, first_file, first_row FROM (
            SELECT _file, _row, booking_id,
                   first_value(_file) OVER w AS first_file, first_value(_row) OVER w AS first_row,
                   row_number() OVER w AS n
            FROM bookings
            WHERE hash(booking_id) IN ({candidates})
            WINDOW w AS (PARTITION BY booking_id ORDER BY _file, _row))
        WHERE n > 1 ORDER BY _file, _row""").fetchall()
    if not found:
        return []
    places: dict[tuple[int, int], int] = {}
    for k, header in enumerate(headers):
        rows = sorted({r[1] for r in found if r[0] == k} | {r[4] for r in found if r[3] == k})
        for rowid, line in zip(rows, record_lines(header, rows, rejected[k]), strict=True):
            places[(k, rowid)] = line
    bad = [
        BadRow(
            str(headers[k].path),
            places[(k, rowid)],
            "booking_id",
            f"duplicate of {headers[fk].path.name}:{places[(fk, frow)]} ({booking_id}); "
            "the first occurrence is kept, this one is not counted",
        )
        for k, rowid, booking_id, fk, frow in found
    ]
    for k in range(len(headers)):
        ids = [str(r[1]) for r in found if r[0] == k]
        if ids:
            con.execute(f"DELETE FROM src_{k} WHERE rowid IN ({', '.join(ids)})")
    return bad


def load_sources(
    con: duckdb.DuckDBPyConnection,
    data: list[Path],
    mapping: Mapping,
    encoding: str | None = None,
) -> Imported:
    """Find the mapping's files in `data`, load them once into `con`, report every bad row."""
    enc = normalise_encoding(encoding)
    headers = find_files(data, mapping.bookings, "bookings", enc)
    if not headers:
        raise no_bookings_error(data, mapping)
    for header in headers:
        if not header.has_rows:
            raise InputError(f"{header.path}: a header but no rows; nothing to replay")
    bad: list[BadRow] = []
    notes: list[str] = []
    used = set(mapping.bookings.columns())
    rejected: list[set[int]] = []
    for k, header in enumerate(headers):
        found_bad, lines = _load_one(con, k, header, mapping)
        bad += found_bad
        rejected.append(lines)
        extra = [n for n in header.names if n not in used]
        if extra:
            notes.append(
                f"{header.path}: {len(extra)} columns not used by mapping {mapping.name!r} "
                f"(ignored): {', '.join(extra)}"
            )
    con.execute(bookings_view_sql(mapping, len(headers)))
    id_spec = mapping.fields.get("booking_id")
    duplicates = _duplicates(con, headers, rejected, id_spec.column if id_spec else None)
    bad += duplicates
    count = int(con.execute("SELECT count(*) FROM bookings").fetchall()[0][0])
    if count == 0:
        first = f"; first: {bad[0]}" if bad else ""
        raise InputError(
            f"{', '.join(str(h.path) for h in headers)}: no row could be imported "
            f"({len(bad)} bad rows{first})"
        )
    charges = None
    if mapping.charges is not None:
        found = find_files(data, mapping.charges, "charges", enc)
        charges = found[0].path if found else None
        if charges is None:
            notes.append("no charges file among the data: the PR share is not computed")
    return Imported(
        con=con,
        mapping=mapping,
        files=[h.path for h in headers],
        count=count,
        bad_rows=bad[:MAX_LISTED],
        bad_count=len(bad),
        duplicates=len(duplicates),
        notes=notes,
        charges=charges,
        encoding=enc,
    )


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never draws its progress bar (stdout stays the document's)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def import_file(path: Path, mapping: Mapping, encoding: str | None = None) -> Imported:
    """One file or folder, into a connection of its own."""
    return load_sources(connect(), [path], mapping, encoding)
