"""Desk changes: the network authentication password (D3), an application of its own kind."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from madoguchi.applications import eligibility, registry
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    lock_for_submission,
    submit_application,
)
from madoguchi.contracts.models import User
from madoguchi.provisioning import services as provisioning

NETWORK_PASSWORD = "network_password"
PASSWORD_VALUES = {"hidden": "（表示しません）", "changed": "変更"}


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
        "radius_hash": provisioning.network_password_hash(password),
    }


@transaction.atomic
def change_network_password(
    *, user: User, hashes: dict, submission_key: str, ip: str | None
) -> Application:
    """Change the desk/network password and record the application (D3.3–D3.5, X2)."""
    # The contract row lock serialises this contract's applications (two browsers, a
    # worker publishing): the second submission sees the cooldown, or the duplicate.
    contract = lock_for_submission(user, submission_key)
    eligibility.check(contract, NETWORK_PASSWORD)
    locked = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    available_at = password_change_available_at(locked)
    if available_at is not None:
        raise CooldownActive(available_at)
    locked.password = hashes["password_hash"]
    locked.password_changed_at = timezone.now()
    locked.save(update_fields=["password", "password_changed_at"])
    user.password, user.password_changed_at = locked.password, locked.password_changed_at
    return submit_application(
        contract=contract,
        kind=NETWORK_PASSWORD,
        user=locked,
        before={"login_id": locked.username, "password": "hidden"},
        after={"password": "changed"},
        work={"radius_hash": hashes["radius_hash"]},
        mail_to=[contract.contact_email],
        submission_key=submission_key,
        ip=ip,
    )


def publish_network_password(application: Application) -> registry.Done | registry.Failed:
    """The kind's processor: publish the new credential's hash to radcheck (P1).

    Runs under the contract's row lock (the application skeleton), so publications of one
    contract are serialised and an older change processed late never overwrites a newer
    one already published.
    """
    credential = User.objects.filter(contract=application.contract, kind=User.Kind.DESK).first()
    if credential is None:
        return registry.Failed("認証IDが見つからないため反映できませんでした。")
    newer_done = Application.objects.filter(
        contract=application.contract,
        kind=application.kind,
        status=Application.Status.DONE,
        submitted_at__gt=application.submitted_at,
    ).exists()
    if not newer_done:
        provisioning.set_radius_password(
            username=credential.username, crypt_hash=application.work["radius_hash"]
        )
    return registry.Done()


KIND = registry.Kind(
    code=NETWORK_PASSWORD,
    label="認証パスワード変更",
    fields=(
        registry.Field("login_id", "認証ID"),
        registry.Field("password", "認証パスワード", format=PASSWORD_VALUES.get),
    ),
    processor=publish_network_password,
    allowed=lambda contract: contract.online_password_change_allowed,
    # The acceptance mail tells of the change; completion (seconds later) needs no mail.
    mail_when_done=False,
    acceptance_mail="application_network_password",
    in_progress_label="反映中",
)
