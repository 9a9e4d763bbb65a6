"""X4, D5.3: who is told of an outcome — the contract's contact address unless the kind
names its own (``Kind.outcome_to``); a withdrawal with a reason says it."""

import pytest

from madoguchi.applications import registry
from madoguchi.applications.services import cancel_application, complete_application
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.lib.emails import render_email
from madoguchi.outbox.models import Mail
from madoguchi.testing.kinds import MANUAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_contact_kind():
    kind = registry.register(
        registry.Kind(
            code="test_own_contact",
            label="連絡先つきのお申込み",
            outcome_to=lambda application: [application.after["contact"]],
            cancellable=True,
        )
    )
    yield kind
    registry.unregister(kind.code)


def test_x4_outcome_mail_goes_to_the_contracts_contact_address_by_default(customer, manual_kind):
    application = ApplicationFactory(submitted_by=customer, kind=MANUAL.code, after={})
    complete_application(application)
    assert Mail.objects.get().to == customer.contract.contact_email


def test_d5_3_a_kind_may_send_its_outcome_to_the_address_of_the_application(
    customer, own_contact_kind
):
    application = ApplicationFactory(
        submitted_by=customer, kind=own_contact_kind.code, after={"contact": "own@example.com"}
    )
    complete_application(application)
    assert Mail.objects.get().to == "own@example.com"


def test_d4_7_a_withdrawal_by_the_customer_reads_as_their_request(customer, manual_kind):
    application = ApplicationFactory(submitted_by=customer, kind=MANUAL.code, after={})
    cancel_application(application, actor=customer)
    mail = Mail.objects.get()
    body = render_email(mail.template, mail.context)[1]
    assert "次のお申込みを、ご依頼により取り消しました。" in body
    assert "■理由" not in body


def test_d5_3_a_withdrawal_with_a_reason_says_it(customer, manual_kind):
    application = ApplicationFactory(submitted_by=customer, kind=MANUAL.code, after={})
    cancel_application(application, actor=customer, reason="ご契約の廃止を受け付けたため。")
    application.refresh_from_db()
    assert application.failure_reason == "ご契約の廃止を受け付けたため。"
    mail = Mail.objects.get()
    body = render_email(mail.template, mail.context)[1]
    assert "次のお申込みを取り消しました。" in body
    assert "■理由\nご契約の廃止を受け付けたため。" in body
