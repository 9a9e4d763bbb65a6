"""Support IDs, products and destinations for the S3 tests (test-only code)."""

import secrets
from datetime import date

from django.utils import timezone

from madoguchi.alerts.models import Destination
from madoguchi.contracts.models import User
from madoguchi.notices.models import Product
from madoguchi.supportid.models import SupportAccount

PASSWORD = "support-pass-123"


def make_support_account(email: str = "hanako@example.com", **fields) -> SupportAccount:
    """A confirmed support ID (its login active), as registration leaves it (S2)."""
    user = User.objects.create_user(
        username=f"support:{secrets.token_hex(8)}",
        email=email,
        password=PASSWORD,
        kind=User.Kind.SUPPORT,
    )
    return SupportAccount.objects.create(
        user=user,
        email=email,
        name=fields.pop("name", "見本 花子"),
        birth_date=fields.pop("birth_date", date(1990, 4, 1)),
        confirmed_at=fields.pop("confirmed_at", timezone.now()),
        **fields,
    )


def make_product(code: str, name: str, order: int = 0) -> Product:
    return Product.objects.update_or_create(code=code, defaults={"name": name, "order": order})[0]


def make_destination(account, address: str, *, slot: int, status="active", **fields):
    now = timezone.now()
    if status == Destination.Status.ACTIVE:
        fields.setdefault("confirmed_at", now)
    if status == Destination.Status.SUSPENDED:
        fields.setdefault("confirmed_at", now)
        fields.setdefault("suspended_at", now)
        fields.setdefault("suspension_reason", Destination.Reason.BOUNCES)
    return Destination.objects.create(
        account=account,
        address=address,
        slot=slot,
        status=status,
        created_at=fields.pop("created_at", now),
        **fields,
    )
