"""S5, X4: the confirmation mail and an operator's reply sent by a real ``db_worker``
process over a real local SMTP server."""

import pytest
from django.test import Client

from madoguchi.contracts.tests.factories import OperatorFactory
from madoguchi.inquiries import services
from madoguchi.inquiries.models import Inquiry
from madoguchi.inquiries.tests.pages import send, values
from madoguchi.outbox.models import Mail
from madoguchi.testing.workers import queue_settled, smtp_env, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_s5_a_real_worker_sends_the_confirmation_and_the_reply(
    database_tasks, processes, smtp_server
):
    send(Client(), values(subject="ワーカー経由の確認"))
    inquiry = Inquiry.objects.get()
    assert Mail.objects.get().status == Mail.Status.PENDING  # waits for a worker

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: len(smtp_server.received) == 1)
    operator = OperatorFactory(username="worker-op")
    services.send_reply(
        inquiry=inquiry,
        body="回答いたします。",
        operator=operator,
        submission_key="w" * 32,
        ip=None,
    )
    wait_for(lambda: len(smtp_server.received) == 2)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()

    received, reply = smtp_server.received
    assert received.rcpt_to == reply.rcpt_to == ["taro@example.com"]
    assert inquiry.number in received.subject and "ワーカー経由の確認" in received.text
    assert inquiry.number in reply.subject and "回答いたします。" in reply.text
    assert set(Mail.objects.values_list("status", flat=True)) == {Mail.Status.SENT}
