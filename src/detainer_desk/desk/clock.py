"""Time is injected: the desk never calls `datetime.now()` itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class SettableClock:
    """A clock tests (and replays of history) move by hand."""

    current: datetime = field(default_factory=lambda: datetime(2017, 9, 27, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class RunningClock:
    """A clock that starts at a given moment and runs at the real rate from there.

    A desk built from historical data (the demo desk) runs on it, starting at the end of its data
    period, so its decisions stay under the law of their time while notifications, retries and
    the hold clock still move forward.
    """

    start: datetime
    elapsed: Callable[[], float] = field(default_factory=lambda: _since(time.monotonic()))

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed())


def _since(origin: float) -> Callable[[], float]:
    return lambda: time.monotonic() - origin
