"""`detainer-desk safe-city`: ICE's Operation Safe City figures beside each place's law."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from detainer_desk.commands.common import _clear_errors, _console

if TYPE_CHECKING:  # the engine is imported only when the command runs (start-up)
    from detainer_desk.safecity import SafeCityReport

SHOWN_ACTIONS = (
    ("hold_beyond_release", "hold past release"),
    ("notify_release", "notify release"),
    ("allow_in_person_interview", "in-person interview"),
    ("allow_remote_interview", "remote interview"),
)


def _print(report: SafeCityReport) -> None:
    op = report.operation
    console = _console()
    console.print(
        f"[bold]{op.name}[/]: {op.total_claimed} arrests claimed by ICE over {op.days} days "
        f"ending {op.ended} (announced {op.announced}; {', '.join(op.total_sources)})"
    )
    table = Table(show_lines=True, expand=True)
    table.add_column("area (as ICE claimed it)", ratio=4)
    table.add_column("claimed", justify="right", no_wrap=True)
    table.add_column("law encoded", ratio=3)
    table.add_column("D1 (Safe City test)", ratio=2, overflow="fold")
    for _, title in SHOWN_ACTIONS:
        table.add_column(title, ratio=1)
    for row in report.rows:
        a = row.area
        area = f"{escape(a.area)}\n[dim]{' '.join(a.sources)}[/]"
        if a.retracted:
            area += f"\n[bold]RETRACTED[/]: claimed as {'; then '.join(a.claimed_as)}"
            area += f"\nreally: {escape(' '.join(a.really.split()))}"
        law = row.law.scope if row.law.pack is None else f"{row.law.pack}: {row.law.scope}"
        effects = row.effects()
        table.add_row(
            area,
            str(a.claimed),
            escape(law),
            row.answers()["D1"],
            *(effects[action] for action, _ in SHOWN_ACTIONS),
        )
    console.print(table)
    console.print(
        f"Decisions on an I-247A with an I-200 under the law of {op.classified_on}. Every "
        "definition, every action and the provisions: --json, or the /safe-city page."
    )


def register(app: typer.Typer) -> None:
    @app.command("safe-city")
    def safe_city_command(
        as_json: Annotated[bool, typer.Option("--json", help="The full JSON document.")] = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="One CSV row per area.")] = False,
    ) -> None:
        """ICE's "Operation Safe City" (Sept 2017): each area's claimed count and its law."""
        from detainer_desk.law.decide import default_library
        from detainer_desk.safecity import safe_city, to_csv

        with _clear_errors():
            report = safe_city(default_library())
        if as_json:
            typer.echo(report.to_json())
        elif as_csv:
            typer.echo(to_csv(report), nl=False)
        else:
            _print(report)
