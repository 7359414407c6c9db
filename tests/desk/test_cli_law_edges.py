"""The desk CLI for issue 10: exceptions established, overrides with basis and counsel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .helpers import DENVER_OFFICE, TEXAS_OFFICE, detainer


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DETAINER_DESK_")}
    return subprocess.run(
        [sys.executable, "-m", "detainer_desk.cli", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def _desk_with_request(tmp_path: Path, booking_id: str, jurisdiction: str, office: str) -> Path:
    home = tmp_path / "home"
    assert cli(home, "init").returncode == 0
    extra = json.dumps({"jurisdiction": jurisdiction})
    booked = cli(home, "event", booking_id, "booked", "--at", "2017-09-25T22:10", "--extra", extra)
    assert booked.returncode == 0, booked.stderr
    request = tmp_path / "request.json"
    request.write_text(json.dumps(detainer(booking_id, jurisdiction, office)))
    assert cli(home, "intake", str(request)).returncode == 0
    return home


def test_cli_override_needs_a_basis_and_counsel(tmp_path: Path) -> None:
    home = _desk_with_request(tmp_path, "DEN-C1", "denver", DENVER_OFFICE)
    base = ["override", "1", "--action", "hold_beyond_release", "--effect", "permit"]
    reason = ["--reason", "Counsel reviewed the federal order."]
    refused = cli(home, *base, *reason)
    assert refused.returncode == 2 and "provision" in refused.stderr
    assert "Traceback" not in refused.stderr
    pending = cli(home, *base, *reason, "--provision", "fed.8cfr287_7d.hold-only-on-detainer")
    assert pending.returncode == 0, pending.stderr
    view = json.loads(pending.stdout)
    assert view["overrides"][0]["status"] == "pending"
    assert view["effects"]["hold_beyond_release"] == "deny"
    counsel = cli(home, "token", "create", "cora", "--role", "counsel").stdout.strip()
    clerk = cli(home, "token", "create", "cleo", "--role", "clerk").stdout.strip()
    assert cli(home, "confirm-override", "1", "--note", "ok", "--token", clerk).returncode != 0
    confirmed = cli(home, "confirm-override", "1", "--note", "Basis checked.", "--token", counsel)
    assert confirmed.returncode == 0, confirmed.stderr
    assert json.loads(confirmed.stdout)["effects"]["hold_beyond_release"] == "permit"


def test_cli_records_an_exception_established(tmp_path: Path) -> None:
    home = _desk_with_request(tmp_path, "TX-C1", "texas", TEXAS_OFFICE)
    args = ["exception", "1", "tx.ccp.2_251b.proof-exception", "--on", "2017-09-27"]
    bad = cli(home, *args, "--by", "clerk")
    assert bad.returncode == 2 and "determined_by" in bad.stderr
    done = cli(home, *args, "--by", "counsel")
    assert done.returncode == 0, done.stderr
    view = json.loads(done.stdout)
    assert view["effects"]["hold_beyond_release"] == "deny"
    assert view["exceptions_established"][0]["determined_by"] == "counsel"
