"""Shared makers for the fan-out tests: subscribers, a published notice, a relay."""

from datetime import date, timedelta

from django.utils import timezone

from madoguchi.alerts.models import ALL_HOURS, ALL_WEEKDAYS
from madoguchi.alerts.services import save_settings
from madoguchi.alerts.tests.factories import make_destination, make_product, make_support_account
from madoguchi.notices.models import Notice
from madoguchi.notices.services import create_notice, publish_notice


def relay_to(settings, server) -> None:
    """Send the fan-out to a test SMTP server."""
    settings.DELIVERY_SMTP_HOST = "127.0.0.1"
    settings.DELIVERY_SMTP_PORT = server.port


def subscribers(product, count: int, *, prefix: str = "sub", maintenance=True, outage=True):
    """``count`` support IDs, each with one active destination, wanting ``product``."""
    destinations = []
    for n in range(count):
        account = make_support_account(f"{prefix}{n}@example.com")
        save_settings(
            account,
            products=[product],
            maintenance=maintenance,
            outage=outage,
            weekdays=ALL_WEEKDAYS,
            hours=ALL_HOURS,
        )
        destinations.append(make_destination(account, f"{prefix}{n}@mail.example.jp", slot=1))
    return destinations


def product(code="f-fiber", name="ファンアウト光"):
    return make_product(code, name, order=5)


def notice(products, *, kind=Notice.Kind.MAINTENANCE, title="ファンアウト試験の工事", hours=48):
    status = Notice.Status.SCHEDULED if kind == Notice.Kind.MAINTENANCE else Notice.Status.OCCURRING
    start = timezone.now() + timedelta(hours=hours)
    row = Notice(
        kind=kind,
        status=status,
        title=title,
        body="光回線の設備工事を行います。\n\n.先頭がドットの行",
        area="東京都",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    return create_notice(notice=row, products=products, actor=None, ip=None)


def publish(row, *, send_mail=True):
    return publish_notice(notice=row, actor=None, ip=None, send_mail=send_mail)


def bulk_subscribers(product, count: int, *, prefix: str = "bulk") -> list[int]:
    """``count`` support IDs with one active destination each, made in a few statements
    (no password hashing): the destinations' ids, in order."""
    from madoguchi.alerts.models import AlertProduct, AlertSettings, Destination
    from madoguchi.contracts.models import User
    from madoguchi.supportid.models import SupportAccount

    now = timezone.now()
    users = User.objects.bulk_create(
        User(username=f"support:{prefix}{n}", kind=User.Kind.SUPPORT, password="!")
        for n in range(count)
    )
    accounts = SupportAccount.objects.bulk_create(
        SupportAccount(
            user=user,
            email=f"{prefix}{n}@example.com",
            name="見本 花子",
            birth_date=date(1990, 4, 1),
            confirmed_at=now,
        )
        for n, user in enumerate(users)
    )
    AlertSettings.objects.bulk_create(
        AlertSettings(account=account, weekdays=ALL_WEEKDAYS, hours=ALL_HOURS)
        for account in accounts
    )
    AlertProduct.objects.bulk_create(
        AlertProduct(settings_id=account.pk, product=product) for account in accounts
    )
    destinations = Destination.objects.bulk_create(
        Destination(
            account=account,
            slot=1,
            address=f"{prefix}{n}@mail.example.jp",
            status=Destination.Status.ACTIVE,
            created_at=now,
            confirmed_at=now,
        )
        for n, account in enumerate(accounts)
    )
    return [destination.pk for destination in destinations]
