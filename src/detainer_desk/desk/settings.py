"""How one desk is set up: where its files live, its database, its jail, its clock, its mail server.

One typed settings object (pydantic-settings). Every field is read, in this order of precedence,
from: an explicit value (a CLI option such as `--db`), the environment variable
`DETAINER_DESK_<FIELD>` (`DETAINER_DESK_DB`, `DETAINER_DESK_TIMEZONE`, …), the desk's own file
`<home>/desk-settings.json` (written by `init`: the desk's jurisdiction, time zone and agency), and
the default. `docs/desk.md` lists them all. `DETAINER_DESK_SMTP=host:port` sets the mail relay.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from detainer_desk.errors import InputError

DEFAULT_HOME = Path(".detainer-desk")
DESK_FILE = "desk-settings.json"
# What `init` records in the desk's own file: who the desk is, not where it runs.
IDENTITY_FIELDS = ("jurisdiction", "timezone", "agency_name", "agency_office", "clock_starts_at")


class DeskSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DETAINER_DESK_", frozen=True, extra="ignore")

    home: Path = Field(DEFAULT_HOME, description="Folder: SQLite file, signing key, access log.")
    db: str | None = Field(None, description="SQLAlchemy URL; default SQLite desk.db in home.")
    jurisdiction: str | None = Field(
        None, max_length=60, description="The desk's own policy pack (statutory reports follow it)."
    )
    timezone: str = Field(
        "America/Denver",
        max_length=60,
        description="The jail's clock (IANA name): naive input times are read in it, and every "
        "time is shown in it. `init` defaults it to the jurisdiction's pack time_zone.",
    )
    agency_name: str = Field("County Sheriff", max_length=200)
    agency_office: str = Field(
        "Records Unit", max_length=200, description="The office that answers federal requests."
    )
    agency_kind: str = Field("sheriff", max_length=40)
    clock_starts_at: AwareDatetime | None = Field(
        None,
        description="A desk of historical data runs its clock from here (the demo desk: the end "
        "of its data period), so its decisions stay under the law of their time.",
    )
    has_287g_agreement: bool = False
    approaching_hours: float = Field(6.0, gt=0, le=168, description="Alarm before a deadline.")
    release_grace_hours: float = Field(2.0, ge=0, le=48, description="Out-processing time.")
    smtp: str | None = Field(None, exclude=True, description="host:port of the mail relay.")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    mail_from: str = "detainer-desk@localhost"
    log_origin: str = "detainer-desk.example-county.gov/ledger"
    lease_seconds: float = Field(60.0, gt=0, le=3600, description="A dead worker's lease.")
    access_log: Path | None = Field(
        None, description="Where `serve` writes its access log; default <home>/access.log."
    )
    send_timeout_seconds: float = Field(
        20.0, gt=0, le=600, description="One send's limit; a lease is at least 1.5 times it."
    )
    max_upload_bytes: int = Field(
        5_000_000, ge=10_000, le=50_000_000, description="Largest ICE PDF the UI accepts."
    )
    max_body_bytes: int = Field(
        1_000_000, ge=1, le=100_000_000, description="Larger request bodies get 413."
    )
    session_hours: float = Field(8.0, gt=0, le=168, description="A staff UI login lasts this long.")
    login_attempts: int = Field(
        5, ge=1, le=1000, description="Failed UI logins per client per window before 429."
    )
    login_window_minutes: float = Field(15.0, gt=0, le=1440)

    @model_validator(mode="before")
    @classmethod
    def _smtp_pair(cls, data: Any) -> Any:
        """`DETAINER_DESK_SMTP=host:port` (or smtp=...) sets host and port together."""
        if isinstance(data, dict) and data.get("smtp"):
            host, _, port = str(data.pop("smtp")).partition(":")
            data = {**data, "smtp_host": host, "smtp_port": int(port or 25)}
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA zone name; use e.g. America/Chicago"
            ) from None
        return value

    witnesses: Annotated[tuple[tuple[str, Path], ...], NoDecode] = Field(
        (),
        description="Witnesses whose cosignatures the desk fetches: comma-separated URL|KEYFILE "
        "entries (the witness's base URL and its witness.pub), e.g. http://w1:8100|/etc/w1.pub.",
    )

    @field_validator("witnesses", mode="before")
    @classmethod
    def _witness_list(cls, value: Any) -> Any:
        return parse_witnesses(value) if isinstance(value, str) else value

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{(self.home / 'desk.db').resolve()}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

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

    @property
    def access_log_path(self) -> Path:
        return self.access_log or self.home / "access.log"

    @property
    def desk_file(self) -> Path:
        return self.home / DESK_FILE

    @classmethod
    def from_env(cls, **explicit: Any) -> DeskSettings:
        """Explicit values (CLI options; None means not given) over the environment."""
        return build(cls, {k: v for k, v in explicit.items() if v is not None})

    def with_changes(self, **changes: Any) -> DeskSettings:
        """A validated copy with some fields changed."""
        return build(type(self), {**self.model_dump(exclude_unset=True), **changes})

    def with_desk_file(self) -> DeskSettings:
        """Fill what neither an explicit value nor the environment set from the desk's file."""
        if not self.desk_file.exists():
            return self
        try:
            stored = json.loads(self.desk_file.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(
                f"{self.desk_file} is unreadable ({exc}); run init again", "home"
            ) from None
        missing = {
            k: v
            for k, v in stored.items()
            if k in IDENTITY_FIELDS and k not in self.model_fields_set
        }
        return self.with_changes(**missing) if missing else self

    def write_desk_file(self) -> None:
        identity = self.model_dump(mode="json", include=set(IDENTITY_FIELDS))
        self.desk_file.write_text(json.dumps(identity, indent=2) + "\n", encoding="utf-8")


def build(cls: type[DeskSettings], values: dict[str, Any]) -> DeskSettings:
    """Validate settings; a bad value is an InputError naming the field and the fix."""
    try:
        return cls(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise InputError(
            f"setting {field!r} (option --{field.replace('_', '-')} or "
            f"DETAINER_DESK_{field.upper()}): {first['msg']}",
            field=field,
        ) from None


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
