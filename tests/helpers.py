"""Shared test data: the article's request (an I-247A with an I-200 about a Denver booking)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "denver-i247a-i200-2017-09-27.json"


def article_request(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE.read_text())
    out = copy.deepcopy(document)
    out.update(overrides)
    return out
