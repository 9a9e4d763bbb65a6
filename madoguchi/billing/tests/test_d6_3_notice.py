"""D6.3 「口座振替のお知らせ」の送付方法: 郵送 or メール (one of the contract's mail accounts, or
another address confirmed by a mailed link before it takes effect), X1, X2, X5, D4.10, P3."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.applications import services as lifecycle
from madoguchi.applications.models import Application
from madoguchi.billing import services
from madoguchi.billing.forms import DESTINATION_REQUIRED, EMAIL_MISMATCH, METHOD_REQUIRED
from madoguchi.billing.services import BILLING_NOTICE
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import field_errors, form_errors, page_text
from madoguchi.mailboxes.tests.factories import MailboxFactory
from madoguchi.outbox.models import Mail
from madoguchi.provisioning.models import BillingChange
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

INPUT = reverse("desk:billing_notice")
CONFIRM = reverse("desk:billing_notice_confirm")
OTHER = "keiri@example.org"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def mailboxes(customer):
    return [
        MailboxFactory(contract=customer.contract, slot=1, account="taro"),
        MailboxFactory(contract=customer.contract, slot=2, account="hanako"),
    ]


def register(client, capture, data):
    response = client.post(INPUT, data)
    assert response.status_code == 302, page_text(response)
    with capture():
        return client.post(CONFIRM, with_draft_token(client, BILLING_NOTICE))


def contract_of(customer) -> Contract:
    return Contract.objects.get(pk=customer.contract_id)


def test_d6_3_input_offers_post_mail_and_the_contracts_accounts(customer_client, mailboxes):
    text = page_text(customer_client.get(INPUT))
    assert "STEP1 入力" in text
    for label in (
        "郵送",
        "メール",
        mailboxes[0].address,
        mailboxes[1].address,
        "その他のメールアドレス",
    ):
        assert label in text


def test_d6_3_mail_to_a_contract_account_takes_effect_at_once(
    customer_client, customer, mailboxes, capture
):
    address = mailboxes[1].address
    response = register(customer_client, capture, {"method": "mail", "destination": address})
    application = Application.objects.get()
    assert response["Location"] == reverse("desk:billing_notice_complete", args=[application.pk])
    assert application.status == Application.Status.DONE
    contract = contract_of(customer)
    assert (contract.billing_notice_method, contract.billing_notice_email) == ("mail", address)
    assert not Mail.objects.filter(template="application_confirmation").exists()
    templates = set(Mail.objects.filter(reference=application.number).values_list("template", "to"))
    assert templates == {
        ("application_accepted", contract.contact_email),
        ("application_done", contract.contact_email),
    }
    change = BillingChange.objects.get()
    assert (change.kind, change.values) == (BILLING_NOTICE, {"method": "mail", "email": address})
    status = page_text(customer_client.get(reverse("desk:status")))
    assert f"メール（{address}）" in status


def test_d6_3_back_to_post(customer_client, customer, mailboxes, capture):
    Contract.objects.filter(pk=customer.contract_id).update(
        billing_notice_method="mail", billing_notice_email=mailboxes[0].address
    )
    register(customer_client, capture, {"method": "post"})
    contract = contract_of(customer)
    assert (contract.billing_notice_method, contract.billing_notice_email) == ("post", "")
    assert BillingChange.objects.get().values == {"method": "post", "email": ""}


def test_d6_3_another_address_waits_for_its_confirmation(customer_client, customer, capture):
    data = {"method": "mail", "destination": "other", "email": OTHER, "email_confirm": OTHER}
    customer_client.post(INPUT, data)
    confirm_page = page_text(customer_client.get(CONFIRM))
    assert f"ご指定のメールアドレス（{OTHER}）に確認用のURLをお送りします" in confirm_page
    with capture():
        response = customer_client.post(CONFIRM, with_draft_token(customer_client, BILLING_NOTICE))
    application = Application.objects.get()
    assert application.status == Application.Status.AWAITING
    contract = contract_of(customer)
    assert contract.billing_notice_method == "post"  # not yet
    assert not BillingChange.objects.exists()
    complete = page_text(customer_client.get(response["Location"]))
    assert "メール確認待ち" in complete
    assert f"ご指定のメールアドレス（{OTHER}）に確認用のURLをお送りしました" in complete
    assert "メール確認待ち" in page_text(customer_client.get(reverse("desk:status")))
    # A second change is refused while it waits.
    assert "お手続き中のため" in page_text(customer_client.get(INPUT))

    confirmation = Mail.objects.get(template="application_confirmation")
    assert confirmation.to == OTHER
    path = re.sub(r"^http://testserver", "", confirmation.context["link"])
    with capture():
        Client().post(path)
    application.refresh_from_db()
    assert application.status == Application.Status.DONE
    contract = contract_of(customer)
    assert (contract.billing_notice_method, contract.billing_notice_email) == ("mail", OTHER)
    assert BillingChange.objects.get().values == {"method": "mail", "email": OTHER}
    done = Mail.objects.get(reference=application.number, template="application_done")
    assert done.to == contract.contact_email


def test_d6_3_an_account_typed_as_another_address_needs_no_confirmation(
    customer_client, customer, mailboxes, capture
):
    address = mailboxes[0].address
    data = {"method": "mail", "destination": "other", "email": address, "email_confirm": address}
    register(customer_client, capture, data)
    assert Application.objects.get().status == Application.Status.DONE
    assert not Mail.objects.filter(template="application_confirmation").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, None, METHOD_REQUIRED),
        ({"method": "fax"}, None, METHOD_REQUIRED),
        ({"method": "mail"}, None, DESTINATION_REQUIRED),
        ({"method": "mail", "destination": "someone@example.net"}, None, DESTINATION_REQUIRED),
        (
            {"method": "mail", "destination": "other", "email_confirm": OTHER},
            "email",
            "メールアドレスを入力してください。",
        ),
        (
            {"method": "mail", "destination": "other", "email": OTHER},
            "email_confirm",
            "メールアドレス（確認用）を入力してください。",
        ),
        (
            {
                "method": "mail",
                "destination": "other",
                "email": OTHER,
                "email_confirm": "x@example.org",
            },
            "email_confirm",
            EMAIL_MISMATCH,
        ),
        (
            {
                "method": "mail",
                "destination": "other",
                "email": "not an address",
                "email_confirm": "not an address",
            },
            "email",
            "メールアドレスを正しく入力してください。",
        ),
        (
            {"method": "mail", "destination": "other", "email": "a" * 250 + "@example.org"},
            "email",
            "メールアドレスは254文字以内で入力してください。",
        ),
        (
            {"method": "mail", "destination": "other", "email": "a\u200b@example.org"},
            "email",
            None,
        ),
        (
            {"method": "mail", "destination": "other", "email": "<script>@example.org"},
            "email",
            "メールアドレスを正しく入力してください。",
        ),
    ],
)
def test_d6_3_x5_bad_input_is_refused(customer_client, mailboxes, data, field, message):
    response = customer_client.post(INPUT, data)
    assert response.status_code == 200
    if field is None:
        assert message in page_text(response)
    elif message is None:
        assert field_errors(response, field)
    else:
        assert message in field_errors(response, field)
    assert b"<script>@" not in response.content
    assert not Application.objects.exists()


def test_d6_3_unchanged_choice_is_refused(customer_client):
    response = customer_client.post(INPUT, {"method": "post"})
    assert services.UNCHANGED_MESSAGE in form_errors(response)
    assert not Application.objects.exists()


def test_d6_3_x2_double_submit_and_replay_make_one_application_and_one_link(
    customer_client, capture
):
    customer_client.post(
        INPUT, {"method": "mail", "destination": "other", "email": OTHER, "email_confirm": OTHER}
    )
    data = with_draft_token(customer_client, BILLING_NOTICE)
    with capture():
        first = customer_client.post(CONFIRM, data)
    with capture():
        second = customer_client.post(CONFIRM, data)
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1
    assert Mail.objects.filter(template="application_confirmation").count() == 1
    assert Mail.objects.filter(template="application_accepted").count() == 1


def test_d6_3_back_keeps_the_choice(customer_client, mailboxes):
    customer_client.post(INPUT, {"method": "mail", "destination": mailboxes[1].address})
    back = customer_client.get(INPUT)
    assert (
        f'value="{mailboxes[1].address}" checked'
        in back.content.decode().replace(' id="id_destination_1"', "")
        or "checked" in back.content.decode()
    )


def test_d6_3_a_chosen_account_deleted_before_processing_fails_the_application(
    customer, mailboxes, capture
):
    """D4.10: the account chosen may be renamed or deleted before the work runs: the
    application fails with a mail instead of sending notices to an address that is gone."""
    Contract.objects.filter(pk=customer.contract_id).update(
        billing_notice_method="mail", billing_notice_email=mailboxes[0].address
    )
    application = services.submit_billing_notice(
        user=customer,
        method="mail",
        source="mailbox",
        email=mailboxes[1].address,
        submission_key="k",
        link_base="http://testserver/",
    )
    mailboxes[1].delete()
    lifecycle.process_application(application.pk)
    application.refresh_from_db()
    assert application.status == Application.Status.FAILED
    assert mailboxes[1].address in application.failure_reason
    contract = contract_of(customer)
    assert contract.billing_notice_email == mailboxes[0].address
    assert Mail.objects.filter(reference=application.number, template="application_failed").exists()
    assert not BillingChange.objects.exists()


def test_d6_3_a_deleted_account_cannot_be_submitted(customer, mailboxes):
    with pytest.raises(services.BillingError, match="変更または削除"):
        services.submit_billing_notice(
            user=customer,
            method="mail",
            source="mailbox",
            email="gone@arrow.example.ne.jp",
            submission_key="k",
            link_base="http://testserver/",
        )


def test_d6_3_d4_10_a_renamed_notice_account_is_followed(customer, mailboxes, apply_rename):
    """The notice address chosen here follows a mailbox rename (mailboxes/services.py)."""
    Contract.objects.filter(pk=customer.contract_id).update(
        billing_notice_method="mail", billing_notice_email=mailboxes[0].address
    )
    apply_rename(customer, mailboxes[0].slot, "jiro")
    contract = contract_of(customer)
    assert contract.billing_notice_method == "mail"
    assert contract.billing_notice_email.startswith("jiro@")
    assert contract.billing_notice_email == contract.mailboxes.get(slot=1).address


@pytest.fixture
def apply_rename(django_capture_on_commit_callbacks):
    from madoguchi.mailboxes.tests.factories import submit

    def rename(customer, slot, account):
        with django_capture_on_commit_callbacks(execute=True):
            return submit(customer, slot, "change", account=account)

    return rename


def test_d6_3_refused_after_an_accepted_cancellation(customer_client, customer, capture):
    customer_client.post(
        INPUT, {"method": "mail", "destination": "other", "email": OTHER, "email_confirm": OTHER}
    )
    Contract.objects.filter(pk=customer.contract_id).update(
        status=Contract.Status.CANCELLATION_ACCEPTED, cancellation_date="2030-01-31"
    )
    with capture():
        customer_client.post(CONFIRM, with_draft_token(customer_client, BILLING_NOTICE))
    assert not Application.objects.exists()
    assert not Mail.objects.exists()
    assert "ご契約の廃止のお申込み" in page_text(customer_client.get(INPUT))
