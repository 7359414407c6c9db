"""`detainer-desk report`: a period's counts, small counts suppressed, checkpoint signed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from detainer_desk.commands.common import _clear_errors
from detainer_desk.commands.desk import DbOption, HomeOption, _open
from detainer_desk.edge import parse_day
from detainer_desk.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
        end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
        by: Annotated[str, typer.Option(help="month, quarter or year")] = "month",
        fmt: Annotated[
            list[str] | None,
            typer.Option(
                "--format", help="html, csv, json, parquet, sqlite (repeat; default all)."
            ),
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option(help="Folder; default the desk's public folder (served at /public/)."),
        ] = None,
        home: HomeOption = None,
        db: DbOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Publish the desk's counts for a period (HTML with charts, CSV, JSON, Parquet, SQLite)."""
        from detainer_desk.publish.publishing import publish
        from detainer_desk.publish.report import FORMATS

        with _clear_errors():
            formats = tuple(fmt or FORMATS)
            unknown = [f for f in formats if f not in FORMATS]
            if unknown:
                raise InputError(
                    f"--format {unknown[0]!r}: use html, csv, json, parquet or sqlite",
                    field="format",
                )
            desk = _open(home, db)
            _, written = publish(
                desk, parse_day(start, "--from"), parse_day(end, "--to"), by, out, formats
            )
        if as_json:
            typer.echo(json.dumps({"written": [str(p) for p in written]}))
            return
        for path in written:
            typer.echo(f"wrote {path}")
