"""D4.10, D4.9, D4.7: the database itself refuses a fifth mailbox, a second mailbox in a slot,
a name used twice and a second pending application on a slot (whatever the code above does)."""

import pytest
from django.db import IntegrityError, transaction

from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.contracts.tests.factories import ContractFactory, DeskUserFactory
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.factories import MailboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract():
    return ContractFactory()


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Mailbox.objects.create(**{"host": "arrow.example.ne.jp", **fields})


def order(contract, slot, *, pending=True, account=""):
    user = contract.users.first() or DeskUserFactory(contract=contract)
    application = ApplicationFactory(submitted_by=user, kind="mailbox_add")
    return MailboxOrder.objects.create(
        application=application,
        contract=contract,
        slot=slot,
        action=MailboxOrder.Action.ADD,
        account=account,
        pending=pending,
    )


def test_d4_10_database_refuses_a_fifth_mailbox(contract):
    for slot in (1, 2, 3, 4):
        MailboxFactory(contract=contract, slot=slot)
    refused(contract=contract, slot=5, account="fifth")
    refused(contract=contract, slot=0, account="zeroth")
    refused(contract=contract, slot=100, account="hundredth")
    assert Mailbox.objects.filter(contract=contract).count() == 4


def test_d4_10_database_refuses_two_mailboxes_in_one_slot(contract):
    MailboxFactory(contract=contract, slot=2)
    refused(contract=contract, slot=2, account="second")
    # The same slot number of another contract is another slot.
    assert Mailbox.objects.create(contract=ContractFactory(), slot=2, account="x22", host="h")


def test_d4_9_database_refuses_a_name_used_twice(contract):
    MailboxFactory(contract=contract, slot=1, account="taken1")
    refused(contract=ContractFactory(), slot=1, account="taken1")
    refused(contract=contract, slot=2, account="taken1")
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountName.objects.create(name="taken1")


def test_d4_7_database_refuses_two_pending_applications_on_one_slot(contract):
    order(contract, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        order(contract, 1)
    # Finished ones are history: any number of them, and one pending beside them.
    MailboxOrder.objects.update(pending=False)
    order(contract, 1, pending=False)
    order(contract, 1)
    order(ContractFactory(), 1)
    assert MailboxOrder.objects.filter(contract=contract, slot=1, pending=True).count() == 1


def test_d4_10_database_refuses_an_application_for_slot_five(contract):
    for slot in (0, 5):
        with pytest.raises(IntegrityError), transaction.atomic():
            order(contract, slot)
    assert not MailboxOrder.objects.exists()
