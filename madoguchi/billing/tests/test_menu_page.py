"""D6 「ご請求関連」: what is in force now, and links to the three changes."""

import pytest
from django.urls import reverse

from madoguchi.applications.models import Application
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import page_text

pytestmark = pytest.mark.django_db

PAGE = reverse("desk:billing")


def test_d6_billing_page_shows_the_current_values_and_links(customer_client, customer):
    Contract.objects.filter(pk=customer.contract_id).update(
        payment_method="bank_transfer",
        billing_notice_method="mail",
        billing_notice_email="keiri@example.com",
        billing_postal_code="530-0001",
        billing_address="大阪府大阪市北区梅田1-2-3",
        billing_addressee="経理 花子",
    )
    response = customer_client.get(PAGE)
    text = page_text(response)
    for expected in (
        "口座振替によるお支払い",
        "530-0001",
        "大阪府大阪市北区梅田1-2-3",
        "経理 花子",
        "メール",
        "keiri@example.com",
    ):
        assert expected in text
    html = response.content.decode()
    for name in ("payments:card", "desk:billing_address", "desk:billing_notice"):
        assert f'href="{reverse(name)}"' in html
    # The menu marks the item as current.
    assert 'aria-current="page">ご請求関連' in html


def test_d6_billing_page_lists_pending_applications(customer_client, customer):
    Application.objects.create(
        contract=customer.contract,
        kind="billing_notice",
        status=Application.Status.AWAITING,
        after={"method": "mail", "email": "x@example.org"},
        submitted_by=customer,
    )
    text = page_text(customer_client.get(PAGE))
    assert "「口座振替のお知らせ」の送付方法の変更" in text
    assert "メール確認待ち" in text


def test_d6_billing_page_says_why_nothing_can_be_applied_for(customer_client, customer):
    Contract.objects.filter(pk=customer.contract_id).update(paper_application_in_progress=True)
    response = customer_client.get(PAGE)
    assert "申込書により" in page_text(response)
    assert (
        f'href="{reverse("desk:billing_address")}"'
        not in response.content.decode().split("<main")[1]
    )
