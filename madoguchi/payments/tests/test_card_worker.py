"""D6.1, P3, X3: the switch to a card carried out by a real ``db_worker`` process, its mails
read from a real SMTP server."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.models import Application
from madoguchi.contracts.models import Contract
from madoguchi.payments.tests.helpers import post_card, token_for
from madoguchi.provisioning.models import BillingChange
from madoguchi.testing.drafts import with_draft_token
from madoguchi.testing.workers import queue_settled, smtp_env, status_of, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_d6_1_p3_real_worker_switches_to_the_card_and_mails_twice(
    customer_client, customer, database_tasks, processes, smtp_server
):
    contract = customer.contract
    assert post_card(customer_client, token_for()).status_code == 302
    response = customer_client.post(
        reverse("payments:card_confirm"), with_draft_token(customer_client, "billing_card")
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert status_of(application) == Application.Status.ACCEPTED
    assert DBTaskResult.objects.filter(
        task_path="madoguchi.applications.tasks.process_application"
    ).exists()
    contract.refresh_from_db()
    assert contract.payment_method == Contract.PaymentMethod.INVOICE  # nothing done yet

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(lambda: len(smtp_server.received) == 2)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()

    contract.refresh_from_db()
    assert contract.payment_method == Contract.PaymentMethod.CARD
    assert contract.card_masked == "VISA ****-****-****-4242（有効期限 12/39）"
    change = BillingChange.objects.get()
    assert change.values == {"payment_method": "card", "card_token": contract.card_token}
    mails = smtp_server.received
    assert [mail.rcpt_to for mail in mails] == [[contract.contact_email]] * 2
    texts = sorted(mail.text for mail in mails)
    assert any("受け付けました" in text for text in texts)
    assert any("処理が完了しました" in text for text in texts)
    for mail in mails:
        assert application.number in mail.text
        assert "VISA ****-****-****-4242" in mail.text
        assert b"4242424242424242" not in mail.raw
        assert contract.card_token.encode() not in mail.raw
    assert len(smtp_server.received) == 2
