"""Time is injected: the desk never calls `datetime.now()` itself."""

from __future__ import annotations

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
