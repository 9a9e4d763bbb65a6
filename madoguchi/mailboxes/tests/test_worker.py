"""X3, D4.8, P2: mailbox applications carried out by real ``db_worker`` processes.

The service enqueues into the database task backend (django-tasks-db); separate worker
processes, started with ``manage.py db_worker`` against the test database, do the work.
"""

import pytest
from argon2 import PasswordHasher
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.models import Application
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.factories import NEW_MAIL_PASSWORD, MailboxFactory, submit
from madoguchi.outbox.models import Mail
from madoguchi.provisioning.models import VirtualUser
from madoguchi.testing.workers import queue_settled, run_command, smtp_env, status_of, wait_for

PROCESS_TASK = "madoguchi.applications.tasks.process_application"
DELIVER_TASK = "madoguchi.outbox.tasks.deliver_mail"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def assert_provisioned(email: str) -> VirtualUser:
    row = VirtualUser.objects.get(email=email)
    assert row.password.startswith("{ARGON2ID}$argon2id$")
    assert PasswordHasher().verify(row.password.removeprefix("{ARGON2ID}"), NEW_MAIL_PASSWORD)
    return row


@pytest.fixture
def contract(customer):
    # One mailbox on arrow: the new one goes to dune.
    MailboxFactory(contract=customer.contract, slot=1, account="abcdefg")
    return customer.contract


def test_x3_d4_8_real_worker_carries_out_an_add(
    customer, contract, database_tasks, processes, smtp_server
):
    application = submit(
        customer, 2, "add", account="hanako", virus_check=True, mail_to=["boss@example.com"]
    )
    assert status_of(application) == Application.Status.ACCEPTED
    queued = DBTaskResult.objects.all()
    assert sorted(task.task_path for task in queued) == sorted([PROCESS_TASK, DELIVER_TASK])
    assert not Mailbox.objects.filter(slot=2).exists()  # nothing done by the submission

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(lambda: len(smtp_server.received) == 2)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()

    box = Mailbox.objects.get(contract=contract, slot=2)
    assert (box.address, box.virus_check) == ("hanako@dune.example.ne.jp", True)
    assert assert_provisioned("hanako@dune.example.ne.jp").virus_check is True
    assert application.attempts == 1
    assert MailboxOrder.objects.get().password_hash == ""
    recipients = sorted(mail.rcpt_to for mail in smtp_server.received)
    assert recipients == sorted([["boss@example.com"], [contract.contact_email]])
    # Both went through the outbox: sent, with the relay's reply kept.
    assert set(Mail.objects.values_list("status", flat=True)) == {Mail.Status.SENT}
    assert all(
        reply.startswith("250") for reply in Mail.objects.values_list("last_reply", flat=True)
    )


def test_x3_killed_worker_mailbox_application_completes_exactly_once(
    customer, contract, database_tasks, processes, smtp_server
):
    """kill -9 while processing: 処理中 with a lease; reconcile + a new worker finish it once."""
    slow = processes.worker(
        PROVISIONING_DELAY_SECONDS=30, APPLICATION_LEASE_SECONDS=2, **smtp_env(smtp_server)
    )
    application = submit(customer, 2, "add", account="hanako", mail_to=[])
    wait_for(lambda: status_of(application) == Application.Status.PROCESSING)
    assert application.attempts == 1

    assert slow.kill() == -9
    assert status_of(application) == Application.Status.PROCESSING
    assert not Mailbox.objects.filter(slot=2).exists()
    assert not VirtualUser.objects.filter(email__startswith="hanako@").exists()
    assert MailboxOrder.objects.get().pending is True
    assert AccountName.objects.filter(name="hanako").exists()  # still held meanwhile
    assert DBTaskResult.objects.get(task_path=PROCESS_TASK).status == "RUNNING"

    wait_for(lambda: application.lease_expires_at < timezone.now(), timeout=10, interval=0.1)
    result = run_command("reconcile")
    assert "re-enqueued 1 application(s)" in result.stdout

    fresh = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(lambda: len(smtp_server.received) == 1)
    wait_for(queue_settled)
    assert fresh.stop() == 0, fresh.output()

    assert Mailbox.objects.filter(account="hanako").count() == 1
    assert VirtualUser.objects.filter(email__startswith="hanako@").count() == 1
    assert_provisioned("hanako@dune.example.ne.jp")
    assert application.attempts == 2
    assert application.lease_expires_at is None
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].rcpt_to == [contract.contact_email]
