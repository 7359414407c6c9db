"""Ledger commands: verify, prove, checkpoint, export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from detainer_desk.commands.common import _clear_errors
from detainer_desk.commands.desk import DbOption, HomeOption, _open
from detainer_desk.errors import InputError
from detainer_desk.ledger.log import verify_database, write_export
from detainer_desk.ledger.standalone import VerificationError

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
    home: HomeOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-hash every entry and check it against the signed checkpoints. Exit 1 naming the fault."""
    with _clear_errors():
        desk = _open(home, db)
        vkey = desk.settings.public_key_path.read_text()
        with desk.sessions() as session:
            try:
                result = verify_database(session, vkey, _read(checkpoint), _read(older))
            except VerificationError as exc:
                typer.echo(f"NOT VERIFIED: {exc}", err=True)
                raise typer.Exit(1) from None
    if as_json:
        keys = ("entries", "checkpoint_size", "older_size")
        typer.echo(json.dumps({"verified": True} | {k: getattr(result, k) for k in keys}))
        return
    extra = f"; consistent with checkpoint of size {result.older_size}" if result.older_size else ""
    typer.echo(
        f"verified: {result.entries} entries; checkpoint size {result.checkpoint_size}{extra}"
    )


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
        with desk.sessions() as session:
            n = write_export(session, out)
    if as_json:
        typer.echo(json.dumps({"entries": n, "file": str(out)}))
    else:
        typer.echo(f"wrote {n} entries to {out}")
