"""How one desk is set up: where its files live, its database, its jail and its mail server.

Every setting has a default, an environment variable and a CLI option of the same name
(`DETAINER_DESK_DB` ↔ `--db`, …). Nothing reads the environment except `DeskSettings.from_env`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from detainer_desk.errors import InputError

DEFAULT_HOME = Path(".detainer-desk")


@dataclass(frozen=True)
class DeskSettings:
    home: Path = DEFAULT_HOME
    db: str | None = None  # SQLAlchemy URL; default: SQLite file desk.db in `home`
    timezone: str = "America/Denver"  # the jail's clock: naive times in input are read in it
    agency_name: str = "County Sheriff"
    agency_kind: str = "sheriff"
    has_287g_agreement: bool = False
    approaching_hours: float = 6.0  # alarm this long before a hold deadline
    release_grace_hours: float = 2.0  # out-processing time before "in custody after eligible"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    mail_from: str = "detainer-desk@localhost"
    log_origin: str = "detainer-desk.example-county.gov/ledger"
    lease_seconds: float = 60.0  # a worker that dies holding a notification frees it after this
    max_body_bytes: int = 1_000_000  # larger request bodies get 413
    session_hours: float = 8.0  # a staff UI login lasts this long
    login_attempts: int = 5  # failed UI logins per client per window before 429
    login_window_minutes: float = 15.0
    send_timeout_seconds: float = 20.0  # one send's limit; a lease is at least 1.5 times it
    # witnesses whose cosignatures the desk fetches: (base URL, path of the witness's witness.pub)
    witnesses: tuple[tuple[str, Path], ...] = ()

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{(self.home / 'desk.db').resolve()}"

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(
                f"timezone {self.timezone!r} is not an IANA zone name; use e.g. America/Denver",
                field="timezone",
            ) from None

    @property
    def approaching(self) -> timedelta:
        return timedelta(hours=self.approaching_hours)

    @property
    def release_grace(self) -> timedelta:
        return timedelta(hours=self.release_grace_hours)

    @property
    def signing_key_path(self) -> Path:
        return self.home / "ledger-signing.key"

    @property
    def public_key_path(self) -> Path:
        return self.home / "ledger-signing.pub"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DeskSettings:
        env = os.environ if env is None else env
        s = cls()
        if "DETAINER_DESK_HOME" in env:
            s = replace(s, home=Path(env["DETAINER_DESK_HOME"]))
        if "DETAINER_DESK_DB" in env:
            s = replace(s, db=env["DETAINER_DESK_DB"])
        if "DETAINER_DESK_TIMEZONE" in env:
            s = replace(s, timezone=env["DETAINER_DESK_TIMEZONE"])
        if "DETAINER_DESK_LEASE_SECONDS" in env:
            s = replace(s, lease_seconds=float(env["DETAINER_DESK_LEASE_SECONDS"]))
        if "DETAINER_DESK_MAX_BODY_BYTES" in env:
            s = replace(s, max_body_bytes=int(env["DETAINER_DESK_MAX_BODY_BYTES"]))
        if "DETAINER_DESK_SEND_TIMEOUT_SECONDS" in env:
            s = replace(s, send_timeout_seconds=float(env["DETAINER_DESK_SEND_TIMEOUT_SECONDS"]))
        if "DETAINER_DESK_WITNESSES" in env:
            s = replace(s, witnesses=parse_witnesses(env["DETAINER_DESK_WITNESSES"]))
        if "DETAINER_DESK_SMTP" in env:
            host, _, port = env["DETAINER_DESK_SMTP"].partition(":")
            s = replace(s, smtp_host=host, smtp_port=int(port or 25))
        return s


MAX_WITNESSES = 20


def parse_witnesses(value: str) -> tuple[tuple[str, Path], ...]:
    """`URL|KEYFILE` entries separated by commas, e.g. `http://w1:8100|/etc/w1.pub`."""
    entries = [part.strip() for part in value.split(",") if part.strip()]
    if len(entries) > MAX_WITNESSES or any(entry.count("|") != 1 for entry in entries):
        raise InputError(
            f"DETAINER_DESK_WITNESSES takes at most {MAX_WITNESSES} comma-separated "
            "URL|KEYFILE entries, e.g. http://witness.example:8100|/etc/witness.pub",
            field="witnesses",
        )
    pairs = [entry.split("|") for entry in entries]
    return tuple((url.strip(), Path(key.strip())) for url, key in pairs)
