"""Desk commands: init, token, office, intake, event, alarms, tick, serve, worker."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from detainer_desk.access.check import Actor, Role
from detainer_desk.commands.common import _clear_errors, _console
from detainer_desk.desk.opening import initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.settings import DeskSettings
from detainer_desk.errors import InputError

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="Desk folder (DETAINER_DESK_HOME; .detainer-desk).")
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (DETAINER_DESK_DB); default SQLite in --home."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AlwaysJson = Annotated[
    bool, typer.Option("--json", help="Print JSON (always: the output is JSON).")
]
ADMIN = Actor("cli", Role.supervisor)


def settings_from(home: Path | None, db: str | None, **explicit: Any) -> DeskSettings:
    """The one settings object: these options over DETAINER_DESK_* over the desk's file."""
    return DeskSettings.from_env(home=home, db=db, **explicit)


def _open(home: Path | None, db: str | None) -> Desk:
    return open_desk(settings_from(home, db))


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def register(app: typer.Typer) -> None:
    token_app = typer.Typer(no_args_is_help=True, help="API tokens (stored hashed).")
    app.add_typer(token_app, name="token")

    @app.command("init")
    def init(
        home: HomeOption = None,
        db: DbOption = None,
        jurisdiction: Annotated[
            str | None, typer.Option(help="The desk's policy pack (e.g. texas).")
        ] = None,
        time_zone: Annotated[
            str | None,
            typer.Option(help="The jail's clock (IANA name); default the pack's time_zone."),
        ] = None,
        agency_name: Annotated[str | None, typer.Option(help="e.g. Travis County Sheriff")] = None,
        agency_office: Annotated[str | None, typer.Option(help="e.g. Records Unit")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Create the desk: schema (Alembic), ledger signing key, its jurisdiction and clock."""
        with _clear_errors():
            done = initialise(
                settings_from(
                    home,
                    db,
                    jurisdiction=jurisdiction,
                    timezone=time_zone,
                    agency_name=agency_name,
                    agency_office=agency_office,
                )
            )
        s = done.settings
        if as_json:
            _print_json(
                {"db": done.db_url, "public_key": done.public_key, "key_created": done.key_created}
                | {"jurisdiction": s.jurisdiction, "time_zone": s.timezone}
                | {"agency_name": s.agency_name, "agency_office": s.agency_office}
            )
            return
        typer.echo(f"desk ready: {done.db_url}")
        typer.echo(f"  {s.agency_name}, {s.agency_office}; jurisdiction {s.jurisdiction or '-'}")
        typer.echo(f"  clock: {s.timezone}")
        typer.echo(f"ledger public key{' (new)' if done.key_created else ''}: {done.public_key}")

    @token_app.command("create")
    def token_create(
        name: str,
        role: Annotated[
            str,
            typer.Option(help="clerk, supervisor, counsel, auditor, federal_liaison or public."),
        ],
        office: Annotated[str | None, typer.Option(help="For federal_liaison.")] = None,
        home: HomeOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Issue a token; it is printed once and stored only as a hash."""
        with _clear_errors():
            token = _open(home, db).create_token(name, role, office)
        if as_json:
            _print_json({"name": name, "role": role, "office": office, "token": token})
        else:
            typer.echo(token)

    @app.command("office")
    def office(
        name: str,
        channel: Annotated[str, typer.Option(help="email or webhook")],
        address: Annotated[str, typer.Option(help="E-mail address or https URL.")],
        home: HomeOption = None,
        db: DbOption = None,
        as_json: AlwaysJson = True,
    ) -> None:
        """Say where a requesting office's release notifications go."""
        with _clear_errors():
            _print_json(
                _open(home, db).set_office(
                    ADMIN, {"name": name, "channel": channel, "address": address}
                )
            )

    @app.command("intake")
    def intake(
        file: Annotated[
            Path,
            typer.Argument(
                help="A request (.json), or many records (.jsonl requests/events, .csv events)."
            ),
        ],
        strip_forbidden: Annotated[
            bool,
            typer.Option(
                help="Drop forbidden fields (recorded in the ledger) instead of refusing."
            ),
        ] = False,
        home: HomeOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Receive requests and jail events; each request is decided on arrival."""
        with _clear_errors():
            desk = _open(home, db)
            records = list(read_records(file))
            with Progress(console=_console(), transient=True, disable=as_json) as progress:
                task = progress.add_task("intake", total=len(records))

                def ticking() -> Iterator[tuple[int, dict[str, Any] | InputError]]:
                    for item in records:
                        yield item
                        progress.advance(task)

                accepted, errors = desk.receive_bulk(
                    ADMIN, ticking(), strip_forbidden=strip_forbidden
                )
        if as_json:
            refused = [{"line": line, "reason": reason} for line, reason in errors]
            _print_json({"accepted": accepted, "refused": refused})
        else:
            for line, reason in errors:
                typer.echo(f"{file}:{line}: {reason}", err=True)
            typer.echo(f"accepted {accepted}, refused {len(errors)}")
        if errors:
            raise typer.Exit(2)

    @app.command("event")
    def event(
        booking_id: str,
        kind: Annotated[
            str,
            typer.Argument(
                help="booked, charges_changed, release_scheduled, "
                "release_eligible, released, transferred"
            ),
        ],
        at: Annotated[str, typer.Option(help="When (ISO 8601).")],
        extra: Annotated[str, typer.Option(help="More fields as a JSON object.")] = "{}",
        home: HomeOption = None,
        db: DbOption = None,
        as_json: AlwaysJson = True,
    ) -> None:
        """Record one jail event."""
        with _clear_errors():
            data = _json_object(extra, "--extra")
            _print_json(
                _open(home, db).record_event(
                    ADMIN, {"booking_id": booking_id, "kind": kind, "at": at, **data}
                )
            )

    @app.command("alarms")
    def alarms(
        acknowledge: Annotated[int | None, typer.Option(help="Acknowledge this alarm.")] = None,
        note: Annotated[str | None, typer.Option(help="Why (with --acknowledge).")] = None,
        check: Annotated[bool, typer.Option(help="Run the hold clock first.")] = True,
        home: HomeOption = None,
        db: DbOption = None,
        as_json: AlwaysJson = True,
    ) -> None:
        """List open alarms (after a hold-clock check), or acknowledge one with a note."""
        with _clear_errors():
            desk = _open(home, db)
            if acknowledge is not None:
                _print_json(desk.acknowledge_alarm(ADMIN, acknowledge, {"note": note or ""}))
                return
            if check:
                desk.check_clock()
            _print_json(desk.alarms(ADMIN))

    @app.command("serve")
    def serve(
        host: str = "127.0.0.1",
        port: int = 8000,
        worker: Annotated[bool, typer.Option(help="Run the worker in this process.")] = True,
        home: HomeOption = None,
        db: DbOption = None,
    ) -> None:
        """Serve the API (/api, OpenAPI at /docs), the staff UI (/ui) and (default) the worker."""
        import uvicorn

        from detainer_desk.web.app import create_app

        with _clear_errors():
            desk = _open(home, db)
        print_urls(desk.settings, host, port, worker)
        uvicorn.run(create_app(desk, worker=worker), host=host, port=port, log_level="warning")

    @app.command("worker")
    def worker_command(
        once: Annotated[bool, typer.Option(help="One pass, then exit.")] = False,
        home: HomeOption = None,
        db: DbOption = None,
    ) -> None:
        """Deliver notifications, tick the hold clock and sign checkpoints (scale-out worker)."""
        from detainer_desk.desk.worker import run_worker

        with _clear_errors():
            desk = _open(home, db)
        run_worker(desk, threading.Event(), once=once)


def print_urls(settings: DeskSettings, host: str, port: int, worker: bool) -> None:
    """What `serve` prints before it starts: where everything is."""
    base = f"http://{host}:{port}"
    typer.echo(f"Detainer Desk serving {settings.agency_name} ({settings.timezone})")
    typer.echo(f"  staff UI        {base}/ui/")
    typer.echo(f"  API docs        {base}/docs  (ReDoc {base}/redoc)")
    typer.echo(f"  public report   {base}/public/")
    typer.echo(f"  database        {settings.db_url}")
    typer.echo(f"  access log      {settings.access_log_path}")
    typer.echo(f"  worker          {'in this process' if worker else 'not here (--no-worker)'}")


def _json_object(text: str, option: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{option} is not JSON: {exc.msg}", field=option) from None
    if not isinstance(value, dict):
        raise InputError(f"{option} must be a JSON object", field=option)
    return value


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | InputError]]:
    """(line, record) from .json (one), .jsonl (one per line) or .csv (events, one per row)."""
    if not path.exists():
        raise InputError(f"no file {path}; check the path", field="file")
    if path.suffix == ".json":
        yield 1, _json_object(path.read_text("utf-8"), str(path))
    elif path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, _jsonl_record(line, number)
    elif path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, {k: v for k, v in row.items() if v not in ("", None)}
    else:
        raise InputError(f"{path.name}: use .json, .jsonl or .csv", field="file")


def _jsonl_record(line: str, number: int) -> dict[str, Any] | InputError:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputError(f"not JSON ({exc.msg}); fix the line")
    return value if isinstance(value, dict) else InputError("not a JSON object")


def register_demo(app: typer.Typer) -> None:
    @app.command("demo-desk")
    def demo_desk(
        data: Annotated[Path, typer.Argument(help="Folder with the Pierce County data.")],
        home: Annotated[Path, typer.Option(help="Where to build the demo desk.")] = Path(
            ".detainer-desk-demo"
        ),
        jurisdiction: Annotated[str, typer.Option(help="Policy pack to run it under.")] = (
            "washington"
        ),
        serve: Annotated[bool, typer.Option(help="Serve it when loaded.")] = False,
        port: int = 8000,
        agency_name: Annotated[str, typer.Option(help="The jail's agency.")] = "Pierce County Jail",
        agency_office: Annotated[
            str, typer.Option(help="The office answering requests.")
        ] = "Records Unit",
        office: Annotated[
            str, typer.Option(help="The requesting federal office.")
        ] = "ICE ERO Seattle Field Office",
    ) -> None:
        """Build a desk from nothing with real bookings replayed as events; print URL + token."""
        import shutil
        from datetime import UTC

        from detainer_desk.desk.clock import SettableClock
        from detainer_desk.desk.worker import run_worker
        from detainer_desk.publish.publishing import publish
        from detainer_desk.replay import import_file, load_mapping
        from detainer_desk.replay.to_desk import desk_records, replay_into_desk

        with _clear_errors():
            mapping = load_mapping("pierce")
            imported = import_file(data / Path(mapping.file).name, mapping)
            shutil.rmtree(home, ignore_errors=True)
            settings = DeskSettings.from_env(
                home=home,
                jurisdiction=jurisdiction,
                timezone="America/Los_Angeles",  # the data's own clock: Pierce County, WA
                agency_name=agency_name,
                agency_office=agency_office,
            ).with_changes(db=None)
            records = list(desk_records(imported.rows, mapping, jurisdiction, office))
            # The desk's "now" is the end of its data period: its 2017 decisions stay under the
            # law of 2017 (today's clock would re-decide them under today's law).
            data_end = max(m for m, _ in records).replace(tzinfo=settings.zone).astimezone(UTC)
            settings = settings.with_changes(clock_starts_at=data_end)
            initialise(settings)
            clock = SettableClock()
            desk = open_desk(settings, clock)
            with Progress(console=_console(), transient=True) as progress:
                task = progress.add_task("replaying bookings as desk events", total=len(records))
                refused = replay_into_desk(
                    desk, clock, records, ADMIN, lambda: progress.advance(task)
                )
            run_worker(desk, threading.Event(), once=True)  # settle notifications, sign
            clock.set(data_end)
            days = [moment.date() for moment, _ in records]
            publish(desk, min(days), max(days), "quarter")  # the public page at /public/
            token = desk.create_token("demo-supervisor", "supervisor")
            desk.close()
        typer.echo(f"demo desk: {len(records) - len(refused)} records from {mapping.title}")
        typer.echo(f"  under the {jurisdiction!r} pack; refused {len(refused)}")
        typer.echo(f"  the desk's clock starts at the data's end: {data_end.isoformat()}")
        typer.echo(f"  database {settings.db_url}")
        typer.echo(f"  open http://127.0.0.1:{port}/ui/ and log in with token: {token}")
        typer.echo(f"  public report (no login): http://127.0.0.1:{port}/public/")
        typer.echo(
            f"  sanctuary definitions compared: http://127.0.0.1:{port}/classify?on=2017-09-28"
        )
        typer.echo(f"  serve it with: detainer-desk serve --home {home} --port {port}")
        if serve:
            import uvicorn

            from detainer_desk.web.app import create_app

            print_urls(settings, "127.0.0.1", port, True)
            typer.echo("serving (Ctrl-C to stop)")
            uvicorn.run(create_app(open_desk(settings)), port=port, log_level="warning")
