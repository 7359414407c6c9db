"""When a permitted hold must end: 48 hours from release eligibility, flat or business hours.

8 C.F.R. § 287.7(d) and the 2011/2012 I-247 forms: "not to exceed 48 hours, excluding Saturdays,
Sundays, and holidays" (federal holidays). The 2017 I-247A: a flat 48 hours (fact sheet 2.1).
A law may count the window from another moment: North Carolina's G.S. 162-62(b1) as enacted by
HB 10 (2024) counts 48 hours from receipt of the detainer and warrant (fact sheet 18.5).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays


def _excluded(day: date, federal_holidays: holidays.HolidayBase) -> bool:
    return day.weekday() >= 5 or day in federal_holidays


def hold_ends_at(start: datetime, hours: int, excludes_weekends_and_holidays: bool) -> datetime:
    """End of a hold of `hours` starting at `start`.

    >>> hold_ends_at(datetime(2017, 9, 27, 10), 48, False)
    datetime.datetime(2017, 9, 29, 10, 0)
    >>> hold_ends_at(datetime(2017, 9, 29, 10), 48, True)  # Friday: the weekend does not count
    datetime.datetime(2017, 10, 3, 10, 0)
    """
    if not excludes_weekends_and_holidays:
        if start.tzinfo is None:
            return start + timedelta(hours=hours)
        # Elapsed hours, not wall-clock hours: across a DST change (ZoneInfo) they differ.
        return (start.astimezone(UTC) + timedelta(hours=hours)).astimezone(start.tzinfo)
    federal = holidays.country_holidays("US")  # each year is added on its first look-up
    remaining = timedelta(hours=hours)
    moment = start
    while remaining > timedelta(0):
        midnight = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time())
        midnight = midnight.replace(tzinfo=moment.tzinfo)
        if _excluded(moment.date(), federal):
            moment = midnight
            continue
        step = min(remaining, midnight - moment)
        moment += step
        remaining -= step
    return moment


def hold_ends_from_receipt(
    received_at: datetime,
    release_eligible_at: datetime,
    hours: int,
    excludes_weekends_and_holidays: bool,
) -> datetime:
    """End of a hold whose window is counted from receipt of the request, not from release.

    The person is never held past the window, and a window that closes before release
    eligibility leaves no hold at all (the hold ends when it would have begun).

    >>> hold_ends_from_receipt(datetime(2024, 12, 2, 8), datetime(2024, 12, 3, 14), 48, False)
    datetime.datetime(2024, 12, 4, 8, 0)
    >>> hold_ends_from_receipt(datetime(2024, 12, 2, 8), datetime(2024, 12, 5, 10), 48, False)
    datetime.datetime(2024, 12, 5, 10, 0)
    """
    return max(
        release_eligible_at, hold_ends_at(received_at, hours, excludes_weekends_and_holidays)
    )
