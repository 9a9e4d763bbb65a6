"""Mailboxes as the portal and the mail system (P2) hold them, and submitting applications."""

import functools
import uuid

import factory

from madoguchi.contracts.tests.factories import ContractFactory
from madoguchi.mailboxes import services
from madoguchi.mailboxes.models import AccountName, Mailbox
from madoguchi.provisioning.services import mail_password_hash, put_mailbox

MAIL_PASSWORD = "mailpass12"
NEW_MAIL_PASSWORD = "newpass345"


@functools.cache
def mail_hash(password: str = MAIL_PASSWORD) -> str:
    """The Dovecot hash of a password, computed once per test run (argon2 is slow on purpose)."""
    return mail_password_hash(password)


class MailboxFactory(factory.django.DjangoModelFactory):
    """A provisioned mailbox: the portal's row, its name held, and its P2 ``virtual_users`` row.

    ``provisioned=False`` leaves the mail system's table alone.
    """

    class Meta:
        model = Mailbox
        skip_postgeneration_save = True

    contract = factory.SubFactory(ContractFactory)
    slot = 1
    account = factory.Sequence(lambda n: f"box{n}")
    host = "arrow.example.ne.jp"
    virus_check = False

    @factory.post_generation
    def provisioned(obj, create, extracted, **kwargs):
        if not create:
            return
        AccountName.objects.get_or_create(name=obj.account)
        if extracted is not False:
            put_mailbox(email=obj.address, password_hash=mail_hash(), virus_check=obj.virus_check)


def submit(
    user,
    slot: int,
    action: str,
    *,
    account: str = "",
    virus_check: bool | None = None,
    password: str | None = None,
    mail_to: list[str] | None = None,
):
    """Submit a mailbox application as the confirm step does (a new account gets a password)."""
    if password is None and account:
        password = NEW_MAIL_PASSWORD
    return services.submit_mailbox_application(
        user=user,
        slot=slot,
        action=action,
        account=account,
        virus_check=virus_check,
        password_hash=mail_hash(password) if password else "",
        mail_to=[] if mail_to is None else mail_to,
        submission_key=uuid.uuid4().hex,
        ip="192.0.2.10",
    )
