"""D5.1: the dates offered as 「廃止希望日」 (madoguchi/cancellation/dates.py)."""

from datetime import date

import pytest

from madoguchi.cancellation.dates import (
    first_offered,
    is_business_day,
    is_offered,
    last_offered,
    offered_dates,
)
from madoguchi.lib.dates import format_date


@pytest.mark.parametrize(
    ("today", "first"),
    [
        # The seed's 2024/01/11(木): from a year-end holiday, 1/4, 1/5, 1/9, 1/10, 1/11
        # (1/6–1/7 weekend, 1/8 成人の日).
        (date(2024, 1, 3), date(2024, 1, 11)),
        # Year end: 12/28 is a Saturday, 12/29–1/3 are not business days, 1/6 is Monday.
        (date(2024, 12, 24), date(2025, 1, 7)),
        # Year end on weekdays: 2025-12-29 (Mon) to 2026-01-02 (Fri) do not count.
        (date(2025, 12, 25), date(2026, 1, 8)),
        # Golden Week 2025: 4/29, 5/3–5/6 are holidays (5/6 a substitute holiday).
        (date(2025, 4, 25), date(2025, 5, 7)),
        # A plain week: Monday → the next Monday.
        (date(2024, 6, 3), date(2024, 6, 10)),
        # Today never counts, even a business day; a weekend today starts on Monday.
        (date(2024, 6, 1), date(2024, 6, 7)),
    ],
)
def test_d5_1_the_first_date_is_the_fifth_business_day_after_today(today, first):
    assert first_offered(today) == first
    assert offered_dates(today)[0] == first


@pytest.mark.parametrize(
    ("today", "last"),
    [
        (date(2026, 12, 2), date(2027, 3, 31)),  # across the year
        (date(2026, 12, 31), date(2027, 3, 31)),
        (date(2024, 11, 30), date(2025, 2, 28)),  # February, not a leap year
        (date(2023, 11, 1), date(2024, 2, 29)),  # leap year
        (date(2024, 1, 31), date(2024, 4, 30)),  # a 31st to a month of 30 days
        (date(2024, 10, 15), date(2025, 1, 31)),
    ],
)
def test_d5_1_the_last_date_is_the_end_of_the_third_month_after_this_one(today, last):
    assert last_offered(today) == last


def test_d5_1_only_business_days_are_offered():
    offered = offered_dates(date(2024, 12, 2))
    assert offered[-1] == date(2025, 3, 31)  # a Monday
    assert all(day.weekday() < 5 for day in offered)
    for holiday in [
        date(2024, 12, 30),  # year end (a Monday)
        date(2024, 12, 31),
        date(2025, 1, 2),
        date(2025, 1, 3),
        date(2025, 1, 13),  # 成人の日
        date(2025, 2, 11),  # 建国記念の日
        date(2025, 2, 24),  # 天皇誕生日 (substitute holiday)
        date(2025, 3, 20),  # 春分の日
    ]:
        assert holiday not in offered
        assert not is_offered(holiday, date(2024, 12, 2))
    assert date(2025, 1, 6) in offered
    assert date(2024, 12, 27) in offered  # the last business day of the year


def test_d5_1_business_days():
    assert is_business_day(date(2024, 1, 11))
    assert not is_business_day(date(2024, 1, 13))  # Saturday
    assert not is_business_day(date(2024, 1, 8))  # 成人の日
    assert not is_business_day(date(2025, 12, 29))  # year end, a Monday
    assert not is_business_day(date(2026, 1, 2))  # year end, a Friday


def test_d5_1_dates_outside_the_range_are_not_offered():
    today = date(2024, 1, 3)
    assert not is_offered(date(2024, 1, 10), today)  # the 4th business day
    assert not is_offered(date(2024, 1, 3), today)  # today
    assert not is_offered(date(2023, 12, 1), today)  # the past
    assert not is_offered(date(2024, 5, 1), today)  # after the end of April
    assert is_offered(date(2024, 4, 30), today)
    assert is_offered(date(2024, 1, 11), today)


def test_d5_1_dates_are_shown_with_the_weekday():
    assert format_date(first_offered(date(2024, 1, 3))) == "2024/01/11(木)"
