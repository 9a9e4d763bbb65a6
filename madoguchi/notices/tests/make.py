"""Notices for the public pages' tests: published unless told otherwise (test-only code)."""

from datetime import datetime, timedelta

from django.utils import timezone

from madoguchi.notices.models import Notice, NoticeUpdate
from madoguchi.notices.seed import ensure_products

Kind, Status = Notice.Kind, Notice.Status
DEFAULT_STATUS = {Kind.MAINTENANCE: Status.SCHEDULED, Kind.OUTAGE: Status.OCCURRING}


def make_notice(
    title: str = "光アクセス 設備工事",
    *,
    kind: str = Kind.MAINTENANCE,
    status: str | None = None,
    products: tuple[str, ...] = ("fiber",),
    area: str = "",
    body: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    published_at: datetime | bool | None = True,
    members_only: bool = False,
    updates: tuple[tuple[datetime, str, str], ...] = (),
) -> Notice:
    """A notice; ``published_at=True`` publishes it an hour ago, ``None`` keeps it a draft."""
    now = timezone.now()
    starts_at = starts_at or now + timedelta(days=1)
    if published_at is True:
        published_at = now - timedelta(hours=1)
    notice = Notice.objects.create(
        title=title,
        kind=kind,
        status=status or DEFAULT_STATUS[kind],
        area=area,
        body=body,
        starts_at=starts_at,
        ends_at=ends_at,
        published_at=published_at,
        members_only=members_only,
    )
    by_code = ensure_products()
    notice.products.set([by_code[code] for code in products])
    for at, update_status, text in updates:
        NoticeUpdate.objects.create(notice=notice, at=at, status=update_status, text=text)
    return notice
