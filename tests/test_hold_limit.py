from __future__ import annotations

from datetime import datetime, timedelta

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
