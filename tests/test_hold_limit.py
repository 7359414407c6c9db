from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detainer_desk.law.hold_limit import hold_ends_at, hold_ends_from_receipt


def test_flat_48_hours() -> None:
    assert hold_ends_at(datetime(2017, 9, 29, 10), 48, False) == datetime(2017, 10, 1, 10)


def test_weekend_excluded() -> None:
    assert hold_ends_at(datetime(2017, 9, 29, 10), 48, True) == datetime(2017, 10, 3, 10)


def test_federal_holiday_excluded() -> None:
    # Wednesday 22 Nov 2017 09:00; Thanksgiving Thursday 23 Nov, then the weekend.
    assert hold_ends_at(datetime(2017, 11, 22, 9), 48, True) == datetime(2017, 11, 27, 9)


def test_start_on_a_saturday_counts_from_monday() -> None:
    assert hold_ends_at(datetime(2017, 9, 30, 15), 48, True) == datetime(2017, 10, 4, 0)


@given(st.datetimes(min_value=datetime(2012, 1, 1), max_value=datetime(2030, 1, 1)))
def test_business_window_never_shorter_and_bounded(start: datetime) -> None:
    flat = hold_ends_at(start, 48, False)
    business = hold_ends_at(start, 48, True)
    assert flat <= business <= start + timedelta(days=9)


# Known answers, each computed by hand (the working is in the comment), not by the code under test.
# Federal holidays are those of the `holidays` package for the US, observed days included
# (5 U.S.C. § 6103(b): a holiday on a Saturday is observed the Friday before, on a Sunday the
# Monday after).
KNOWN_BUSINESS_HOURS = [
    # Fri 29 Sep 2017 23:00, one hour before the weekend: Fri 1 h; Sat, Sun skipped;
    # Mon 2 Oct 24 h (25); Tue 3 Oct 23 h (48) → Tue 23:00.
    (datetime(2017, 9, 29, 23), datetime(2017, 10, 3, 23)),
    # Fri 29 Sep 2017 00:00: Fri 24 h; Sat, Sun skipped; Mon 24 h (48) → Tue 3 Oct 00:00.
    (datetime(2017, 9, 29, 0), datetime(2017, 10, 3, 0)),
    # Fri 6 Oct 2017 17:30 before Columbus Day (Mon 9 Oct): Fri 6.5 h; Sat, Sun, Mon skipped;
    # Tue 24 h (30.5); Wed 11 Oct 17.5 h (48) → Wed 17:30.
    (datetime(2017, 10, 6, 17, 30), datetime(2017, 10, 11, 17, 30)),
    # Mon 3 Jul 2017 22:00, two hours before Independence Day (Tue 4 Jul): Mon 2 h; Tue skipped;
    # Wed 24 h (26); Thu 6 Jul 22 h (48) → Thu 22:00.
    (datetime(2017, 7, 3, 22), datetime(2017, 7, 6, 22)),
    # Fri 22 Dec 2017 20:00 before a weekend and Christmas (Mon 25 Dec): Fri 4 h; Sat, Sun, Mon
    # skipped; Tue 24 h (28); Wed 27 Dec 20 h (48) → Wed 20:00.
    (datetime(2017, 12, 22, 20), datetime(2017, 12, 27, 20)),
    # Thanksgiving itself (Thu 23 Nov 2017 10:00): Thu skipped; Fri 24 Nov 24 h (not a federal
    # holiday); Sat, Sun skipped; Mon 27 Nov 24 h (48) → Tue 28 Nov 00:00.
    (datetime(2017, 11, 23, 10), datetime(2017, 11, 28, 0)),
    # Thu 2 Jul 2020 12:00; Independence Day on a Saturday is observed Fri 3 Jul: Thu 12 h;
    # Fri, Sat, Sun skipped; Mon 6 Jul 24 h (36); Tue 7 Jul 12 h (48) → Tue 12:00.
    (datetime(2020, 7, 2, 12), datetime(2020, 7, 7, 12)),
    # Thu 30 Dec 2021 18:00; New Year's Day 2022 (a Saturday) is observed Fri 31 Dec 2021, in
    # the year before: Thu 6 h; Fri, Sat, Sun skipped; Mon 3 Jan 24 h (30); Tue 4 Jan 18 h (48).
    (datetime(2021, 12, 30, 18), datetime(2022, 1, 4, 18)),
]


@pytest.mark.parametrize(("start", "expected"), KNOWN_BUSINESS_HOURS, ids=str)
def test_known_answers_business_hours(start: datetime, expected: datetime) -> None:
    assert hold_ends_at(start, 48, True) == expected


def test_known_answers_flat_ignores_weekends_and_holidays() -> None:
    # The I-247A's flat 48 hours run through the weekend and Christmas alike.
    assert hold_ends_at(datetime(2017, 9, 29, 23), 48, False) == datetime(2017, 10, 1, 23)
    assert hold_ends_at(datetime(2017, 12, 23, 8), 48, False) == datetime(2017, 12, 25, 8)
    assert hold_ends_at(datetime(2017, 9, 29, 23), 24, False) == datetime(2017, 9, 30, 23)


def test_known_answer_flat_window_is_48_elapsed_hours_across_a_dst_change() -> None:
    # Sat 4 Nov 2017 10:00 MDT (16:00 UTC); Denver falls back on Sun 5 Nov. 48 elapsed hours end
    # at Mon 6 Nov 16:00 UTC = 09:00 MST — not 10:00 MST, which would be 49 hours.
    denver = ZoneInfo("America/Denver")
    ends = hold_ends_at(datetime(2017, 11, 4, 10, tzinfo=denver), 48, False)
    assert ends.astimezone(UTC) == datetime(2017, 11, 6, 16, tzinfo=UTC)
    assert ends.tzinfo is denver  # given in the jail's zone, answered in it
    # The desk passes fixed UTC offsets (ISO strings): the same answer.
    mdt = timezone(timedelta(hours=-6))
    assert hold_ends_at(datetime(2017, 11, 4, 10, tzinfo=mdt), 48, False) == datetime(
        2017, 11, 6, 10, tzinfo=mdt
    )


def test_known_answer_business_hours_in_a_fixed_offset_across_a_dst_change() -> None:
    # Fri 3 Nov 2017 20:00 at -06:00 (MDT), as the desk passes it. Days are counted in that
    # offset: Fri 4 h; Sat, Sun skipped; Mon 24 h (28); Tue 20 h (48) → Tue 7 Nov 20:00-06:00,
    # i.e. 19:00 MST — one hour shorter than counting Denver's own midnights would give (the
    # error is toward release, never toward a longer hold).
    mdt = timezone(timedelta(hours=-6))
    assert hold_ends_at(datetime(2017, 11, 3, 20, tzinfo=mdt), 48, True) == datetime(
        2017, 11, 7, 20, tzinfo=mdt
    )


def test_window_counted_from_receipt_ends_48_hours_after_receipt() -> None:
    # North Carolina, HB 10 (2024): 48 hours from receipt of the detainer and warrant.
    ends = hold_ends_from_receipt(datetime(2024, 12, 2, 8), datetime(2024, 12, 3, 14), 48, False)
    assert ends == datetime(2024, 12, 4, 8)


def test_window_from_receipt_closed_before_release_leaves_no_hold() -> None:
    release = datetime(2024, 12, 5, 10)
    assert hold_ends_from_receipt(datetime(2024, 12, 2, 8), release, 48, False) == release


@given(
    st.datetimes(min_value=datetime(2012, 1, 1), max_value=datetime(2030, 1, 1)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)),
)
def test_window_from_receipt_never_longer_than_from_release(
    received: datetime, wait: timedelta
) -> None:
    release = received + wait
    ends = hold_ends_from_receipt(received, release, 48, False)
    assert release <= ends <= hold_ends_at(release, 48, False)
