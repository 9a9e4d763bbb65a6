"""The demo support ID (S2) with its 工事・故障情報メール settings and destinations (S3).

``load_demo`` calls ``ensure_support_ids`` after the demo products exist. Idempotent: a
second run changes nothing. Like the desk's demo logins, the ID and its password are made
once; the settings are put back to the documented ones when they differ, and a missing demo
destination is added again if a slot is free. The 仮登録 destination is (re)made pending at
load time: a pending destination expires after ``DESTINATION_CONFIRM_MINUTES`` (30), so it
reads 仮登録 for that long after ``make run`` starts, then 仮登録（確認期限切れ）.
"""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from madoguchi.alerts.models import (
    ALL_HOURS,
    ALL_WEEKDAYS,
    MAX_DESTINATIONS,
    AlertSettings,
    Destination,
)
from madoguchi.contracts.models import User
from madoguchi.notices.models import Product
from madoguchi.supportid.models import SupportAccount

DEMO_EMAIL = "support-demo@example.com"
DEMO_PASSWORD = "Support-Demo-1"  # documented in README (demo logins)
DEMO_NAME = "窓口 花子"
DEMO_BIRTH_DATE = date(1985, 4, 1)
# Product codes of notices/seed.py: 光アクセス and メール.
DEMO_PRODUCTS = ("fiber", "mail")
DEMO_SETTINGS = {
    "maintenance": True,
    "outage": True,
    "weekdays": ALL_WEEKDAYS,
    "hours": ALL_HOURS,
}
# (address, status): two confirmed, one waiting for its confirmation link.
DEMO_DESTINATIONS = [
    (DEMO_EMAIL, Destination.Status.ACTIVE),
    ("hanako.mobile@example.com", Destination.Status.ACTIVE),
    ("hanako.office@example.com", Destination.Status.PENDING),
]


@transaction.atomic
def ensure_support_ids() -> SupportAccount:
    """Create or refresh the demo support ID; returns it."""
    account = ensure_account()
    ensure_settings(account)
    ensure_destinations(account)
    return account


def ensure_account() -> SupportAccount:
    account = SupportAccount.objects.filter(email=DEMO_EMAIL).first()
    if account is not None:
        return account
    now = timezone.now()
    # As registration makes a support ID's login: an internal username nobody types.
    user = User(
        username=f"support:{secrets.token_hex(12)}",
        kind=User.Kind.SUPPORT,
        email=DEMO_EMAIL,
        is_active=True,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return SupportAccount.objects.create(
        user=user,
        email=DEMO_EMAIL,
        name=DEMO_NAME,
        birth_date=DEMO_BIRTH_DATE,
        confirmed_at=now,
    )


def ensure_settings(account: SupportAccount) -> AlertSettings:
    alert_settings, _ = AlertSettings.objects.get_or_create(account=account, defaults=DEMO_SETTINGS)
    changed = [
        name for name, value in DEMO_SETTINGS.items() if getattr(alert_settings, name) != value
    ]
    if changed:
        for name in changed:
            setattr(alert_settings, name, DEMO_SETTINGS[name])
        alert_settings.save(update_fields=[*changed, "updated_at"])
    products = set(Product.objects.filter(code__in=DEMO_PRODUCTS))
    if set(alert_settings.products.all()) != products:
        alert_settings.products.set(products)
    return alert_settings


def ensure_destinations(account: SupportAccount) -> None:
    now = timezone.now()
    existing = {d.address: d for d in Destination.objects.filter(account=account)}
    free = sorted(set(range(1, MAX_DESTINATIONS + 1)) - {d.slot for d in existing.values()})
    expiry = timedelta(minutes=settings.DESTINATION_CONFIRM_MINUTES)
    for address, status in DEMO_DESTINATIONS:
        destination = existing.get(address)
        if destination is None:
            if not free:
                continue  # the demo's visitor filled the slots with their own addresses
            active = status == Destination.Status.ACTIVE
            Destination.objects.create(
                account=account,
                slot=free.pop(0),
                address=address,
                status=status,
                created_at=now,
                confirmed_at=now if active else None,
            )
        elif (
            destination.status == Destination.Status.PENDING
            and destination.created_at + expiry <= now
        ):
            # Pending again from now, so the demo shows 仮登録 after each start.
            destination.created_at = now
            destination.save(update_fields=["created_at"])
