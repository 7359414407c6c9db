"""`make bench`: decision latency, desk intake, ledger cost, the queue at 100,000 requests,
replay and practice end to end.

Compares, on the same pre-parsed Denver 2017 policy set:
  - baseline: one raw `cedarpy.is_authorized` call (handles + schema), the engine's floor;
  - `decide()` for one action: request validation, fact derivation, evaluation, conditions,
    decision record;
  - `decide()` for the four actions of the article's request.
Prints p50 / p99 in microseconds and the ratio to the baseline's p50.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import cedarpy

from detainer_desk import Action, decide, parse_request
from detainer_desk.law import default_library
from detainer_desk.law.engine import cedar_request
from detainer_desk.law.facts import derive_facts

ROOT = Path(__file__).resolve().parents[1]
N = int(os.environ.get("BENCH_N", "3000"))


def timings(fn: Callable[[], object], n: int = N) -> list[float]:
    for _ in range(min(200, n)):
        fn()
    out = []
    for _ in range(n):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) / 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()} — {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    raw = json.loads((ROOT / "examples" / "denver-i247a-i200-2017-09-27.json").read_text())
    document = parse_request(raw)
    day = date(2017, 9, 27)
    vs = default_library().version_set("denver", day)
    context = derive_facts(document, day).context
    request = cedar_request(Action.hold_beyond_release, context)

    rows = [
        (
            "raw cedarpy.is_authorized (baseline)",
            timings(lambda: cedarpy.is_authorized(request, vs.rules, vs.entities, vs.schema)),
        ),
        (
            "decide(), 1 action, parsed document",
            timings(lambda: decide(document, on=day, actions=[Action.hold_beyond_release])),
        ),
        ("decide(), 4 actions, parsed document", timings(lambda: decide(document, on=day))),
        ("decide(), 4 actions, from raw JSON dict", timings(lambda: decide(raw, on=day))),
    ]
    base = statistics.median(rows[0][1])
    print(f"Decision latency — {machine()}; {N} runs each, same process, same policy set")
    print(f"{'what':44} {'p50 µs':>9} {'p99 µs':>9} {'p50 / baseline':>15}")
    for name, values in rows:
        p50, p99 = statistics.median(values), pct(values, 99)
        print(f"{name:44} {p50:9.1f} {p99:9.1f} {p50 / base:14.1f}×")

    from bench.desk_bench import desk_table, ledger_table, postgres_reachable

    kinds = ["sqlite", "postgresql"] if postgres_reachable() else ["sqlite"]
    if len(kinds) == 1:
        print("\nPostgreSQL at 127.0.0.1:5432 not reachable: its rows are NOT measured")
    desk_table(int(os.environ.get("BENCH_BOOKINGS", "300")), kinds)
    sizes = [int(x) for x in os.environ.get("BENCH_LEDGER_SIZES", "10000,1000000").split(",")]
    ledger_table(sizes)

    from bench.queue_bench import queue_table

    queue_table(int(os.environ.get("BENCH_QUEUE_N", "100000")), kinds)

    from bench.replay_bench import replay_table, startup_table

    startup_table()

    from bench.practice_bench import practice_table

    practice_table()
    replay_sizes = os.environ.get("BENCH_REPLAY_SIZES", "1000000,10000000")
    replay_table([int(x) for x in replay_sizes.split(",")])


if __name__ == "__main__":
    main()
