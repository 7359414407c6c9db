"""Desk commands: init, token, office, intake, event, alarms, tick, serve, worker."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress

from detainer_desk.access.check import Actor, Role
from detainer_desk.commands.common import _clear_errors, _console
from detainer_desk.errors import InputError

if TYPE_CHECKING:  # the desk (SQLAlchemy, Alembic) is imported by the commands that use it
    from detainer_desk.desk.service import Desk
    from detainer_desk.desk.settings import DeskSettings

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
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="DETAINER_DESK_TOKEN",
        help="Act as this token's holder (e.g. counsel); default: the desk's supervisor.",
    ),
]


def _actor(desk: Desk, token: str | None) -> Actor:
    return ADMIN if token is None else desk.actor_for(token)


def settings_from(home: Path | None, db: str | None, **explicit: Any) -> DeskSettings:
    """The one settings object: these options over DETAINER_DESK_* over the desk's file."""
    from detainer_desk.desk.settings import DeskSettings

    return DeskSettings.from_env(home=home, db=db, **explicit)


def _open(home: Path | None, db: str | None) -> Desk:
    from detainer_desk.desk.opening import open_desk

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
        from detainer_desk.desk.opening import initialise

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
        expires_days: Annotated[
            float | None, typer.Option(help="Expire after this many days (default: never).")
        ] = None,
        home: HomeOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Issue a token; it is printed once and stored only as a hash."""
        with _clear_errors():
            if expires_days is not None and not 0 < expires_days <= 3650:
                raise InputError("--expires-days must be between 0 and 3650", "expires_days")
            token = _open(home, db).create_token(name, role, office, expires_days)
        if as_json:
            _print_json(
                {"name": name, "role": role, "office": office, "token": token}
                | {"expires_days": expires_days}
            )
        else:
            typer.echo(token)

    @token_app.command("list")
    def token_list(
        home: HomeOption = None, db: DbOption = None, as_json: JsonOption = False
    ) -> None:
        """Every token: id, name, role, office, created, expires, revoked (never the token)."""
        with _clear_errors():
            rows = _open(home, db).tokens()
        if as_json:
            _print_json(rows)
            return
        for r in rows:
            state = (
                f"revoked {r['revoked_at']}"
                if r["revoked_at"]
                else f"expires {r['expires_at']}"
                if r["expires_at"]
                else "active"
            )
            office = f" ({r['office']})" if r["office"] else ""
            typer.echo(f"{r['id']:>4}  {r['name']}  {r['role']}{office}  {state}")

    @token_app.command("revoke")
    def token_revoke(
        token_id: int, home: HomeOption = None, db: DbOption = None, as_json: JsonOption = False
    ) -> None:
        """Revoke a token now (by the id 'token list' shows); its UI sessions end with it."""
        with _clear_errors():
            row = _open(home, db).revoke_token(token_id)
        if as_json:
            _print_json(row)
            return
        typer.echo(f"revoked token {row['id']} ({row['name']}) at {row['revoked_at']}")

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

    @app.command("exception")
    def exception(
        request_id: int,
        exception_id: Annotated[
            str, typer.Argument(help="The rule's @id, e.g. tx.ccp.2_251b.proof-exception.")
        ],
        determined_by: Annotated[
            str, typer.Option("--by", help="counsel or supervisor: who determined it.")
        ],
        determined_on: Annotated[str, typer.Option("--on", help="When (YYYY-MM-DD).")],
        token: TokenOption = None,
        home: HomeOption = None,
        db: DbOption = None,
    ) -> None:
        """Record that a rule's exception is established (no proof is stored); re-decide."""
        with _clear_errors():
            desk = _open(home, db)
            body = {
                "exception": exception_id,
                "determined_by": determined_by,
                "determined_on": determined_on,
            }
            _print_json(desk.record_exception(_actor(desk, token), request_id, body))

    @app.command("override")
    def override(
        request_id: int,
        action: Annotated[str, typer.Option(help="The action overridden.")],
        effect: Annotated[str, typer.Option(help="permit, deny or review_required.")],
        reason: Annotated[str, typer.Option(help="Why; at least a sentence.")],
        provision: Annotated[
            str | None, typer.Option(help="Legal basis: a provision id (policy show lists them).")
        ] = None,
        judicial_warrant_attached: Annotated[
            bool, typer.Option(help="Legal basis: the judicial warrant recorded on the request.")
        ] = False,
        token: TokenOption = None,
        home: HomeOption = None,
        db: DbOption = None,
    ) -> None:
        """Override one action (a supervisor). A hold the law denies needs a basis and counsel."""
        body: dict[str, Any] = {"action": action, "effect": effect, "reason": reason}
        if provision is not None:
            body["provision"] = provision
        if judicial_warrant_attached:
            body["judicial_warrant_attached"] = True
        with _clear_errors():
            desk = _open(home, db)
            _print_json(desk.override(_actor(desk, token), request_id, body))

    @app.command("condition")
    def condition(
        request_id: int,
        action: Annotated[str, typer.Argument(help="The permitted action, e.g. notify_release.")],
        condition_id: Annotated[
            str, typer.Argument(help="The condition's id, e.g. den.drmc.28-253.advise-and-record.")
        ],
        note: Annotated[
            str | None, typer.Option(help="How it was met (at most 200 characters).")
        ] = None,
        token: TokenOption = None,
        home: HomeOption = None,
        db: DbOption = None,
    ) -> None:
        """Tick one condition of the current decision as met (a ledger entry); print the list."""
        tick: dict[str, Any] = {"action": action, "condition": condition_id}
        if note is not None:
            tick["note"] = note
        with _clear_errors():
            desk = _open(home, db)
            _print_json(desk.record_conditions(_actor(desk, token), request_id, {"ticks": [tick]}))

    @app.command("confirm-override")
    def confirm_override(
        override_id: int,
        note: Annotated[str, typer.Option(help="Counsel's note.")],
        token: Annotated[
            str,
            typer.Option(
                "--token", envvar="DETAINER_DESK_TOKEN", help="Counsel's token (a second person)."
            ),
        ],
        home: HomeOption = None,
        db: DbOption = None,
    ) -> None:
        """Counsel confirms a pending override; the hold it permits then runs, bounded."""
        with _clear_errors():
            desk = _open(home, db)
            _print_json(desk.confirm_override(desk.actor_for(token), override_id, {"note": note}))

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


DEMO_MARK = ".demo-desk"


def _clear_demo_home(home: Path) -> None:
    """Empty a demo desk's folder, but only one `demo-desk` made: never someone else's files."""
    import shutil

    if not home.exists():
        return
    if not home.is_dir():
        raise InputError(f"--home {home} is a file, not a folder; choose another", field="home")
    if any(home.iterdir()) and not (home / DEMO_MARK).is_file():
        raise InputError(
            f"--home {home} is not empty and was not made by demo-desk; choose an empty or new "
            "folder (nothing was deleted)",
            field="home",
        )
    shutil.rmtree(home)


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
        from datetime import UTC

        from detainer_desk.desk.clock import SettableClock
        from detainer_desk.desk.opening import initialise, open_desk
        from detainer_desk.desk.settings import DeskSettings
        from detainer_desk.desk.worker import run_worker
        from detainer_desk.publish.publishing import publish
        from detainer_desk.replay import import_file, load_mapping
        from detainer_desk.replay.to_desk import desk_records, replay_into_desk

        with _clear_errors():
            _clear_demo_home(home)  # first: refuse someone else's folder before anything else
            mapping = load_mapping("pierce")
            imported = import_file(data, mapping)
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
            (home / DEMO_MARK).write_text("made by detainer-desk demo-desk; rebuilt on request\n")
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
