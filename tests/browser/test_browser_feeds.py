"""S1 feeds subscribed from a browser: the Atom and iCalendar feeds fetched from the live server
through the browser's own request context (its cookies, a logged-in session included) and
parsed as a feed reader and a calendar app would (``feedparser``, ``icalendar``)."""

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page

from madoguchi.notices.models import Notice, NoticeUpdate, Product

pytestmark = pytest.mark.browser


def get(page: Page, url: str, content_type: str) -> bytes:
    response = page.request.get(url)
    assert response.status == 200, (url, response.status)
    assert response.headers["content-type"] == content_type
    # Shared caches may keep a feed; but nothing a logged-in session gets is stored (issue 6).
    logged_in = any(cookie["name"] == "sessionid" for cookie in page.context.cookies())
    assert ("no-store" if logged_in else "public") in response.headers["cache-control"]
    return response.body()


def atom(page: Page, url: str):
    feed = feedparser.parse(get(page, url, "application/atom+xml; charset=utf-8"))
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def calendar(page: Page, url: str) -> Calendar:
    return Calendar.from_ical(get(page, url, "text/calendar; charset=utf-8"))


def notice(*products, **fields) -> Notice:
    values = {
        "kind": Notice.Kind.MAINTENANCE,
        "status": Notice.Status.SCHEDULED,
        "area": "大阪府大阪市の一部",
        "published_at": timezone.now() - timedelta(hours=1),
        **fields,
    }
    created = Notice.objects.create(**values)
    created.products.set(products)
    return created


def test_s1_feed_browser_subscribe_parse_and_follow_a_moved_window(
    page: Page, live_server, log_in, customer, password
):
    fiber = Product.objects.create(code="fiber", name="光アクセス", order=1)
    mail = Product.objects.create(code="mail", name="メール", order=2)
    work = notice(
        fiber,
        mail,
        title="光回線設備とメールサーバの工事",
        starts_at=datetime(2024, 1, 10, 17, 0, tzinfo=UTC),
        ends_at=datetime(2024, 1, 10, 21, 0, tzinfo=UTC),
    )
    outage = notice(
        mail,
        kind=Notice.Kind.OUTAGE,
        status=Notice.Status.OCCURRING,
        title="メールを受信できない障害",
        starts_at=timezone.now() - timedelta(hours=2),
    )
    NoticeUpdate.objects.create(
        notice=outage, at=outage.starts_at, status=outage.status, text="調査しています。"
    )
    notice(fiber, title="ログインした方向けの工事", members_only=True, starts_at=timezone.now())

    # A feed reader subscribes to the Atom feeds.
    feed = atom(page, "/support/notices/feed.atom")
    assert feed.feed.title == "工事・故障情報"
    titles = [entry.title for entry in feed.entries]
    assert sorted(titles) == [
        "【工事・予定】光回線設備とメールサーバの工事",
        "【故障・発生中】メールを受信できない障害",
    ]
    by_title = {entry.title: entry for entry in feed.entries}
    entry = by_title["【工事・予定】光回線設備とメールサーバの工事"]
    assert entry.link == f"{live_server.url}/support/notices/{work.pk}/"
    assert "作業日時: 2024/01/11(木) 02:00 〜 2024/01/11(木) 06:00" in entry.summary
    assert "調査しています。" in by_title["【故障・発生中】メールを受信できない障害"].summary
    fiber_feed = atom(page, "/support/notices/feed/fiber.atom")
    assert fiber_feed.feed.title == "工事・故障情報（光アクセス）"
    assert [entry.id for entry in fiber_feed.entries] == [entry.id]

    # A calendar app subscribes to the iCalendar feed of the product 光アクセス.
    subscribed = calendar(page, "/support/notices/calendar/fiber.ics")
    assert subscribed["X-WR-CALNAME"] == "工事・故障情報（光アクセス）"
    assert [tz["TZID"] for tz in subscribed.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    [event] = subscribed.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert (start.tzinfo.key, start.date().isoformat(), start.hour) == (
        "Asia/Tokyo",
        "2024-01-11",
        2,
    )
    uid, sequence = str(event["UID"]), int(event["SEQUENCE"])

    # The back office moves the window by three hours (and raises the sequence).
    Notice.objects.filter(pk=work.pk).update(
        starts_at=datetime(2024, 1, 10, 20, 0, tzinfo=UTC),
        ends_at=datetime(2024, 1, 11, 0, 0, tzinfo=UTC),
        sequence=work.sequence + 1,
        updated_at=timezone.now(),
    )
    [moved] = calendar(page, "/support/notices/calendar/fiber.ics").walk("VEVENT")
    assert str(moved["UID"]) == uid
    assert int(moved["SEQUENCE"]) == sequence + 1
    start, end = moved.decoded("DTSTART"), moved.decoded("DTEND")
    assert (start.tzinfo.key, start.day, start.hour) == ("Asia/Tokyo", 11, 5)
    assert (end.day, end.hour) == (11, 9)
    assert "2024/01/11(木) 05:00 〜 2024/01/11(木) 09:00" in str(moved["DESCRIPTION"])
    # The all-products calendar has the same event, and the outage.
    events = {
        str(e["UID"]): e for e in calendar(page, "/support/notices/calendar.ics").walk("VEVENT")
    }
    assert events[uid]["SEQUENCE"] == sequence + 1
    assert len(events) == 2

    # Logged in, the browser still gets what a feed reader gets: no members-only notice.
    log_in(page, customer.username, password)
    assert (
        "ログインした方向け"
        not in get(
            page, "/support/notices/feed/fiber.atom", "application/atom+xml; charset=utf-8"
        ).decode()
    )
    assert len(calendar(page, "/support/notices/calendar/fiber.ics").walk("VEVENT")) == 1

    # An unknown product is not found.
    assert page.request.get("/support/notices/calendar/no-such.ics").status == 404
    assert page.request.get("/support/notices/feed/no-such.atom").status == 404
