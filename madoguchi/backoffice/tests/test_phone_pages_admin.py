"""D7.1: operators edit the four phone pages; the desk shows the new text (audited, X7)."""

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.backoffice.tests.conftest import url
from madoguchi.contracts.models import PhonePage
from madoguchi.contracts.tests.factories import phone_pages
from madoguchi.contracts.tests.pages import page_text

pytestmark = pytest.mark.django_db

NEW = {
    "phone_number": "0120-999-888",
    "hours": "8:00〜20:00（年中無休）",
    "body": "新しいご案内です。\n\n認証IDをお手元にご用意ください。",
}


def test_d7_1_list_shows_the_four_pages(operator_client, django_assert_max_num_queries):
    phone_pages()
    with django_assert_max_num_queries(11):
        response = operator_client.get(url("contracts_phonepage_changelist"))
    assert response.status_code == 200
    text = page_text(response)
    for topic in PhonePage.Topic:
        assert str(topic.label) in text


def test_d7_1_edit_changes_the_desk_page_and_is_audited(operator_client, operator, customer):
    page = phone_pages()["fault"]
    edit = url("contracts_phonepage_change", page.pk)
    form = operator_client.get(edit)
    assert form.status_code == 200 and page.phone_number in form.content.decode()

    response = operator_client.post(edit, {**NEW, "topic": "setup", "_save": "保存"})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.topic == "fault"  # the topic is fixed
    assert {name: getattr(page, name) for name in NEW} == NEW

    desk = Client()
    desk.force_login(customer)
    text = page_text(desk.get(reverse("desk:phone", args=["fault"])))
    assert "0120-999-888" in text and "8:00〜20:00（年中無休）" in text
    assert "新しいご案内です。" in text and "認証IDをお手元にご用意ください。" in text

    entry = AuditEntry.objects.get(action="phone_page.update")
    assert entry.actor == operator and entry.target == "故障について"
    assert entry.after["電話番号"] == "0120-999-888"
    assert set(entry.after) == {"電話番号", "受付時間", "ご案内"}


def test_d7_1_bad_input_is_refused_beside_the_field(operator_client):
    page = phone_pages()["setup"]
    before = (page.phone_number, page.body)
    response = operator_client.post(
        url("contracts_phonepage_change", page.pk),
        {"phone_number": "0" * 10_000, "hours": "", "body": "", "_save": "保存"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"phone_number", "hours", "body"}
    page.refresh_from_db()
    assert (page.phone_number, page.body) == before
    assert not AuditEntry.objects.exists()


def test_d7_1_pages_cannot_be_added_or_deleted(operator_client):
    page = phone_pages()["billing"]
    assert operator_client.get(url("contracts_phonepage_add")).status_code == 403
    delete = url("contracts_phonepage_delete", page.pk)
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert PhonePage.objects.count() == 4


def test_d7_1_customer_cannot_edit(customer_client, customer):
    page = phone_pages()["billing"]
    response = customer_client.post(
        url("contracts_phonepage_change", page.pk), {**NEW, "_save": "保存"}
    )
    assert response.status_code == 302 and response["Location"].startswith(url("login"))
    page.refresh_from_db()
    assert page.phone_number != NEW["phone_number"]
