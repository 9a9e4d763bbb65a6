"""工事・故障情報 as feeds (S1): an Atom feed and a subscribable iCalendar feed.

Both exist for all products and per product (``/support/notices/feed/<code>.atom``); an
unknown product code is a 404. Feed readers and calendar apps fetch without a session, so a
feed shows what an anonymous visitor sees and nothing more: never a members-only notice,
even when the browser fetching it is logged in. Nothing in a response depends on the user,
so responses are publicly cacheable for a short while.

- **Atom** (Django's syndication framework): the latest 50 published notices, the most
  recently changed first. An entry's id is a ``tag:`` URI that never changes; its title
  names kind and status (「【工事・予定】…」); its summary is plain text: status, products,
  area, times in JST, the body and the status history.
- **iCalendar** (RFC 5545, ``icalendar``): one VEVENT per notice of planned work (予定 and
  作業中, and 完了/中止 for 30 days so a cancellation reaches subscribed calendars) and of
  outages (発生中, and 復旧 for 7 days). The UID never changes; SEQUENCE is
  ``Notice.sequence``, which the back office raises whenever the window or the status of a
  published notice changes, so a calendar replaces the moved event instead of adding one.
  Times are in Asia/Tokyo with the VTIMEZONE that defines it.
"""

from datetime import UTC, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event, Timezone, vDuration

from madoguchi.lib.dates import format_datetime
from madoguchi.lib.markdown import plain_text
from madoguchi.notices.models import Notice, NoticeUpdate, Product
from madoguchi.notices.queries import visible_notices

FEED_TITLE = "工事・故障情報"
# Entries in the Atom feed: the latest changes are what a feed reader needs.
ATOM_LIMIT = 50
# Events in the calendar: a safety bound; the rules below keep far fewer.
CALENDAR_LIMIT = 500
# How long finished notices stay in the calendar (so that a change to CANCELLED, or the
# actual end of a work or an outage, reaches calendars that refresh every hour or day).
CLOSED_WORK_DAYS = 30
RECOVERED_OUTAGE_DAYS = 7
# The time zone of every time in the feeds (X6).
JST = ZoneInfo("Asia/Tokyo")
# Responses are the same for everyone: shared caches may keep them this long (seconds).
MAX_AGE = 300
# How often calendar apps should fetch the calendar again.
REFRESH = timedelta(hours=1)
# A fixed date for the ``tag:`` URIs (RFC 4151): when madoguchi began naming notices so.
TAG_DATE = "2024"


def _public_notices() -> QuerySet[Notice]:
    """Published notices that anyone may see: feeds are fetched without a session, so
    they are always the anonymous case of the one visibility rule."""
    return visible_notices(AnonymousUser())


def notice_url(notice: Notice) -> str:
    """The path of a notice's public page."""
    return reverse("notices:detail", args=[notice.pk])


def _product(product_code: str | None) -> Product | None:
    """The product a per-product feed is for (404 for an unknown code); None for all."""
    if product_code is None:
        return None
    return get_object_or_404(Product, code=product_code)


def _for_product(notices: QuerySet[Notice], product: Product | None) -> QuerySet[Notice]:
    return notices if product is None else notices.filter(products=product)


def feed_title(product: Product | None) -> str:
    return FEED_TITLE if product is None else f"{FEED_TITLE}（{product.name}）"


def _tag(specific: str) -> str:
    return f"tag:{settings.NOTICE_FEED_DOMAIN},{TAG_DATE}:{specific}"


def _with_history(notices: QuerySet[Notice]) -> QuerySet[Notice]:
    """Products and status updates in two more queries, whatever the number of notices."""
    return notices.prefetch_related("products", "updates")


def entry_title(notice: Notice) -> str:
    """「【工事・予定】光回線設備の工事」: the kind and status first, as in mails and lists."""
    return f"【{notice.get_kind_display()}・{notice.get_status_display()}】{notice.title}"


def _period_lines(notice: Notice) -> list[str]:
    start = format_datetime(notice.starts_at)
    end = format_datetime(notice.ends_at) if notice.ends_at else None
    if notice.kind == Notice.Kind.OUTAGE:
        lines = [f"発生日時: {start}"]
        if end:
            lines.append(f"復旧日時: {end}")
        return lines
    return [f"作業日時: {start} 〜 {end or '終了時刻未定'}"]


def notice_text(notice: Notice) -> str:
    """The notice as plain text (Atom summary, calendar description); times in JST.

    Reads ``products`` and ``updates`` from the prefetch cache.
    """
    lines = [f"状況: {notice.get_status_display()}"]
    products = "、".join(product.name for product in notice.products.all())
    if products:
        lines.append(f"対象商品: {products}")
    if notice.area:
        lines.append(f"対象地域: {notice.area}")
    lines += _period_lines(notice)
    body = plain_text(notice.body)
    if body:
        lines += ["", body]
    updates = list(notice.updates.all())
    if updates:
        lines += ["", "経過:"]
        lines += [
            f"{format_datetime(update.at)} {update.get_status_display()} {update.text}"
            for update in updates
        ]
    return "\n".join(lines)


# --- Atom ---------------------------------------------------------------------------------


def _last_update_at():
    updates = NoticeUpdate.objects.filter(notice=OuterRef("pk")).order_by("-at", "-pk")
    return Subquery(updates.values("at")[:1])


def atom_notices(product: Product | None) -> QuerySet[Notice]:
    """The latest ``ATOM_LIMIT`` public notices, the most recently changed first.

    ``changed_at`` is the latest of the publication, the newest status update and the last
    edit: an entry moves up (and its ``updated`` changes) when anything readers see changes.
    """
    notices = _for_product(_public_notices(), product).annotate(
        changed_at=Greatest(
            "published_at", "updated_at", Coalesce(_last_update_at(), "published_at")
        )
    )
    return _with_history(notices.order_by("-changed_at", "-pk")[:ATOM_LIMIT])


class NoticeAtom1Feed(Atom1Feed):
    """Atom with a plain-text summary (``type="text"``): Django's is always ``html``.

    Plain text cannot smuggle markup into a reader: a body that mentions ``<script>`` is
    shown as those characters.
    """

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("summary", item["summary_text"], {"type": "text"})


class NoticeAtomFeed(Feed):
    feed_type = NoticeAtom1Feed
    author_name = "お客さまサポート"

    def get_object(self, request, product_code=None):
        return _product(product_code)

    def title(self, product):
        return feed_title(product)

    def subtitle(self, product):
        if product is None:
            return "工事のお知らせと故障の発生・復旧のお知らせです。"
        return f"{product.name}の工事のお知らせと故障の発生・復旧のお知らせです。"

    def link(self):
        return reverse("notices:list")

    def feed_url(self, product):
        if product is None:
            return reverse("notices:atom")
        return reverse("notices:atom_product", args=[product.code])

    def feed_guid(self, product):
        return _tag("notices" if product is None else f"notices/{product.code}")

    def items(self, product):
        return atom_notices(product)

    def item_title(self, notice):
        return entry_title(notice)

    def item_description(self, notice):
        return None  # the plain-text summary comes from item_extra_kwargs

    def item_extra_kwargs(self, notice):
        return {"summary_text": notice_text(notice)}

    def item_link(self, notice):
        return notice_url(notice)

    def item_guid(self, notice):
        return _tag(f"notice/{notice.pk}")

    def item_guid_is_permalink(self, notice):
        return False

    def item_pubdate(self, notice):
        return notice.published_at

    def item_updateddate(self, notice):
        return notice.changed_at

    def item_categories(self, notice):
        return [notice.get_kind_display(), *(product.name for product in notice.products.all())]


_atom_feed = NoticeAtomFeed()


@login_not_required
@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def atom(request, product_code=None):
    return _atom_feed(request, product_code=product_code)


# --- iCalendar ----------------------------------------------------------------------------


def calendar_notices(product: Product | None, now) -> QuerySet[Notice]:
    """Planned work and outages a calendar should hold now, the earliest first.

    Open notices (予定, 作業中, 発生中) always; finished ones while their window or their
    last change lies within the last ``CLOSED_WORK_DAYS`` (完了, 中止) or
    ``RECOVERED_OUTAGE_DAYS`` (復旧) days.
    """
    notices = _for_product(_public_notices(), product).annotate(
        last_seen=Greatest(Coalesce("ends_at", "starts_at"), "updated_at")
    )
    status = Notice.Status
    notices = notices.filter(
        Q(status__in=Notice.OPEN_STATUSES)
        | Q(
            status__in=[status.COMPLETED, status.CANCELLED],
            last_seen__gte=now - timedelta(days=CLOSED_WORK_DAYS),
        )
        | Q(status=status.RECOVERED, last_seen__gte=now - timedelta(days=RECOVERED_OUTAGE_DAYS))
    )
    return _with_history(notices.order_by("starts_at", "pk")[:CALENDAR_LIMIT])


def event_end(notice: Notice, now):
    """DTEND: the notice's end; for a notice without one, a stand-in.

    An open notice without an end (an outage not yet recovered, a work whose end is not
    known) lasts until the next full hour at least an hour from now (and at least an hour
    after its start): calendars refresh hourly, so it keeps reaching into the near future
    until it ends, and within an hour every fetch gives the same end. A finished notice
    without an end ends at its last 復旧/完了 update (when it actually ended), else an
    hour after its start (a cancelled work keeps its planned start). A DURATION was not
    chosen: it would fix the length from the start, cutting an ongoing outage short.
    """
    if notice.ends_at is not None:
        return notice.ends_at
    an_hour_after_start = notice.starts_at + timedelta(hours=1)
    if notice.status in Notice.OPEN_STATUSES:
        next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
        return max(next_hour, an_hour_after_start)
    finished = [
        update.at
        for update in notice.updates.all()
        if update.status in (Notice.Status.RECOVERED, Notice.Status.COMPLETED)
        and update.at >= notice.starts_at
    ]
    return max(finished) if finished else an_hour_after_start


@cache
def _vtimezone() -> Timezone:
    """The VTIMEZONE of Asia/Tokyo, built once (it takes tens of milliseconds)."""
    return Timezone.from_tzinfo(JST)


def build_calendar(notices, product: Product | None, request, now) -> Calendar:
    name = feed_title(product)
    calendar = Calendar()
    calendar.add("prodid", "-//madoguchi//工事・故障情報//JA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # the name most calendar apps read
    calendar.add("x-wr-timezone", JST.key)
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())
    calendar.add_component(_vtimezone())
    for notice in notices:
        url = request.build_absolute_uri(notice_url(notice))
        event = Event()
        event.add("uid", f"notice-{notice.pk}@{settings.NOTICE_FEED_DOMAIN}")
        event.add("sequence", notice.sequence)
        event.add("dtstamp", now.astimezone(UTC))
        event.add("last-modified", notice.updated_at.astimezone(UTC))
        event.add("dtstart", notice.starts_at.astimezone(JST))
        event.add("dtend", event_end(notice, now).astimezone(JST))
        event.add("summary", entry_title(notice))
        event.add("description", f"{notice_text(notice)}\n\n詳細: {url}")
        if notice.area:
            event.add("location", notice.area)
        event.add("url", url, parameters={"VALUE": "URI"})
        event.add(
            "status", "CANCELLED" if notice.status == Notice.Status.CANCELLED else "CONFIRMED"
        )
        event.add(
            "categories",
            [notice.get_kind_display(), *(product.name for product in notice.products.all())],
        )
        event.add("class", "PUBLIC")
        event.add("transp", "TRANSPARENT")  # a notice does not make anyone busy
        calendar.add_component(event)
    return calendar


@login_not_required
@require_safe
@cache_control(public=True, max_age=MAX_AGE)
def ical(request, product_code=None):
    product = _product(product_code)
    now = timezone.now()
    calendar = build_calendar(calendar_notices(product, now), product, request, now)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    filename = "notices.ics" if product is None else f"notices-{product.code}.ics"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
