"""The background worker: deliver notifications, tick the hold clock, sign checkpoints.

Runs inside `detainer-desk serve` (a thread) or on its own (`detainer-desk worker`); several may
run against one PostgreSQL database — owned leases keep them from sending the same notification.

A notification whose delivery fails ALARM_AFTER_FAILURES times raises an alarm on the desk (the
outbox does that). A pass of the worker itself that fails (the database is down, say) is retried,
and after FAILED_PASSES_ALARM failures in a row the worker logs a CRITICAL alarm, again every
FAILED_PASSES_ALARM failures until a pass succeeds; `WorkerHealth` says where it stands.
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
from detainer_desk.ledger.cosignatures import configured

log = logging.getLogger("detainer_desk.worker")


FAILED_PASSES_ALARM = 3


@dataclass
class WorkerHealth:
    """How the worker is doing: failed passes in a row, the last error, alarms logged."""

    failed_in_a_row: int = 0
    last_error: str | None = None
    alarms: int = 0

    def failed(self, error: BaseException) -> bool:
        """Count one failed pass; True when it is time to raise the alarm."""
        self.failed_in_a_row += 1
        self.last_error = f"{type(error).__name__}: {error}"
        return self.failed_in_a_row % FAILED_PASSES_ALARM == 0

    def succeeded(self) -> None:
        self.failed_in_a_row, self.last_error = 0, None


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
    return NetworkTransport(s.smtp_host, s.smtp_port, s.mail_from, s.send_timeout_seconds)


def run_worker(
    desk: Desk,
    stop: threading.Event,
    transport: Transport | None = None,
    schedule: Schedule | None = None,
    once: bool = False,
    health: WorkerHealth | None = None,
) -> WorkerHealth:
    """Loop until `stop` is set (or one pass when `once`); returns how it went."""
    health = health or WorkerHealth()
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
                if desk.settings.witnesses:  # what the witnesses cosigned so far, checked
                    desk.fetch_cosignatures(configured(desk.settings.witnesses))
                last_checkpoint = now
            health.succeeded()
        except Exception as exc:  # keep the worker alive; the next pass retries
            log.exception("worker pass failed")
            if health.failed(exc):
                health.alarms += 1
                log.critical(
                    "ALARM: the worker has failed %d passes in a row (last: %s); "
                    "notifications and the hold clock are NOT being handled",
                    health.failed_in_a_row,
                    health.last_error,
                )
        if once:
            return health
        stop.wait(schedule.deliver_every)
    return health
