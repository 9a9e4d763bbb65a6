"""S3, X4: the 仮登録確認メール sent by a real ``db_worker`` process over a real local SMTP
server; its link then confirms the destination."""

import pytest
from django.test import Client

from madoguchi.alerts.models import Destination
from madoguchi.alerts.tests.factories import make_support_account
from madoguchi.alerts.tests.pages import add, confirm_url, link_token
from madoguchi.outbox.models import Mail
from madoguchi.testing.workers import queue_settled, smtp_env, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_s3_a_real_worker_sends_the_confirmation_mail(database_tasks, processes, smtp_server):
    account = make_support_account("worker@example.com")
    client = Client()
    client.force_login(account.user)
    add(client, "dest@example.org")
    assert Mail.objects.get().status == Mail.Status.PENDING  # waits for a worker

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: len(smtp_server.received) == 1)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()

    [mail] = smtp_server.received
    assert mail.rcpt_to == ["dest@example.org"]
    assert "仮登録確認" in mail.subject
    assert Mail.objects.get().status == Mail.Status.SENT
    Client().post(confirm_url(link_token(mail.text)))
    assert Destination.objects.get().status == Destination.Status.ACTIVE
