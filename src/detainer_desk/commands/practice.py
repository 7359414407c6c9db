"""`detainer-desk practice`: what ICE recorded, state by state, beside what the law said."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from detainer_desk.commands.common import _clear_errors, _console

if TYPE_CHECKING:  # DuckDB and the engine are imported only when the command runs (start-up)
    from detainer_desk.practice import PracticeReport


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _print(report: PracticeReport) -> None:
    from detainer_desk.practice.deciding import LAW_LABELS
    from detainer_desk.practice.report import CAVEATS

    console = _console()
    t = report.totals
    console.print(
        f"[bold]ICE detainers issued {report.period[0]} to {report.period[1]}[/]: "
        f"{t.counts.issued:,} issued, {t.counts.declined:,} declined by the jail, "
        f"{t.counts.booked:,} booked into ICE detention"
    )
    table = Table(show_lines=False)
    for column in ("state", "issued", "declined", "rate", "booked", "lifted", "no outcome"):
        table.add_column(column, justify="left" if column == "state" else "right")
    table.add_column(f"law of the hold on {report.law_on}")
    table.add_column("declined where the law required the hold", justify="right")
    table.add_column("federal baseline only", justify="right")
    for row in report.states:
        c = row.counts
        law = row.law_2015 or ("no place" if row.state is None else "territory: federal only")
        table.add_row(
            escape(f"{row.state or '—'} {row.name}"),
            f"{c.issued:,}",
            f"{c.declined:,}",
            _rate(c.decline_rate),
            f"{c.booked:,}",
            f"{c.lifted_total:,}",
            f"{c.pending:,}",
            law,
            f"[bold red]{row.flagged}[/]" if row.flagged else "0",
            f"{row.federal_only:,}",
        )
    c = t.counts
    table.add_row(
        "[bold]total[/]", f"{c.issued:,}", f"{c.declined:,}", _rate(c.decline_rate),
        f"{c.booked:,}", f"{c.lifted_total:,}", f"{c.pending:,}", "", str(t.flagged),
        f"{t.federal_only:,}",
    )  # fmt: skip
    console.print(table)
    console.print("[bold]What the law said of each detainer's hold[/] (detainers):")
    for law, n in sorted(t.law.items(), key=lambda kv: -kv[1]):
        declined = t.declined_by_law.get(law, 0)
        console.print(f"  {n:>7,}  {LAW_LABELS.get(law, law)} ({declined:,} declined)")
    console.print(
        f"Decided under the federal baseline alone (a state with no pack): "
        f"[bold]{t.federal_only:,}[/]; engine calls: {report.engine_calls} "
        f"(one per pack, version and form)."
    )
    m = report.matching
    share = m.matched_rows / m.rows if m.rows else 0
    local = m.local_matched_rows / m.local_rows if m.local_rows else 0
    console.print(
        f"[bold]County match[/]: {m.matched_rows:,} of {m.rows:,} detainers ({share:.1%}), "
        f"{m.matched_facilities:,} of {m.facilities:,} facilities; {local:.1%} of the "
        f"{m.local_rows:,} at local or unnamed-kind facilities with a state "
        f"(by name {m.by_method.get('name', 0):,}, bare county name "
        f"{m.by_method.get('bare name', 0):,}, consolidated city {m.by_method.get('city', 0):,})."
    )
    console.print("Unmatched, by class (detainers, facilities):")
    for why, (rows, facilities) in m.unmatched.items():
        console.print(f"  {rows:>7,}  {facilities:>5,}  {why}")
    if report.series:
        console.print("[bold]Single-state series[/] (by fiscal year; not added to the totals):")
        for row in report.series:
            console.print(
                f"  {row.name}: {row.counts.issued:,} issued, {row.counts.declined:,} declined, "
                f"{row.counts.booked:,} booked"
            )
    for path, n in report.bad_rows.items():
        console.print(f"[yellow]{path}: {n} rows without a readable prepare_date, left out[/]")
    console.print("[bold]What this can and cannot show[/]:")
    for caveat in CAVEATS:
        console.print(f"  - {escape(caveat)}")


def register(app: typer.Typer) -> None:
    @app.command("practice")
    def practice_command(
        data: Annotated[
            list[Path],
            typer.Argument(
                help="The national exports (folder or files), e.g. ../shared/data/national."
            ),
        ],
        as_json: Annotated[bool, typer.Option("--json", help="The full JSON document.")] = False,
        out: Annotated[
            Path | None,
            typer.Option(
                help="Also write practice.json, states.csv, counties.csv, months.csv, "
                "monthly.svg and a Datasette database (practice.db, metadata.json) here."
            ),
        ] = None,
        counties: Annotated[
            Path | None,
            typer.Option(help="The county list (default: county_to_ice_aor.csv.gz beside DATA)."),
        ] = None,
    ) -> None:
        """ICE's detainers 2014-15, state by state and county by county, beside the law of the
        place on each detainer's date (decided once per pack, version and form)."""
        from detainer_desk.law.decide import default_library
        from detainer_desk.practice import practice
        from detainer_desk.practice.outputs import write_outputs

        with _clear_errors():
            report = practice(data, default_library(), counties)
            if out is not None:
                write_outputs(report, out)
        if as_json:
            typer.echo(report.to_json())
        else:
            _print(report)
            if out is not None:
                _console().print(f"Written to {out}/")
