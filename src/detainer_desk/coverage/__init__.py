"""Coverage: which law is encoded where and since when, and what it says about holds on a date."""

from detainer_desk.coverage.coverage import (
    Coverage,
    HoldStance,
    PackCoverage,
    StateCoverage,
    coverage,
    hold_stance,
)
from detainer_desk.law.place import load_places

__all__ = [
    "Coverage",
    "HoldStance",
    "PackCoverage",
    "StateCoverage",
    "coverage",
    "hold_stance",
    "load_places",
]
