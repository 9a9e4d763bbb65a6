"""Dates as the portal shows them: Asia/Tokyo, ``2024/01/11(木)``."""

from datetime import date, datetime

from django.utils import timezone

WEEKDAYS_JA = "月火水木金土日"


def format_date(value: date | datetime) -> str:
    """``2024/01/11(木)``; an aware datetime is converted to local time first."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return f"{value:%Y/%m/%d}({WEEKDAYS_JA[value.weekday()]})"


def format_datetime(value: datetime) -> str:
    """``2024/01/11(木) 09:05``, in local time."""
    local = timezone.localtime(value)
    return f"{format_date(local)} {local:%H:%M}"
