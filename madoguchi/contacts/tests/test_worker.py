"""D6.4, X3, X4: the contact person's change carried out by a real ``db_worker`` process,
its mails read from a real local SMTP server."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from madoguchi.applications.models import Application
from madoguchi.contacts.tests.pages import register
from madoguchi.contracts.tests.pages import by_id, dom, text
from madoguchi.outbox.models import Mail
from madoguchi.testing.workers import queue_settled, smtp_env, status_of, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_d6_4_x3_a_real_worker_carries_out_the_change_and_mails_go_out_over_smtp(
    customer_client,
    contract,
    database_tasks,
    processes,
    smtp_server,
):
    response = register(customer_client)
    application = Application.objects.get()
    assert response["Location"] == reverse("contacts:complete", args=[application.pk])
    # Accepted; nothing changed yet: the work and the mails wait in the database queue.
    assert status_of(application) == Application.Status.ACCEPTED
    assert DBTaskResult.objects.filter(
        task_path="madoguchi.applications.tasks.process_application"
    ).exists()
    contract.refresh_from_db()
    assert contract.contact_email == "taro@example.com"

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(lambda: len(smtp_server.received) == 3)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()

    contract.refresh_from_db()
    assert (
        contract.contact_person_name,
        contract.contact_person_phone,
        contract.contact_email,
    ) == (
        "窓口 花子",
        "03-9876-5432",
        "hanako@example.com",
    )
    by_recipient = sorted((mail.rcpt_to, "完了" in mail.subject) for mail in smtp_server.received)
    assert by_recipient == [
        (["hanako@example.com"], False),
        (["hanako@example.com"], True),
        (["taro@example.com"], False),
    ]
    for mail in smtp_server.received:
        assert application.number in mail.subject
        assert application.number in mail.text
    assert set(Mail.objects.values_list("status", flat=True)) == {Mail.Status.SENT}
    assert application.attempts == 1

    # The status page shows the new contact person once done.
    status = customer_client.get(reverse("desk:status"))
    assert "窓口 花子" in text(by_id(dom(status), "contact-person"))
    assert "hanako@example.com" in text(by_id(dom(status), "contact-person"))
