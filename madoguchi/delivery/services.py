"""Selecting a publication's recipients into delivery rows (S4).

``select_deliveries`` turns the one-query selection of ``alerts.services.select_recipients``
(products, kind, the weekday and hour of the publication time in JST, confirmed and not
suspended destinations) into the publication's delivery rows with one ``INSERT … SELECT``
run by the database: no subscriber passes through Python. ``ON CONFLICT DO NOTHING`` on the
(publication, destination) unique constraint makes a rerun, or two at once, add nothing.
"""

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import select_recipients
from madoguchi.audit.services import record_audit
from madoguchi.delivery import tokens
from madoguchi.delivery.message import prepare
from madoguchi.delivery.models import Delivery, Mailing, Progress
from madoguchi.delivery.smtp import Relay, RelayUnavailable
from madoguchi.notices.models import Notice, Publication

logger = logging.getLogger(__name__)


def select_deliveries(publication: Publication) -> int:
    """Make the delivery rows of a publication marked 「メール配信する」; how many were new.

    A publication not marked for mail selects nobody.
    """
    if not publication.send_mail:
        return 0
    product_ids = list(publication.products.values_list("pk", flat=True))
    if not product_ids:
        return 0
    recipients = select_recipients(
        product_ids=product_ids, kind=publication.kind, at=publication.created_at
    )
    select_sql, params = recipients.order_by().values(recipient_id=F("pk")).query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(Delivery._meta.get_field(name).column)
        for name in ("publication", "destination_id", "status", "attempts", "reply", "event")
    )
    conflict = ", ".join(
        connection.ops.quote_name(Delivery._meta.get_field(name).column)
        for name in ("publication", "destination_id")
    )
    # "WHERE true": SQLite needs a WHERE before an upsert's ON CONFLICT after a SELECT.
    sql = (
        f"INSERT INTO {table} ({columns}) "
        f"SELECT %s, recipient.recipient_id, %s, 0, '', 0 FROM ({select_sql}) recipient WHERE true "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [publication.pk, Delivery.Status.PENDING, *params])
        return cursor.rowcount


# --- the fan-out ----------------------------------------------------------------------------


def _now():
    return timezone.now()


def start_mailing(publication_id: int) -> Mailing | None:
    """Select a publication's recipients (once) and set its senders going.

    Run by a task when a publication marked 「メール配信する」 commits; running it again
    (a lost wake-up, reconcile) selects none twice and only wakes senders.
    """
    publication = Publication.objects.filter(pk=publication_id, send_mail=True).first()
    if publication is None:
        return None
    mailing, _ = Mailing.objects.get_or_create(publication=publication)
    if mailing.state == Mailing.State.SELECTING:
        started = time.perf_counter()
        select_deliveries(publication)
        selected = Delivery.objects.filter(publication=publication).count()
        seconds = time.perf_counter() - started
        Mailing.objects.filter(pk=mailing.pk, state=Mailing.State.SELECTING).update(
            state=Mailing.State.SENDING,
            selected=selected,
            selection_seconds=seconds,
            started_at=_now(),
        )
        mailing.refresh_from_db()
        logger.info(
            "publication %s: %d recipient(s) selected in %.2f s", publication.pk, selected, seconds
        )
    if mailing.state == Mailing.State.SENDING:
        _wake_senders(publication.pk)
    return mailing


def _wake_senders(publication_id: int) -> None:
    from madoguchi.delivery.tasks import send_publication

    for _ in range(settings.DELIVERY_CONNECTIONS):
        send_publication.enqueue(publication_id)


@dataclass(frozen=True)
class Claimed:
    pk: int
    destination_id: int
    attempts: int
    address: str | None = None  # None: the destination may not be mailed now
    exists: bool = True  # False: the destination was deleted


def claim(
    publication: Publication, *, size: int | None = None, after: int = 0
) -> tuple[datetime, list[Claimed]]:
    """Take up to ``size`` waiting rows of a publication for this worker, with a lease, and
    the address of each row's destination if it may still be mailed (active, not stopped
    for the publication's kind).

    On PostgreSQL one statement: the rows are locked with FOR UPDATE SKIP LOCKED (workers
    never wait on each other), updated and joined to their destinations; on SQLite the
    UPDATE itself is atomic and the addresses are a second query. A lease that ran out (its
    worker died) is taken again. The lease time identifies the claim when marking.

    ``after``: only rows after this id. A sender goes on from its last batch, so it does not
    walk again over the index entries of the rows already sent (on PostgreSQL they stay in
    the index until vacuum); it starts from the beginning once nothing is left after it.
    """
    size = size or settings.DELIVERY_BATCH_SIZE
    now = _now()
    lease = now + timedelta(
        seconds=settings.DELIVERY_LEASE_SECONDS, microseconds=secrets.randbelow(1000)
    )
    quote = connection.ops.quote_name
    table = quote(Delivery._meta.db_table)
    destinations = quote(Destination._meta.db_table)
    stopped = quote(Destination._meta.get_field(f"{publication.kind}_stopped_at").column)
    postgresql = connection.vendor == "postgresql"
    lock = " FOR UPDATE SKIP LOCKED" if postgresql else ""
    update = (
        f"UPDATE {table} SET lease_until = %s, attempts = attempts + 1 "
        f"WHERE id IN (SELECT id FROM {table} WHERE publication_id = %s AND status = 0 "
        f"AND id > %s AND (lease_until IS NULL OR lease_until < %s) "
        f"ORDER BY id LIMIT %s{lock}) "
        "RETURNING id, destination_id, attempts"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = [adapt(lease), publication.pk, after, adapt(now), size]
    with transaction.atomic(), connection.cursor() as cursor:
        if postgresql:
            cursor.execute(
                f"WITH claimed AS ({update}) "
                "SELECT claimed.id, claimed.destination_id, claimed.attempts, "
                f"CASE WHEN d.status = 'active' AND d.{stopped} IS NULL THEN d.address END, "
                f"d.id IS NOT NULL FROM claimed LEFT JOIN {destinations} d "
                "ON d.id = claimed.destination_id ORDER BY claimed.id",
                params,
            )
            return lease, [Claimed(*row) for row in cursor.fetchall()]
        cursor.execute(update, params)
        rows = sorted(cursor.fetchall())
    found = {
        pk: address if status == Destination.Status.ACTIVE and not stop else None
        for pk, address, status, stop in Destination.objects.filter(
            pk__in=[destination_id for _, destination_id, _ in rows]
        ).values_list("pk", "address", "status", f"{publication.kind}_stopped_at")
    }
    return lease, [
        Claimed(pk, destination_id, attempts, found.get(destination_id), destination_id in found)
        for pk, destination_id, attempts in rows
    ]


def _mark(ids, lease, **fields) -> int:
    if not ids:
        return 0
    return Delivery.objects.filter(
        pk__in=ids, status=Delivery.Status.PENDING, lease_until=lease
    ).update(**fields)


@dataclass
class BatchResult:
    sent: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)  # reply -> ids
    retry: list = field(default_factory=list)  # (id, reply, attempts): refused for now (4xx)
    skipped: dict = field(default_factory=dict)  # reason -> ids
    unsent: list = field(default_factory=list)  # the relay went away before these


SKIP_GONE = "配信先が削除されたため送信しませんでした"
SKIP_STOPPED = "配信停止中のため送信しませんでした"
SKIP_CANCELLED = "工事が中止されたため送信しませんでした"


def _cancelled_meanwhile(publication: Publication) -> bool:
    """A reminder of work that was cancelled (or rescheduled) since: not sent."""
    if publication.event != Publication.Event.REMINDER:
        return False
    notice = Notice.objects.only("status", "sequence").get(pk=publication.notice_id)
    return notice.status != Notice.Status.SCHEDULED or notice.sequence != publication.sequence


def send_batch(publication: Publication, prepared, relay, rows: list[Claimed]) -> BatchResult:
    """Send one claimed batch over an open relay connection; what became of each row."""
    result = BatchResult()
    if _cancelled_meanwhile(publication):
        result.skipped[SKIP_CANCELLED] = [row.pk for row in rows]
        return result
    mail = prepared.for_relay(relay.eightbit)
    messages, order = [], []
    for row in rows:
        if row.address is None:
            reason = SKIP_STOPPED if row.exists else SKIP_GONE
            result.skipped.setdefault(reason, []).append(row.pk)
            continue
        sender = tokens.bounce_address(tokens.DELIVERY, row.pk)
        messages.append((sender, row.address, mail.render(row.pk, row.address)))
        order.append(row)
    try:
        outcomes = relay.send(messages)
    except RelayUnavailable as error:
        outcomes = error.args[1] if len(error.args) > 1 else []
        result.unsent = [row.pk for row in order[len(outcomes) :]]
        _sort(result, order[: len(outcomes)], outcomes)
        raise BatchInterrupted(str(error.args[0]), result) from error
    _sort(result, order, outcomes)
    return result


def _sort(result: BatchResult, rows: list[Claimed], outcomes) -> None:
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome.sent:
            result.sent.append(row.pk)
        elif outcome.reply.permanent or row.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
            result.failed.setdefault(str(outcome.reply)[:300], []).append(row.pk)
        else:
            result.retry.append((row.pk, str(outcome.reply)[:300], row.attempts))


class BatchInterrupted(Exception):
    """The relay went away during a batch; ``args[1]`` is what was done before."""


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 … minutes after each refusal for now, at most 30 minutes."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


def record(mailing: Mailing, lease, result: BatchResult, *, relay_delay: float = 0) -> None:
    """Write a batch's results in one transaction, only where the claim is still ours."""
    now = _now()
    with transaction.atomic():
        sent = _mark(
            result.sent, lease, status=Delivery.Status.SENT, finished_at=now, lease_until=None
        )
        failed = sum(
            _mark(
                ids,
                lease,
                status=Delivery.Status.FAILED,
                finished_at=now,
                reply=reply,
                lease_until=None,
            )
            for reply, ids in result.failed.items()
        )
        skipped = sum(
            _mark(
                ids,
                lease,
                status=Delivery.Status.SKIPPED,
                finished_at=now,
                reply=reason,
                lease_until=None,
            )
            for reason, ids in result.skipped.items()
        )
        for pk, reply, attempts in result.retry:
            _mark([pk], lease, reply=reply, lease_until=now + retry_delay(attempts))
        if result.unsent:
            # The relay was unreachable: no attempt is counted, the rows wait for it.
            _mark(
                result.unsent,
                lease,
                attempts=F("attempts") - 1,
                lease_until=now + timedelta(seconds=relay_delay),
            )
        if sent or failed or skipped:
            Progress.objects.create(
                mailing=mailing, at=now, sent=sent, failed=failed, skipped=skipped
            )


RELAY_RETRY_MAX_SECONDS = 60


def _finish_if_done(mailing: Mailing) -> bool:
    """The mailing is finished once no row waits (several senders may find it so)."""
    if Delivery.objects.filter(publication_id=mailing.pk, status=Delivery.Status.PENDING).exists():
        return False
    Mailing.objects.filter(pk=mailing.pk, state=Mailing.State.SENDING).update(
        state=Mailing.State.FINISHED, finished_at=_now()
    )
    return True


def send_deliveries(publication_id: int, *, wait=time.sleep) -> int:
    """A sender (``_send``), run at a lower CPU priority when DELIVERY_NICENESS is set.

    The sending runs in a thread of its own whose niceness is raised (Linux schedules
    threads one by one; a raised niceness ends with the thread), so that on a host shared
    with web servers a fan-out takes the CPU the pages leave; the worker process keeps its
    own priority for its other tasks.
    """
    niceness = settings.DELIVERY_NICENESS
    if not niceness or not hasattr(os, "setpriority"):
        return _send(publication_id, wait=wait)
    outcome: list = []

    def run():
        try:
            thread = threading.get_native_id()
            current = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(current + niceness, 19))
            outcome.append(_send(publication_id, wait=wait))
        except BaseException as error:  # handed to the task's own thread
            outcome.append(error)
        finally:
            connection.close()  # this thread's database connection

    sender = threading.Thread(target=run, name=f"sender-{publication_id}")
    sender.start()
    sender.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _send(publication_id: int, *, wait=time.sleep) -> int:
    """A sender: claim, send and record batches of a publication until none is free.

    Several run at once (DELIVERY_CONNECTIONS tasks per publication, on any number of
    worker hosts), each over its own pipelined connection; one that finds nothing to claim
    returns, and the last to record finishes the mailing. A paused mailing stops them after
    their batch. While the relay is down a sender waits with backoff (1, 2, 4 … s) for up to
    DELIVERY_RELAY_PATIENCE_SECONDS, counting nothing as a failure, then leaves the rows
    to ``reconcile_mailings``; so do rows refused for now (4xx) until their retry time.
    Returns how many mails this sender handed over.
    """
    mailing = Mailing.objects.select_related("publication").filter(pk=publication_id).first()
    if mailing is None:
        return 0
    publication = mailing.publication
    prepared = prepare(publication)
    handed_over = 0
    waited = 0.0
    outage = 0
    relay = None
    held: list[Claimed] = []  # rows kept while the relay is down, with their lease
    after = 0  # the last row this sender claimed
    lease = None
    try:
        while True:
            state = Mailing.objects.filter(pk=mailing.pk).values_list("state", flat=True).first()
            if state != Mailing.State.SENDING:
                if held:
                    record(mailing, lease, BatchResult(unsent=[row.pk for row in held]))
                return handed_over
            if held:
                rows, held = held, []
            else:
                lease, rows = claim(publication, after=after)
                if not rows and after:
                    after = 0  # anything left behind: retries, a dead worker's batch
                    lease, rows = claim(publication)
                if rows:
                    after = rows[-1].pk
            if not rows:
                _finish_if_done(mailing)
                return handed_over
            try:
                if relay is None:
                    relay = Relay(
                        settings.DELIVERY_SMTP_HOST,
                        settings.DELIVERY_SMTP_PORT,
                        timeout=settings.EMAIL_TIMEOUT,
                        helo=settings.DELIVERY_LIST_DOMAIN,
                    ).__enter__()
                result = send_batch(publication, prepared, relay, rows)
                outage, waited = 0, 0.0
                record(mailing, lease, result)
                handed_over += len(result.sent)
            except (RelayUnavailable, BatchInterrupted) as error:
                done = error.args[1] if isinstance(error, BatchInterrupted) else None
                if done is None:
                    done = BatchResult(unsent=[row.pk for row in rows])
                if relay is not None:
                    relay.close()
                    relay = None
                outage += 1
                delay = min(2 ** (outage - 1), RELAY_RETRY_MAX_SECONDS)
                give_up = waited + delay > settings.DELIVERY_RELAY_PATIENCE_SECONDS
                logger.warning(
                    "mail relay unavailable (%s); %s",
                    error.args[0],
                    "leaving the rows to reconcile" if give_up else f"retrying in {delay} s",
                )
                handed_over += len(done.sent)
                if give_up:
                    record(mailing, lease, done, relay_delay=delay)
                    return handed_over
                # Keep the unsent rows (our lease holds them) and try them again.
                unsent = set(done.unsent)
                held = [row for row in rows if row.pk in unsent]
                done.unsent = []
                record(mailing, lease, done)
                wait(delay)
                waited += delay
    finally:
        if relay is not None:
            relay.__exit__(None, None, None)


# --- pausing (B2) -----------------------------------------------------------------------------


PAUSE_ACTION = "delivery.pause"
RESUME_ACTION = "delivery.resume"
AUDIT_ACTIONS = {
    PAUSE_ACTION: "工事・故障情報メールの送信の一時停止",
    RESUME_ACTION: "工事・故障情報メールの送信の再開",
}


def pause_mailing(mailing: Mailing, *, actor, ip: str | None) -> bool:
    """一時停止: senders stop after their current batch. False if it was not sending."""
    with transaction.atomic():
        paused = Mailing.objects.filter(pk=mailing.pk, state=Mailing.State.SENDING).update(
            state=Mailing.State.PAUSED
        )
        if paused:
            record_audit(actor=actor, action=PAUSE_ACTION, target=str(mailing.publication), ip=ip)
    mailing.refresh_from_db()
    return bool(paused)


def resume_mailing(mailing: Mailing, *, actor, ip: str | None) -> bool:
    """再開: senders start again where they stopped. False if it was not paused."""
    with transaction.atomic():
        resumed = Mailing.objects.filter(pk=mailing.pk, state=Mailing.State.PAUSED).update(
            state=Mailing.State.SENDING
        )
        if resumed:
            record_audit(actor=actor, action=RESUME_ACTION, target=str(mailing.publication), ip=ip)
            transaction.on_commit(lambda: _wake_senders(mailing.pk))
    mailing.refresh_from_db()
    return bool(resumed)


# --- reminders and reconciling ------------------------------------------------------------------


def reconcile_mailings() -> int:
    """Wake senders of mailings whose rows wait with no live lease (a worker died, a
    wake-up was lost), and start mailings never selected. Returns how many were woken."""
    now = _now()
    stale = now - timedelta(seconds=settings.APPLICATION_STALE_SECONDS)
    woken = 0
    for mailing in Mailing.objects.filter(state=Mailing.State.SELECTING, created_at__lt=stale):
        _start_later(mailing.pk)
        woken += 1
    sending = Mailing.objects.filter(state=Mailing.State.SENDING).values_list("pk", flat=True)
    for pk in sending:
        waiting = Delivery.objects.filter(publication_id=pk, status=Delivery.Status.PENDING)
        if not waiting.exists():
            _finish_if_done(Mailing(pk=pk))
        elif not waiting.filter(lease_until__gt=now).exists():
            _wake_senders(pk)
            woken += 1
    # Publications marked for mail whose start task was lost before it made the mailing.
    for publication_id in Publication.objects.filter(
        send_mail=True, mailing__isnull=True, created_at__lt=stale
    ).values_list("pk", flat=True):
        _start_later(publication_id)
        woken += 1
    return woken


def _start_later(publication_id: int) -> None:
    from madoguchi.delivery.tasks import start_publication

    start_publication.enqueue(publication_id)


def on_publication_recorded(sender, publication: Publication, **kwargs) -> None:
    """A publication marked 「メール配信する」: its mailing starts once it commits."""
    if publication.send_mail:
        transaction.on_commit(lambda: _start_later(publication.pk))
