"""Bounces, complaints and auto-replies of the mails the portal sent (S4).

Every mail leaves with a signed VERP envelope sender, ``bounce+<token>@BOUNCE_DOMAIN``
(``tokens.bounce_address``): ``d…`` names a delivery row of a 工事・故障情報メール, ``m…`` an
outbox mail. A report comes back to that address (the SMTP/LMTP endpoint,
``manage.py bounce_server``) or is POSTed by a relay (``webhook.bounce_webhook``).

``process_report`` reads it (``reports.read_report``), finds the mail from the envelope
recipient — or, failing that, from a signed token in the headers of the mail it returns
(a feedback loop's report is addressed elsewhere) — and records one ``Bounce`` row. A token
never issued or altered, or one whose mail no longer exists, changes nothing.

The same report twice counts once: ``Bounce.fingerprint`` is unique, a SHA-256 of the
report's identity (its Message-ID, else its bytes; a webhook event's id) and the mail.

Suspension (配信停止) of a destination, decided under its row lock so reports arriving at
once are counted one after the other:

- one complaint;
- ``BOUNCE_HARD_LIMIT`` consecutive hard bounces: the hard bounces received since the
  latest of its confirmation (本登録), its last 配信再開 (the audit log's resume entry) and
  the last report of another kind for it (a soft bounce or an auto-reply shows the mailbox
  exists: the run is broken);
- ``BOUNCE_SOFT_LIMIT`` soft bounces within ``BOUNCE_SOFT_DAYS`` days (since the same
  confirmation or 配信再開).

When a bounce suspends it, each of the owner's other active destinations gets one notice
with the reason and a 「配信再開」 link.
"""

import hashlib
import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.alerts.links import RESUME_LINK_LIFETIME, resume_link
from madoguchi.alerts.models import Destination
from madoguchi.alerts.services import RESUME_ACTION, suspend_destination
from madoguchi.audit.models import AuditEntry
from madoguchi.delivery import reports, tokens
from madoguchi.delivery.models import Bounce, Delivery
from madoguchi.lib.dates import format_datetime
from madoguchi.outbox.models import Mail
from madoguchi.outbox.services import enqueue_mail

logger = logging.getLogger(__name__)

SUSPENDED_MAIL = "alerts_suspended"

# What a report makes of its delivery row's event: a stronger one is never replaced by a
# weaker one, and an unsubscribe by none.
_EVENT = {
    Bounce.Kind.AUTO_REPLY: Delivery.Event.AUTO_REPLY,
    Bounce.Kind.SOFT: Delivery.Event.SOFT_BOUNCE,
    Bounce.Kind.HARD: Delivery.Event.HARD_BOUNCE,
    Bounce.Kind.COMPLAINT: Delivery.Event.COMPLAINT,
}
_RANK = [
    Delivery.Event.NONE,
    Delivery.Event.AUTO_REPLY,
    Delivery.Event.SOFT_BOUNCE,
    Delivery.Event.HARD_BOUNCE,
    Delivery.Event.COMPLAINT,
]


# --- Reading where a report belongs ----------------------------------------------------------


def target_of(address: str) -> tokens.Target | None:
    """The sent mail a VERP address names; None for one never issued or altered."""
    try:
        purpose, target = tokens.read_address(address)
    except tokens.BadToken:
        return None
    return target if purpose == tokens.BOUNCE else None


def _signed_in(text: str) -> list[tokens.Target]:
    """Signed bounce+/unsubscribe+ tokens at the bounce domain found in a text."""
    pattern = re.compile(
        rf"\b(bounce|unsubscribe)\+([a-z0-9]+-[a-z2-7]+)@{re.escape(settings.BOUNCE_DOMAIN)}\b",
        re.IGNORECASE,
    )
    found = []
    for purpose, token in pattern.findall(text):
        try:
            found.append(tokens.read(purpose.lower(), token))
        except tokens.BadToken:
            continue
    return list(dict.fromkeys(found))


def targets_of(envelope_recipients: list[str], message) -> list[tokens.Target]:
    """The sent mails a report is about: its VERP envelope recipients; if none is valid,
    the signed tokens in the headers of the mail it returns."""
    targets = [t for t in map(target_of, envelope_recipients) if t is not None]
    if targets:
        return list(dict.fromkeys(targets))
    return _signed_in(reports.returned_headers(message))[:1]


def fingerprint(identity: str | bytes, target: tokens.Target) -> str:
    data = identity.encode() if isinstance(identity, str) else identity
    return hashlib.sha256(data + f"\n{target.kind}{target.pk}".encode()).hexdigest()


# --- Recording ------------------------------------------------------------------------------


def process_report(raw: bytes, *, envelope_recipients: list[str], source: str) -> list[Bounce]:
    """Record an incoming report (a DSN, an ARF complaint, an auto-reply …) for each sent
    mail it is about; the Bounce rows recorded now (none for a report already recorded,
    not understood, or about no mail the portal sent)."""
    try:
        message = reports.parse(raw)
        targets = targets_of(envelope_recipients, message)
    except Exception:  # a report the parser cannot even read changes nothing
        logger.info("bounce: unreadable report to %s", envelope_recipients, exc_info=True)
        return []
    if not targets:
        logger.info("bounce: no valid token in a report to %s", envelope_recipients)
        return []
    report = reports.read_report(raw, message)
    if report is None:
        logger.info("bounce: a report to %s is not understood", envelope_recipients)
        return []
    identity = reports.message_id(message) or raw
    recorded = []
    for target in targets:
        bounce = record_bounce(
            target, report, source=source, fingerprint=fingerprint(identity, target)
        )
        if bounce is not None:
            recorded.append(bounce)
    return recorded


def record_event(address: str, report: reports.Report, *, identity: str) -> Bounce | None:
    """Record a bounce event a relay POSTed about the mail of a VERP address; ``identity``
    (the provider's event id) makes a resent event count once."""
    target = target_of(address)
    if target is None:
        logger.info("bounce: webhook event for an invalid address %r", address[:100])
        return None
    return record_bounce(
        target,
        report,
        source=Bounce.Source.WEBHOOK,
        fingerprint=fingerprint(f"webhook-event:{identity}", target),
    )


@transaction.atomic
def record_bounce(
    target: tokens.Target, report: reports.Report, *, source: str, fingerprint: str
) -> Bounce | None:
    """Record one report about one sent mail, mark it and suspend its destination when the
    rules say so; None if the mail does not exist or the report was recorded already."""
    if target.kind == tokens.MAIL:
        mail = Mail.objects.filter(pk=target.pk).first()
        if mail is None:
            logger.info("bounce: outbox mail %s does not exist", target.pk)
            return None
        return _create(
            source=source,
            mail=mail,
            recipient=report.recipient or mail.to,
            report=report,
            fingerprint=fingerprint,
        )
    delivery = Delivery.objects.filter(pk=target.pk).first()
    if delivery is None:
        logger.info("bounce: delivery %s does not exist", target.pk)
        return None
    # The destination's lock first: reports about it are counted one after the other.
    destination = Destination.objects.select_for_update().filter(pk=delivery.destination_id).first()
    recipient = report.recipient or (destination.address if destination else "")
    bounce = _create(
        source=source,
        delivery=delivery,
        destination_id=delivery.destination_id,
        recipient=recipient,
        report=report,
        fingerprint=fingerprint,
    )
    if bounce is None:
        return None
    event = _EVENT[report.kind]
    weaker = _RANK[: _RANK.index(event)]
    Delivery.objects.filter(pk=delivery.pk, event__in=weaker).update(event=event)
    if destination is not None and report.kind != Bounce.Kind.AUTO_REPLY:
        apply_rules(destination, report.kind)
    return bounce


def _create(*, report: reports.Report, recipient: str, **fields) -> Bounce | None:
    try:
        with transaction.atomic():
            return Bounce.objects.create(
                kind=report.kind,
                recipient=recipient[:320],
                status_code=report.status_code[:12],
                diagnostic=report.diagnostic[:300],
                **fields,
            )
    except IntegrityError:
        logger.info("bounce: report %s recorded already", fields["fingerprint"][:12])
        return None


# --- Suspension -----------------------------------------------------------------------------


def counted_since(destination: Destination) -> datetime | None:
    """Reports before this do not count: its confirmation or its last 配信再開."""
    resumed = (
        AuditEntry.objects.filter(action=RESUME_ACTION, target=destination.address)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    moments = [moment for moment in (destination.confirmed_at, resumed) if moment is not None]
    return max(moments, default=None)


def consecutive_hard(destination: Destination) -> int:
    """Hard bounces since the last report of another kind (and confirmation or 配信再開)."""
    rows = Bounce.objects.filter(destination_id=destination.pk)
    since = counted_since(destination)
    if since is not None:
        rows = rows.filter(received_at__gte=since)
    other = rows.exclude(kind=Bounce.Kind.HARD).order_by("-pk").values_list("pk", flat=True).first()
    hard = rows.filter(kind=Bounce.Kind.HARD)
    if other is not None:
        hard = hard.filter(pk__gt=other)
    return hard.count()


def recent_soft(destination: Destination, now: datetime | None = None) -> int:
    """Soft bounces within BOUNCE_SOFT_DAYS days (and since confirmation or 配信再開)."""
    start = (now or timezone.now()) - timedelta(days=settings.BOUNCE_SOFT_DAYS)
    since = counted_since(destination)
    if since is not None:
        start = max(start, since)
    return Bounce.objects.filter(
        destination_id=destination.pk, kind=Bounce.Kind.SOFT, received_at__gte=start
    ).count()


def suspension_reason(destination: Destination, kind: str) -> str | None:
    """Why the destination's reports suspend it now that one of ``kind`` came, or None."""
    if kind == Bounce.Kind.COMPLAINT:
        return Destination.Reason.COMPLAINT
    if consecutive_hard(destination) >= settings.BOUNCE_HARD_LIMIT:
        return Destination.Reason.BOUNCES
    if recent_soft(destination) >= settings.BOUNCE_SOFT_LIMIT:
        return Destination.Reason.BOUNCES
    return None


def apply_rules(destination: Destination, kind: str) -> bool:
    """Suspend an active destination its reports condemn now that one of ``kind`` came,
    and tell its owner's other active destinations (once: only the call that suspended it
    mails)."""
    if destination.status != Destination.Status.ACTIVE:
        return False
    reason = suspension_reason(destination, kind)
    if reason is None or not suspend_destination(destination, reason=reason):
        return False
    destination.refresh_from_db()
    notify_suspension(destination)
    logger.info("bounce: destination %s suspended (%s)", destination.pk, reason)
    return True


def notify_suspension(destination: Destination) -> list[Mail]:
    """One notice to each other active destination of the owner, with a 「配信再開」 link."""
    others = Destination.objects.filter(
        account_id=destination.account_id, status=Destination.Status.ACTIVE
    ).exclude(pk=destination.pk)
    return [
        enqueue_mail(
            to=other.address,
            template=SUSPENDED_MAIL,
            secret=("link",),
            context={
                "address": destination.address,
                "reason": str(destination.get_suspension_reason_display()),
                "suspended_at": format_datetime(destination.suspended_at),
                "link": settings.PUBLIC_BASE_URL + resume_link(destination),
                "days": RESUME_LINK_LIFETIME.days,
            },
        )
        for other in others.order_by("slot")
    ]
