"""Run as a child process by test_crash.py: intake records one by one, acknowledging each."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from detainer_desk.access.check import Actor, Role
from detainer_desk.desk import DeskSettings, open_desk


def main(home: str, records: str) -> None:
    desk = open_desk(DeskSettings(home=Path(home)))
    actor = Actor("crash-test", Role.clerk)
    print("ready", flush=True)
    for line, text in enumerate(Path(records).read_text().splitlines(), start=1):
        record = json.loads(text)
        if "request" in record:
            desk.receive_request(actor, record)
        else:
            desk.record_event(actor, record)
        print(f"ack {line}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
