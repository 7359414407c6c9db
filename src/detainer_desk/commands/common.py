"""Shared by every command: one console, and our errors as one line plus an exit code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from detainer_desk.errors import DetainerDeskError


def _console() -> Console:
    return Console(width=120 if not sys.stdout.isatty() else None)


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Turn our errors into one line on stderr and the documented exit code; never a traceback."""
    try:
        yield
    except DetainerDeskError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from None
