"""Start-up stays light: `--help` and `decide` import none of the heavy libraries (matplotlib,
scipy, DuckDB, SQLAlchemy, FastAPI…) — each command imports what it needs when it runs. The
timing itself is in bench/ (`make bench`), not here."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

HEAVY = ("matplotlib", "scipy", "duckdb", "sqlalchemy", "alembic", "fastapi", "uvicorn", "pandas")

PROBE = """
import sys
from detainer_desk.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY:" + ",".join(heavy))
"""


def _heavy_after(*args: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=heavy), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("HEAVY:"))
    return [m for m in line.removeprefix("HEAVY:").split(",") if m]


def test_help_imports_no_heavy_library() -> None:
    assert _heavy_after("--help") == []


def test_help_does_not_load_the_policy_engine() -> None:
    # Commands registered at start-up (coverage, safe-city, classify …) load the engine, the
    # request models and the packs only when they run.
    engine = (
        "detainer_desk.law.engine",
        "detainer_desk.law.pack",
        "detainer_desk.request.document",
    )
    assert _heavy_after("--help", heavy=engine) == []
    assert "detainer_desk.law.engine" in _heavy_after("policy", "list", heavy=engine)


def test_decide_imports_no_heavy_library() -> None:
    example = ROOT / "examples" / "denver-i247a-i200-2017-09-27.json"
    assert _heavy_after("decide", str(example)) == []


DATA = ROOT.parent / "shared" / "data" / "pierce"


@pytest.mark.skipif(not DATA.exists(), reason="shared/data is not beside the repo: NOT RUN")
def test_the_probe_sees_a_heavy_import() -> None:
    """Guard that the probe can fail: `replay` does import DuckDB."""
    data = DATA
    assert "duckdb" in _heavy_after("replay", str(data), "--policy", "actual", "--json")
