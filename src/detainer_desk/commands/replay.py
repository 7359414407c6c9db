"""`detainer-desk replay`: real historical bookings under each policy, side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from detainer_desk.commands.common import _clear_errors, _console
from detainer_desk.errors import InputError
from detainer_desk.law.decide import default_library
from detainer_desk.render import print_replay


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_command(
        data: Annotated[
            Path, typer.Argument(help="A data folder (e.g. ../shared/data/pierce) or file.")
        ],
        policy: Annotated[list[str], typer.Option("--policy", help="actual, PACK or PACK@DATE.")],
        mapping: Annotated[str, typer.Option(help="Mapping name or YAML file.")] = "pierce",
        as_json: Annotated[bool, typer.Option("--json")] = False,
        out: Annotated[
            Path | None,
            typer.Option(help="Also write replay.json and the comparison chart replay.svg here."),
        ] = None,
    ) -> None:
        """Replay real bookings under each policy, side by side (Cedar once per distinct case,
        DuckDB for the rest)."""
        from detainer_desk.replay import import_file, load_mapping, parse_policy, replay_actual
        from detainer_desk.replay.chart import comparison_svg
        from detainer_desk.replay.columnar import replay_rows

        with _clear_errors():
            spec = load_mapping(mapping)
            path = data / Path(spec.file).name if data.is_dir() else data
            if not path.exists():
                raise InputError(
                    f"no data file {path}; give the folder holding {Path(spec.file).name}"
                )
            imported = import_file(path, spec)
            specs = [parse_policy(p) for p in policy]
            results = []
            with Progress(console=_console(), transient=True) as progress:
                task = progress.add_task("replaying", total=len(specs))
                for s in specs:
                    if s.pack == "actual":
                        results.append(replay_actual(imported.rows, spec))
                    else:
                        results += replay_rows(imported.rows, spec, [s], default_library())
                    progress.advance(task)
        payload = {
            "source": spec.title,
            "imported": len(imported.rows),
            "bad_rows": [{"line": b.line, "reason": b.reason} for b in imported.bad_rows],
            "results": [r.to_dict() for r in results],
        }
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / "replay.json").write_text(json.dumps(payload, indent=2))
            (out / "replay.svg").write_text(comparison_svg(spec.title, results))
        if as_json:
            typer.echo(json.dumps(payload, indent=2))
            return
        print_replay(spec.title, imported, results, _console(), spec.published.daily_cost_dollars)
        if out is not None:
            typer.echo(f"wrote {out / 'replay.json'} and {out / 'replay.svg'}")
