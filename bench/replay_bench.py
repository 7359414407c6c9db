"""Replay speed (issue 6): per-record Cedar vs the batched columnar replay vs hand-written SQL.

Synthetic bookings shaped like the Pierce County data's I-247A period (2017-04-03..2017-09-30):
release eligibility up to three weeks after booking, about a third held past their last local
charge (up to 200 h), nine in ten in the study group. Each method runs in a fresh process (so its
peak memory is its own) on the same Parquet file, under denver@2017-09-28 and texas@2017-09-28:

- per-record: `decide()` for every booking, both actions, no caching — timed on a sample, its
  rate extrapolated (it would take hours at 10M);
- batched: `replay_columnar` — Cedar once per distinct (form, day), joined back in DuckDB;
- hand-written SQL: the same rules typed by hand in DuckDB (Denver: no holds, notify all;
  Texas: every detainer held, at most 48 h past eligibility, notify all).

The three must agree (they are compared on the sample, and batched vs SQL on every size).
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

SAMPLE = 20_000
POLICIES = ("denver@2017-09-28", "texas@2017-09-28")

HAND_WRITTEN = {
    "denver@2017-09-28": """
        SELECT 0.0 AS hours, count(*) AS bookings, 0 AS honoured, count(*) AS notified
        FROM bookings WHERE in_group""",
    "texas@2017-09-28": """
        WITH h AS (
            SELECT CASE WHEN release_eligible_at IS NULL THEN 0.0
                        ELSE least(excess_hours, 48) END AS hours
            FROM bookings WHERE in_group)
        SELECT coalesce(sum(hours), 0), count(*), count(*) FILTER (WHERE hours > 0), count(*)
        FROM h""",
}


def generate(path: Path, n: int) -> None:
    con = duckdb.connect()
    con.execute(f"""
        COPY (
            SELECT 'S' || i AS booking_id,
                   TIMESTAMP '2017-04-03' + to_seconds(CAST(hash(i, 1) % 15552000 AS BIGINT))
                       AS booked_at,
                   TIMESTAMP '2017-04-03' + to_seconds(CAST(hash(i, 1) % 15552000 AS BIGINT))
                       + to_seconds(CAST(hash(i, 2) % 1814400 AS BIGINT)) AS release_eligible_at,
                   CASE WHEN hash(i, 3) % 3 = 0 THEN (hash(i, 4) % 200000) / 1000.0 ELSE 0.0 END
                       AS excess_hours,
                   hash(i, 5) % 10 <> 0 AS in_group
            FROM range({n}) t(i)
        ) TO '{path}' (FORMAT PARQUET)""")
    con.close()


def _load(path: Path, limit: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    cap = f" LIMIT {limit}" if limit else ""
    con.execute(f"CREATE TABLE bookings AS SELECT * FROM read_parquet('{path}'){cap}")
    return con


def _peak_mb() -> float:
    """This process's own peak resident memory (VmHWM: reset at exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _batched(path: str, policy: str, limit: int | None) -> dict[str, Any]:
    from detainer_desk.law import default_library
    from detainer_desk.replay import load_mapping, parse_policy
    from detainer_desk.replay.columnar import replay_columnar

    con = _load(Path(path), limit)
    mapping, spec, library = load_mapping("pierce"), parse_policy(policy), default_library()
    start = time.perf_counter()
    r = replay_columnar(con, mapping, spec, library)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "result": (r.bookings_with_hold, r.holds_honoured, r.hold_hours, r.notifications_permitted),
    }


def _sql(path: str, policy: str, limit: int | None) -> dict[str, Any]:
    con = _load(Path(path), limit)
    start = time.perf_counter()
    hours, bookings, honoured, notified = con.execute(HAND_WRITTEN[policy]).fetchone()  # type: ignore[misc]
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "result": (bookings, honoured, round(float(hours), 2), notified),
    }


def _per_record(path: str, policy: str, limit: int | None) -> dict[str, Any]:
    from detainer_desk.law import default_library
    from detainer_desk.replay import load_mapping, parse_policy
    from detainer_desk.replay.replay import decide_replayed
    from detainer_desk.vocabulary import Action, Effect

    con = _load(Path(path), limit)
    rows = con.execute(
        "SELECT booked_at, release_eligible_at, excess_hours FROM bookings WHERE in_group"
    ).fetchall()
    mapping, spec, library = load_mapping("pierce"), parse_policy(policy), default_library()
    start = time.perf_counter()
    hours = 0.0
    honoured = notified = 0
    for booked_at, eligible, excess in rows:
        rule = mapping.request.form_on(booked_at.date())
        day: date = spec.on or booked_at.date()
        decision = decide_replayed(mapping, spec.pack, rule, day, library)
        hold = decision.action(Action.hold_beyond_release)
        h = 0.0
        if hold.effect is Effect.permit and hold.hold_limit is not None:
            h = 0.0 if eligible is None else min(excess, hold.hold_limit.hours)
        elif hold.effect is Effect.permit:
            h = excess
        hours += h
        honoured += h > 0
        notified += decision.action(Action.notify_release).effect is Effect.permit
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "result": (len(rows), honoured, round(hours, 2), notified),
        "rows": len(rows),
    }


def _in_fresh_process(fn: Any, *args: Any) -> dict[str, Any]:
    with mp.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(fn, args)
    return result


def replay_table(sizes: list[int]) -> None:
    print(
        "\nReplay — synthetic bookings shaped like Pierce County's (I-247A period); "
        "each method in a fresh process"
    )
    print(
        f"{'rows':>11} {'policy':18} {'method':34} {'seconds':>9} {'rows/s':>12} "
        f"{'peak MB':>8} {'vs SQL':>8}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            path = Path(folder) / f"b{n}.parquet"
            with mp.get_context("spawn").Pool(1) as pool:  # keep this process small
                pool.apply(generate, (path, n))
            con = duckdb.connect()
            query = f"SELECT count(*) FROM read_parquet('{path}') WHERE in_group"
            group = con.execute(query).fetchall()[0][0]
            con.close()
            for policy in POLICIES:
                sql = _in_fresh_process(_sql, str(path), policy, None)
                batched = _in_fresh_process(_batched, str(path), policy, None)
                sample = _in_fresh_process(_per_record, str(path), policy, SAMPLE)
                check_sql = _in_fresh_process(_sql, str(path), policy, SAMPLE)
                check_batched = _in_fresh_process(_batched, str(path), policy, SAMPLE)
                agree = (
                    batched["result"] == sql["result"]
                    and sample["result"] == check_sql["result"] == check_batched["result"]
                )
                per_rate = sample["rows"] / sample["seconds"]
                rows = [
                    ("hand-written DuckDB SQL (baseline)", sql["seconds"], sql["peak_mb"]),
                    (
                        "batched replay (Cedar once + DuckDB)",
                        batched["seconds"],
                        batched["peak_mb"],
                    ),
                    (f"per-record Cedar (rate on {SAMPLE:,})", group / per_rate, sample["peak_mb"]),
                ]
                for name, seconds, peak in rows:
                    print(
                        f"{n:11,d} {policy:18} {name:34} {seconds:9.3f} {group / seconds:12,.0f} "
                        f"{peak:8.0f} {seconds / sql['seconds']:7.1f}×"
                    )
                speedup = (group / per_rate) / batched["seconds"]
                print(
                    f"{'':11} {'':18} batched is {speedup:,.0f}× faster than per-record; "
                    f"results {'identical' if agree else 'DIFFER'}"
                )
                if not agree:
                    raise SystemExit(f"replay results differ: {sql} {batched} {sample}")
