"""S3: 工事・故障情報メール settings read in words — weekdays and hours as ranges, the kinds,
the products (none: no mail), and a destination's status (a pending one expires)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.alerts.display import (
    describe,
    destination_status,
    hours_text,
    kinds_text,
    products_text,
    weekdays_text,
    window_text,
)
from madoguchi.alerts.models import ALL_HOURS, ALL_WEEKDAYS, Destination
from madoguchi.notices.seed import ensure_products
from madoguchi.supportid.tests.admin_data import make_account, make_settings

MON, TUE, WED, THU, FRI, SAT, SUN = (1 << day for day in range(7))


def hours(*ranges: range) -> int:
    return sum(1 << hour for r in ranges for hour in r)


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        (MON | TUE | WED | THU | FRI, "月〜金"),
        (ALL_WEEKDAYS, "月〜日"),
        (SAT | SUN, "土・日"),
        (MON | WED | FRI, "月・水・金"),
        (MON | TUE | WED | SAT | SUN, "月〜水・土・日"),
        (MON | TUE | WED | THU | FRI | SUN, "月〜金・日"),
        (THU, "木"),
        (0, "なし"),
    ],
)
def test_s3_weekdays_read_as_ranges(mask, expected):
    assert weekdays_text(mask) == expected


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        (hours(range(9, 18)), "9時〜18時"),  # 9:00–17:59
        (ALL_HOURS, "0時〜24時"),
        (hours(range(9, 12), range(13, 18)), "9時〜12時、13時〜18時"),
        (hours(range(22, 24), range(6)), "22時〜翌6時"),  # across midnight: one range
        (hours(range(0, 6)), "0時〜6時"),
        (hours(range(20, 24)), "20時〜24時"),
        (hours(range(0, 2), range(12, 13), range(23, 24)), "12時〜13時、23時〜翌2時"),
        (1 << 7, "7時〜8時"),
        (0, "なし"),
    ],
)
def test_s3_hours_read_as_ranges(mask, expected):
    assert hours_text(mask) == expected


def test_s3_the_window_reads_days_then_hours_and_none_when_nothing_is_chosen():
    assert window_text(MON | TUE | WED | THU | FRI, hours(range(9, 18))) == "月〜金 9時〜18時"
    assert window_text(ALL_WEEKDAYS, ALL_HOURS) == "月〜日 0時〜24時"
    assert window_text(0, ALL_HOURS) == "なし"
    assert window_text(ALL_WEEKDAYS, 0) == "なし"


def test_s3_kinds_and_products_in_words():
    assert kinds_text(maintenance=True, outage=True) == "工事情報・故障情報"
    assert kinds_text(maintenance=False, outage=True) == "故障情報"
    assert kinds_text(maintenance=True, outage=False) == "工事情報"
    assert kinds_text(maintenance=False, outage=False) == "なし"
    assert products_text(["光アクセス", "メール"]) == "光アクセス、メール"
    assert products_text([]) == "選択されていません（メールは送信されません）"


@pytest.mark.django_db
def test_s3_describe_reads_stored_settings_products_in_list_order():
    products = ensure_products()
    account = make_account("words@example.com")
    stored = make_settings(
        account,
        products=[products["dns"], products["fiber"]],
        maintenance=True,
        outage=False,
        weekdays=SAT | SUN,
        hours=hours(range(22, 24), range(0, 7)),
    )
    words = describe(stored)
    assert words.products == "光アクセス、DNS"
    assert words.kinds == "工事情報"
    assert (words.weekdays, words.hours) == ("土・日", "22時〜翌7時")
    assert words.window == "土・日 22時〜翌7時"


def test_s3_a_pending_destination_reads_expired_after_its_minutes(settings):
    settings.DESTINATION_CONFIRM_MINUTES = 30
    now = timezone.now()
    pending = Destination(status="pending", created_at=now - timedelta(minutes=29))
    assert destination_status(pending, now) == "仮登録"
    pending.created_at = now - timedelta(minutes=30)
    assert destination_status(pending, now) == "仮登録（確認期限切れ）"
    for status, label in (("active", "有効"), ("suspended", "配信停止")):
        old = Destination(status=status, created_at=now - timedelta(days=9))
        assert destination_status(old, now) == label
