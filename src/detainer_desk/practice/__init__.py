"""Practice beside law: ICE's national detainer records, each decided under the law of its place."""

from detainer_desk.practice.report import CAVEATS, PracticeReport, Row, to_csv
from detainer_desk.practice.tabulating import practice

__all__ = ["CAVEATS", "PracticeReport", "Row", "practice", "to_csv"]
