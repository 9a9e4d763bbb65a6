"""D4.10, D4.9, D4.7, X3 under concurrency: browsers and workers at the same moment.

Real transactions (``transaction=True``), one thread per browser or worker, each with its own
database connection; a barrier releases them together. Runs on SQLite and PostgreSQL.
"""

import threading
import time
from collections.abc import Callable

import pytest

from madoguchi.applications import services as lifecycle
from madoguchi.applications.models import Application
from madoguchi.applications.services import claim_application, process_application
from madoguchi.contracts.models import User
from madoguchi.mailboxes import services
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.provisioning.models import VirtualUser
from madoguchi.testing.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)

TAKEN = "ご希望のメールアカウントは既に使用されています。別のアカウントを指定してください。"


def browser(user_pk: int, slot: int, action: str = "add", **kwargs) -> Callable:
    """A browser's final 「登録」 of an application (its own request, its own connection)."""

    def call():
        return submit(User.objects.get(pk=user_pk), slot, action, **kwargs)

    return call


def split(results):
    created = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, services.MailboxError)]
    assert len(created) + len(refused) == len(results), results
    return created, refused


def test_d4_9_same_name_on_two_slots_at_once_one_application(customer):
    results = run_together(
        browser(customer.pk, 1, account="samename"), browser(customer.pk, 2, account="samename")
    )
    created, refused = split(results)
    assert len(created) == 1 and len(refused) == 1, results
    assert refused[0].message == TAKEN and refused[0].field == "account"
    assert Application.objects.count() == 1
    assert list(Mailbox.objects.values_list("account", flat=True)) == ["samename"]
    assert VirtualUser.objects.filter(email__startswith="samename@").count() == 1
    assert list(AccountName.objects.values_list("name", flat=True)) == ["samename"]


def test_d4_9_same_name_from_two_contracts_at_once_one_application(customer, other_customer):
    results = run_together(
        browser(customer.pk, 1, account="samename"),
        browser(other_customer.pk, 1, account="samename"),
    )
    created, refused = split(results)
    assert len(created) == 1 and len(refused) == 1, results
    assert refused[0].message == TAKEN
    assert Mailbox.objects.filter(account="samename").count() == 1
    assert Application.objects.count() == MailboxOrder.objects.count() == 1


def test_d4_10_same_slot_at_once_one_application(customer):
    results = run_together(
        browser(customer.pk, 3, account="first1"), browser(customer.pk, 3, account="second2")
    )
    created, refused = split(results)
    assert len(created) == 1 and len(refused) == 1, results
    assert Application.objects.count() == 1
    (box,) = Mailbox.objects.all()
    assert box.slot == 3 and box.account == created[0].after["address"].split("@")[0]
    # The refused browser's name was never kept.
    assert list(AccountName.objects.values_list("name", flat=True)) == [box.account]


@pytest.mark.usefixtures("database_tasks")
def test_d4_10_same_slot_change_at_once_one_application(customer):
    """No worker runs meanwhile (queued tasks): both browsers see the slot as it was."""
    MailboxFactory(contract=customer.contract, slot=1, account="abcdefg")
    results = run_together(
        browser(customer.pk, 1, "change", virus_check=True),
        browser(customer.pk, 1, "delete"),
        browser(customer.pk, 1, "change", account="renamed"),
    )
    created, refused = split(results)
    assert len(created) == 1 and len(refused) == 2, results
    assert {r.message for r in refused} == {"このメールアカウントはお申込み処理中です。"}
    assert Application.objects.count() == MailboxOrder.objects.count() == 1
    renamed = created[0].after.get("address") == "renamed"
    expected = {"abcdefg", "renamed"} if renamed else {"abcdefg"}
    assert set(AccountName.objects.values_list("name", flat=True)) == expected


def test_d4_10_five_adds_at_once_never_more_than_four_mailboxes(customer):
    slots = [1, 2, 3, 4, 2]
    results = run_together(
        *(browser(customer.pk, slot, account=f"box{i}x") for i, slot in enumerate(slots))
    )
    created, refused = split(results)
    assert len(created) == 4 and len(refused) == 1, results
    boxes = Mailbox.objects.filter(contract=customer.contract)
    assert sorted(boxes.values_list("slot", flat=True)) == [1, 2, 3, 4]
    assert VirtualUser.objects.count() == 4
    assert AccountName.objects.count() == 4
    assert set(Application.objects.values_list("status", flat=True)) == {"done"}
    # A fifth is impossible afterwards too.
    for slot in (1, 5):
        with pytest.raises(services.MailboxError):
            submit(customer, slot, "add", account="fifth5")


def test_d4_10_two_browsers_fill_the_last_slot_at_once(customer):
    for slot in (1, 2, 3):
        MailboxFactory(contract=customer.contract, slot=slot)
    results = run_together(*(browser(customer.pk, 4, account=f"last{i}") for i in range(2)))
    created, refused = split(results)
    assert len(created) == 1 and len(refused) == 1, results
    assert Mailbox.objects.filter(contract=customer.contract).count() == 4


@pytest.mark.usefixtures("database_tasks")
def test_d4_7_cancel_and_claim_at_once_exactly_one_wins(customer):
    """A customer's 「キャンセル」 and a worker's claim race: 取消 or 処理中, never both."""
    for slot in (1, 2, 3):
        name = f"racer{slot}"
        application = submit(customer, slot, "add", account=name)
        cancelled, claimed = run_together(
            lambda s=slot: services.cancel_mailbox_application(
                user=User.objects.get(pk=customer.pk), slot=s
            ),
            lambda a=application: claim_application(a.pk),
        )
        application.refresh_from_db()
        order = MailboxOrder.objects.get(pk=application.pk)
        if isinstance(cancelled, Application):
            assert claimed is None, (cancelled, claimed)
            assert (application.status, application.attempts) == ("cancelled", 0)
            assert not order.pending
            assert not AccountName.objects.filter(name=name).exists()
        else:
            assert isinstance(cancelled, services.MailboxError), (cancelled, claimed)
            assert isinstance(claimed, Application), (cancelled, claimed)
            assert (application.status, application.attempts) == ("processing", 1)
            assert order.pending
            assert AccountName.objects.filter(name=name).exists()


@pytest.mark.usefixtures("database_tasks")
def test_x3_two_workers_at_once_process_an_application_once(customer, mailoutbox):
    MailboxFactory(contract=customer.contract, slot=1, account="abcdefg")
    application = submit(customer, 1, "change", account="renamed", virus_check=True)
    results = run_together(*(lambda: process_application(application.pk) for _ in range(2)))
    assert sorted(results) == [False, True], results
    application.refresh_from_db()
    assert (application.status, application.attempts) == ("done", 1)
    assert list(VirtualUser.objects.values_list("email", flat=True)) == [
        "renamed@dune.example.ne.jp"
    ]
    assert Mailbox.objects.get().account == "renamed"


@pytest.mark.usefixtures("database_tasks")
def test_d4_7_cancel_while_a_worker_processes_waits_and_is_refused(customer, monkeypatch):
    """「キャンセル」 arriving while a worker holds the contract mid-processing: the worker
    completes, the cancel is refused (no deadlock, no error page, nothing half done)."""
    application = submit(customer, 2, "add", account="hanako")
    worker_has_contract = threading.Event()
    real_contract = lifecycle.Contract

    class SlowLockContract:
        """The worker pauses after locking the contract, so that the cancel arrives then."""

        DoesNotExist = real_contract.DoesNotExist

        class objects:  # stands in for the manager
            @staticmethod
            def select_for_update(**kwargs):
                return SlowLockQuery(kwargs)

    class SlowLockQuery:
        def __init__(self, options):
            self.options = options

        def get(self, **kwargs):
            contract = real_contract.objects.select_for_update(**self.options).get(**kwargs)
            if threading.current_thread().name == "worker":
                worker_has_contract.set()
                time.sleep(0.5)  # the cancel is now waiting for its locks
            return contract

    monkeypatch.setattr(lifecycle, "Contract", SlowLockContract)

    def worker():
        threading.current_thread().name = "worker"
        return process_application(application.pk)

    def cancel():
        assert worker_has_contract.wait(10)
        return services.cancel_mailbox_application(user=User.objects.get(pk=customer.pk), slot=2)

    processed, cancelled = run_together(worker, cancel)

    assert processed is True, (processed, cancelled)
    assert isinstance(cancelled, services.MailboxError), (processed, cancelled)
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert Mailbox.objects.get().account == "hanako"
