"""Operations: --version, --json everywhere data is printed, typed settings, the access log,
`serve`'s URLs, and API docs that need no network."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from detainer_desk import __version__
from detainer_desk.desk import DeskSettings, SettableClock, initialise, open_desk
from detainer_desk.errors import InputError
from detainer_desk.web.app import create_app


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_version() -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"detainer-desk {__version__}"


def test_json_on_the_desk_commands(tmp_path: Path) -> None:
    home = str(tmp_path / "d")
    made = json.loads(cli("init", "--home", home, "--json").stdout)
    assert made["key_created"] is True and made["db"].startswith("sqlite:///")
    token = json.loads(
        cli("token", "create", "kim", "--role", "clerk", "--home", home, "--json").stdout
    )
    assert token["role"] == "clerk" and len(token["token"]) > 30
    events = tmp_path / "e.jsonl"
    events.write_text(
        json.dumps(
            {
                "booking_id": "B1",
                "kind": "booked",
                "at": "2017-09-25T10:00:00",
                "jurisdiction": "denver",
            }
        )
        + "\nnot json\n"
    )
    intake = cli("intake", str(events), "--home", home, "--json")
    assert intake.returncode == 2
    assert json.loads(intake.stdout) == {
        "accepted": 1,
        "refused": [{"line": 2, "reason": intake_reason(intake.stdout)}],
    }
    checked = json.loads(cli("policy", "check", "--json").stdout)
    assert checked["problems"] == []
    shown = json.loads(cli("policy", "show", "texas", "--on", "2017-09-28", "--json").stdout)
    assert shown["version"] == "2017-09-25" and any(r["mandatory"] for r in shown["rules"])
    verified = json.loads(cli("ledger", "checkpoint", "--home", home, "--json").stdout)
    assert verified["checkpoint"].startswith("detainer-desk.example-county.gov/ledger")


def intake_reason(stdout: str) -> str:
    reason = json.loads(stdout)["refused"][0]["reason"]
    assert "not JSON" in reason
    return str(reason)


def test_settings_read_the_environment_and_refuse_bad_values(tmp_path: Path) -> None:
    env = {
        "DETAINER_DESK_HOME": str(tmp_path),
        "DETAINER_DESK_TIMEZONE": "America/Chicago",
        "DETAINER_DESK_SMTP": "mail.example:2525",
        "DETAINER_DESK_AGENCY_NAME": "Travis County Sheriff",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        settings = DeskSettings.from_env()
        assert (settings.home, settings.timezone) == (tmp_path, "America/Chicago")
        assert (settings.smtp_host, settings.smtp_port) == ("mail.example", 2525)
        assert settings.agency_name == "Travis County Sheriff"
        assert DeskSettings.from_env(timezone="America/Denver").timezone == "America/Denver"
        mp.setenv("DETAINER_DESK_TIMEZONE", "Mars/Olympus")
        with pytest.raises(InputError) as bad:
            DeskSettings.from_env()
    assert bad.value.field == "timezone" and "DETAINER_DESK_TIMEZONE" in bad.value.message


def test_access_log_has_method_path_status_duration_and_no_query(tmp_path: Path) -> None:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'a.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock())
    with TestClient(create_app(desk, worker=False)) as client:
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/requests?booking=SMITH-JOHN-1980").status_code == 401
        client.post("/ui/login", data={"token": "secret-token-value"})
    desk.close()
    lines = (tmp_path / "access.log").read_text().splitlines()
    method, path, status, took = lines[1].split()[1:]
    assert (method, path, status) == ("GET", "/api/requests", "401")
    assert took.endswith("ms") and float(took[:-2]) >= 0
    assert lines[0].split()[1:4] == ["GET", "/api/health", "200"]
    text = "\n".join(lines)
    assert "SMITH" not in text and "secret-token-value" not in text and "?" not in text


def test_docs_are_served_from_local_assets(tmp_path: Path) -> None:
    settings = DeskSettings(home=tmp_path, db=f"sqlite:///{tmp_path / 'a.db'}")
    initialise(settings)
    desk = open_desk(settings, SettableClock())
    with TestClient(create_app(desk, worker=False)) as client:
        page = client.get("/docs").text
        assert "cdn" not in page.lower() and "/static-offline-docs/swagger-ui-bundle.js" in page
        bundle = client.get("/static-offline-docs/swagger-ui-bundle.js")
        assert bundle.status_code == 200 and len(bundle.content) > 100_000
        assert "cdn" not in client.get("/redoc").text.lower()
    desk.close()


def test_serve_prints_where_everything_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from detainer_desk.commands.desk import print_urls

    print_urls(DeskSettings(home=tmp_path, timezone="America/Chicago"), "127.0.0.1", 8123, False)
    out = capsys.readouterr().out
    for url in ("http://127.0.0.1:8123/ui/", "http://127.0.0.1:8123/docs", "/public/"):
        assert url in out
    assert str(tmp_path / "access.log") in out and "America/Chicago" in out
    assert "--no-worker" in out
