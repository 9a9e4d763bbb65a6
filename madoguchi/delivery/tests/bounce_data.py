"""Sent mails and the real DSN samples that come back for them (S4 bounce tests only)."""

from pathlib import Path

from django.utils import timezone

from madoguchi.alerts.tests.factories import make_destination, make_support_account
from madoguchi.delivery import tokens
from madoguchi.delivery.models import Delivery
from madoguchi.notices.models import Notice, Publication

FIXTURES = Path(__file__).parent / "fixtures"
FEEDBACK_ADDRESS = "bounce@bounce.example.ne.jp"  # the feedback loop's address (bare bounce@)


def sample(name: str, verp: str = "", *, unsubscribe: str = "") -> bytes:
    """A DSN sample as the relay hands it over, addressed to ``verp``; ``unsubscribe`` is
    the List-Unsubscribe mailto address of the returned mail's headers, where it has one."""
    raw = (FIXTURES / name).read_bytes()
    raw = raw.replace(b"__VERP__", verp.encode())
    if unsubscribe:
        raw = raw.replace(b"__UNSUB_MAILTO__", unsubscribe.encode())
        raw = raw.replace(b"__UNSUB__", unsubscribe.partition("+")[2].partition("@")[0].encode())
    return raw


def owner(email: str = "owner@example.com", *addresses: str, pending: str = ""):
    """A support ID with active destinations (and a pending one); the destinations."""
    account = make_support_account(email)
    made = [
        make_destination(account, address, slot=slot)
        for slot, address in enumerate(addresses, start=1)
    ]
    if pending:
        made.append(make_destination(account, pending, slot=len(made) + 1, status="pending"))
    return made


def publication(kind: str = Notice.Kind.OUTAGE) -> Publication:
    notice = Notice.objects.create(
        kind=kind,
        status=Notice.Status.OCCURRING if kind == Notice.Kind.OUTAGE else Notice.Status.SCHEDULED,
        title="メールサーバーの障害",
        body="本文",
        starts_at=timezone.now(),
    )
    return Publication.objects.create(
        notice=notice,
        event=Publication.Event.PUBLISHED,
        kind=kind,
        status=notice.status,
        send_mail=True,
        subject="【故障】メールサーバーの障害",
        text="本文",
    )


def sent(destination, pub: Publication | None = None) -> Delivery:
    """A delivery row of a mail sent to the destination (a publication of its own)."""
    return Delivery.objects.create(
        publication=pub or publication(),
        destination_id=destination.pk,
        status=Delivery.Status.SENT,
        attempts=1,
        finished_at=timezone.now(),
    )


def verp(delivery: Delivery) -> str:
    return tokens.bounce_address(tokens.DELIVERY, delivery.pk)


def unsubscribe_address(delivery: Delivery) -> str:
    return tokens.unsubscribe_mailto(delivery.pk)
