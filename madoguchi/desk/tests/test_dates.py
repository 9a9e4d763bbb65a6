"""D2.2, D3.3: dates as the desk shows them (madoguchi/lib/dates.py)."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template

from madoguchi.lib.dates import format_date, format_datetime


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 1, 8), "2024/01/08(月)"),
        (date(2024, 1, 9), "2024/01/09(火)"),
        (date(2024, 1, 10), "2024/01/10(水)"),
        (date(2024, 1, 11), "2024/01/11(木)"),
        (date(2024, 1, 12), "2024/01/12(金)"),
        (date(2024, 1, 13), "2024/01/13(土)"),
        (date(2024, 1, 14), "2024/01/14(日)"),
    ],
)
def test_d2_2_dates_carry_the_japanese_weekday(value, expected):
    assert format_date(value) == expected


def test_d2_2_aware_datetimes_are_shown_in_tokyo_time():
    # 2024-01-10 15:05 UTC is 2024-01-11 00:05 in Tokyo: the date and weekday change too.
    value = datetime(2024, 1, 10, 15, 5, tzinfo=UTC)
    assert format_date(value) == "2024/01/11(木)"
    assert format_datetime(value) == "2024/01/11(木) 00:05"


def test_d2_2_template_filters_are_builtins():
    value = datetime(2024, 1, 11, 0, 5, tzinfo=UTC)
    rendered = Template("{{ v|jdate }} / {{ v|jdatetime }}").render(Context({"v": value}))
    assert rendered == "2024/01/11(木) / 2024/01/11(木) 09:05"
