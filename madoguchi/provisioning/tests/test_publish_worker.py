"""P1, D3.4, X3: the network credential published by real ``db_worker`` processes.

The desk views enqueue into the database task backend (django-tasks-db); separate worker
processes, started with ``manage.py db_worker`` against the test database, do the work.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from passlib.hash import sha512_crypt

from madoguchi.applications.models import Application
from madoguchi.applications.services import reconcile_applications
from madoguchi.provisioning.models import RadCheck
from madoguchi.testing.workers import (
    queue_settled,
    run_command,
    smtp_env,
    status_of,
    submit_password_change,
    wait_for,
)

NEW = "Abc-1234"
PUBLISH_TASK = "madoguchi.applications.tasks.process_application"
MAIL_TASK = "madoguchi.outbox.tasks.deliver_mail"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def assert_published(username: str, password: str) -> RadCheck:
    row = RadCheck.objects.get(username=username)
    assert (row.attribute, row.op) == ("Crypt-Password", ":=")
    assert row.value.startswith("$6$rounds=")
    assert sha512_crypt.verify(password, row.value)
    return row


def test_p1_d3_4_real_worker_publishes_crypt_password(
    customer_client, customer, password, database_tasks, processes, smtp_server
):
    """P1/D3.4: the change is queued in the database; a real worker publishes it.

    radcheck gets ``Crypt-Password := $6$rounds=…`` (SHA-512-crypt, which FreeRADIUS's PAP
    module verifies), the application goes 受付 → 完了 well within 5 minutes.
    """
    submit_password_change(customer_client, current=password, new=NEW)
    application = Application.objects.get()
    assert application.status == Application.Status.ACCEPTED
    assert application.get_status_display() == "受付"
    queued = DBTaskResult.objects.all()
    assert sorted(task.task_path for task in queued) == sorted([MAIL_TASK, PUBLISH_TASK])
    assert {task.status for task in queued} == {"READY"}
    (process,) = [task for task in queued if task.task_path == PUBLISH_TASK]
    assert process.args_kwargs == {"args": [], "kwargs": {"application_id": application.pk}}
    assert not RadCheck.objects.exists()  # nothing published by the web request itself

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)

    row = assert_published(customer.username, NEW)
    assert not sha512_crypt.verify(password, row.value)
    assert application.get_status_display() == "完了"
    assert application.attempts == 1
    assert application.finished_at - application.submitted_at < timedelta(minutes=5)
    wait_for(lambda: len(smtp_server.received) == 1)
    wait_for(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2)
    assert worker.stop() == 0, worker.output()
    assert len(smtp_server.received) == 1
    # D3.4: the portal uses the new password at once.
    customer.refresh_from_db()
    assert customer.check_password(NEW)


def test_x3_killed_worker_delays_but_never_loses_the_work(
    customer_client, customer, password, database_tasks, processes, smtp_server
):
    """X3 (issue: kill -9): a worker killed mid-task leaves a 処理中 application with a lease;
    once the lease expires, ``reconcile`` re-enqueues it and another worker does it, once."""
    slow = processes.worker(
        PROVISIONING_DELAY_SECONDS=30, APPLICATION_LEASE_SECONDS=2, **smtp_env(smtp_server)
    )
    submit_password_change(customer_client, current=password, new=NEW)
    application = Application.objects.get()
    wait_for(lambda: status_of(application) == Application.Status.PROCESSING)
    assert application.attempts == 1

    assert slow.kill() == -9
    assert not RadCheck.objects.exists()
    assert status_of(application) == Application.Status.PROCESSING
    # The task queue alone would never finish it: the dead worker's task stays "running".
    assert DBTaskResult.objects.get(task_path=PUBLISH_TASK).status == "RUNNING"

    wait_for(lambda: application.lease_expires_at < timezone.now(), timeout=10, interval=0.1)
    result = run_command("reconcile")
    assert "re-enqueued 1 application(s)" in result.stdout

    fresh = processes.worker(PROVISIONING_DELAY_SECONDS=0, **smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(queue_settled)
    assert fresh.stop() == 0, fresh.output()

    assert RadCheck.objects.count() == 1
    assert_published(customer.username, NEW)
    assert application.attempts == 2
    assert application.lease_expires_at is None
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].rcpt_to == [customer.contract.contact_email]


def test_x3_worker_down_at_change_time_publishes_when_it_returns(
    customer_client, customer, password, database_tasks, processes, smtp_server, settings
):
    """Issue "faults" / D3.4: no worker at change time → 受付, status page says 反映中; when a
    worker comes back (after reconcile has re-enqueued it too) it is published once."""
    submit_password_change(customer_client, current=password, new=NEW)
    application = Application.objects.get()

    page = customer_client.get(reverse("desk:status")).content.decode()
    assert 'class="status">反映中</td>' in page
    assert application.number in page
    assert status_of(application) == Application.Status.ACCEPTED
    assert not RadCheck.objects.exists()

    # Time passes with the worker down; the reconcile loop enqueues the work again.
    settings.APPLICATION_STALE_SECONDS = 0
    assert reconcile_applications() == 1
    assert DBTaskResult.objects.filter(task_path=PUBLISH_TASK).count() == 2

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()

    assert_published(customer.username, NEW)
    assert application.attempts == 1  # the second wake-up found nothing to do
    assert len(smtp_server.received) == 1
    page = customer_client.get(reverse("desk:status")).content.decode()
    assert "反映中" not in page
    assert "お手続き中のお申込みはありません。" in page
