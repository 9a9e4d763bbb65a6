"""S1 feeds: the Atom feed and the iCalendar feed of 工事・故障情報, read as a reader would
(``feedparser``, ``icalendar``): what they hold, for whom, in which time zone, and how a moved
window or a cancellation reaches a calendar."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import feedparser
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from madoguchi.notices.models import Notice, NoticeUpdate, Product

pytestmark = pytest.mark.django_db

ATOM = reverse("notices:atom")
ICAL = reverse("notices:ical")


def atom_url(product: Product) -> str:
    return reverse("notices:atom_product", args=[product.code])


def ical_url(product: Product) -> str:
    return reverse("notices:ical_product", args=[product.code])


@pytest.fixture
def fiber():
    return Product.objects.create(code="fiber", name="光アクセス", order=1)


@pytest.fixture
def mail():
    return Product.objects.create(code="mail", name="メール", order=2)


def make_notice(*products, **fields) -> Notice:
    now = timezone.now()
    values = {
        "kind": Notice.Kind.MAINTENANCE,
        "status": Notice.Status.SCHEDULED,
        "title": "光回線設備の工事",
        "body": "工事の間、**インターネットに接続できません**。",
        "area": "東京都の一部",
        "starts_at": now + timedelta(days=7),
        "ends_at": now + timedelta(days=7, hours=4),
        "published_at": now - timedelta(hours=1),
    }
    values.update(fields)
    notice = Notice.objects.create(**values)
    notice.products.set(products)
    return notice


def fetch_atom(client, url=ATOM):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def fetch_ical(client, url=ICAL) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events_by_summary(calendar: Calendar) -> dict:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


# --- Atom ---------------------------------------------------------------------------------


def test_s1_feed_atom_entries_titles_links_ids_and_summary(client, fiber):
    notice = make_notice(
        fiber,
        starts_at=datetime(2024, 1, 10, 17, 0, tzinfo=UTC),
        ends_at=datetime(2024, 1, 10, 21, 0, tzinfo=UTC),
    )
    NoticeUpdate.objects.create(
        notice=notice, at=timezone.now(), status=notice.status, text="作業の予定を掲載しました。"
    )

    feed = fetch_atom(client)

    assert feed.feed.title == "工事・故障情報"
    assert feed.feed.link == "http://testserver/support/notices/"
    assert feed.feed.author == "お客さまサポート"
    [entry] = feed.entries
    assert entry.title == "【工事・予定】光回線設備の工事"
    assert entry.link == f"http://testserver/support/notices/{notice.pk}/"
    assert entry.id == f"tag:support.example.ne.jp,2024:notice/{notice.pk}"
    assert [tag.term for tag in entry.tags] == ["工事", "光アクセス"]
    # Plain text: status, products, area, the window in JST, the body without markup, the
    # status history.
    assert entry.summary_detail.type == "text/plain"
    assert "状況: 予定" in entry.summary
    assert "対象商品: 光アクセス" in entry.summary
    assert "対象地域: 東京都の一部" in entry.summary
    assert "作業日時: 2024/01/11(木) 02:00 〜 2024/01/11(木) 06:00" in entry.summary
    assert "工事の間、インターネットに接続できません。" in entry.summary
    assert "**" not in entry.summary
    assert "予定 作業の予定を掲載しました。" in entry.summary


def test_s1_feed_atom_outage_summary_names_occurrence_and_recovery(client, fiber):
    make_notice(
        fiber,
        kind=Notice.Kind.OUTAGE,
        status=Notice.Status.RECOVERED,
        title="一部地域で接続できない障害",
        starts_at=datetime(2024, 1, 10, 17, 5, tzinfo=UTC),
        ends_at=datetime(2024, 1, 10, 19, 30, tzinfo=UTC),
    )
    [entry] = fetch_atom(client).entries
    assert entry.title == "【故障・復旧】一部地域で接続できない障害"
    assert "発生日時: 2024/01/11(木) 02:05" in entry.summary
    assert "復旧日時: 2024/01/11(木) 04:30" in entry.summary


def test_s1_feed_atom_markup_in_notices_stays_text(client, fiber):
    make_notice(
        fiber,
        title="<script>alert(1)</script>工事",
        body='<script>alert(2)</script><img src=x onerror="alert(3)"> 本文 &lt;b&gt;',
    )
    response = client.get(ATOM)
    raw = response.content.decode()
    assert "<script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;工事" in raw  # the title, as text
    assert "alert(2)" not in raw and "onerror" not in raw  # removed by the sanitizer
    [entry] = feedparser.parse(response.content).entries
    assert entry.title == "【工事・予定】<script>alert(1)</script>工事"
    assert entry.summary_detail.type == "text/plain"


def test_s1_feed_atom_newest_change_first_and_ids_stable(client, fiber, time_machine):
    time_machine.move_to(datetime(2024, 1, 5, 3, 0, tzinfo=UTC), tick=False)
    older = make_notice(fiber, title="古いお知らせ", published_at=timezone.now())
    time_machine.move_to(datetime(2024, 1, 6, 3, 0, tzinfo=UTC), tick=False)
    newer = make_notice(fiber, title="新しいお知らせ", published_at=timezone.now())

    feed = fetch_atom(client)
    assert [entry.title for entry in feed.entries] == [
        "【工事・予定】新しいお知らせ",
        "【工事・予定】古いお知らせ",
    ]
    first_ids = {entry.title: entry.id for entry in feed.entries}
    assert feed.entries[1].updated == "2024-01-05T03:00:00+00:00"
    assert feed.feed.updated == "2024-01-06T03:00:00+00:00"

    # A status update of the older notice: it moves to the top, with a new "updated".
    time_machine.move_to(datetime(2024, 1, 7, 3, 0, tzinfo=UTC), tick=False)
    NoticeUpdate.objects.create(
        notice=older, at=timezone.now(), status=Notice.Status.IN_PROGRESS, text="作業中です。"
    )
    Notice.objects.filter(pk=older.pk).update(status=Notice.Status.IN_PROGRESS)

    feed = fetch_atom(client)
    assert [entry.title for entry in feed.entries] == [
        "【工事・作業中】古いお知らせ",
        "【工事・予定】新しいお知らせ",
    ]
    assert feed.entries[0].updated == "2024-01-07T03:00:00+00:00"
    assert feed.entries[0].published == "2024-01-05T03:00:00+00:00"
    assert feed.feed.updated == "2024-01-07T03:00:00+00:00"
    # The ids did not change with the title.
    assert feed.entries[0].id == first_ids["【工事・予定】古いお知らせ"]
    assert feed.entries[1].id == first_ids["【工事・予定】新しいお知らせ"]
    assert older.pk != newer.pk


def test_s1_feed_atom_holds_only_what_anonymous_visitors_see(client, customer, fiber):
    make_notice(fiber, title="公開中のお知らせ")
    make_notice(fiber, title="ログインした方向け", members_only=True)
    make_notice(fiber, title="下書き", published_at=None)
    make_notice(fiber, title="掲載予約", published_at=timezone.now() + timedelta(hours=1))

    expected = ["【工事・予定】公開中のお知らせ"]
    assert [entry.title for entry in fetch_atom(client).entries] == expected
    assert [entry.title for entry in fetch_atom(client, atom_url(fiber)).entries] == expected
    # A logged-in browser gets the same feed: feed readers have no session.
    client.force_login(customer)
    for url in (ATOM, atom_url(fiber)):
        response = client.get(url)
        text = response.content.decode()
        assert "公開中のお知らせ" in text
        for hidden in ("ログインした方向け", "下書き", "掲載予約"):
            assert hidden not in text


def test_s1_feed_atom_per_product(client, fiber, mail):
    make_notice(fiber, title="光回線の工事")
    make_notice(mail, title="メールサーバの工事")
    make_notice(fiber, mail, title="光回線とメールの工事")

    feed = fetch_atom(client, atom_url(fiber))
    assert feed.feed.title == "工事・故障情報（光アクセス）"
    assert feed.feed.id == "tag:support.example.ne.jp,2024:notices/fiber"
    assert sorted(entry.title for entry in feed.entries) == [
        "【工事・予定】光回線とメールの工事",
        "【工事・予定】光回線の工事",
    ]
    feed = fetch_atom(client, atom_url(mail))
    assert feed.feed.title == "工事・故障情報（メール）"
    assert sorted(entry.title for entry in feed.entries) == [
        "【工事・予定】メールサーバの工事",
        "【工事・予定】光回線とメールの工事",
    ]
    # The notice of both products is one entry with the same id in both feeds.
    both = {
        entry.id
        for url in (atom_url(fiber), atom_url(mail))
        for entry in fetch_atom(client, url).entries
        if entry.title == "【工事・予定】光回線とメールの工事"
    }
    assert len(both) == 1
    assert len(fetch_atom(client).entries) == 3


def test_s1_feed_atom_latest_50_in_bounded_queries(
    client, fiber, mail, django_assert_max_num_queries, time_machine
):
    now = timezone.now()
    for number in range(60):
        time_machine.move_to(now - timedelta(minutes=number), tick=False)
        notice = make_notice(fiber, mail, title=f"工事{number:02d}", published_at=timezone.now())
        for step in range(2):
            NoticeUpdate.objects.create(
                notice=notice, at=notice.published_at, status=notice.status, text=f"経過{step}"
            )
    time_machine.move_to(now, tick=False)
    # The notices, their products, their updates.
    with django_assert_max_num_queries(3):
        feed = fetch_atom(client)
    assert len(feed.entries) == 50
    assert feed.entries[0].title == "【工事・予定】工事00"
    assert feed.entries[-1].title == "【工事・予定】工事49"
    # … and the product.
    with django_assert_max_num_queries(4):
        assert len(fetch_atom(client, atom_url(fiber)).entries) == 50


def test_s1_feed_atom_empty_feed_is_valid(client, fiber):
    feed = fetch_atom(client, atom_url(fiber))
    assert feed.entries == []
    assert feed.feed.title == "工事・故障情報（光アクセス）"


# --- iCalendar ----------------------------------------------------------------------------


def test_s1_feed_ical_times_in_jst_with_vtimezone(client, fiber):
    notice = make_notice(
        fiber,
        starts_at=datetime(2024, 1, 10, 17, 0, tzinfo=UTC),
        ends_at=datetime(2024, 1, 10, 21, 0, tzinfo=UTC),
    )
    response = client.get(ICAL)
    raw = response.content.decode()
    assert "DTSTART;TZID=Asia/Tokyo:20240111T020000" in raw
    assert "DTEND;TZID=Asia/Tokyo:20240111T060000" in raw

    calendar = Calendar.from_ical(response.content)
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "Asia/Tokyo"
    [standard] = vtimezone.walk("STANDARD")
    assert standard.decoded("TZOFFSETTO") == timedelta(hours=9)
    assert standard.decoded("TZOFFSETFROM") == timedelta(hours=9)
    assert calendar.get_missing_tzids() == set()
    [event] = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start.tzinfo.key == "Asia/Tokyo"
    assert (start.year, start.month, start.day, start.hour, start.minute) == (2024, 1, 11, 2, 0)
    assert event.decoded("DTEND") == datetime(2024, 1, 10, 21, 0, tzinfo=UTC)
    assert event["UID"] == f"notice-{notice.pk}@support.example.ne.jp"
    assert event["SUMMARY"] == "【工事・予定】光回線設備の工事"
    assert event["LOCATION"] == "東京都の一部"
    assert event["URL"] == f"http://testserver/support/notices/{notice.pk}/"
    assert event["STATUS"] == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    description = str(event["DESCRIPTION"])
    assert "作業日時: 2024/01/11(木) 02:00 〜 2024/01/11(木) 06:00" in description
    assert "工事の間、インターネットに接続できません。" in description
    assert f"詳細: http://testserver/support/notices/{notice.pk}/" in description
    assert event.decoded("LAST-MODIFIED") == notice.updated_at.replace(microsecond=0)


def test_s1_feed_ical_calendar_properties(client, fiber):
    calendar = fetch_ical(client)
    assert calendar["X-WR-CALNAME"] == "工事・故障情報"
    assert calendar["NAME"] == "工事・故障情報"
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-PUBLISHED-TTL"] == "PT1H"
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"  # RFC 7986
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    product_calendar = fetch_ical(client, ical_url(fiber))
    assert product_calendar["X-WR-CALNAME"] == "工事・故障情報（光アクセス）"
    assert product_calendar["NAME"] == "工事・故障情報（光アクセス）"


def test_s1_feed_ical_uid_stable_and_moved_window_raises_sequence(client, fiber, time_machine):
    time_machine.move_to(datetime(2024, 1, 3, 0, 0, tzinfo=UTC), tick=False)
    notice = make_notice(
        fiber,
        starts_at=datetime(2024, 1, 10, 17, 0, tzinfo=UTC),
        ends_at=datetime(2024, 1, 10, 21, 0, tzinfo=UTC),
    )
    [first] = fetch_ical(client).walk("VEVENT")
    assert first.decoded("DTSTAMP") == datetime(2024, 1, 3, 0, 0, tzinfo=UTC)

    # The back office moves the window a day later (and raises the sequence).
    time_machine.move_to(datetime(2024, 1, 4, 0, 0, tzinfo=UTC), tick=False)
    Notice.objects.filter(pk=notice.pk).update(
        starts_at=datetime(2024, 1, 11, 17, 0, tzinfo=UTC),
        ends_at=datetime(2024, 1, 11, 21, 0, tzinfo=UTC),
        sequence=notice.sequence + 1,
        updated_at=timezone.now(),
    )
    [moved] = fetch_ical(client).walk("VEVENT")

    assert moved["UID"] == first["UID"] == f"notice-{notice.pk}@support.example.ne.jp"
    assert (first["SEQUENCE"], moved["SEQUENCE"]) == (0, 1)
    assert moved.decoded("DTSTAMP") == datetime(2024, 1, 4, 0, 0, tzinfo=UTC)
    assert moved.decoded("LAST-MODIFIED") == datetime(2024, 1, 4, 0, 0, tzinfo=UTC)
    start = moved.decoded("DTSTART")
    assert (start.tzinfo.key, start.day, start.hour) == ("Asia/Tokyo", 12, 2)
    assert "DTSTART;TZID=Asia/Tokyo:20240112T020000" in client.get(ICAL).content.decode()


def test_s1_feed_ical_cancelled_work_and_what_stays_how_long(client, fiber, time_machine):
    now = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)
    time_machine.move_to(now - timedelta(days=40), tick=False)
    long_cancelled = make_notice(
        fiber,
        title="40日前に中止した工事",
        status=Notice.Status.CANCELLED,
        starts_at=now - timedelta(days=39),
        ends_at=now - timedelta(days=39) + timedelta(hours=2),
    )
    long_completed = make_notice(
        fiber,
        title="40日前に完了した工事",
        status=Notice.Status.COMPLETED,
        starts_at=now - timedelta(days=41),
        ends_at=now - timedelta(days=40),
    )
    time_machine.move_to(now - timedelta(days=8), tick=False)
    old_recovery = make_notice(
        fiber,
        kind=Notice.Kind.OUTAGE,
        status=Notice.Status.RECOVERED,
        title="8日前に復旧した故障",
        starts_at=now - timedelta(days=8, hours=2),
        ends_at=now - timedelta(days=8),
    )
    time_machine.move_to(now - timedelta(days=3), tick=False)
    make_notice(
        fiber,
        kind=Notice.Kind.OUTAGE,
        status=Notice.Status.RECOVERED,
        title="3日前に復旧した故障",
        starts_at=now - timedelta(days=3, hours=2),
        ends_at=now - timedelta(days=3),
    )
    make_notice(
        fiber,
        title="20日前に完了した工事",
        status=Notice.Status.COMPLETED,
        starts_at=now - timedelta(days=20, hours=4),
        ends_at=now - timedelta(days=20),
    )
    time_machine.move_to(now, tick=False)
    make_notice(fiber, title="中止した工事", status=Notice.Status.CANCELLED)
    make_notice(fiber, title="予定の工事")
    make_notice(
        fiber,
        title="作業中の工事",
        status=Notice.Status.IN_PROGRESS,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    assert {long_cancelled.pk, long_completed.pk, old_recovery.pk}

    events = events_by_summary(fetch_ical(client))

    assert sorted(events) == sorted(
        [
            "【故障・復旧】3日前に復旧した故障",
            "【工事・完了】20日前に完了した工事",
            "【工事・中止】中止した工事",
            "【工事・予定】予定の工事",
            "【工事・作業中】作業中の工事",
        ]
    )
    assert events["【工事・中止】中止した工事"]["STATUS"] == "CANCELLED"
    for summary in ("【工事・予定】予定の工事", "【工事・完了】20日前に完了した工事"):
        assert events[summary]["STATUS"] == "CONFIRMED"


def test_s1_feed_ical_cancellation_reaches_the_same_event(client, fiber):
    notice = make_notice(fiber)
    [planned] = fetch_ical(client).walk("VEVENT")
    Notice.objects.filter(pk=notice.pk).update(
        status=Notice.Status.CANCELLED, sequence=notice.sequence + 1
    )
    [cancelled] = fetch_ical(client).walk("VEVENT")
    assert cancelled["UID"] == planned["UID"]
    assert cancelled["SEQUENCE"] == planned["SEQUENCE"] + 1
    assert (planned["STATUS"], cancelled["STATUS"]) == ("CONFIRMED", "CANCELLED")


def test_s1_feed_ical_outage_without_end(client, fiber, time_machine):
    now = datetime(2024, 1, 10, 17, 20, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    make_notice(
        fiber,
        kind=Notice.Kind.OUTAGE,
        status=Notice.Status.OCCURRING,
        title="接続できない障害",
        starts_at=now - timedelta(hours=3),
        ends_at=None,
    )
    [event] = fetch_ical(client).walk("VEVENT")
    # Until the next full hour at least an hour away: 2024-01-11 04:00 JST.
    assert event.decoded("DTEND") == datetime(2024, 1, 10, 19, 0, tzinfo=UTC)
    assert event.decoded("DTEND").tzinfo.key == "Asia/Tokyo"
    # Later fetches reach further, until the outage has an end.
    time_machine.move_to(now + timedelta(hours=5), tick=False)
    [event] = fetch_ical(client).walk("VEVENT")
    assert event.decoded("DTEND") == datetime(2024, 1, 11, 0, 0, tzinfo=UTC)


def test_s1_feed_ical_recovered_without_end_ends_at_its_recovery(client, fiber):
    start = timezone.now() - timedelta(hours=5)
    notice = make_notice(
        fiber,
        kind=Notice.Kind.OUTAGE,
        status=Notice.Status.RECOVERED,
        starts_at=start,
        ends_at=None,
    )
    NoticeUpdate.objects.create(notice=notice, at=start, status="occurring", text="発生")
    NoticeUpdate.objects.create(
        notice=notice, at=start + timedelta(hours=2), status="recovered", text="復旧"
    )
    [event] = fetch_ical(client).walk("VEVENT")
    assert event.decoded("DTEND") == (start + timedelta(hours=2)).replace(microsecond=0)


def test_s1_feed_ical_holds_only_what_anonymous_visitors_see(client, customer, fiber):
    make_notice(fiber, title="公開中の工事")
    make_notice(fiber, title="ログインした方向けの工事", members_only=True)
    make_notice(fiber, title="下書きの工事", published_at=None)
    make_notice(fiber, title="掲載予約の工事", published_at=timezone.now() + timedelta(hours=1))
    expected = ["【工事・予定】公開中の工事"]
    assert list(events_by_summary(fetch_ical(client))) == expected
    client.force_login(customer)
    for url in (ICAL, ical_url(fiber)):
        assert list(events_by_summary(fetch_ical(client, url))) == expected


def test_s1_feed_ical_per_product(client, fiber, mail):
    make_notice(fiber, title="光回線の工事")
    make_notice(mail, title="メールサーバの工事")
    make_notice(fiber, mail, title="光回線とメールの工事")
    fiber_events = events_by_summary(fetch_ical(client, ical_url(fiber)))
    mail_events = events_by_summary(fetch_ical(client, ical_url(mail)))
    assert sorted(fiber_events) == [
        "【工事・予定】光回線とメールの工事",
        "【工事・予定】光回線の工事",
    ]
    assert sorted(mail_events) == [
        "【工事・予定】メールサーバの工事",
        "【工事・予定】光回線とメールの工事",
    ]
    both = "【工事・予定】光回線とメールの工事"
    assert fiber_events[both]["UID"] == mail_events[both]["UID"]
    assert len(fetch_ical(client).walk("VEVENT")) == 3


def test_s1_feed_ical_bounded_queries(client, fiber, mail, django_assert_max_num_queries):
    for number in range(50):
        notice = make_notice(fiber, mail, title=f"工事{number:02d}")
        NoticeUpdate.objects.create(
            notice=notice, at=timezone.now(), status=notice.status, text="予定"
        )
    with django_assert_max_num_queries(3):  # notices, products, updates
        assert len(fetch_ical(client).walk("VEVENT")) == 50
    with django_assert_max_num_queries(4):  # … and the product
        assert len(fetch_ical(client, ical_url(mail)).walk("VEVENT")) == 50


# --- For every feed -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["notices:atom_product", "notices:ical_product"])
def test_s1_feed_unknown_product_is_404(client, fiber, name):
    make_notice(fiber)
    response = client.get(reverse(name, args=["no-such-product"]))
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


ODD_CODES = [
    "a" * 10_000,  # overlong
    "光アクセス",  # unicode
    "fiber' OR '1'='1",  # SQL
    "fiber; DROP TABLE notices_notice; --",
    "<script>alert(1)</script>",
    "fiber\x00",  # a NUL byte
    "%ff%fe",  # not UTF-8 once decoded
    "../feed",
    "FIBER",  # codes are exact
]


@pytest.mark.parametrize("suffix", [".atom", ".ics"])
@pytest.mark.parametrize("code", ODD_CODES)
def test_s1_feed_x5_odd_product_codes_are_404(client, fiber, code, suffix):
    folder = "feed" if suffix == ".atom" else "calendar"
    raw = code if code.startswith("%") else quote(code, safe="")
    response = client.get(f"/support/notices/{folder}/{raw}{suffix}")
    assert response.status_code == 404
    assert Notice.objects.count() == 0 and Product.objects.count() == 1


@pytest.mark.parametrize("url", [ATOM, ICAL, "/support/notices/feed/fiber.atom"])
def test_s1_feed_public_cache_headers_and_get_only(client, customer, fiber, url):
    make_notice(fiber)
    response = client.get(url)
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"public", "max-age=300"}
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405
    # The same feed for a logged-in browser (nothing in a feed is per user), but like every
    # answer to a logged-in session it is not stored (issue 6).
    client.force_login(customer)
    logged_in = client.get(url)
    assert {"no-store", "private"} <= {p.strip() for p in logged_in["Cache-Control"].split(",")}
    if url != ICAL:  # DTSTAMP is the time of the fetch
        assert logged_in.content == response.content


def test_s1_feed_ical_is_served_inline_with_a_file_name(client, fiber):
    assert client.get(ICAL)["Content-Disposition"] == 'inline; filename="notices.ics"'
    response = client.get(ical_url(fiber))
    assert response["Content-Disposition"] == 'inline; filename="notices-fiber.ics"'


def test_s1_feed_links_partial(fiber):
    request = RequestFactory().get("/support/notices/")
    html = render_to_string("notices/_feeds.html", {"product": None}, request=request)
    assert 'href="/support/notices/feed.atom"' in html
    assert 'href="/support/notices/calendar.ics"' in html
    assert "Atom フィード" in html and "カレンダーに登録（iCalendar）" in html
    assert "fiber" not in html

    html = render_to_string("notices/_feeds.html", {"product": fiber}, request=request)
    assert 'href="/support/notices/feed/fiber.atom"' in html
    assert 'href="/support/notices/calendar/fiber.ics"' in html
    assert 'aria-label="Atom フィード（光アクセス）"' in html
    assert 'aria-label="カレンダーに登録（iCalendar）（光アクセス）"' in html
