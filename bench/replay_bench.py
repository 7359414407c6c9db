"""Replay speed end to end (issue 12): the whole command against a hand-written DuckDB query.

Both are timed from process start to printed output, as a user runs them, on the same generated
Pierce-shaped CSV (the source's 28 columns; bookings released 2016-10..2017-09, about 5 % with an
ICE hold, nine in ten of those in the study group, a quarter of those held past their last local
charge) under eight policies:

- `detainer-desk replay FILE --policy …` (eight policies) printing its tables: one DuckDB read
  with the mapping's types and every bad row reported, checks (empty, flags, NaN/inf), duplicate
  ids, Cedar once per distinct case, every study figure, per month;
- the hand-written query: `python -c` with DuckDB reading the same file (sniffed) and computing
  the same aggregates for the same rules, typed by hand (no validation, no duplicate check).

They alternate, `BENCH_REPLAY_REPEAT` times each (default 3 at 1M, 1 at 10M), and the medians
are compared; peak memory is each process's own (`wait4`). Their results are compared (the
command's `--json`, run once more, against the query's), and the run stops if they differ.

Start-up: `detainer-desk --help` and `detainer-desk decide` against a bare
`python -c "import cedarpy"`, five runs each, alternating.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = str(BIN / "detainer-desk")
POLICIES = (
    "actual",
    "denver@2017-09-28",
    "texas@2017-09-28",
    "washington@2017-09-28",
    "california@2018-06-01",
    "massachusetts@2017-09-28",
    "federal@2017-09-28",
    "texas",
)

GENERATE = """
COPY (
  WITH base AS (
    SELECT i,
      TIMESTAMP '2016-10-01' + to_seconds(CAST(hash(i, 1) % 31536000 AS BIGINT)) AS booked,
      CAST(hash(i, 2) % 1000 AS INTEGER) AS u2,
      CAST(hash(i, 3) % 1000 AS INTEGER) AS u3,
      CAST(hash(i, 4) % 7 AS INTEGER) AS sev
    FROM range({n}) t(i)
  ), s AS (
    SELECT *, booked + to_seconds(CAST(hash(i, 5) % 2592000 AS BIGINT)) AS eligible,
      u2 < 50 AS hold, u3 < 900 AS in_set,
      CASE WHEN u2 < 50 AND u3 % 4 = 0 THEN (hash(i, 6) % 200000) / 1000.0 ELSE 0.0 END
        AS outlast
    FROM base
  ), r AS (
    SELECT *, eligible + to_seconds(CAST(outlast * 3600 AS BIGINT)) AS released FROM s
  )
  SELECT md5(i::VARCHAR) || substr(md5((i + 7)::VARCHAR), 1, 8) AS booking_id,
    booked AS booking_dt, released AS release_dt,
    epoch(released - booked) / 86400.0 AS time_detained_days,
    hold::INTEGER AS imm_hold, (hold AND u3 < 650)::INTEGER AS release_to_imm,
    0 AS cancel_detainer, 0 AS admin_booking,
    CASE WHEN hold AND u3 < 650 THEN 'Immigration' ELSE 'Time Served' END AS final_release_disp,
    CASE WHEN hold THEN (CASE WHEN u3 < 650 THEN 'Immigration' ELSE 'WSI Chain' END) END
      AS hold_release_disposition,
    CASE WHEN hold THEN 'IMM' END AS hold_jurisdiction_cd,
    CASE WHEN hold THEN released END AS hold_charge_release_dt,
    CASE WHEN u3 % 17 = 0 THEN NULL ELSE eligible END AS last_other_charge_release_dt,
    CASE WHEN hold THEN outlast END AS hold_outlasts_other_charges_hours,
    1 + u2 % 5 AS charge_count, 1 + u2 % 5 AS charge_topcount, sev::DOUBLE AS max_seriousness,
    CASE WHEN in_set THEN 'property' ELSE 'other' END AS max_charge_type,
    'ASSAULT 4' AS max_charge_desc,
    (sev >= 4)::INTEGER AS felony, (sev BETWEEN 2 AND 3)::INTEGER AS misdemeanor,
    in_set::INTEGER AS in_analysis_set, (u2 % 37 = 0)::INTEGER AS paid_bail,
    CASE WHEN u2 % 37 = 0 THEN 500.0 ELSE 0.0 END AS total_bail_paid,
    'row_sample' AS sample_source, 1 AS charge_rows_complete, 1 AS n_charge_rows_in_file,
    'train' AS split
  FROM r
) TO '{path}' (HEADER, DELIMITER ',')
"""

# The hand-written query: what an analyst would type, the same rules as the packs give (checked
# against the command's results every run): Denver, Washington, Massachusetts and the federal
# baseline on 2017-09-28 hold no one and permit notifications; California 2018 neither; Texas on
# 2017-09-28 holds at most 48 h past release eligibility; Texas on each booking's own date holds
# only from 2017-09-25 (SB 4's detainer mandate was enjoined before). Run with
# `python -c HAND_WRITTEN FILE`.
HAND_WRITTEN = r"""
import json, sys, duckdb
con = duckdb.connect()
con.execute('SET enable_progress_bar = false')  # stdout: the results only
con.execute(f'''CREATE TABLE b AS SELECT booking_id, booking_dt, release_dt, time_detained_days,
    imm_hold, in_analysis_set, hold_release_disposition, hold_outlasts_other_charges_hours,
    last_other_charge_release_dt, max_seriousness, paid_bail FROM read_csv('{sys.argv[1]}')''')
con.execute('''CREATE TABLE g AS SELECT *,
    greatest(coalesce(hold_outlasts_other_charges_hours, 0), 0) AS x,
    CASE WHEN last_other_charge_release_dt IS NULL THEN 0
         ELSE least(greatest(coalesce(hold_outlasts_other_charges_hours, 0), 0), 48) END AS tx48
    FROM b WHERE imm_hold = 1 AND in_analysis_set = 1''')
row = con.execute('''SELECT count(*),
    count(*) FILTER (x > 0), sum(x), list_sum(max(x, 3)),
    count(*) FILTER (hold_release_disposition = 'Immigration'),
    count(*) FILTER (tx48 > 0), sum(tx48), list_sum(max(tx48, 3)),
    count(*) FILTER (tx48 > 0 AND booking_dt >= TIMESTAMP '2017-09-25'),
    coalesce(sum(tx48) FILTER (booking_dt >= TIMESTAMP '2017-09-25'), 0),
    avg(time_detained_days), median(time_detained_days), max(time_detained_days),
    count(*) FILTER (max_seriousness >= 4), avg(time_detained_days) FILTER (max_seriousness >= 4),
    count(*) FILTER (max_seriousness BETWEEN 2 AND 3),
    avg(time_detained_days) FILTER (max_seriousness BETWEEN 2 AND 3),
    median(x) FILTER (x > 0),
    sum(time_detained_days) - count(time_detained_days) * 26.854093655099273,
    count(*) FILTER (paid_bail = 1),
    avg(time_detained_days) FILTER (hold_release_disposition = 'Immigration'),
    median(time_detained_days) FILTER (hold_release_disposition = 'Immigration')
    FROM g''').fetchone()
every = con.execute('''SELECT count(*), count(*) FILTER (imm_hold = 1),
    count(*) FILTER (imm_hold = 1 AND hold_release_disposition = 'Immigration'),
    min(release_dt)::DATE::VARCHAR, max(release_dt)::DATE::VARCHAR FROM b''').fetchone()
months = con.execute('''SELECT strftime(release_dt, '%Y-%m'), count(*), count(*) FILTER (x > 0),
    sum(x) FROM g GROUP BY 1 ORDER BY 1''').fetchall()
n = row[0]
none = {"bookings": n, "honoured": 0, "hours": 0.0, "notified": n}
print(json.dumps({
    "policies": {
        "actual": {"bookings": n, "honoured": row[1], "hours": round(row[2], 2),
                   "released_to_ice": row[4]},
        "denver@2017-09-28": none, "washington@2017-09-28": none,
        "massachusetts@2017-09-28": none, "federal@2017-09-28": none,
        "california@2018-06-01": {**none, "notified": 0},
        "texas@2017-09-28": {"bookings": n, "honoured": row[5], "hours": round(row[6], 2),
                             "notified": n},
        "texas": {"bookings": n, "honoured": row[8], "hours": round(row[9], 2), "notified": n},
    },
    "figures": {"bookings": every[0], "bookings_with_hold": every[1], "detainer_group": n,
                "mean_days": row[10], "median_days": row[11], "felony_n": row[13],
                "misdemeanor_n": row[15], "held_longer_median_hours": row[17],
                "excess_days_vs_no_hold_mean": row[18], "paid_bail_n": row[19],
                "released_to_ice_all_holds": every[2], "released_to_ice_median_days": row[21]},
    "period": [every[3], every[4]],
    "months": [[m, c, h, s] for m, c, h, s in months],
}, indent=1))
"""


def generate(path: Path, n: int) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(GENERATE.format(n=n, path=path))
    con.close()


def run(command: list[str]) -> dict[str, Any]:
    """One process, start to exit: wall seconds, CPU seconds, its own peak memory, stdout."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        err = process.stderr.read().decode() if process.stderr else ""
        if process.stderr:
            process.stderr.close()
        out.seek(0)
        text = out.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed: {err.strip()[:500]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "stdout": text,
    }


def _replay_command(path: Path, *extra: str) -> list[str]:
    command = [CLI, "replay", str(path), *extra]
    for policy in POLICIES:
        command += ["--policy", policy]
    return command


def _agree(tool: dict[str, Any], hand: dict[str, Any]) -> list[str]:
    """Differences between the command's --json and the hand-written query's output."""
    problems = []
    results = {r["policy"]: r for r in tool["results"]}
    for policy, want in hand["policies"].items():
        got = results[policy]
        pairs = {
            "bookings": got["bookings_with_hold"],
            "honoured": got["holds_honoured"],
            "hours": got["hold_hours"],
            "notified": got["notifications_permitted"],
            "released_to_ice": got["released_to_immigration"],
        }
        for key, value in want.items():
            if key == "hours":  # sums of millions of doubles: the order of addition differs
                if abs(pairs[key] - value) > 1e-9 * max(1.0, abs(value)) + 0.01:
                    problems.append(f"{policy} hours: command {pairs[key]} vs query {value}")
            elif pairs[key] != value:
                problems.append(f"{policy} {key}: command {pairs[key]} vs query {value}")
    figures = {f["key"]: f["value"] for f in tool["figures"]}
    for key, value in hand["figures"].items():
        if abs(figures[key] - value) > 1e-6 * max(1.0, abs(value)):
            problems.append(f"figure {key}: command {figures[key]} vs query {value}")
    period = f"released {hand['period'][0]}..{hand['period'][1]} (from the data)"
    if tool["period"] != period:
        problems.append(f"period: {tool['period']} vs {period}")
    months = [[m["month"], m["detainer_group"], m["held_longer"]] for m in tool["monthly"]]
    if months != [m[:3] for m in hand["months"]]:
        problems.append("monthly counts differ")
    return problems


def replay_table(sizes: list[int]) -> list[dict[str, Any]]:
    print(
        "\nReplay end to end — process start to printed output, generated Pierce-shaped CSV, "
        f"{len(POLICIES)} policies; medians, alternating runs"
    )
    print(
        f"{'rows':>11} {'file MB':>8} {'runs':>4} {'what':38} {'wall s':>8} {'CPU s':>7} "
        f"{'peak MB':>8} {'wall vs query':>14}"
    )
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            path = Path(folder) / f"pierce-shaped-{n}.csv"
            generate(path, n)
            size_mb = path.stat().st_size / 1e6
            default = "3" if n <= 2_000_000 else "1"
            repeat = int(os.environ.get("BENCH_REPLAY_REPEAT", default))
            tool_runs, hand_runs = [], []
            for _ in range(repeat):
                hand_runs.append(run([sys.executable, "-c", HAND_WRITTEN, str(path)]))
                tool_runs.append(run(_replay_command(path)))
            checked = run(_replay_command(path, "--json"))
            problems = _agree(json.loads(checked["stdout"]), json.loads(hand_runs[0]["stdout"]))
            if problems:
                raise SystemExit("replay and hand-written query differ: " + "; ".join(problems))
            hand_wall = statistics.median(r["wall"] for r in hand_runs)
            for name, runs in (
                ("hand-written DuckDB query (python -c)", hand_runs),
                ("detainer-desk replay (8 policies)", tool_runs),
            ):
                wall = statistics.median(r["wall"] for r in runs)
                cpu = statistics.median(r["cpu"] for r in runs)
                peak = max(r["peak_mb"] for r in runs)
                print(
                    f"{n:11,d} {size_mb:8,.0f} {len(runs):4d} {name:38} {wall:8.2f} {cpu:7.2f} "
                    f"{peak:8.0f} {wall / hand_wall:13.2f}×"
                )
                rows.append({"rows": n, "what": name, "wall": wall, "cpu": cpu, "peak": peak})
            print(f"{'':11} results identical (policies, figures, period, months); --json run once")
            path.unlink()
    return rows


def startup_table(repeat: int = 5) -> None:
    example = ROOT / "examples" / "denver-i247a-i200-2017-09-27.json"
    commands = {
        'python -c "import cedarpy" (baseline)': [sys.executable, "-c", "import cedarpy"],
        "detainer-desk --help": [CLI, "--help"],
        "detainer-desk decide EXAMPLE": [CLI, "decide", str(example)],
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(run(command))
    print(f"\nStart-up — process start to exit, median of {repeat} alternating runs")
    print(f"{'command':40} {'wall s':>8} {'CPU s':>7} {'wall vs baseline':>17}")
    base = statistics.median(r["wall"] for r in runs[next(iter(commands))])
    for name, values in runs.items():
        wall = statistics.median(r["wall"] for r in values)
        cpu = statistics.median(r["cpu"] for r in values)
        print(f"{name:40} {wall:8.3f} {cpu:7.3f} {wall / base:16.1f}×")


if __name__ == "__main__":
    startup_table()
    replay_table([int(x) for x in os.environ.get("BENCH_REPLAY_SIZES", "1000000").split(",")])
