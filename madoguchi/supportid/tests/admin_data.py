"""Support IDs and destinations for the back office tests, stored as registration and
confirmation leave them (test-only)."""

import secrets
from datetime import date

from django.utils import timezone

from madoguchi.alerts.models import AlertSettings, Destination
from madoguchi.contracts.models import User
from madoguchi.supportid.models import SupportAccount

PASSWORD = "Support-pass-2024"


def make_account(
    email: str, *, name: str = "見本 花子", confirmed: bool = True, created_at=None
) -> SupportAccount:
    """A support ID: confirmed (active login) or still 仮登録 (inactive login)."""
    now = timezone.now()
    user = User(
        username=f"support:{secrets.token_hex(12)}",
        kind=User.Kind.SUPPORT,
        email=email,
        is_active=confirmed,
    )
    user.set_password(PASSWORD)
    user.save()
    account = SupportAccount.objects.create(
        user=user,
        email=email,
        name=name,
        birth_date=date(1990, 2, 3),
        confirmed_at=now if confirmed else None,
    )
    if created_at is not None:
        SupportAccount.objects.filter(pk=account.pk).update(created_at=created_at)
        account.refresh_from_db()
    return account


def make_destination(
    account: SupportAccount, slot: int, address: str, status: str = "active", **fields
) -> Destination:
    now = timezone.now()
    values = {
        "created_at": now,
        "confirmed_at": now if status != Destination.Status.PENDING else None,
        "suspended_at": now if status == Destination.Status.SUSPENDED else None,
        "suspension_reason": (
            Destination.Reason.BOUNCES if status == Destination.Status.SUSPENDED else ""
        ),
        **fields,
    }
    return Destination.objects.create(
        account=account, slot=slot, address=address, status=status, **values
    )


def make_settings(account: SupportAccount, products=(), **fields) -> AlertSettings:
    alert_settings = AlertSettings.objects.create(account=account, **fields)
    alert_settings.products.set(products)
    return alert_settings
