"""Publishing to the ISP's systems (P1: RADIUS, P2: Postfix/Dovecot mailboxes)."""

import logging
import time

from argon2 import PasswordHasher
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
from madoguchi.provisioning.models import RadCheck, VirtualDomain, VirtualUser

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
        # Our lease may have run out meanwhile, and an operator failed the application or
        # another worker finished it: then it is not ours to publish. Locked until commit,
        # so that nobody can finish it between this check and our completion.
        if not Application.objects.select_for_update().filter(
            pk=application.pk, status=Application.Status.PROCESSING
        ):
            logger.info(
                "application %s was finished by another; nothing published", application.number
            )
            return False
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
        # Completing clears ``work``: the hash is not kept once published.
        complete_application(application)
    logger.info("published network credential for application %s", application.number)
    return True


# Dovecot verifies {ARGON2ID} hashes (libsodium/argon2 encoded form); OWASP's parameters.
_mail_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def mail_password_hash(password: str) -> str:
    """The mail password as Dovecot stores it: ``{ARGON2ID}$argon2id$v=19$m=…``."""
    return "{ARGON2ID}" + _mail_hasher.hash(password)


def mailbox_exists(*, email: str) -> bool:
    return VirtualUser.objects.filter(email=email).exists()


def put_mailbox(*, email: str, password_hash: str | None, virus_check: bool) -> VirtualUser | None:
    """Create the mailbox or update it (idempotent).

    A None password updates an existing mailbox only: a mailbox is never created without
    a password (the mail system's row was missing, which only an operator can mend).
    """
    local, _, domain_name = email.partition("@")
    if password_hash is None:
        updated = VirtualUser.objects.filter(email=email).update(virus_check=virus_check)
        if not updated:
            logger.warning("mailbox %s is missing from the mail system's tables", email)
        return VirtualUser.objects.filter(email=email).first()
    domain, _ = VirtualDomain.objects.get_or_create(name=domain_name)
    user, _ = VirtualUser.objects.update_or_create(
        email=email,
        defaults={
            "domain": domain,
            "password": password_hash,
            "virus_check": virus_check,
            "active": True,
            "maildir": f"{domain_name}/{local}/",
        },
    )
    return user


def rename_mailbox(*, old_email: str, new_email: str, password_hash: str, virus_check: bool):
    """Replace a mailbox by one with a new address (the old address stops receiving)."""
    VirtualUser.objects.filter(email=old_email).delete()
    return put_mailbox(email=new_email, password_hash=password_hash, virus_check=virus_check)


def remove_mailbox(*, email: str) -> int:
    deleted, _ = VirtualUser.objects.filter(email=email).delete()
    return deleted
