"""`detainer-desk policy coverage` (what law is encoded where, how current, the standing duties
in force, a tile map of holds on a date) and `policy changes` (every change of law, newest first).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from detainer_desk.commands.common import _clear_errors, _console
from detainer_desk.edge import parse_day

if TYPE_CHECKING:  # the engine is imported only when the command runs (start-up)
    from detainer_desk.coverage import Coverage
    from detainer_desk.law.pack import PolicyLibrary

# By HoldStance value (a StrEnum, so its members look these up directly).
STYLE: dict[str, str] = {
    "required": "bold white on dark_red",
    "permitted": "black on dark_orange",
    "judicial_warrant_only": "white on blue",
    "forbidden": "white on dark_green",
    "no_authority": "black on grey70",
    "unsettled": "black on yellow",
    "before_encoding": "italic",
    "not_encoded": "dim",
}


def tile_map(result: Coverage) -> Text:
    """The states as a grid of `FL REQ`-style cells: readable without colour."""
    width = max(s.tile.col for s in result.states) + 1
    height = max(s.tile.row for s in result.states) + 1
    grid: list[list[Text]] = [[Text(" " * 9) for _ in range(width)] for _ in range(height)]
    for s in result.states:
        label = f"{s.tile.code} {s.stance.short}".ljust(8)
        grid[s.tile.row][s.tile.col] = Text.assemble((label, STYLE[s.stance]), " ")
    out = Text()
    for row in grid:
        for cell in row:
            out.append_text(cell)
        out.append("\n")
    return out


def _legend() -> str:
    from detainer_desk.coverage import HoldStance

    return "  ".join(f"{s.short} = {s.label}" for s in HoldStance)


def _table(result: Coverage) -> Table:
    table = Table(title=f"Encoded law on {result.on}", show_lines=False, expand=True)
    columns = ("place", "pack", "since", "version in force", "hold", "confidence", "verified")
    for column in columns:
        table.add_column(column)
    for state in sorted(result.states, key=lambda s: s.tile.name):
        if state.state_pack is None:
            label = Text(state.stance.label, style=STYLE[state.stance])
            table.add_row(state.tile.name, "—", "", "federal baseline only", label, "—", "—")
        for p in (state.state_pack, *state.local):
            if p is None:
                continue
            where = state.tile.name if p.level == "state" else f"  {state.tile.code} {p.level}"
            version = f"{p.version[0]} {p.version[1]}" if p.version else "no law in force"
            cites = "; ".join(x["cite"] for x in p.deciding)
            hold = Text(p.stance.label, style=STYLE[p.stance])
            if cites:
                hold.append(f"\n{cites}", style="dim")
            verified = str(p.verified_through)
            if p.chain_verified_through < p.verified_through:
                verified += f"\n(chain: {p.chain_verified_through})"
            row = (where, p.pack, str(p.encoded_since), version, hold, p.confidence or "—")
            table.add_row(*row, verified)
    return table


def _duties(result: Coverage) -> Table | None:
    rows = [(p, d) for p in result.packs for d in p.duties]
    if not rows:
        return None
    table = Table(title=f"Standing duties of the agency in force on {result.on}", expand=True)
    for column in ("pack", "duty", "citation", "confidence", "since", "due", "binds"):
        table.add_column(column)
    for p, d in rows:
        due = str(d.due) if d.due else "—"
        cite = f"{d.cite}\n[dim]{d.source}[/]"
        table.add_row(
            p.pack, d.text, cite, d.confidence, str(d.effective), due, d.applies_to or "—"
        )
    return table


def print_coverage(result: Coverage) -> None:
    console = _console()
    console.print(
        f"[bold]Holds on a standard ICE detainer, {result.on}[/] "
        "(I-200 warrant; and with a judge's warrant where that matters)"
    )
    console.print(tile_map(result))
    console.print(_legend(), style="dim")
    console.print(_table(result))
    duties = _duties(result)
    console.print(duties if duties else f"No standing duty of the agency in force on {result.on}.")
    encoded = sum(1 for s in result.states if s.state_pack is not None)
    console.print(f"{encoded} of {len(result.states)} states (with DC) have state law encoded.")
    if result.unplaced:
        console.print(
            f"[yellow]not placed on the map (add to coverage/places.yaml):[/] "
            f"{', '.join(result.unplaced)}"
        )


PacksDir = Annotated[
    Path | None, typer.Option("--packs-dir", help="Use the packs in this folder instead.")
]


def _library(packs_dir: Path | None) -> PolicyLibrary:
    from detainer_desk.law.decide import default_library
    from detainer_desk.law.pack import PolicyLibrary

    return PolicyLibrary.load(packs_dir) if packs_dir else default_library()


def register(policy_app: typer.Typer) -> None:
    @policy_app.command("coverage")
    def coverage_command(
        on: Annotated[str | None, typer.Option(help="Date (YYYY-MM-DD); default today.")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        packs_dir: PacksDir = None,
    ) -> None:
        """Every state and encoded place: what law, since when, how sure, verified through when,
        the standing duties in force, and holds."""
        from detainer_desk.coverage import coverage

        with _clear_errors():
            result = coverage(parse_day(on, "--on"), _library(packs_dir))
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            print_coverage(result)

    @policy_app.command("changes")
    def changes_command(
        since: Annotated[
            str | None, typer.Option(help="Only changes effective on or after this date.")
        ] = None,
        place: Annotated[
            str | None,
            typer.Option(help="Only the packs deciding for this place (pack, state, county)."),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        packs_dir: PacksDir = None,
    ) -> None:
        """Every change of law (pack versions, rule and duty dates), newest first."""
        from detainer_desk.coverage.changes import changes_document

        with _clear_errors():
            day = parse_day(since, "--since") if since else None
            document = changes_document(_library(packs_dir), day, place)
        if as_json:
            typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            print_changes(document)


def print_changes(document: dict[str, Any]) -> None:
    console = _console()
    where = f" for {document['place']['input']!r}" if document["place"] else ""
    since = f" since {document['since']}" if document["since"] else ""
    console.print(f"[bold]Changes of law{where}{since}, newest first[/]")
    for c in document["changes"]:
        console.print(f"[bold]{c['effective']}[/] {c['pack']}: {c['label']}")
        for x in c["changes"]:
            mark = "+" if x["change"] == "effective" else "−"
            console.print(f"   {mark} {x['cite']} ({x['pack']}, {x['kind']})", style="dim")
    if not document["changes"]:
        console.print("No change of law in that period.")
