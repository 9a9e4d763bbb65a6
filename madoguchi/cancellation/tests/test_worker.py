"""D5.3, P1, P2, D1.3 through the real task backend (django-tasks-db) and a real worker.

A worker process cannot see a clock moved by ``time_machine`` in the test process, so the
clock is moved the other way: the cancellation is submitted three weeks in the past (the
test process travels there), for the first date offered then, which is now past. The real
worker, on the real clock, finds the contract due and ends it.
"""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications.models import Application
from madoguchi.cancellation import dates, services
from madoguchi.cancellation.tests.conftest import values
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import form_errors, login_data
from madoguchi.contracts.views import ENDED_CONTRACT
from madoguchi.mailboxes.models import Mailbox
from madoguchi.mailboxes.tests.factories import MailboxFactory
from madoguchi.provisioning.models import RadCheck, VirtualUser
from madoguchi.provisioning.services import network_password_hash, set_radius_password
from madoguchi.testing.workers import queue_settled, smtp_env, status_of, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_d5_3_p1_p2_d1_3_a_real_worker_ends_the_contract_on_its_date(
    customer, database_tasks, processes, smtp_server, client, password
):
    contract = customer.contract
    set_radius_password(username=customer.username, crypt_hash=network_password_hash("Ab-12345"))
    MailboxFactory(contract=contract, slot=1, account="leaving", virus_check=True)
    with time_machine.travel(timezone.now() - timedelta(days=21), tick=True):
        day = dates.offered_dates()[0]
        application = services.submit_cancellation(
            user=customer,
            values=values(date=day.isoformat(), contact_email="leaving@example.com"),
            submission_key=uuid.uuid4().hex,
            ip="192.0.2.10",
        )
    assert application.not_before == services.due_at(day) < timezone.now()
    assert status_of(application) == Application.Status.ACCEPTED

    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(lambda: len(smtp_server.received) == 2)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()

    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.ENDED
    assert not RadCheck.objects.filter(username=customer.username).exists()  # P1
    assert not VirtualUser.objects.exists() and not Mailbox.objects.exists()  # P2
    assert application.attempts == 1
    # The acceptance and the completion, both to the contact address entered.
    assert [mail.rcpt_to for mail in smtp_server.received] == [["leaving@example.com"]] * 2
    subjects = sorted(mail.message["Subject"] for mail in smtp_server.received)
    assert any("廃止のお申込みを受け付けました" in subject for subject in subjects)
    assert any("お申込みが完了しました" in subject for subject in subjects)
    # D1.3: the login is refused, saying why.
    response = client.post(reverse("desk:login"), login_data(customer.username, password))
    assert form_errors(response) == [ENDED_CONTRACT]
