"""How the staff UI writes times and names: one clock per desk, labels for internal keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def local_time(value: str | datetime | None, zone: ZoneInfo) -> str:
    """An ISO time (or datetime) in the desk's zone, with the zone's abbreviation (CDT, MST…)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def span(delta: timedelta) -> str:
    """A duration a person reads: 2 d 3 h, 5 h 20 min, 12 min."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def time_left(due: str | datetime | None, now: datetime) -> str:
    """'4 h 10 min left' before a deadline, 'overdue by 2 h 0 min' after it."""
    if not due:
        return ""
    moment = datetime.fromisoformat(due) if isinstance(due, str) else due
    delta = moment - now
    return f"{span(delta)} left" if delta >= timedelta(0) else f"overdue by {span(delta)}"
