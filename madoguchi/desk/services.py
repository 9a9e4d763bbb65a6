"""Desk changes: the network authentication password (D3)."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.applications.services import DuplicateSubmission, submit_application
from madoguchi.contracts.models import User
from madoguchi.provisioning.services import network_password_hash


class CooldownActive(Exception):
    """D3.3: the password was changed less than an hour ago."""

    def __init__(self, available_at: datetime):
        super().__init__(available_at.isoformat())
        self.available_at = available_at


def password_change_available_at(user: User) -> datetime | None:
    """When the next change is allowed, or None if it is allowed now (D3.3)."""
    if user.password_changed_at is None:
        return None
    available_at = user.password_changed_at + settings.NETWORK_PASSWORD_COOLDOWN
    return available_at if available_at > timezone.now() else None


def hash_network_password(password: str) -> dict:
    """The two hashes a change needs: Argon2id for the portal, SHA-512-crypt for RADIUS.

    Computed at the input step so that the plaintext never leaves the request.
    """
    return {
        "password_hash": make_password(password),
        "radius_hash": network_password_hash(password),
    }


@transaction.atomic
def change_network_password(
    *, user: User, hashes: dict, submission_key: str, ip: str | None
) -> Application:
    """Change the desk/network password and record the application (D3.3–D3.5, X2)."""
    existing = Application.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        raise DuplicateSubmission(existing)
    # The row lock serialises two browsers submitting at once: the second sees the cooldown.
    locked = User.objects.select_for_update(of=("self",)).select_related("contract").get(pk=user.pk)
    available_at = password_change_available_at(locked)
    if available_at is not None:
        raise CooldownActive(available_at)
    locked.password = hashes["password_hash"]
    locked.password_changed_at = timezone.now()
    locked.save(update_fields=["password", "password_changed_at"])
    user.password, user.password_changed_at = locked.password, locked.password_changed_at
    return submit_application(
        contract=locked.contract,
        kind=Application.Kind.NETWORK_PASSWORD,
        user=locked,
        before={"認証ID": locked.username},
        after={"認証ID": locked.username, "認証パスワード": "変更"},
        work={"radius_hash": hashes["radius_hash"]},
        mail_to=[locked.contract.contact_email],
        submission_key=submission_key,
        ip=ip,
    )
