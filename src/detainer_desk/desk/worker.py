"""The background worker: deliver notifications, tick the hold clock, sign checkpoints.

Runs inside `detainer-desk serve` (a thread) or on its own (`detainer-desk worker`); several may
run against one PostgreSQL database — leases keep them from taking the same notification.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from detainer_desk.desk.outbox import NetworkTransport, Transport, deliver_due
from detainer_desk.desk.service import Desk

log = logging.getLogger("detainer_desk.worker")


@dataclass(frozen=True)
class Schedule:
    deliver_every: float = 2.0
    clock_every: float = 60.0
    checkpoint_every: float = 900.0


DEFAULT_SCHEDULE = Schedule()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def transport_for(desk: Desk) -> NetworkTransport:
    s = desk.settings
    return NetworkTransport(s.smtp_host, s.smtp_port, s.mail_from)


def run_worker(
    desk: Desk,
    stop: threading.Event,
    transport: Transport | None = None,
    schedule: Schedule | None = None,
    once: bool = False,
) -> None:
    """Loop until `stop` is set (or one pass when `once`)."""
    transport = transport or transport_for(desk)
    schedule = schedule or DEFAULT_SCHEDULE
    name = worker_name()
    last_clock = last_checkpoint = 0.0
    while not stop.is_set():
        try:
            deliver_due(
                desk.sessions,
                transport,
                desk.clock,
                desk.settings.zone,
                name,
                lease_for=timedelta(seconds=desk.settings.lease_seconds),
            )
            now = time.monotonic()
            if once or now - last_clock >= schedule.clock_every:
                desk.check_clock()
                last_clock = now
            if once or now - last_checkpoint >= schedule.checkpoint_every:
                desk.checkpoint()
                last_checkpoint = now
        except Exception:  # keep the worker alive; the next pass retries
            log.exception("worker pass failed")
        if once:
            return
        stop.wait(schedule.deliver_every)
