"""The `detainer-desk` command: a thin Typer layer over the library.

Each command imports what it needs when it runs (the policy engine, the desk, DuckDB,
matplotlib…), so that `--help` and `decide` start fast.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from detainer_desk import __version__
from detainer_desk.commands.classify import register as register_classify
from detainer_desk.commands.common import _clear_errors, _console
from detainer_desk.commands.coverage import register as register_coverage
from detainer_desk.commands.desk import register as register_desk_commands
from detainer_desk.commands.desk import register_demo as register_demo_desk
from detainer_desk.commands.ledger import ledger_app, register_witness
from detainer_desk.commands.practice import register as register_practice
from detainer_desk.commands.replay import register as register_replay
from detainer_desk.commands.report import register as register_report
from detainer_desk.commands.safecity import register as register_safe_city

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
policy_app = typer.Typer(no_args_is_help=True, help="Inspect, check and test the policy packs.")
app.add_typer(policy_app, name="policy")
app.add_typer(ledger_app, name="ledger")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"detainer-desk {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Receive, decide and track federal immigration requests under the local law in force."""


register_desk_commands(app)
register_demo_desk(app)
register_classify(app)
register_report(app)
register_replay(app)
register_witness(app)
register_coverage(policy_app)
register_safe_city(app)
register_practice(app)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"error: --on {value!r} is not a date; write it as YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def _parse_day_or_instant(value: str | None) -> date | datetime | None:
    """`--on` for `decide`: a day, or an instant read on the jail's local calendar."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        typer.echo(
            f"error: --on {value!r} is neither a date (YYYY-MM-DD) nor an ISO instant "
            "(e.g. 2017-09-24T23:30-05:00)",
            err=True,
        )
        raise typer.Exit(2) from None


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
OnOption = Annotated[
    str | None, typer.Option("--on", help="Decide under the law of this date (YYYY-MM-DD).")
]
DecideOnOption = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="Decide under the law of this date (YYYY-MM-DD) or of this instant's local date "
        "in the jail's time zone (e.g. 2017-09-24T23:30-05:00).",
    ),
]


@app.command("decide")
def decide_command(
    request_file: Annotated[Path, typer.Argument(help="A request document (JSON).")],
    on: DecideOnOption = None,
    all_actions: Annotated[bool, typer.Option("--all", help="Decide every action.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision document.")] = False,
) -> None:
    """Decide a request; explain each answer with its citations."""
    from detainer_desk.law.decide import decide
    from detainer_desk.render import print_decision
    from detainer_desk.request.document import load_request_file

    day = _parse_day_or_instant(on)
    with _clear_errors():
        decision = decide(load_request_file(request_file), on=day, all_actions=all_actions)
    if as_json:
        typer.echo(decision.to_json())
    else:
        print_decision(decision, _console())


@policy_app.command("list")
def policy_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the policy packs and their versions."""
    from detainer_desk.law.decide import default_library
    from detainer_desk.render import print_pack_list

    with _clear_errors():
        library = default_library()
    if as_json:
        packs: list[dict[str, Any]] = [
            library.pack(n).manifest.model_dump(mode="json", by_alias=True)
            | {"rules": len(library.pack(n).provisions)}
            for n in library.names()
        ]
        typer.echo(json.dumps(packs, indent=2, ensure_ascii=False))
    else:
        print_pack_list(library, _console())


@policy_app.command("show")
def policy_show(pack: str, on: OnOption = None, as_json: JsonOption = False) -> None:
    """Show the rules of a pack in force on a date (default: today)."""
    from detainer_desk.law.decide import default_library
    from detainer_desk.render import print_version_set, version_set_json

    day = _parse_date(on) or date.today()
    with _clear_errors():
        vs = default_library().version_set(pack, day)
    if as_json:
        typer.echo(json.dumps(version_set_json(vs), indent=2, ensure_ascii=False, default=str))
    else:
        print_version_set(vs, _console())


PacksDir = Annotated[
    Path | None, typer.Option("--packs-dir", help="Check packs in this folder instead.")
]


@policy_app.command("check")
def policy_check(packs_dir: PacksDir = None, as_json: JsonOption = False) -> None:
    """Validate every pack: schema, ids, citations, dates, versions. Exit 1 on any problem."""
    from detainer_desk.law.check import check_packs
    from detainer_desk.law.pack import default_packs_dir

    folder = packs_dir or default_packs_dir()
    problems = check_packs(folder)
    if as_json:
        typer.echo(json.dumps({"folder": str(folder), "problems": problems}, indent=2))
        raise typer.Exit(1 if problems else 0)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"ok: every pack in {folder} validates")


@policy_app.command("test")
def policy_test(
    pack: Annotated[str | None, typer.Argument(help="Only this pack.")] = None,
    packs_dir: PacksDir = None,
    as_json: JsonOption = False,
) -> None:
    """Run the packs' YAML scenarios; exit 1 if any fails."""
    from detainer_desk.law.pack import PolicyLibrary, default_packs_dir
    from detainer_desk.law.scenarios import (
        ScenarioPending,
        load_scenarios,
        run_scenario,
        scenario_files,
    )

    folder = packs_dir or default_packs_dir()
    results: list[dict[str, Any]] = []
    with _clear_errors():
        library = PolicyLibrary.load(folder)
        files = [f for f in scenario_files(folder) if pack is None or f.parent.name == pack]
        failed = total = pending = 0
        for path in files:
            for scenario in load_scenarios(path):
                try:
                    problems = run_scenario(scenario, library)
                except ScenarioPending as waiting:
                    pending += 1
                    if not as_json:
                        _console().print(f"[yellow]pending[/] {scenario.pack}: {scenario.name}")
                        _console().print(f"     {waiting.reason}")
                    continue
                total += 1
                results.append(
                    {"pack": scenario.pack, "name": scenario.name, "on": str(scenario.on)}
                    | {"problems": problems}
                )
                failed += bool(problems)
                if as_json:
                    continue
                mark = "[red]FAIL[/]" if problems else "[green]ok[/]"
                _console().print(f"{mark} {scenario.pack}: {scenario.name} ({scenario.on})")
                for problem in problems:
                    _console().print(f"     {problem}")
    if as_json:
        typer.echo(
            json.dumps(
                {"passed": total - failed, "failed": failed, "pending": pending}
                | {"scenarios": results}
            )
        )
    else:
        typer.echo(
            f"{total - failed} passed, {failed} failed"
            + (f", {pending} pending (awaiting law not yet encoded)" if pending else "")
        )
    if failed or not total:
        raise typer.Exit(1)


DEMO_CASES: list[tuple[str, str | None, date]] = [
    ("denver-i247a-i200-2017-09-27.json", None, date(2017, 9, 27)),
    ("denver-i247a-i200-2017-09-27.json", "texas", date(2017, 9, 27)),
    ("denver-i247a-i200-2017-09-27.json", "massachusetts", date(2017, 9, 27)),
    ("denver-i247a-i200-2017-09-27.json", None, date(2014, 3, 3)),
]


@app.command("schema")
def schema_command(as_json: JsonOption = True) -> None:
    """Print the JSON Schema of the request document (always JSON)."""
    from detainer_desk.request.document import request_json_schema

    typer.echo(json.dumps(request_json_schema(), indent=2, ensure_ascii=False))


@app.command("demo")
def demo(
    examples: Annotated[Path, typer.Option(help="Folder of example requests.")] = EXAMPLES,
) -> None:
    """The September 2017 dispute, decided: one ICE request under four laws."""
    from detainer_desk.law.decide import decide
    from detainer_desk.render import print_decision
    from detainer_desk.request.document import load_request_file

    console = _console()
    console.rule("Detainer Desk demo: one I-247A with an I-200, decided under the law in force")
    with _clear_errors():
        for file, jurisdiction, day in DEMO_CASES:
            document = load_request_file(examples / file)
            if jurisdiction:
                document = document.model_copy(update={"jurisdiction": jurisdiction})
            print_decision(decide(document, on=day), console)


def main(argv: list[str] | None = None) -> None:
    app(args=argv)


if __name__ == "__main__":  # pragma: no cover
    main()
