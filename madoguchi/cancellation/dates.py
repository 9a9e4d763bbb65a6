"""D5.1: the dates a contract may be cancelled on (the 「廃止希望日」 drop-down).

Rules (decided here, tested in ``tests/test_dates.py``):

- A business day is a weekday that is not a Japanese public holiday (``jpholiday``, which
  includes substitute and national holidays) and not in the year-end holidays, 12/29–1/3.
- The first date offered is the 5th business day after today (today itself never counts):
  on 2024-01-03 (a year-end holiday) the days counted are 1/4, 1/5, 1/9, 1/10 and 1/11
  (1/6–1/7 are a weekend, 1/8 is 成人の日), so 2024/01/11(木) is the first date offered.
- The last date offered is the last day of the third month after the current month:
  from any day of December 2026, up to 2027-03-31.
- Only business days are offered in between: a holiday or weekend is never a desired date.

"Today" is the date in Asia/Tokyo (``timezone.localdate``).
"""

import calendar
from datetime import date, timedelta

import jpholiday
from django.utils import timezone

LEAD_BUSINESS_DAYS = 5
MONTHS_AHEAD = 3


def is_year_end_holiday(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not is_year_end_holiday(day)


def first_offered(today: date) -> date:
    """The 5th business day after ``today``."""
    day, counted = today, 0
    while counted < LEAD_BUSINESS_DAYS:
        day += timedelta(days=1)
        counted += is_business_day(day)
    return day


def last_offered(today: date) -> date:
    """The last day of the third month after ``today``'s month."""
    months = today.year * 12 + (today.month - 1) + MONTHS_AHEAD
    year, month = divmod(months, 12)
    month += 1
    return date(year, month, calendar.monthrange(year, month)[1])


def offered_dates(today: date | None = None) -> list[date]:
    """Every date the customer may choose, in order."""
    today = today or timezone.localdate()
    day, last = first_offered(today), last_offered(today)
    dates = []
    while day <= last:
        if is_business_day(day):
            dates.append(day)
        day += timedelta(days=1)
    return dates


def is_offered(day: date, today: date | None = None) -> bool:
    """Whether ``day`` may be chosen now (checked again when the application is submitted)."""
    today = today or timezone.localdate()
    return first_offered(today) <= day <= last_offered(today) and is_business_day(day)
