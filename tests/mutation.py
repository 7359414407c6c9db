"""`make mutation`: mutation testing of the core with mutmut, one module at a time.

Each module is mutated in a work folder of its own (build/mutation/<module>/) with the tests that
exercise it, so one run takes minutes, not hours, on a shared 2-core machine. Prints the score
per module: killed (a test failed, or the mutant hung past mutmut's timeout) over all mutants
that ran; "no tests" mutants (no selected test reaches the line) count as survivors.

    python -m tests.mutation                 # every module
    python -m tests.mutation law.hold_limit  # some
    python -m tests.mutation --list          # the modules and their tests

Not part of `make test`. Needs mutmut (dev extras).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutation"
PKG = "src/detainer_desk"
IN_PROCESS = "not postgres and not browser"  # mutants live in this process's imports only
PYTEST_ARGS = ["-m", IN_PROCESS, "-p", "no:cacheprovider", "--hypothesis-profile=mutation"]


@dataclass(frozen=True)
class Target:
    name: str
    files: tuple[str, ...]  # under src/detainer_desk
    tests: tuple[str, ...]
    budget_minutes: int = 20


LAW_TESTS = (
    "tests/test_engine.py",
    "tests/test_facts.py",
    "tests/test_provisions.py",
    "tests/test_hold_limit.py",
    "tests/test_policy_check.py",
    "tests/test_law_guards.py",
    "tests/test_pack.py",
    "tests/test_scenarios.py",
    "tests/test_scenario_awaits.py",
    "src/detainer_desk/law/packs",
)
TARGETS = (
    Target("law.hold_limit", ("law/hold_limit.py",), ("tests/test_hold_limit.py",)),
    Target(
        "law.engine",
        ("law/engine.py", "law/decide.py", "law/decision.py"),
        (*LAW_TESTS, "tests/test_engine_details.py"),
    ),
    Target("law.facts", ("law/facts.py", "law/provisions.py"), LAW_TESTS),
    Target("law.pack", ("law/pack.py", "law/check.py", "law/scenarios.py"), LAW_TESTS),
    Target(
        "request.forbidden",
        ("request/forbidden.py",),
        ("tests/test_forbidden.py", "tests/test_request.py", "tests/ledger/test_minimisation.py"),
    ),
    Target(
        "desk.outbox",
        ("desk/outbox.py",),
        ("tests/desk/test_outbox_lease.py", "tests/desk/test_end_to_end.py"),
        budget_minutes=25,
    ),
    Target(
        "desk.holdclock",
        ("desk/holdclock.py",),
        (
            "tests/desk/test_holdclock.py",
            "tests/desk/test_end_to_end.py",
            "tests/desk/test_law_edges.py",
        ),
        10,
    ),
    Target(
        "publish.suppression", ("publish/suppression.py",), ("tests/publish/test_suppression.py",)
    ),
    # The ledger in three: the proofs, the desk's log and row seals, the witness side. Fast tests
    # only; the subprocess crash test and the 240-tampering test (100 s) add nothing in-process
    # that the focused tests do not.
    Target(
        "ledger.tree",
        ("ledger/tree.py", "ledger/entries.py", "ledger/keys.py"),
        (
            "tests/ledger/test_tree_proofs.py",
            "tests/ledger/test_entries_and_keys.py",
            "tests/ledger/test_known_answers.py",
            "tests/ledger/test_tree_state.py",
            "tests/ledger/test_canonical_forms.py",
            "tests/ledger/test_first_checkpoint.py",
            "tests/ledger/test_minimisation.py",
        ),
        25,
    ),
    Target(
        "ledger.log",
        ("ledger/log.py", "ledger/rows.py"),
        (
            "tests/ledger/test_log_exact.py",
            "tests/ledger/test_entries_and_keys.py",
            "tests/ledger/test_known_answers.py",
            "tests/ledger/test_tree_state.py",
            "tests/ledger/test_canonical_forms.py",
            "tests/ledger/test_first_checkpoint.py",
            "tests/ledger/test_table_tampering.py",
            "tests/ledger/test_ledger_cli.py",
        ),
        25,
    ),
    Target(
        "ledger.witness",
        ("ledger/cosignatures.py", "ledger/witness.py", "ledger/standalone.py"),
        (
            "tests/ledger/test_verifier_exact.py",
            "tests/ledger/test_witness_exact.py",
            "tests/ledger/test_log_exact.py",
            "tests/ledger/test_known_answers.py",
            "tests/ledger/test_witness.py",
            "tests/ledger/test_cosignatures.py",
            "tests/ledger/test_tree_state.py",
            "tests/ledger/test_canonical_forms.py",
            "tests/ledger/test_ledger_cli.py",
        ),
        25,
    ),
)


def _config(target: Target) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    return (
        "\n\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {toml_list([f'{PKG}/{f}' for f in target.files])}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(list(target.tests))}\n"
        f"pytest_add_cli_args = {toml_list(PYTEST_ARGS)}\n"
        'also_copy = ["tests", "conftest.py", "examples", "pyproject.toml"]\n'
        "timeout_multiplier = 3.0\n"  # a mutant that loops is cut off at 3x the tests' time
    )


def prepare(target: Target) -> Path:
    """A fresh work folder: links to the sources and tests, a pyproject with the mutmut setup."""
    folder = WORK / target.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in ("src", "tests", "examples", "conftest.py"):
        (folder / name).symlink_to(ROOT / name)
    text = (ROOT / "pyproject.toml").read_text()
    (folder / "pyproject.toml").write_text(text + _config(target))
    return folder


def run(target: Target, children: int) -> dict[str, object]:
    folder = prepare(target)
    env = dict(os.environ)
    env.setdefault("DETAINER_DESK_TEST_SHARED", str(ROOT.parent / "shared"))
    env.pop("CI", None)  # deselected real-part tests are not skips
    started = time.monotonic()
    log = folder / "mutmut.log"
    mutmut = [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(children)]
    with log.open("w") as out:
        # Its own process group, so the budget stops mutmut and every mutant it forked.
        process = subprocess.Popen(
            mutmut,
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            finished = process.wait(timeout=target.budget_minutes * 60) == 0
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            finished = False
    return summarise(target, folder, time.monotonic() - started, finished)


def summarise(target: Target, folder: Path, seconds: float, finished: bool) -> dict[str, object]:
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    counts: Counter[str] = Counter()
    survivors: list[str] = []
    for meta in sorted((folder / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        for key, code in data["exit_code_by_key"].items():
            status = status_by_exit_code[code]
            counts[status] += 1
            if status in ("survived", "no tests"):
                survivors.append(f"{key} ({status})")
    detected = counts["killed"] + counts["timeout"]
    ran = detected + counts["survived"] + counts["no tests"]
    return {
        "module": target.name,
        "mutants": sum(counts.values()),
        "killed": counts["killed"],
        "timeout": counts["timeout"],
        "survived": counts["survived"],
        "no_tests": counts["no tests"],
        "not_checked": counts["not checked"] + counts["suspicious"],
        "score": round(100 * detected / ran, 1) if ran else None,
        "seconds": round(seconds),
        "finished": finished,
        "survivors": survivors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="modules to run (default: all)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--children", type=int, default=2)
    parser.add_argument("--skip", action="append", default=[], help="modules not to run")
    args = parser.parse_args(argv)
    chosen = [
        t
        for t in TARGETS
        if (not args.modules or t.name in args.modules) and t.name not in args.skip
    ]
    if args.list:
        for t in TARGETS:
            print(f"{t.name:22} {', '.join(t.files):45} {' '.join(t.tests)}")
        return 0
    results = []
    for target in chosen:
        print(f"mutating {target.name} ({', '.join(target.files)}) …", flush=True)
        result = run(target, args.children)
        results.append(result)
        (WORK / target.name / "summary.json").write_text(json.dumps(result, indent=2))
        _row(result)
    print()
    print(
        f"{'module':22} {'mutants':>7} {'killed':>7} {'timeout':>7} {'survived':>8} "
        f"{'no tests':>8} {'score':>6} {'time':>6}"
    )
    for result in results:
        _row(result)
    return 0


def _row(r: dict[str, object]) -> None:
    score = "-" if r["score"] is None else f"{r['score']}%"
    note = "" if r["finished"] else "  (did not finish: partial; see its mutmut.log)"
    print(
        f"{r['module']:22} {r['mutants']:>7} {r['killed']:>7} {r['timeout']:>7} "
        f"{r['survived']:>8} {r['no_tests']:>8} {score:>6} {r['seconds']:>5}s{note}",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
