"""Publishing to the ISP's systems (P1: RADIUS, P2: Postfix/Dovecot mailboxes, P3: billing)."""

import logging

from argon2 import PasswordHasher
from django.conf import settings
from django.utils import timezone
from passlib.hash import sha512_crypt

from madoguchi.provisioning.models import BillingChange, RadCheck, VirtualDomain, VirtualUser

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


def publish_billing_change(*, application, values: dict) -> BillingChange:
    """Publish a completed billing change to the billing system's table (P3, idempotent).

    ``values`` must hold no card number: a card is published as the provider's token only.
    """
    change, _ = BillingChange.objects.get_or_create(
        application_number=application.number,
        defaults={
            "customer_number": application.contract.customer_number,
            "kind": application.kind,
            "values": values,
            "changed_at": application.finished_at or timezone.now(),
        },
    )
    return change
