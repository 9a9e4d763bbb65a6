"""D4: no customer sees or touches another's accounts; slots outside 01–04; CSRF on every POST."""

import pytest
from django.test import Client

from madoguchi.applications.models import Application
from madoguchi.applications.tests.factories import ApplicationFactory
from madoguchi.contracts.tests.pages import attr, by_id, csrf_token, dom, find_all, page_text, text
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    TERMS,
    account_only,
    add_data,
    add_url,
    cancel_url,
    change_url,
    complete_url,
    delete_url,
    post_confirm,
    slot_rows,
    virus_only,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit

pytestmark = pytest.mark.django_db

SLOT_PAGES = [change_url, add_url, delete_url, cancel_url]


@pytest.mark.parametrize("slot", [0, 5, 99, 1234567])
@pytest.mark.parametrize("page", SLOT_PAGES, ids=["change", "add", "delete", "cancel"])
def test_d4_1_slot_outside_01_to_04_is_404(customer_client, mailbox, page, slot):
    assert customer_client.get(page(slot)).status_code == 404
    # 「削除」 is a link (GET only); the others' POSTs find no such slot either.
    post = 405 if page is delete_url else 404
    assert customer_client.post(page(slot), add_data("hijklmn")).status_code == post
    assert not Application.objects.exists()


def test_d4_1_slots_are_per_contract_other_sees_their_own_slot_1(
    client, customer, other_customer, mailbox
):
    """/desk/mail/1/change/ is the logged-in contract's slot 1, never the customer's."""
    MailboxFactory(contract=other_customer.contract, slot=1, account="othersbox", virus_check=True)
    client.force_login(other_customer)
    response = client.get(change_url(1))
    assert response.status_code == 200
    current = text(by_id(dom(response), "current"))
    assert "othersbox@arrow.example.ne.jp" in current
    assert "利用する" in current
    assert "abcdefg" not in response.content.decode()


def test_d4_1_other_customers_empty_slot_1_shows_nothing_of_the_customers(
    client, customer, other_customer, mailbox
):
    client.force_login(other_customer)
    for url in [change_url(1), delete_url(1)]:
        response = client.get(url)
        assert response["Location"] == LIST, url
    assert client.post(change_url(1), virus_only(True))["Location"] == LIST
    response = client.get(LIST)
    assert "abcdefg" not in response.content.decode()
    assert [row["state"] for row in slot_rows(response)] == ["追加可能"] * 4
    assert not Application.objects.exists()


def test_d4_1_changes_by_other_customer_touch_only_their_own_slot(
    client, customer, other_customer, mailbox
):
    MailboxFactory(contract=other_customer.contract, slot=1, account="othersbox")
    client.force_login(other_customer)
    client.post(change_url(1), account_only("opqrstu"))
    post_confirm(client, {"mail_to": []})
    order = MailboxOrder.objects.get()
    assert order.contract == other_customer.contract
    assert Application.objects.get().before["address"] == "othersbox@arrow.example.ne.jp"
    # The customer's slot 1 is untouched and has nothing pending.
    own = Client()
    own.force_login(customer)
    assert slot_rows(own.get(LIST))[0]["state"] == "変更・削除可能"
    mailbox.refresh_from_db()
    assert mailbox.account == "abcdefg"
    assert not MailboxOrder.objects.filter(contract=customer.contract).exists()


def test_d4_1_confirm_offers_only_the_own_addresses(client, customer, other_customer, mailbox):
    MailboxFactory(contract=other_customer.contract, slot=1, account="othersbox")
    client.force_login(other_customer)
    client.post(change_url(1), account_only("opqrstu"))
    confirm = client.get(CONFIRM)
    boxes = find_all(dom(confirm), lambda e: attr(e, "name") == "mail_to")
    assert [attr(box, "value") for box in boxes] == ["othersbox@arrow.example.ne.jp"]
    # Asking for the customer's address is refused as forged.
    response = post_confirm(client, {"mail_to": ["abcdefg@arrow.example.ne.jp"]})
    assert response.status_code == 200
    assert not Application.objects.exists()


def test_d4_7_other_customer_cannot_cancel_the_customers_application(
    client, customer, other_customer, mailbox
):
    application = submit(customer, 2, "add", account="hijklmn")
    client.force_login(other_customer)
    assert client.get(cancel_url(2))["Location"] == LIST
    assert client.post(cancel_url(2))["Location"] == LIST
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert MailboxOrder.objects.get().pending is True
    assert AccountName.objects.filter(name="hijklmn").exists()


def test_d4_4_completion_page_of_another_contract_is_404(client, customer, other_customer, mailbox):
    application = submit(customer, 1, "change", virus_check=True)
    client.force_login(customer)
    assert client.get(complete_url(application.pk)).status_code == 200
    client.force_login(other_customer)
    assert client.get(complete_url(application.pk)).status_code == 404
    assert client.get(complete_url(999_999)).status_code == 404


def test_d4_4_completion_page_of_a_non_mailbox_application_is_404(customer_client, customer):
    application = ApplicationFactory(submitted_by=customer)
    assert customer_client.get(complete_url(application.pk)).status_code == 404


def test_d4_4_completion_page_shows_the_application(customer_client, customer, mailbox):
    application = submit(customer, 1, "change", virus_check=True)
    page = customer_client.get(complete_url(application.pk))
    body = page_text(page)
    assert application.number in body
    assert "受付" in text(by_id(dom(page), "application-status"))
    assert "メールアカウント・ウィルスチェックサービス変更のお申込みを受け付けました。" in body


def test_d4_operators_and_anonymous_visitors_are_kept_out(client, operator, mailbox):
    assert client.get(LIST)["Location"].startswith("/desk/login/")
    client.force_login(operator)
    for url in [LIST, change_url(1), add_url(2), TERMS, CONFIRM]:
        assert client.get(url).status_code == 403, url
    assert Mailbox.objects.count() == 1


# --- CSRF ---------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    return client


def with_token(client, url: str, data: dict) -> dict:
    """The form's data with the token a browser would send (read after GETting its page)."""
    client.get(url)
    return {**data, "csrfmiddlewaretoken": csrf_token(client)}


def test_csrf_change_and_confirm_refuse_posts_without_the_token(csrf_client, mailbox):
    assert csrf_client.post(change_url(1), account_only("opqrstu")).status_code == 403
    assert csrf_client.get(CONFIRM)["Location"] == LIST  # nothing was saved
    response = csrf_client.post(
        change_url(1), with_token(csrf_client, change_url(1), account_only("opqrstu"))
    )
    assert response.status_code == 302
    assert post_confirm(csrf_client, {"mail_to": []}).status_code == 403
    assert not Application.objects.exists()
    response = post_confirm(csrf_client, with_token(csrf_client, CONFIRM, {"mail_to": []}))
    assert response.status_code == 302
    assert Application.objects.count() == 1


def test_csrf_add_and_terms_refuse_posts_without_the_token(csrf_client, mailbox):
    assert csrf_client.post(add_url(2), add_data("hijklmn", on=True)).status_code == 403
    response = csrf_client.post(
        add_url(2), with_token(csrf_client, add_url(2), add_data("hijklmn", on=True))
    )
    assert response["Location"] == TERMS
    assert csrf_client.post(TERMS, {"agree": "1"}).status_code == 403
    assert csrf_client.post(TERMS, {"decline": "1"}).status_code == 403
    assert csrf_client.get(CONFIRM)["Location"] == TERMS  # not agreed, not abandoned
    response = csrf_client.post(TERMS, with_token(csrf_client, TERMS, {"agree": "1"}))
    assert response["Location"] == CONFIRM


def test_csrf_cancel_refuses_posts_without_the_token(csrf_client, customer, mailbox):
    application = submit(customer, 1, "change", virus_check=True)
    assert csrf_client.post(cancel_url(1)).status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    response = csrf_client.post(cancel_url(1), with_token(csrf_client, cancel_url(1), {}))
    assert response["Location"] == LIST
    application.refresh_from_db()
    assert application.status == Application.Status.CANCELLED


def test_csrf_every_form_carries_the_token(customer_client, customer, mailbox):
    submit(customer, 2, "add", account="hijklmn")
    customer_client.post(add_url(3), add_data("vwxyz12", on=True))
    for url in [change_url(1), add_url(3), TERMS, cancel_url(2)]:
        forms = [
            form
            for form in find_all(dom(customer_client.get(url)), lambda e: e.name == "form")
            if attr(form, "method") == "post"
        ]
        assert forms, url
        for form in forms:
            tokens = find_all(form, lambda e: attr(e, "name") == "csrfmiddlewaretoken")
            assert len(tokens) == 1, url
    customer_client.post(TERMS, {"agree": "1"})
    forms = find_all(dom(customer_client.get(CONFIRM)), lambda e: e.name == "form")
    assert all(find_all(f, lambda e: attr(e, "name") == "csrfmiddlewaretoken") for f in forms)
