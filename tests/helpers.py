"""Shared test data: the article's request (an I-247A with an I-200 about a Denver booking)."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "denver-i247a-i200-2017-09-27.json"

# The real parts the suite drives; each can be pointed elsewhere (tests of the CI guard do).
SHARED = Path(os.environ.get("DETAINER_DESK_TEST_SHARED") or ROOT.parent / "shared")
FACT_SHEET = SHARED / "reference" / "law-fact-sheet.md"
CHROMIUM = (
    os.environ.get("DETAINER_DESK_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)


JUDICIAL_PAPER: dict[str, str] = {
    "issuing_court": "U.S. District Court for the District of Colorado",
    "judge": "Magistrate Judge A. Example",
    "offence": "8 U.S.C. § 1326",
}
"""Who signed a judicial warrant and for what: a judicial_* warrant_kind needs it (item 4)."""


def article_request(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE.read_text())
    out = copy.deepcopy(document)
    out.update(overrides)
    return out
