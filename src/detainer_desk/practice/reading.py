"""Reading the national exports: found by their columns, each read once by DuckDB.

Two shapes (PROVENANCE.md § 3): one row per detainer (`prepare_date`, `detainer_type`,
`detention_facility`, `facility_state`, `facility_city`, `lift_reason`: the national FY2015 file
and the Pennsylvania file), and counts by facility name and outcome (FY2008–FY2015). A detail
file whose rows name more than one state is national; one naming a single state is that state's
long series, shown apart (its FY2015 rows are already in the national file).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import duckdb

from detainer_desk.errors import InputError

DETAIL = (
    "prepare_date",
    "detainer_type",
    "detention_facility",
    "facility_state",
    "facility_city",
    "lift_reason",
)
AGGREGATE = ("detention_facility", "lift_reason", "n_detainers", "facility_class_npr")
COUNTY_LIST = "county_to_ice_aor.csv.gz"


def header(path: Path) -> tuple[str, ...]:
    """The first line's column names (gzip judged by its first bytes, not its name)."""
    with path.open("rb") as raw:
        zipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if zipped else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError, EOFError):
        return ()
    return tuple(c.strip().strip('"') for c in first.strip().split(","))


@dataclass(frozen=True)
class Sources:
    detail: tuple[Path, ...]
    aggregate: tuple[Path, ...]
    counties: Path | None  # the county list, found beside the data (or given)


def _files(data: list[Path]) -> list[Path]:
    out: list[Path] = []
    for item in data:
        if item.is_dir():
            out.extend(sorted(p for p in item.iterdir() if p.is_file()))
        elif item.is_file():
            out.append(item)
        else:
            raise InputError(f"{item}: no such file or folder")
    return out


def find_county_list(data: list[Path]) -> Path | None:
    for item in data:
        folder = item if item.is_dir() else item.parent
        for candidate in (folder / COUNTY_LIST, folder.parent / "reference" / COUNTY_LIST):
            if candidate.is_file():
                return candidate
    return None


def find_sources(data: list[Path], counties: Path | None = None) -> Sources:
    detail, aggregate = [], []
    for path in _files(data):
        columns = set(header(path))
        if set(DETAIL) <= columns:
            detail.append(path)
        elif set(AGGREGATE) <= columns:
            aggregate.append(path)
    if not detail:
        named = ", ".join(str(d) for d in data)
        raise InputError(
            f"{named}: no file with the national export's columns ({', '.join(DETAIL)}); "
            "point at ../shared/data/national"
        )
    return Sources(tuple(detail), tuple(aggregate), counties or find_county_list(data))


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_detail(con: duckdb.DuckDBPyConnection, sources: Sources) -> dict[str, int]:
    """Every detail file into `detainers` (file index, the six columns; prepare_date a DATE).
    Returns the rows whose prepare_date is not a date, by file (left out and reported)."""
    columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in DETAIL) + "}"
    parts = [
        f"SELECT {i} AS file, * FROM read_csv({_lit(str(path))}, header=true, "
        f"auto_detect=false, columns={columns})"
        for i, path in enumerate(sources.detail)
    ]
    con.execute(f"CREATE TEMP TABLE raw_detail AS {' UNION ALL '.join(parts)}")
    con.execute(
        "CREATE TEMP TABLE detainers AS SELECT file, "
        "try_cast(prepare_date AS DATE) AS prepare_date, detainer_type, detention_facility, "
        "facility_state, facility_city, lift_reason FROM raw_detail"
    )
    bad = con.execute(
        "SELECT file, count(*) FROM detainers WHERE prepare_date IS NULL GROUP BY 1"
    ).fetchall()
    con.execute("DELETE FROM detainers WHERE prepare_date IS NULL")
    con.execute("DROP TABLE raw_detail")
    return {str(sources.detail[int(f)]): int(n) for f, n in bad}


def single_state_files(con: duckdb.DuckDBPyConnection, sources: Sources) -> dict[int, str]:
    """Detail files whose rows name one state only: that state's long series."""
    found = con.execute(
        "SELECT file, min(facility_state) FROM detainers GROUP BY file "
        "HAVING count(DISTINCT facility_state) = 1 AND count(facility_state) = count(*)"
    ).fetchall()
    if len(found) == len(sources.detail):  # all single-state: read them all as national
        return {}
    return {int(f): str(s) for f, s in found}
