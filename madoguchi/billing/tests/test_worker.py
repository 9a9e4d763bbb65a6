"""D6.2, D6.3, P3: billing applications carried out by a real ``db_worker`` process, mails
read from a real local SMTP server."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.billing import services
from madoguchi.contracts.models import Contract
from madoguchi.provisioning.models import BillingChange
from madoguchi.testing.workers import queue_settled, smtp_env, status_of, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

OTHER = "keiri@example.org"


def test_d6_2_p3_real_worker_changes_the_address(customer, database_tasks, processes, smtp_server):
    application = services.submit_billing_address(
        user=customer,
        values={
            "postal_code": "530-0001",
            "address": "大阪府大阪市北区梅田1-2-3",
            "company": "",
            "department": "経理部",
            "addressee": "",
        },
        submission_key="worker-address",
    )
    assert status_of(application) == Application.Status.ACCEPTED
    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(lambda: len(smtp_server.received) == 2)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()
    contract = Contract.objects.get(pk=customer.contract_id)
    assert contract.billing_address == "大阪府大阪市北区梅田1-2-3"
    assert BillingChange.objects.get().values["department"] == "経理部"
    subjects = sorted(mail.subject for mail in smtp_server.received)
    assert all(mail.rcpt_to == [contract.contact_email] for mail in smtp_server.received)
    assert any("完了しました" in subject for subject in subjects)
    done = next(m for m in smtp_server.received if "完了しました" in m.subject)
    assert "住所：大阪府大阪市北区梅田1-2-3" in done.text


def test_d6_3_p3_real_worker_waits_for_the_confirmation_link(
    customer, database_tasks, processes, smtp_server
):
    application = services.submit_billing_notice(
        user=customer,
        method="mail",
        source="other",
        email=OTHER,
        submission_key="worker-notice",
        link_base="http://testserver/",
    )
    worker = processes.worker(**smtp_env(smtp_server))
    wait_for(lambda: len(smtp_server.received) == 2)  # acceptance + confirmation request
    wait_for(queue_settled)
    assert status_of(application) == Application.Status.AWAITING  # the worker left it alone
    confirmation = next(m for m in smtp_server.received if m.rcpt_to == [OTHER])
    link = re.search(r"http://testserver(/applications/confirm/\S+/)", confirmation.text)[1]

    response = Client().post(link)
    assert response.status_code == 200
    wait_for(lambda: status_of(application) == Application.Status.DONE)
    wait_for(lambda: len(smtp_server.received) == 3)
    wait_for(queue_settled)
    assert worker.stop() == 0, worker.output()
    contract = Contract.objects.get(pk=customer.contract_id)
    assert (contract.billing_notice_method, contract.billing_notice_email) == ("mail", OTHER)
    assert BillingChange.objects.get().values == {"method": "mail", "email": OTHER}
    done = smtp_server.received[-1]
    assert done.rcpt_to == [contract.contact_email]
    assert "送付先メールアドレス：keiri@example.org" in done.text
    assert reverse("applications:confirm", args=["x"]).startswith("/applications/confirm/")
