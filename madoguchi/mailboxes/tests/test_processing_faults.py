"""D4.8, X3: a name taken by the time of processing, two workers on one application, and
outcome mails that were never sent."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from madoguchi.applications import services as lifecycle
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    claim_application,
    fail_application_by_operator,
    process_application,
)
from madoguchi.mailboxes import services
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.factories import NEW_MAIL_PASSWORD, submit
from madoguchi.outbox.models import Mail
from madoguchi.outbox.services import reconcile_outbox
from madoguchi.provisioning.models import VirtualDomain, VirtualUser

pytestmark = pytest.mark.django_db

ARROW, DUNE = "arrow.example.ne.jp", "dune.example.ne.jp"
DELIVER_TASK = "madoguchi.outbox.tasks.deliver_mail"


def names() -> set[str]:
    return set(AccountName.objects.values_list("name", flat=True))


def foreign_mailbox(email: str) -> VirtualUser:
    """A mailbox the mail system has but the portal does not know (made outside the portal)."""
    domain, _ = VirtualDomain.objects.get_or_create(name=email.partition("@")[2])
    return VirtualUser.objects.create(
        domain=domain, email=email, password="{ARGON2ID}$argon2id$x", maildir="x/"
    )


def assert_failed_as_taken(application, customer, mailoutbox):
    assert application.status == Application.Status.FAILED
    assert application.get_status_display() == "失敗"
    assert application.failure_reason == services.NAME_TAKEN_REASON
    assert "既に使用されていた" in application.failure_reason
    order = MailboxOrder.objects.get(application=application)
    assert (order.pending, order.password_hash) == (False, "")
    contact = customer.contract.contact_email
    outcome = [mail for mail in mailoutbox if "完了できませんでした" in mail.subject]
    assert len(outcome) == 1
    assert outcome[0].to == [contact]
    assert outcome[0].subject == (
        f"【madoguchi】{application.get_kind_display()}のお申込みを完了できませんでした"
        f"（{application.number}）"
    )
    assert services.NAME_TAKEN_REASON in outcome[0].body


@pytest.mark.parametrize("host", [ARROW, DUNE], ids=["on-the-chosen-host", "on-another-host"])
def test_d4_8_add_of_a_name_taken_meanwhile_fails_with_a_mail(customer, process, mailoutbox, host):
    """The mail system already has ``hanako@<a pool host>``: the add fails, nothing is made."""
    application = submit(customer, 1, "add", account="hanako")
    foreign = foreign_mailbox(f"hanako@{host}")

    assert process(application) is True

    assert_failed_as_taken(application, customer, mailoutbox)
    assert not Mailbox.objects.exists()
    assert list(VirtualUser.objects.all()) == [foreign]  # the mail system's own is untouched
    assert foreign.password == VirtualUser.objects.get().password
    assert names() == set()  # the reservation is released
    slot = services.get_slot(customer.contract, 1)
    assert (slot.state, slot.can_add, slot.order) == ("追加可能", True, None)


def test_d4_8_rename_to_a_name_taken_meanwhile_fails_and_keeps_the_mailbox(
    customer, mailbox, process, mailoutbox
):
    contract = customer.contract
    contract.billing_notice_email = mailbox.address
    contract.save()
    application = submit(customer, 1, "change", account="hanako", virus_check=True)
    foreign_mailbox("hanako@dune.example.ne.jp")

    process(application)

    assert_failed_as_taken(application, customer, mailoutbox)
    mailbox.refresh_from_db()
    assert (mailbox.address, mailbox.virus_check) == ("abcdefg@arrow.example.ne.jp", False)
    assert VirtualUser.objects.filter(email="abcdefg@arrow.example.ne.jp").exists()
    assert names() == {"abcdefg"}
    contract.refresh_from_db()
    assert contract.billing_notice_email == "abcdefg@arrow.example.ne.jp"
    assert services.get_slot(contract, 1).state == "変更・削除可能"


def test_x3_worker_whose_lease_expired_does_not_redo_finished_work(
    customer, mailbox, process, mailoutbox, monkeypatch
):
    """Worker A claims and stalls past its lease; worker B takes over and completes; when A
    resumes it must change nothing (no second rename, no password wiped, no second mail)."""
    application = submit(customer, 1, "change", account="newname", virus_check=True)
    stalled = claim_application(application.pk)  # worker A
    Application.objects.filter(pk=application.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert process(application) is True  # worker B
    assert (application.status, application.attempts) == (Application.Status.DONE, 2)
    done = list(VirtualUser.objects.values_list("email", "password", "virus_check"))
    mails = len(mailoutbox)

    monkeypatch.setattr(lifecycle, "claim_application", lambda application_id: stalled)
    process(application)  # worker A resumes with the application it claimed

    assert list(VirtualUser.objects.values_list("email", "password", "virus_check")) == done
    ((email, password_hash, _),) = done
    assert email == "newname@dune.example.ne.jp"
    assert PasswordHasher().verify(password_hash.removeprefix("{ARGON2ID}"), NEW_MAIL_PASSWORD)
    mailbox.refresh_from_db()
    assert mailbox.address == "newname@dune.example.ne.jp"
    application.refresh_from_db()
    assert (application.status, application.attempts) == (Application.Status.DONE, 2)
    assert len(mailoutbox) == mails
    assert names() == {"newname"}


@pytest.mark.usefixtures("database_tasks")
def test_x3_reconcile_wakes_a_worker_for_unsent_outcome_mails(customer, mailbox, settings):
    """Outcome mails whose wake-up was lost are in the outbox; reconcile wakes a worker for
    them once they are overdue (and not for a mail that was just queued)."""
    settings.APPLICATION_STALE_SECONDS = 60
    long_ago = timezone.now() - timedelta(minutes=5)
    done = submit(customer, 2, "add", account="hanako")
    failed = submit(customer, 3, "add", account="jiro")
    fresh = submit(customer, 1, "change", virus_check=True)
    process_application(done.pk)
    foreign_mailbox("jiro@dune.example.ne.jp")
    foreign_mailbox("jiro@arrow.example.ne.jp")
    process_application(failed.pk)
    process_application(fresh.pk)
    # The on-commit wake-ups of the outcome mails were lost (the test never commits).
    assert not DBTaskResult.objects.exists()
    Mail.objects.filter(reference__in=[done.number, failed.number]).update(not_before=long_ago)

    assert reconcile_outbox() == 2

    assert [task.task_path for task in DBTaskResult.objects.all()] == [DELIVER_TASK]
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {Application.Status.DONE, Application.Status.FAILED}


def test_x3_reconciled_outcome_mail_is_sent_once(customer, mailbox, settings, mailoutbox):
    """With a worker at hand (immediate backend), the woken mail goes out, once."""
    settings.APPLICATION_STALE_SECONDS = 60
    application = submit(customer, 2, "add", account="hanako")
    process_application(application.pk)
    Mail.objects.update(not_before=timezone.now() - timedelta(minutes=5))
    assert mailoutbox == []

    assert reconcile_outbox() == 1
    assert reconcile_outbox() == 0

    (mail,) = mailoutbox
    assert mail.to == [customer.contract.contact_email]
    assert "メールアカウント追加のお申込みが完了しました" in mail.subject
    assert Mail.objects.get().status == Mail.Status.SENT


def test_x3_b1_worker_resuming_after_an_operator_failed_it_changes_nothing(
    customer,
    mailbox,
    operator,
    process,
    mailoutbox,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """Worker A stalls past its lease; an operator fails the application (B1); A resumes."""
    application = submit(customer, 2, "add", account="hanako")
    stalled = claim_application(application.pk)
    Application.objects.filter(pk=application.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        fail_application_by_operator(
            application=application,
            operator=operator,
            reason="お客様からのご依頼により取り消しました。",
        )

    monkeypatch.setattr(lifecycle, "claim_application", lambda application_id: stalled)
    assert process(application) is False

    assert application.status == Application.Status.FAILED
    assert not Mailbox.objects.filter(slot=2).exists()
    assert not VirtualUser.objects.filter(email__startswith="hanako@").exists()
    assert names() == {"abcdefg"}
    assert [mail.subject for mail in mailoutbox] == [
        f"【madoguchi】メールアカウント追加のお申込みを完了できませんでした（{application.number}）"
    ]
