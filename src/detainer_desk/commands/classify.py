"""`detainer-desk classify`: a pack under every definition of "sanctuary", or all packs compared."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from detainer_desk.commands.common import _clear_errors, _console
from detainer_desk.edge import parse_day

if TYPE_CHECKING:
    from detainer_desk.classify import Classification


def _print_one(result: Classification) -> None:
    console = _console()
    version = result.version or "no law in force"
    console.print(f"[bold]{result.pack}[/] on {result.on} (pack version {version})")
    table = Table(show_lines=True, expand=True)
    table.add_column("definition", ratio=2)
    table.add_column("sanctuary?", no_wrap=True)
    table.add_column("because (the pack's own decisions and provisions)", ratio=5)
    for verdict in result.verdicts:
        lines = []
        for p in verdict.because():
            cites = "; ".join(x["cite"] for x in p.provisions) or p.reason
            state = f"\\[{p.state.value}]"
            lines.append(f"{state} {p.prong.says} — {p.prong.probe} is {p.effect.value} ({cites})")
        answer = f"[bold]{verdict.answer.value}[/]"
        definition = (
            f"{verdict.definition.id} {verdict.definition.name}\n[dim]{verdict.definition.cite}[/]"
        )
        table.add_row(definition, answer, "\n".join(lines))
    console.print(table)


def _print_all(results: list[Classification]) -> None:
    table = Table(title=f"Sanctuary under each definition, on {results[0].on}")
    table.add_column("pack")
    for v in results[0].verdicts:
        table.add_column(f"{v.definition.id}\n{v.definition.name[:28]}", justify="center")
    for r in results:
        table.add_row(r.pack, *(v.answer.value for v in r.verdicts))
    _console().print(table)


def register(app: typer.Typer) -> None:
    @app.command("classify")
    def classify_command(
        pack: Annotated[
            str | None, typer.Argument(help="A pack; omit to compare every pack.")
        ] = None,
        on: Annotated[str | None, typer.Option(help="Date (YYYY-MM-DD); default today.")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Is this policy a "sanctuary"? Under each definition, with the deciding provisions."""
        with _clear_errors():
            from detainer_desk.classify import classify
            from detainer_desk.law.decide import default_library

            day = parse_day(on, "--on")
            library = default_library()
            names = [pack] if pack else list(library.names())
            results = [classify(name, day, library) for name in names]
        if as_json:
            payload = results[0].to_dict() if pack else [r.to_dict() for r in results]
            typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        elif pack:
            _print_one(results[0])
        else:
            _print_all(results)
