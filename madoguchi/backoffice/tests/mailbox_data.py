"""Mailbox applications and mailboxes for the back office tests, made through the services."""

import itertools

from madoguchi.applications.models import Application
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.services import submit_mailbox_application
from madoguchi.provisioning.services import mail_password_hash, put_mailbox

MAIL_PASSWORD = "Mail-pass1"
# One hash for the whole run: Argon2id at Dovecot's parameters takes a while.
PASSWORD_HASH = mail_password_hash(MAIL_PASSWORD)

_keys = itertools.count(1)


def submit(
    user,
    *,
    slot: int = 1,
    action: str = MailboxOrder.Action.ADD,
    account: str = "",
    virus_check: bool | None = None,
) -> Application:
    """A pending mailbox application, as the desk's 「登録」 makes it (no mail ticked).

    In a test transaction its on-commit work never runs, so it stays 受付 until processed.
    """
    return submit_mailbox_application(
        user=user,
        slot=slot,
        action=action,
        account=account,
        virus_check=virus_check,
        password_hash=PASSWORD_HASH if account else "",
        mail_to=[],
        submission_key=f"backoffice-test-{next(_keys)}",
        ip="192.0.2.10",
    )


def mailbox(contract, *, slot: int, account: str, host: str = "arrow.example.ne.jp", virus=False):
    """A mailbox already in service, in the portal and in the mail system's tables (P2)."""
    box = Mailbox.objects.create(
        contract=contract, slot=slot, account=account, host=host, virus_check=virus
    )
    put_mailbox(email=box.address, password_hash=PASSWORD_HASH, virus_check=virus)
    AccountName.objects.create(name=account)
    return box
