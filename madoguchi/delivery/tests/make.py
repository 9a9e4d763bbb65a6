"""Mailings with delivery and progress rows, made directly (test-only code).

The rows are written as the senders leave them, without sending anything: the progress
page's tests, the back office's every-page walk and the access matrix use them.
"""

from datetime import datetime, timedelta
from itertools import count

from django.utils import timezone

from madoguchi.delivery.models import Delivery, Mailing, Progress
from madoguchi.notices.models import Notice, Publication

_destination_ids = count(900_000_000)  # ids no destination of a test has: rows need none

Status, Event = Delivery.Status, Delivery.Event


def make_publication(subject: str = "【故障】メールサーバーの障害", **fields) -> Publication:
    """A publication marked 「メール配信する」, recorded without mailing anything."""
    notice = Notice.objects.create(
        kind=Notice.Kind.OUTAGE,
        status=Notice.Status.OCCURRING,
        title=subject,
        body="本文",
        starts_at=timezone.now(),
    )
    return Publication.objects.create(
        notice=notice,
        event=Publication.Event.PUBLISHED,
        kind=notice.kind,
        status=notice.status,
        send_mail=fields.pop("send_mail", True),
        subject=subject,
        text="本文",
        **fields,
    )


def make_mailing(
    publication: Publication | None = None,
    *,
    state: str = Mailing.State.SENDING,
    started_at: datetime | None = None,
    **fields,
) -> Mailing:
    """A publication's mailing in ``state`` (one is made for it unless given)."""
    publication = publication or make_publication()
    if started_at is None and state != Mailing.State.SELECTING:
        started_at = timezone.now() - timedelta(minutes=1)
    mailing, _ = Mailing.objects.update_or_create(
        publication=publication,
        defaults={"state": state, "started_at": started_at, **fields},
    )
    return mailing


def add_rows(
    mailing: Mailing,
    number: int = 1,
    *,
    status: int = Status.PENDING,
    event: int = Event.NONE,
    reply: str = "",
    destinations=None,
    finished_at: datetime | None = None,
    record: bool = True,
) -> list[Delivery]:
    """``number`` delivery rows (one per destination given, else made-up destination ids).

    Rows sent, failed or skipped are recorded as one finished batch (``Progress``), as a
    sender records them, unless ``record`` is false (a test that writes its own batches).
    """
    ids = [d.pk for d in destinations] if destinations is not None else None
    if ids is None:
        ids = [next(_destination_ids) for _ in range(number)]
    done = status != Status.PENDING
    rows = Delivery.objects.bulk_create(
        Delivery(
            publication_id=mailing.pk,
            destination_id=pk,
            status=status,
            event=event,
            reply=reply,
            attempts=1 if done else 0,
            finished_at=(finished_at or timezone.now()) if done else None,
        )
        for pk in ids
    )
    mailing.selected = Delivery.objects.filter(publication_id=mailing.pk).count()
    mailing.save(update_fields=["selected"])
    if done and record:
        add_progress(
            mailing,
            finished_at or timezone.now(),
            sent=len(rows) if status == Status.SENT else 0,
            failed=len(rows) if status == Status.FAILED else 0,
            skipped=len(rows) if status == Status.SKIPPED else 0,
        )
    return rows


def add_progress(mailing: Mailing, at: datetime, sent: int, failed: int = 0, skipped: int = 0):
    """A batch a worker finished at ``at``."""
    return Progress.objects.create(
        mailing=mailing, at=at, sent=sent, failed=failed, skipped=skipped
    )
