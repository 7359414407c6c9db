"""Real-world files through the one-pass DuckDB import: each broken-file case either names the
file, line, column and reason, or stops with one clear line and exit 2 (never a traceback)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detainer_desk.cli import app
from detainer_desk.errors import InputError
from detainer_desk.replay import import_file, load_mapping
from tests.helpers import ROOT

PIERCE = ROOT.parent / "shared" / "data" / "pierce" / "pierce_bookings_train.csv.gz"
pytestmark = pytest.mark.skipif(not PIERCE.exists(), reason="shared/data is not beside the repo")


@pytest.fixture(scope="module")
def lines() -> list[str]:
    with gzip.open(PIERCE, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()[:41]  # header + 40 bookings


def _set(line: str, header: str, column: str, value: str, sep: str = ",") -> str:
    cells = line.split(sep)
    cells[header.split(sep).index(column)] = value
    return sep.join(cells)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _replay(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["replay", *args, "--policy", "actual", "--json"])
    return result.exit_code, result.stdout, result.stderr


def _one_clear_line(code: int, stdout: str, stderr: str) -> str:
    assert code == 2, (stdout, stderr)
    assert stdout == ""
    assert "Traceback" not in stderr and "Aborted" not in stderr
    assert len(stderr.strip().splitlines()) == 1
    return stderr.strip()


def test_bom_crlf_semicolons_and_quoting(tmp_path: Path, lines: list[str]) -> None:
    rows = [line.replace(",", ";") for line in lines]
    header = rows[0]
    # a quoted field holding the delimiter, a quote and a line break
    rows[5] = _set(rows[5], header, "max_charge_desc", '"ASSAULT; 4 ""DV""\r\nMISD"', ";")
    path = _write(tmp_path / "semicolons.csv", "\ufeff" + "\r\n".join(rows) + "\r\n")
    imported = import_file(path, load_mapping("pierce"))
    assert imported.bad_rows == [] and imported.count == 40
    assert imported.rows[0]["booking_id"] == lines[1].split(",")[0]  # BOM not in the header name


def test_gzip_by_content_not_by_name(tmp_path: Path, lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    gz_named_csv = tmp_path / "a.csv"
    gz_named_csv.write_bytes(gzip.compress(text.encode()))
    text_named_gz = _write(tmp_path / "b.csv.gz", text)
    for path in (gz_named_csv, text_named_gz):
        imported = import_file(path, load_mapping("pierce"))
        assert imported.count == 40 and imported.bad_rows == []


def test_latin1_byte_reported_then_read_with_encoding(tmp_path: Path, lines: list[str]) -> None:
    header = lines[0]
    rows = [header, *lines[1:]]
    rows[3] = _set(rows[3], header, "hold_release_disposition", "Libéré")
    path = _write(tmp_path / "latin1.csv", "\n".join(rows) + "\n", "latin-1")
    imported = import_file(path, load_mapping("pierce"))
    assert [str(b) for b in imported.bad_rows] == [
        f"{path}:4: hold_release_disposition: "
        "a byte that is not valid in the encoding; try --encoding latin-1"
    ]
    fixed = import_file(path, load_mapping("pierce"), encoding="latin-1")
    assert fixed.bad_rows == [] and fixed.count == 40
    assert "Libéré" in {r["hold_release_disposition"] for r in fixed.rows}


def test_extra_columns_reported_once_and_extra_fields_by_line(
    tmp_path: Path, lines: list[str]
) -> None:
    rows = list(lines)
    rows[7] += ",surplus"
    path = _write(tmp_path / "extra.csv", "\n".join(rows) + "\n")
    imported = import_file(path, load_mapping("pierce"))
    unused = [n for n in imported.notes if "columns not used" in n]
    assert len(unused) == 1 and "17 columns not used" in unused[0] and "split" in unused[0]
    assert [(b.line, b.column) for b in imported.bad_rows] == [(8, None)]
    assert "expected: 28 found: 29" in imported.bad_rows[0].reason
    assert imported.count == 39


def test_nan_inf_and_bad_values_named_by_line_and_column(tmp_path: Path, lines: list[str]) -> None:
    header = lines[0]
    rows = list(lines)
    rows[2] = _set(rows[2], header, "time_detained_days", "nan")
    rows[3] = _set(rows[3], header, "hold_outlasts_other_charges_hours", "inf")
    rows[4] = _set(rows[4], header, "time_detained_days", "about ten")
    rows[5] = _set(rows[5], header, "booking_dt", "21/06/2013")
    rows[6] = _set(rows[6], header, "imm_hold", "2")
    path = _write(tmp_path / "values.csv", "\n".join(rows) + "\n")
    imported = import_file(path, load_mapping("pierce"))
    assert [str(b) for b in imported.bad_rows] == [
        f"{path}:5: time_detained_days: 'about ten' is not a number",
        f"{path}:6: booking_dt: '21/06/2013' is not a date or date-time (YYYY-MM-DD[ HH:MM:SS])",
        f"{path}:3: time_detained_days: NaN is not a number",
        f"{path}:4: hold_outlasts_other_charges_hours: infinity is not a number",
        f"{path}:7: imm_hold: must be 0 or 1, not '2'",
    ]
    assert imported.count == 35
    total = imported.con.execute("SELECT sum(excess_hours) FROM bookings").fetchall()[0][0]
    assert total == total  # not NaN


def test_line_numbers_follow_quoted_line_breaks(tmp_path: Path, lines: list[str]) -> None:
    header = lines[0]
    rows = list(lines)
    rows[2] = _set(rows[2], header, "max_charge_desc", '"TWO\nLINES"')
    rows[4] = _set(rows[4], header, "imm_hold", "x")
    path = _write(tmp_path / "multiline.csv", "\n".join(rows) + "\n")
    imported = import_file(path, load_mapping("pierce"))
    assert [(b.line, b.column) for b in imported.bad_rows] == [(6, "imm_hold")]


def test_duplicate_ids_reported_and_counted_once(tmp_path: Path, lines: list[str]) -> None:
    first = _write(tmp_path / "a.csv", "\n".join(lines[:21]) + "\n")
    second = _write(tmp_path / "b.csv", "\n".join([lines[0], *lines[11:31]]) + "\n")
    imported = import_file(tmp_path, load_mapping("pierce"))
    assert imported.files == [first, second]
    assert imported.count == 30 and imported.duplicates == 10
    assert str(imported.bad_rows[0]) == (
        f"{second}:2: booking_id: duplicate of a.csv:12 ({lines[11].split(',')[0]}); "
        "the first occurrence is kept, this one is not counted"
    )
    ids = imported.con.execute("SELECT count(DISTINCT booking_id) FROM bookings").fetchall()
    assert ids[0][0] == 30


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.csv", "")
    assert "the file is empty" in _one_clear_line(*_replay(str(path)))


def test_header_only(tmp_path: Path, lines: list[str]) -> None:
    path = _write(tmp_path / "header.csv", lines[0] + "\n")
    assert "a header but no rows" in _one_clear_line(*_replay(str(path)))


def test_wrong_file(tmp_path: Path) -> None:
    travis = ROOT.parent / "shared" / "data" / "travis" / "travis_detainer_bookings_train.csv.gz"
    line = _one_clear_line(*_replay(str(travis)))
    assert "not this mapping's bookings file: no column booking_id" in line


def test_folder_without_the_export(tmp_path: Path) -> None:
    _write(tmp_path / "notes.csv", "a,b\n1,2\n")
    line = _one_clear_line(*_replay(str(tmp_path)))
    assert "no file with the columns mapping 'pierce' reads" in line


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(PIERCE.read_bytes()[:100_000])
    assert "truncated or corrupt gzip data" in _one_clear_line(*_replay(str(path)))


def test_unknown_encoding(tmp_path: Path) -> None:
    line = _one_clear_line(*_replay(str(PIERCE), "--encoding", "ebcdic"))
    assert "--encoding 'ebcdic' is not supported" in line


def test_no_row_usable(tmp_path: Path, lines: list[str]) -> None:
    header = lines[0]
    path = _write(tmp_path / "bad.csv", header + "\n" + _set(lines[1], header, "imm_hold", "y"))
    with pytest.raises(InputError, match="no row could be imported"):
        import_file(path, load_mapping("pierce"))


def test_bad_rows_on_stderr_and_in_the_json(tmp_path: Path, lines: list[str]) -> None:
    header = lines[0]
    rows = list(lines)
    rows[2] = _set(rows[2], header, "time_detained_days", "NaN")
    path = _write(tmp_path / "one-bad.csv", "\n".join(rows) + "\n")
    code, stdout, stderr = _replay(str(path))
    assert code == 0
    assert stderr.strip() == f"{path}:3: time_detained_days: NaN is not a number"
    payload = json.loads(stdout)
    assert payload["bad_rows"] == [
        {
            "file": str(path),
            "line": 3,
            "column": "time_detained_days",
            "reason": "NaN is not a number",
        }
    ]
    assert payload["imported"] == 39
