"""D4.7: 「キャンセル」 withdraws a pending application until a worker has started it."""

import pytest

from madoguchi.applications.models import Application
from madoguchi.applications.services import claim_application, process_application
from madoguchi.audit.models import AuditEntry
from madoguchi.mailboxes import services
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.factories import submit
from madoguchi.provisioning.models import VirtualUser

pytestmark = pytest.mark.django_db

ADD, CHANGE, DELETE = "add", "change", "delete"
NOT_CANCELLABLE = "お申込みの処理が始まっているため、キャンセルできませんでした。"
NOTHING_TO_CANCEL = "キャンセルできるお申込みはありません。"


def names() -> set[str]:
    return set(AccountName.objects.values_list("name", flat=True))


def cancel(user, slot):
    return services.cancel_mailbox_application(user=user, slot=slot, ip="192.0.2.20")


def test_d4_7_cancel_a_pending_add_frees_slot_and_name(customer, mailbox, other_customer, apply):
    application = submit(customer, 2, ADD, account="hanako", virus_check=True)
    assert services.get_slot(customer.contract, 2).state == "お申込み処理中"

    cancelled = cancel(customer, 2)

    assert cancelled == application
    application.refresh_from_db()
    assert application.status == Application.Status.CANCELLED
    assert application.get_status_display() == "取消"
    assert application.finished_at is not None
    slot = services.get_slot(customer.contract, 2)
    assert (slot.state, slot.can_add, slot.order, slot.mailbox) == ("追加可能", True, None, None)
    order = MailboxOrder.objects.get()
    assert (order.pending, order.password_hash) == (False, "")
    assert names() == {"abcdefg"}
    audit = AuditEntry.objects.get(action="application.mailbox_add.cancelled")
    assert (audit.actor, audit.contract, audit.target, audit.ip_address) == (
        customer,
        customer.contract,
        application.number,
        "192.0.2.20",
    )
    # A worker arriving afterwards does nothing.
    assert process_application(application.pk) is False
    assert not Mailbox.objects.filter(slot=2).exists()
    # The name is free: another contract takes it, and the slot takes a new application.
    taken = apply(other_customer, 1, ADD, account="hanako")
    assert taken.status == Application.Status.DONE
    assert Mailbox.objects.get(account="hanako").contract == other_customer.contract
    assert submit(customer, 2, ADD, account="hanako2").status == Application.Status.ACCEPTED


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [(CHANGE, {"virus_check": True}), (CHANGE, {"account": "newname"}), (DELETE, {})],
    ids=["virus", "rename", "delete"],
)
def test_d4_7_cancel_a_pending_change_restores_the_slot(customer, mailbox, action, kwargs):
    application = submit(customer, 1, action, **kwargs)
    cancel(customer, 1)

    application.refresh_from_db()
    assert application.status == Application.Status.CANCELLED
    slot = services.get_slot(customer.contract, 1)
    assert (slot.state, slot.can_change, slot.mailbox) == ("変更・削除可能", True, mailbox)
    mailbox.refresh_from_db()
    assert (mailbox.address, mailbox.virus_check) == ("abcdefg@arrow.example.ne.jp", False)
    assert names() == {"abcdefg"}
    assert list(VirtualUser.objects.values_list("email", "virus_check")) == [
        ("abcdefg@arrow.example.ne.jp", False)
    ]
    assert AuditEntry.objects.filter(action="application.mailbox_change.cancelled").count() == (
        action == CHANGE
    )


def test_d4_7_cancel_after_a_worker_claimed_is_refused(customer, mailbox):
    application = submit(customer, 2, ADD, account="hanako")
    assert claim_application(application.pk) is not None  # 処理中

    with pytest.raises(services.MailboxError) as refused:
        cancel(customer, 2)

    assert refused.value.message == NOT_CANCELLABLE
    application.refresh_from_db()
    assert application.status == Application.Status.PROCESSING
    assert application.get_status_display() == "処理中"
    assert MailboxOrder.objects.get().pending is True
    assert names() == {"abcdefg", "hanako"}
    assert services.get_slot(customer.contract, 2).state == "お申込み処理中"
    assert not services.get_slot(customer.contract, 2).can_cancel
    assert not AuditEntry.objects.filter(action__endswith=".cancelled").exists()


def test_d4_7_cancel_after_done_is_refused(customer, mailbox, apply):
    application = apply(customer, 2, ADD, account="hanako")
    assert application.status == Application.Status.DONE

    with pytest.raises(services.MailboxError) as refused:
        cancel(customer, 2)

    assert refused.value.message == NOTHING_TO_CANCEL
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    assert Mailbox.objects.get(slot=2).account == "hanako"
    assert names() == {"abcdefg", "hanako"}


def test_d4_7_cancel_with_nothing_pending_is_refused(customer, mailbox):
    for slot in (1, 2, 0, 5):
        with pytest.raises(services.MailboxError, match=NOTHING_TO_CANCEL):
            cancel(customer, slot)
    assert not Application.objects.exists()


def test_d4_7_claim_then_cancel_the_worker_wins(customer, mailbox):
    application = submit(customer, 2, ADD, account="hanako")
    claimed = claim_application(application.pk)
    assert claimed is not None
    with pytest.raises(services.MailboxError, match=NOT_CANCELLABLE):
        cancel(customer, 2)
    application.refresh_from_db()
    assert application.status == Application.Status.PROCESSING
    assert names() == {"abcdefg", "hanako"}


def test_d4_7_cancel_then_claim_the_customer_wins(customer, mailbox):
    application = submit(customer, 2, ADD, account="hanako")
    cancel(customer, 2)
    assert claim_application(application.pk) is None
    assert process_application(application.pk) is False
    application.refresh_from_db()
    assert (application.status, application.attempts) == (Application.Status.CANCELLED, 0)
    assert not Mailbox.objects.filter(slot=2).exists()
    assert not VirtualUser.objects.filter(email__startswith="hanako@").exists()
    assert names() == {"abcdefg"}


def test_d4_7_cancel_twice_cancels_once(customer, mailbox):
    submit(customer, 1, CHANGE, virus_check=True)
    cancel(customer, 1)
    with pytest.raises(services.MailboxError, match=NOTHING_TO_CANCEL):
        cancel(customer, 1)
    assert AuditEntry.objects.filter(action__endswith=".cancelled").count() == 1
