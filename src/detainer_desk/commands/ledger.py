"""Ledger commands: verify, prove, checkpoint, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from detainer_desk.commands.common import _clear_errors
from detainer_desk.commands.desk import DbOption, HomeOption, _open
from detainer_desk.errors import InputError

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ledger_app = typer.Typer(no_args_is_help=True, help="The tamper-evident ledger.")


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", field=str(path)) from None


@ledger_app.command("verify")
def verify(
    checkpoint: Annotated[
        Path | None, typer.Option(help="A signed checkpoint held outside.")
    ] = None,
    older: Annotated[
        Path | None, typer.Option(help="An older checkpoint: prove consistency.")
    ] = None,
    since: Annotated[
        Path | None,
        typer.Option(help="A checkpoint you verified before: check only what is new since."),
    ] = None,
    witness: Annotated[
        str | None,
        typer.Option(help="A witness's URL: check the desk against what the witness cosigned."),
    ] = None,
    witness_key: Annotated[
        Path | None, typer.Option(help="The witness's public key (its witness.pub).")
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-hash every entry and check it against the signed checkpoints. Exit 1 naming the fault."""
    with _clear_errors():
        desk = _open(home, db)  # the desk first: the ledger modules import it
        from detainer_desk.ledger.log import verify_database, verify_since
        from detainer_desk.ledger.standalone import VerificationError

        vkey = desk.settings.public_key_path.read_text()
        held = _read(since)
        checkpoint_text: str | None
        if witness is not None:
            checkpoint_text = _witnessed(witness, _read(witness_key))
        else:
            checkpoint_text = _read(checkpoint)
        with desk.sessions() as session:
            try:
                if held is not None:
                    result = verify_since(session, vkey, held)
                else:
                    result = verify_database(session, vkey, checkpoint_text, _read(older))
            except VerificationError as exc:
                typer.echo(f"NOT VERIFIED: {exc}", err=True)
                raise typer.Exit(1) from None
    if as_json:
        keys = ("entries", "checkpoint_size", "older_size", "rows", "rows_bound")
        payload = {"verified": True, "since": since is not None}
        typer.echo(json.dumps(payload | {k: getattr(result, k) for k in keys}))
        return
    extra = f"; consistent with checkpoint of size {result.older_size}" if result.older_size else ""
    if since is not None:
        extra = f"; checked only what is new since the checkpoint of size {result.older_size}"
    rows = (
        f"; {result.rows} business rows match the ledger"
        if result.rows_bound
        else "; business tables not checked (the ledger predates row sealing)"
    )
    if result.cosignatures:
        rows += f"; {result.cosignatures} kept witness cosignatures check"
    typer.echo(
        f"verified: {result.entries} entries; checkpoint size {result.checkpoint_size}{extra}{rows}"
    )


def _witnessed(url: str, witness_vkey: str | None) -> str:
    """The checkpoint a witness cosigned, its cosignature checked (exit 1 when it is not)."""
    from detainer_desk.ledger.standalone import VerificationError
    from detainer_desk.ledger.witness import check_cosignature, fetch_text

    if witness_vkey is None:
        raise InputError("--witness needs --witness-key (the witness's witness.pub)", "witness_key")
    try:
        note = fetch_text(url.rstrip("/") + "/cosigned")
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot fetch the witness's checkpoint from {url}: {exc}", "witness"
        ) from None
    try:
        check_cosignature(note, witness_vkey)
    except VerificationError as exc:
        typer.echo(f"NOT VERIFIED: {exc}", err=True)
        raise typer.Exit(1) from None
    return note


witnesses_app = typer.Typer(
    no_args_is_help=True, help="The witnesses' cosignatures of this desk's checkpoints."
)
ledger_app.add_typer(witnesses_app, name="witnesses")


@witnesses_app.command("fetch")
def witnesses_fetch(
    witness: Annotated[
        list[str] | None,
        typer.Option(help="A witness's base URL (it serves /cosigned); default: the setting."),
    ] = None,
    witness_key: Annotated[
        list[Path] | None,
        typer.Option(help="That witness's public key (its witness.pub), once per --witness."),
    ] = None,
    home: HomeOption = None,
    db: DbOption = None,
) -> None:
    """Fetch what each witness cosigned, check it and keep it. Exit 1 if any is refused."""
    with _clear_errors():
        desk = _open(home, db)
        from detainer_desk.ledger.cosignatures import configured

        urls, keys = witness or [], witness_key or []
        if len(urls) != len(keys):
            raise InputError("give one --witness-key for each --witness", "witness_key")
        pairs = list(zip(urls, keys, strict=True)) or list(desk.settings.witnesses)
        if not pairs:
            raise InputError(
                "no witness: give --witness URL --witness-key FILE or set "
                "DETAINER_DESK_WITNESSES=URL|KEYFILE",
                "witness",
            )
        results = desk.fetch_cosignatures(configured(pairs))
    bad = False
    for result in results:
        if result["status"] in ("kept", "already kept"):
            typer.echo(
                f"{result['status']}: {result['name']} cosigned size {result['tree_size']} "
                f"({result['witness']})"
            )
        else:
            bad = True
            status = result["status"].upper()
            typer.echo(f"{status}: {result['witness']}: {result['reason']}", err=True)
    if bad:
        raise typer.Exit(1)


@witnesses_app.command("list")
def witnesses_list(home: HomeOption = None, db: DbOption = None) -> None:
    """The kept cosignatures, newest checkpoint first (JSON), each checked again."""
    with _clear_errors():
        rows = _open(home, db).cosignatures()
    typer.echo(json.dumps([{k: v for k, v in r.items() if k != "note"} for r in rows], indent=2))


@ledger_app.command("prove")
def prove(
    entry: int,
    home: HomeOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (always).")] = True,
) -> None:
    """Print the inclusion proof (JSON) of one entry in the current tree."""
    from detainer_desk.commands.desk import ADMIN

    with _clear_errors():
        typer.echo(json.dumps(_open(home, db).prove(ADMIN, entry), indent=2))


@ledger_app.command("checkpoint")
def checkpoint(
    out: Annotated[Path | None, typer.Option(help="Also write the signed note here.")] = None,
    home: HomeOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign the current root now and print the checkpoint."""
    with _clear_errors():
        note = _open(home, db).checkpoint()
    if out is not None:
        out.write_text(note, encoding="utf-8")
    if as_json:
        typer.echo(json.dumps({"checkpoint": note}))
    else:
        typer.echo(note, nl=False)


@ledger_app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="JSON Lines file to write.")],
    home: HomeOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export every entry (canonical JSON, one per line) for the standalone verifier."""
    with _clear_errors():
        desk = _open(home, db)
        from detainer_desk.ledger.log import write_export

        with desk.sessions() as session:
            n = write_export(session, out)
    if as_json:
        typer.echo(json.dumps({"entries": n, "file": str(out)}))
    else:
        typer.echo(f"wrote {n} entries to {out}")


def register_witness(app: typer.Typer) -> None:
    @app.command("witness")
    def witness(
        desk: Annotated[str, typer.Option(help="The desk's base URL, e.g. http://desk:8000.")],
        desk_key: Annotated[
            Path, typer.Option(help="The desk's public key (its ledger-signing.pub).")
        ],
        home: Annotated[
            Path, typer.Option(help="The witness's own folder: its key and what it cosigned.")
        ] = Path(".detainer-desk-witness"),
        name: Annotated[str, typer.Option(help="The witness's name (key name).")] = (
            "witness.detainer-desk.example"
        ),
        once: Annotated[bool, typer.Option(help="Observe once and exit.")] = False,
        interval: Annotated[float, typer.Option(help="Seconds between observations.")] = 60.0,
        port: Annotated[int | None, typer.Option(help="Serve GET /cosigned on this port.")] = None,
    ) -> None:
        """Run a witness: fetch the desk's checkpoint, check it only grew, cosign it (C2SP).

        Exit 1 (when --once) on a rollback or a fork, which are reported and never cosigned.
        """
        import threading
        from datetime import UTC, datetime

        from detainer_desk.ledger.witness import (
            WitnessHome,
            WitnessRefusal,
            desk_fetchers,
            observe,
            serve_cosigned,
        )

        with _clear_errors():
            witness_home = WitnessHome(home, name)
            witness_home.key()
            vkey = _read(desk_key)
            assert vkey is not None
            try:
                fetch_checkpoint, fetch_proof = desk_fetchers(desk)
            except ValueError as exc:
                raise InputError(str(exc), "desk") from None
        typer.echo(f"witness {name}: key {witness_home.vkey_path.read_text().strip()}")
        if port is not None:
            server = serve_cosigned(witness_home, port)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            typer.echo(f"serving the cosigned checkpoint at http://127.0.0.1:{port}/cosigned")
        stop = threading.Event()
        while True:
            try:
                note = observe(
                    witness_home, fetch_checkpoint(), vkey, fetch_proof, datetime.now(UTC)
                )
                size = note.split("\n")[1]
                typer.echo(f"cosigned the desk's checkpoint of size {size}")
            except WitnessRefusal as exc:
                typer.echo(f"REFUSED: {exc}", err=True)
                if once:
                    raise typer.Exit(1) from None
            except OSError as exc:
                typer.echo(f"cannot reach the desk: {exc}", err=True)
                if once:
                    raise typer.Exit(2) from None
            if once:
                return
            stop.wait(interval)
