"""Issue 22: the layers are kept by import-linter, and docs/architecture.md draws them.

The contracts are proved to bite: a copy of the package passes them, and the same copy with one
forbidden import (the ledger importing the desk; the core importing the web) fails them.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "detainer_desk"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_copy(tmp_path: Path, edit: tuple[str, str] | None) -> subprocess.CompletedProcess[str]:
    """lint-imports, with the project's own contracts, over a copy of the package."""
    copy = tmp_path / "src" / "detainer_desk"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.yaml"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if edit is not None:
        module, line = edit
        path = copy / module
        path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_package_as_it_is_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("edit", "broken"),
    [
        (
            ("ledger/entries.py", "import detainer_desk.desk.tables"),
            "The ledger knows nothing of the desk, the law, the edges or the reports BROKEN",
        ),
        (
            ("law/engine.py", "import detainer_desk.web.api"),
            "The core never imports the web, the commands or the CLI BROKEN",
        ),
        (
            ("ledger/rows.py", "import detainer_desk.ledger.sealing"),
            "No import cycles between the modules of any package BROKEN",
        ),
        (
            ("desk/lookups.py", "import detainer_desk.desk.intake"),
            "Desk: facade over use cases over shared steps BROKEN",
        ),
    ],
)
def test_a_forbidden_import_breaks_the_contracts(
    tmp_path: Path, edit: tuple[str, str], broken: str
) -> None:
    result = _lint_copy(tmp_path, edit)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout


def test_the_committed_picture_is_the_one_the_code_draws() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "draw_layers.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_source_file_is_too_long_and_no_desk_class_too_wide() -> None:
    """No module over 600 lines (policy data aside); no class in desk/ with over 12 operations."""
    long = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and len(p.read_text().splitlines()) > 600
    ]
    assert long == []
    wide = {}
    for path in (PACKAGE / "desk").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                public = [
                    f.name
                    for f in node.body
                    if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                    and not f.name.startswith("_")
                ]
                if len(public) > 12:
                    wide[f"{path.name}:{node.name}"] = len(public)
    assert wide == {}
