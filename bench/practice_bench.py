"""Practice beside law, end to end (issue 26): `detainer-desk practice` against a hand-written
DuckDB query counting the same per-state totals.

Both are timed from process start to printed output, on the shipped national file
(../shared/data/national, 79,053 detainers):

- `detainer-desk practice DATA --json`: every file found by its columns, every facility placed
  (kind, county), each (pack, version, form) decided by the policy engine, per state, county and
  month, the county match;
- the hand-written query: `python -c` with DuckDB reading the same file and counting, per state,
  the detainers issued, declined and booked into detention — nothing else.

They alternate, `BENCH_PRACTICE_REPEAT` times each (default 5), the medians are compared, and
their per-state totals are checked against each other (the run stops if they differ).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

from bench.replay_bench import CLI, run

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT.parent / "shared" / "data" / "national"
FILE = NATIONAL / "ice_detainers_national_fy2015ytd.csv.gz"

HAND = """
import duckdb, json
rows = duckdb.sql('''SELECT facility_state, count(*),
  count(*) FILTER (lift_reason = 'Detainer Declined by LEA'),
  count(*) FILTER (lift_reason = 'Booked into Detention')
  FROM read_csv('{path}', all_varchar=true) GROUP BY 1''').fetchall()
print(json.dumps({{s or '': [n, d, b] for s, n, d, b in rows}}))
"""


def _tool_totals(stdout: str) -> dict[str, list[int]]:
    report = json.loads(stdout)
    names = {r["key"]: r for r in report["states"]}
    return {
        (r["name"].upper() if r["key"] else ""): [r["issued"], r["declined"], r["booked"]]
        for r in names.values()
    }


def practice_table(repeat: int | None = None) -> None:
    if not FILE.exists():
        print(f"\n{FILE} is missing: the practice bench is NOT measured")
        return
    repeat = repeat or int(os.environ.get("BENCH_PRACTICE_REPEAT", "5"))
    tool_cmd = [CLI, "practice", str(NATIONAL), "--json"]
    hand_cmd = [sys.executable, "-c", HAND.format(path=FILE)]
    tool, hand = [], []
    for _ in range(repeat):
        tool.append(run(tool_cmd))
        hand.append(run(hand_cmd))
    mine, theirs = _tool_totals(tool[0]["stdout"]), json.loads(hand[0]["stdout"])
    territories = {"PUERTO RICO", "GUAM", "NORTHERN MARIANA ISLANDS", "VIRGIN ISLANDS"}
    theirs = {k: v for k, v in theirs.items() if k in mine or k in territories}
    if {k: v for k, v in mine.items() if k in theirs} != theirs:
        raise SystemExit(f"practice and the hand-written query disagree: {mine} != {theirs}")
    t_wall = statistics.median(r["wall"] for r in tool)
    h_wall = statistics.median(r["wall"] for r in hand)
    t_cpu = statistics.median(r["cpu"] for r in tool)
    h_cpu = statistics.median(r["cpu"] for r in hand)
    print(f"\nPractice beside law — {FILE.name} (79,053 detainers), median of {repeat}, "
          "process start to printed output; per-state totals agree")  # fmt: skip
    print(f"{'':34} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    print(f"{'hand-written DuckDB query':34} {h_wall:8.2f} {h_cpu:8.2f} "
          f"{max(r['peak_mb'] for r in hand):8.0f}")  # fmt: skip
    print(f"{'detainer-desk practice --json':34} {t_wall:8.2f} {t_cpu:8.2f} "
          f"{max(r['peak_mb'] for r in tool):8.0f}")  # fmt: skip
    print(f"ratio: {t_wall / h_wall:.2f}× wall, {t_cpu / h_cpu:.2f}× CPU")


if __name__ == "__main__":
    practice_table()
