"""D4.3: the virus-check terms step, only when the option is being turned on."""

import pytest

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.pages import dom, find_all, page_text, text
from madoguchi.mailboxes.models import AccountName, Mailbox, MailboxOrder
from madoguchi.mailboxes.tests.desk_pages import (
    CONFIRM,
    LIST,
    TERMS,
    account_and_virus,
    account_only,
    add_data,
    add_url,
    change_url,
    post_confirm,
    steps,
    virus_only,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory

pytestmark = pytest.mark.django_db

AGREE = "規約に同意してウィルスチェックサービスを申し込む"
DECLINE = "ウィルスチェックサービス申込みをやめる"


@pytest.fixture
def checked_mailbox(customer):
    """Account 02 with the virus check in use."""
    return MailboxFactory(contract=customer.contract, slot=2, account="k04xm40u", virus_check=True)


TURNING_ON = {
    "pattern_a": (change_url(1), virus_only(True)),
    "pattern_b": (change_url(1), account_and_virus("opqrstu", True)),
    "add": (add_url(3), add_data("hijklmn", on=True)),
}
NOT_TURNING_ON = {
    "pattern_a_off": (change_url(2), virus_only(False)),
    "pattern_b_off": (change_url(2), account_and_virus("opqrstu", False)),
    "pattern_b_kept_on": (change_url(2), account_and_virus("opqrstu", True)),
    "pattern_b_kept_off": (change_url(1), account_and_virus("opqrstu", False)),
    "pattern_c": (change_url(1), account_only("opqrstu")),
    "add_off": (add_url(3), add_data("hijklmn", on=False)),
}


@pytest.mark.parametrize("case", TURNING_ON)
def test_d4_3_terms_step_when_the_virus_check_is_turned_on(
    customer_client, mailbox, checked_mailbox, case
):
    url, data = TURNING_ON[case]
    response = customer_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == TERMS
    terms = customer_client.get(TERMS)
    assert terms.status_code == 200
    body = page_text(terms)
    assert "ウィルスチェックサービス規約の内容をご確認ください。" in body
    assert (
        "規約に同意する場合は、画面下部の「規約に同意してウィルスチェックサービスを申し込む」"
        "ボタンをクリックしてください。"
    ) in body
    assert "ウィルスチェックサービス規約" in body
    buttons = [text(b) for b in find_all(dom(terms), lambda e: e.name == "button")]
    assert buttons[-2:] == [DECLINE, AGREE]
    assert steps(terms) == (["STEP1", "STEP2", "STEP3", "STEP4", "完了"], "STEP3")
    # Agreeing leads to the confirm step, STEP4 of five.
    response = customer_client.post(TERMS, {"agree": "1"})
    assert response["Location"] == CONFIRM
    confirm = customer_client.get(CONFIRM)
    assert confirm.status_code == 200
    assert steps(confirm) == (["STEP1", "STEP2", "STEP3", "STEP4", "完了"], "STEP4")


@pytest.mark.parametrize("case", NOT_TURNING_ON)
def test_d4_3_no_terms_step_when_the_virus_check_is_not_turned_on(
    customer_client, mailbox, checked_mailbox, case
):
    url, data = NOT_TURNING_ON[case]
    response = customer_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    confirm = customer_client.get(CONFIRM)
    assert confirm.status_code == 200  # no detour through the terms
    assert steps(confirm) == (["STEP1", "STEP2", "STEP3", "完了"], "STEP3")
    # And the terms page is not part of this flow.
    assert customer_client.get(TERMS)["Location"] == LIST


@pytest.mark.parametrize("case", TURNING_ON)
def test_d4_3_declining_the_terms_abandons_the_application(
    customer_client, mailbox, checked_mailbox, case
):
    url, data = TURNING_ON[case]
    customer_client.post(url, data)
    response = customer_client.post(TERMS, {"decline": "1"})
    assert response.status_code == 302
    assert response["Location"] == LIST
    # Nothing stored, and the draft is gone: the confirm step has nothing to show.
    assert not Application.objects.exists()
    assert not MailboxOrder.objects.exists()
    assert set(AccountName.objects.values_list("name", flat=True)) == {"abcdefg", "k04xm40u"}
    assert customer_client.get(CONFIRM)["Location"] == LIST
    assert post_confirm(customer_client)["Location"] == LIST
    assert not Application.objects.exists()
    assert Mailbox.objects.get(slot=1).virus_check is False


@pytest.mark.parametrize("case", TURNING_ON)
def test_d4_3_skipping_the_terms_sends_back_to_them(
    customer_client, mailbox, checked_mailbox, case
):
    url, data = TURNING_ON[case]
    customer_client.post(url, data)
    assert customer_client.get(CONFIRM)["Location"] == TERMS
    response = post_confirm(customer_client, {"mail_to": ["abcdefg@arrow.example.ne.jp"]})
    assert response["Location"] == TERMS
    assert not Application.objects.exists()
    # Agreeing afterwards lets it through.
    customer_client.post(TERMS, {"agree": "1"})
    post_confirm(customer_client, {"mail_to": []})
    assert Application.objects.count() == 1


def test_d4_3_terms_without_a_flow_go_to_the_list(customer_client, mailbox):
    assert customer_client.get(TERMS)["Location"] == LIST
    assert customer_client.post(TERMS, {"agree": "1"})["Location"] == LIST
    assert not Application.objects.exists()


def test_d4_3_a_new_input_needs_a_new_agreement(customer_client, mailbox):
    customer_client.post(change_url(1), virus_only(True))
    customer_client.post(TERMS, {"agree": "1"})
    assert customer_client.get(CONFIRM).status_code == 200
    # Back to the input, and on again: the agreement belonged to the earlier draft.
    customer_client.post(change_url(1), account_and_virus("opqrstu", True))
    assert customer_client.get(CONFIRM)["Location"] == TERMS
