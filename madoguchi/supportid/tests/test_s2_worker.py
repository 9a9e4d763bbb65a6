"""S2, X4: the registration's confirmation mail is sent by a real ``db_worker`` process over a
real local SMTP server, and its link confirms the ID; the reset mail follows the same way."""

import pytest
from django.test import Client

from madoguchi.outbox.models import Mail
from madoguchi.supportid import services
from madoguchi.supportid.models import SupportAccount
from madoguchi.supportid.tests.journeys import FORGOT, NEW_PASSWORD, link_to, register
from madoguchi.testing.workers import (  # noqa: F401 (fixtures)
    database_tasks,
    processes,
    queue_settled,
    smtp_env,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_s2_a_real_worker_sends_the_confirmation_and_the_reset_link(
    database_tasks,  # noqa: F811
    processes,  # noqa: F811
    smtp_server,
    monkeypatch,
):
    monkeypatch.setattr(services, "STEADY_SECONDS", 0)
    client = Client()
    assert register(client).status_code == 302
    assert Mail.objects.get().status == Mail.Status.PENDING  # waits for a worker

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: len(smtp_server.received) == 1)
    confirmation = smtp_server.received[0]
    assert confirmation.rcpt_to == ["hanako@example.com"]
    path = link_to(confirmation, "/register/confirm/")
    assert "本登録が完了しました" in client.post(path).content.decode()
    assert SupportAccount.objects.get().is_confirmed

    client.post(FORGOT, {"email": "hanako@example.com"})
    wait_for(lambda: len(smtp_server.received) == 2)
    reset = link_to(smtp_server.received[1], "/password/reset/")
    done = client.post(reset, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert "パスワードを再設定しました" in done.content.decode()
    wait_for(lambda: len(smtp_server.received) == 3)  # 「パスワードを再設定しました」
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()
    assert set(Mail.objects.values_list("status", flat=True)) == {Mail.Status.SENT}
    assert SupportAccount.objects.get().user.check_password(NEW_PASSWORD)
