"""`detainer-desk replay`: real historical bookings under each policy, side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from detainer_desk.commands.common import _clear_errors, _console

SHOWN_ON_STDERR = 50


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_command(
        data: Annotated[
            list[Path],
            typer.Argument(
                help="Data folders or files (any names: the mapping recognises its files by "
                "their columns), e.g. ../shared/data/pierce."
            ),
        ],
        policy: Annotated[list[str], typer.Option("--policy", help="actual, PACK or PACK@DATE.")],
        mapping: Annotated[str, typer.Option(help="Mapping name or YAML file.")] = "pierce",
        encoding: Annotated[
            str | None, typer.Option(help="Text encoding of the files: utf-8 (default), latin-1.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        out: Annotated[
            Path | None,
            typer.Option(
                help="Also write replay.json, one row per booking (bookings.parquet, "
                "bookings.csv) and the charts (replay.svg, hold-hours.svg, monthly.svg) here."
            ),
        ] = None,
    ) -> None:
        """Replay real bookings under each policy, side by side (loaded once in DuckDB; Cedar
        once per distinct case), with every figure the source study published."""
        from detainer_desk.law.decide import default_library
        from detainer_desk.render import print_replay
        from detainer_desk.replay import load_mapping, parse_policy
        from detainer_desk.replay.columnar import replay_loaded
        from detainer_desk.replay.figures import dominance_notes, monthly, study_figures_sql
        from detainer_desk.replay.importer import connect, load_sources
        from detainer_desk.replay.replay import RESULT_LABELS

        with _clear_errors():
            spec = load_mapping(mapping)
            specs = [parse_policy(p) for p in policy]
            library = default_library()
            con = connect()
            imported = load_sources(con, data, spec, encoding)
            results = replay_loaded(con, spec, specs, library)
            figures = study_figures_sql(imported)
            months = monthly(imported)
            period = imported.period_label()
            payload: dict[str, Any] = {
                "source": spec.title,
                "period": period,
                "files": [str(f) for f in imported.files],
                "imported": imported.count,
                "bad_rows_count": imported.bad_count,
                "bad_rows": [b.to_dict() for b in imported.bad_rows],
                "duplicates_not_counted": imported.duplicates,
                "notes": imported.notes,
                "results": [r.to_dict() for r in results],
                "result_columns": RESULT_LABELS,
                "figures": [f.to_dict() for f in figures],
                "monthly": months,
                "dominance": dominance_notes(results),
                "biases": list(spec.biases),
            }
            title = f"{spec.title}, {period}"
            written: list[Path] = []
            if out is not None:
                from detainer_desk.replay.outputs import write_outputs

                written = write_outputs(out, imported, specs, results, library, payload, title)
            con.close()
        for bad in imported.bad_rows[:SHOWN_ON_STDERR]:
            typer.echo(str(bad), err=True)
        if imported.bad_count > SHOWN_ON_STDERR:
            more = imported.bad_count - SHOWN_ON_STDERR
            typer.echo(f"… and {more} more bad rows (listed in --json and --out)", err=True)
        if as_json:
            typer.echo(json.dumps(payload, indent=2, allow_nan=False))
            return
        print_replay(payload, _console(), spec.published.daily_cost_dollars)
        if written:
            typer.echo(f"wrote {', '.join(str(p) for p in written)}")
