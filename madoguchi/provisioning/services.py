"""Publishing to the ISP's systems (P1: RADIUS)."""

import logging
import time

from django.conf import settings
from django.db import transaction
from passlib.hash import sha512_crypt

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    claim_application,
    complete_application,
    fail_application,
)
from madoguchi.contracts.models import User
from madoguchi.provisioning.models import RadCheck

logger = logging.getLogger(__name__)

CRYPT_ATTRIBUTE = "Crypt-Password"


def network_password_hash(password: str) -> str:
    """The SHA-512-crypt hash that FreeRADIUS's PAP module verifies as Crypt-Password."""
    return sha512_crypt.using(rounds=settings.RADIUS_CRYPT_ROUNDS).hash(password)


def set_radius_password(*, username: str, crypt_hash: str) -> None:
    """Create or replace the user's Crypt-Password row (idempotent)."""
    RadCheck.objects.update_or_create(
        username=username,
        attribute=CRYPT_ATTRIBUTE,
        defaults={"op": ":=", "value": crypt_hash},
    )


def remove_radius_user(*, username: str) -> int:
    """Remove every radcheck row of the user (contract ended)."""
    deleted, _ = RadCheck.objects.filter(username=username).delete()
    return deleted


def publish_network_password(application_id: int) -> bool:
    """Carry out a network password application: publish its hash to radcheck, once.

    Returns False when there is nothing to do (already done, or held by another worker).
    """
    application = claim_application(application_id)
    if application is None:
        return False
    if settings.PROVISIONING_DELAY_SECONDS:
        time.sleep(settings.PROVISIONING_DELAY_SECONDS)
    with transaction.atomic():
        # Locking the desk credential serialises publications of one contract, so that an
        # older change processed late never overwrites a newer one already published.
        credential = (
            User.objects.select_for_update()
            .filter(contract=application.contract, kind=User.Kind.DESK)
            .first()
        )
        if credential is None:
            fail_application(application, reason="認証IDが見つからないため反映できませんでした。")
            return True
        newer_done = Application.objects.filter(
            contract=application.contract,
            kind=application.kind,
            status=Application.Status.DONE,
            submitted_at__gt=application.submitted_at,
        ).exists()
        if not newer_done:
            set_radius_password(
                username=credential.username, crypt_hash=application.work["radius_hash"]
            )
        complete_application(application)
    logger.info("published network credential for application %s", application.number)
    return True
