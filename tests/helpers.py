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


# The required holds of these shipped packs rest on secondary sources; branch issue-21e re-encodes
# them (no required hold without primary text). Until it lands, `policy check` names exactly these
# rules; tests/test_policy_check.py has a strict xfail that passes, and fails, once it lands.
PENDING_ON_ISSUE_21E = {
    "florida": ["fl.stat.908_105.comply-with-detainer"],
    "georgia": ["ga.hb1105.honor-detainer"],
    "north-carolina": [
        "nc.gs.162-62b1.hold-48h-from-receipt",
        "nc.gs.162-62b1.hold-48h-from-release",
    ],
    "tennessee": ["tn.tca.7-68.comply-with-detainer"],
}


def pending_on_issue_21e(problem: str) -> bool:
    """A `policy check` problem that branch issue-21e fixes (a required hold, secondary source)."""
    pack, _, rest = problem.partition(": rule '")
    rule_id = rest.split("'", 1)[0]
    return rule_id in PENDING_ON_ISSUE_21E.get(pack, []) and "requires holds" in problem
