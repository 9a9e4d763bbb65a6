"""D4.11, D5.3, D1.5, X3: one rule decides whether a contract may apply online for a kind.

The rule (``applications.eligibility``) — per-contract flag, ended or cancelling contract,
paper application in progress — is used by every flow (page and service), the menu and the
mailbox list. D4.11 applies to every 各種変更のお申込み, 認証パスワード変更 included.
"""

from datetime import date

import pytest
from django.urls import reverse

from madoguchi.applications import eligibility
from madoguchi.applications.models import Application
from madoguchi.contracts.models import Contract
from madoguchi.contracts.tests.pages import attr, dom, find_all, page_text, text
from madoguchi.desk.services import NETWORK_PASSWORD
from madoguchi.mailboxes.services import MAILBOX_ADD
from madoguchi.mailboxes.tests.desk_pages import LIST, slot_rows
from madoguchi.mailboxes.tests.factories import MailboxFactory
from madoguchi.testing.drafts import with_draft_token

pytestmark = pytest.mark.django_db

NEW = "Abc-1234"


CANCELLED = {"status": "cancellation_accepted", "cancellation_date": date(2027, 1, 12)}


def set_contract(customer, **fields) -> Contract:
    Contract.objects.filter(pk=customer.contract_id).update(**fields)
    customer.contract.refresh_from_db()
    return customer.contract


def password_data(password):
    return {"current_password": password, "new_password": NEW, "new_password_confirm": NEW}


@pytest.mark.parametrize(
    ("fields", "message", "hidden"),
    [
        ({"online_password_change_allowed": False}, eligibility.NOT_ONLINE, True),
        ({"status": "ended"}, eligibility.ENDED, False),
        (
            CANCELLED,
            "ご契約の廃止のお申込み（廃止日：2027/01/12(火)）を受け付けているため、新たなお申込みはいただけません。",
            False,
        ),
        ({"paper_application_in_progress": True}, eligibility.PAPER_APPLICATION, False),
    ],
    ids=["flag", "ended", "cancellation", "paper"],
)
def test_x3_the_rule_for_the_password_kind(customer, fields, message, hidden):
    contract = set_contract(customer, **fields)
    refusal = eligibility.refusal(contract, NETWORK_PASSWORD)
    assert (refusal.message, refusal.hidden) == (message, hidden)
    with pytest.raises(eligibility.NotEligible):
        eligibility.check(contract, NETWORK_PASSWORD)


def test_x3_the_flag_is_the_password_kinds_only(customer):
    contract = set_contract(customer, online_password_change_allowed=False)
    assert eligibility.refusal(contract, MAILBOX_ADD) is None
    assert eligibility.refusal(set_contract(customer), NETWORK_PASSWORD) is not None


def test_x3_an_open_contract_may_apply_for_every_kind(customer):
    assert eligibility.refusal(customer.contract, NETWORK_PASSWORD) is None
    assert eligibility.refusal(customer.contract, MAILBOX_ADD) is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"paper_application_in_progress": True}, eligibility.PAPER_APPLICATION),
        (
            CANCELLED,
            "ご契約の廃止のお申込み（廃止日：2027/01/12(火)）を受け付けているため、新たなお申込みはいただけません。",
        ),
    ],
    ids=["paper", "cancellation"],
)
def test_d4_11_d5_3_password_change_is_refused_with_the_reason_and_nothing_stored(
    customer_client, customer, password, fields, message
):
    set_contract(customer, **fields)
    page = customer_client.get(reverse("desk:password"))
    assert page.status_code == 200
    assert message in page_text(page)
    assert not find_all(dom(page), lambda e: e.name == "input" and attr(e, "type") == "password")
    response = customer_client.post(reverse("desk:password"), password_data(password))
    assert response.status_code == 200 and message in page_text(response)
    assert not Application.objects.exists()
    customer.refresh_from_db()
    assert customer.check_password(password)
    # The item stays in the menu: its page says why (only a per-contract flag hides it).
    assert "認証パスワード変更" in page_text(customer_client.get(reverse("desk:status")))


def test_d4_11_paper_application_set_between_input_and_confirm_refuses_the_change(
    customer_client, customer, password
):
    """The service checks the rule again under the contract's lock."""
    assert (
        customer_client.post(reverse("desk:password"), password_data(password)).status_code == 302
    )
    set_contract(customer, paper_application_in_progress=True)
    response = customer_client.post(
        reverse("desk:password_confirm"), with_draft_token(customer_client, "network_password")
    )
    assert response["Location"] == reverse("desk:password")
    assert eligibility.PAPER_APPLICATION in page_text(customer_client.get(response["Location"]))
    assert not Application.objects.exists()
    customer.refresh_from_db()
    assert customer.check_password(password)


def test_d4_11_mailbox_list_says_no_online_application_under_a_paper_application(
    customer_client, customer
):
    """Defect: the list said 「変更・削除可能」 under a paper application."""
    MailboxFactory(contract=customer.contract, slot=1)
    set_contract(customer, paper_application_in_progress=True)
    rows = slot_rows(customer_client.get(LIST))
    assert {row["state"] for row in rows} == {"オンラインでのお申込み不可"}
    assert all(row["buttons"] == [] for row in rows)
    # Every mailbox page refuses with the rule's message, as a Japanese 403 page.
    for url in (reverse("mailboxes:change", args=[1]), reverse("mailboxes:add", args=[2])):
        response = customer_client.get(url)
        assert response.status_code == 403
        assert eligibility.PAPER_APPLICATION in page_text(response)


def test_d1_5_current_menu_item_is_marked(customer_client):
    """Defect 10: the current page's item is highlighted (and announced to screen readers)."""

    def current(url):
        nav = find_all(dom(customer_client.get(url)), lambda e: e.name == "nav")[0]
        return [
            text(a)
            for a in find_all(nav, lambda e: e.name == "a" and attr(e, "aria-current") == "page")
        ]

    assert current(reverse("desk:status")) == ["ご利用状況の確認"]
    assert current(reverse("desk:password")) == ["認証パスワード変更"]
    assert current(reverse("mailboxes:list")) == ["メールアカウントおよびウイルスチェック"]
    assert current(reverse("mailboxes:characters")) == ["メールアカウントおよびウイルスチェック"]
    assert current(reverse("payments:card")) == ["お支払い方法（クレジットカードへ）"]
    assert current(reverse("desk:phone", args=["fault"])) == ["故障について"]
