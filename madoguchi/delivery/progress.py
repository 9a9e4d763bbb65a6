"""What the back office shows of a mailing while it runs (B2): counts, rate, failures.

``progress(mailing)`` reads one publication's fan-out in three or four queries, whatever its
size: one aggregate over its delivery rows (a conditional ``COUNT`` per figure, so one pass
over the rows), its ``Progress`` rows (one per batch a worker finished, about one per 1,000
mails) bucketed in Python into at most ``MAX_POINTS`` points of mails per second, and, when
some rows failed, the latest failures with their destinations' addresses.

The figures:

- 配信対象: the publication's delivery rows (the selection made them, one per destination);
- 送信済み / 送信失敗 / 送信対象外 / 送信待ち: the rows by status;
- バウンス: rows a soft or hard bounce came back for;
- 配信停止: rows reported as spam (a complaint, which suspends the destination) and rows
  skipped because their destination was suspended or stopped for the kind before its turn
  came (``services.SKIP_STOPPED``);
- 配信解除: rows whose recipient used the mail's one-click unsubscribe.

A row may count twice among the last three and バウンス (sent, then bounced): they say what
came back, not where a row ended; the four statuses add up to 配信対象.
"""

import math
from datetime import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.delivery import services
from madoguchi.delivery.models import NOTABLE, Delivery, Mailing
from madoguchi.lib.dates import format_datetime

MAX_POINTS = 120  # the chart's points at most: longer runs get longer buckets
MAX_FAILURES = 50
# The states in which the figures still move: the page polls while in one of them.
ACTIVE_STATES = frozenset({Mailing.State.SELECTING, Mailing.State.SENDING, Mailing.State.PAUSED})
LABELS = {
    "selected": "配信対象",
    "sent": "送信済み",
    "failed": "送信失敗",
    "skipped": "送信対象外",
    "pending": "送信待ち",
    "bounced": "バウンス",
    "stopped": "配信停止",
    "unsubscribed": "配信解除",
}
GONE = "（削除された配信先）"


def counts(mailing: Mailing) -> dict[str, int]:
    """The figures of ``LABELS``, by key, without a pass over all the publication's rows.

    Sent, failed and skipped are the sums of the batches recorded (``Progress``: a row is
    marked once, by the batch that marks it); what came back afterwards is read from the few
    rows with an event or skipped, through the partial index ``delivery_notable``. A poll
    costs the same for 100 rows and for 1,000,000.
    """
    status, event = Delivery.Status, Delivery.Event
    recorded = mailing.progress.aggregate(
        sent=Sum("sent", default=0),
        failed=Sum("failed", default=0),
        skipped=Sum("skipped", default=0),
    )
    notable = (
        Delivery.objects.filter(publication_id=mailing.pk)
        .filter(NOTABLE)
        .aggregate(
            bounced=Count("pk", filter=Q(event__in=[event.SOFT_BOUNCE, event.HARD_BOUNCE])),
            stopped=Count(
                "pk",
                filter=Q(event=event.COMPLAINT)
                | Q(status=status.SKIPPED, reply=services.SKIP_STOPPED),
            ),
            unsubscribed=Count("pk", filter=Q(event=event.UNSUBSCRIBED)),
        )
    )
    found = {**recorded, **notable, "selected": mailing.selected}
    found["pending"] = max(0, mailing.selected - found["sent"] - found["failed"] - found["skipped"])
    return {key: found[key] or 0 for key in LABELS}


def series(mailing: Mailing) -> dict:
    """Mails sent per second over the run, from its ``Progress`` rows.

    Each row is a batch a worker finished, counted in the second it finished. The run is
    cut into buckets of whole seconds, as few seconds as keeps it within ``MAX_POINTS``
    buckets; each point is ``[seconds from the start, mails per second in the bucket]``.
    Empty buckets are points too (a pause shows as a gap at zero).
    """
    rows = list(mailing.progress.order_by("at", "pk").values_list("at", "sent"))
    if not rows:
        return {"bucket": 1, "points": []}
    start = _start(mailing, rows[0][0])
    offsets = [(max(0, int((at - start).total_seconds())), sent) for at, sent in rows]
    length = offsets[-1][0] + 1  # whole seconds, the last row's included
    bucket = max(1, math.ceil(length / MAX_POINTS))
    totals = [0] * math.ceil(length / bucket)
    for offset, sent in offsets:
        totals[offset // bucket] += sent
    return {
        "bucket": bucket,
        "points": [[index * bucket, total / bucket] for index, total in enumerate(totals)],
    }


def _start(mailing: Mailing, first: datetime) -> datetime:
    """The chart's zero: when sending started (the first batch's second if unknown)."""
    if mailing.started_at is None:
        return first
    zero = mailing.started_at.replace(microsecond=0)  # seconds of the clock
    return zero if zero <= first else first


def failures(mailing: Mailing, failed: int) -> list[dict]:
    """The latest failed rows (up to ``MAX_FAILURES``) with the SMTP reply of each."""
    if not failed:
        return []
    rows = list(
        Delivery.objects.filter(publication_id=mailing.pk, status=Delivery.Status.FAILED)
        .order_by("-finished_at", "-pk")
        .values("pk", "destination_id", "reply", "attempts", "finished_at")[:MAX_FAILURES]
    )
    addresses = dict(
        Destination.objects.filter(pk__in={row["destination_id"] for row in rows})
        .order_by()
        .values_list("pk", "address")
    )
    return [
        {
            "id": row["pk"],
            "address": addresses.get(row["destination_id"], GONE),
            "reply": row["reply"],
            "attempts": row["attempts"],
            "at": format_datetime(row["finished_at"]) if row["finished_at"] else "-",
        }
        for row in rows
    ]


def progress(mailing: Mailing) -> dict:
    """Everything the progress page shows of one mailing, as JSON-ready values."""
    figures = counts(mailing)
    done = figures["sent"] + figures["failed"] + figures["skipped"]
    total = figures["selected"]
    return {
        "state": mailing.state,
        "state_label": mailing.get_state_display(),
        "active": mailing.state in ACTIVE_STATES,
        "counts": [
            {"key": key, "label": label, "value": figures[key]} for key, label in LABELS.items()
        ],
        "done": done,
        "total": total,
        "percent": _percent(mailing, done, total),
        "started_at": format_datetime(mailing.started_at) if mailing.started_at else "-",
        "finished_at": format_datetime(mailing.finished_at) if mailing.finished_at else "-",
        "selection_seconds": mailing.selection_seconds,
        "rate": _average_rate(mailing, figures["sent"]),
        "series": series(mailing),
        "failures": failures(mailing, figures["failed"]),
    }


def _percent(mailing: Mailing, done: int, total: int) -> float:
    """Rows done in tenths of a percent, rounded down (100 only once every row is done);
    a finished mailing is 100, even one that selected nobody."""
    if mailing.state == Mailing.State.FINISHED:
        return 100.0
    return math.floor(done * 1000 / total) / 10 if total else 0.0


def _average_rate(mailing: Mailing, sent: int) -> float | None:
    """Mails per second from the start to the end (or to now, while sending)."""
    if mailing.started_at is None or not sent:
        return None
    end = mailing.finished_at or timezone.now()
    seconds = (end - mailing.started_at).total_seconds()
    return round(sent / seconds, 1) if seconds > 0 else None
