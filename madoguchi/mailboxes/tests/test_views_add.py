"""D4.5 「追加」 on an empty slot, its explanations, the characters page; D4.9 on the add page."""

import pytest

from madoguchi.applications.models import Application
from madoguchi.contracts.tests.pages import attr, dom, find_all, page_text, text
from madoguchi.lib.passwords import SYMBOLS
from madoguchi.mailboxes.forms import VIRUS_REQUIRED
from madoguchi.mailboxes.models import AccountName, MailboxOrder
from madoguchi.mailboxes.rules import ACCOUNT_MESSAGES, PASSWORD_MESSAGES, RESERVED_ACCOUNTS
from madoguchi.mailboxes.tests.desk_pages import (
    CHARACTERS,
    CONFIRM,
    LIST,
    NEW_PASSWORD,
    add_data,
    add_url,
    all_errors,
    checked_values,
    errors_beside,
    post_confirm,
    steps,
    summary_header,
    summary_rows,
    value_of,
)
from madoguchi.mailboxes.tests.factories import MailboxFactory, submit
from madoguchi.testing.outbox import acceptance_recipients

pytestmark = pytest.mark.django_db

# The seed's explanations on the add page (1.2.6 ③), host names those of the demo.
SEED_TEXTS = [
    "お申込み内容入力",
    "メールアカウントとは…",
    "メールアドレスの@の前の部分を指します。",
    "例:) xxx@arrow.example.ne.jp のxxx部分",
    "メールアカウントの追加",
    "追加したい希望アカウントを入力してください。",
    "尚、ホスト(@の次)はご指定できません。",
    "ホスト名とは、xxx@●●●.example.ne.jp の●●●部分",
    "希望のパスワードをパスワード欄に入力してください。確認のため2回入力して下さい。",
    "ウィルスチェックサービスの申込み",
    "ウィルスチェックサービスを「利用する」か「利用しない」かを選択して下さい。",
    "【ご注意】",
    "必ず下記の「利用できる文字」をご使用ください。「利用できる文字」以外をご使用された場合は、"
    "工事ができないことや、後からアカウントの変更をしていただくことがあります。",
    "ウィルスチェックサービスは1個につき200円(税込 220円) / 月額がかかります。",
    "「口座振替のご案内」メールのご案内先に設定しているメールアドレスを変更すると、"
    "ご案内先は新しいアドレスに引き継がれます。",
    "情報を入力してください。",
    "入力した内容がよろしければ「次へ」ボタンをクリックして下さい。",
]


def labels(response) -> list[str]:
    return [text(label) for label in find_all(dom(response), lambda e: e.name == "label")]


def test_d4_5_add_page_has_the_seeds_explanations_and_fields(customer_client, mailbox):
    response = customer_client.get(add_url(2))
    assert response.status_code == 200
    body = page_text(response)
    for seed_text in SEED_TEXTS:
        assert seed_text in body, seed_text
    assert {
        "メールアカウント <必須>",
        "メールパスワード <必須>",
        "メールパスワード(確認の為再入力) <必須>",
        "利用する",
        "利用しない",
    } <= set(labels(response))
    assert checked_values(response, "virus_check") == ["0"]  # 利用しない, as the seed shows
    assert steps(response) == (["STEP1", "STEP2", "STEP3", "完了"], "STEP2")


def test_d4_5_add_page_links_the_characters_page(customer_client):
    response = customer_client.get(add_url(1))
    links = {text(a): attr(a, "href") for a in find_all(dom(response), lambda e: e.name == "a")}
    assert links["メールアカウントとメールパスワードに利用できる文字一覧"] == CHARACTERS
    assert links["◀ 戻る"] == LIST


def test_d4_5_characters_page_lists_the_allowed_characters(customer_client):
    response = customer_client.get(CHARACTERS)
    assert response.status_code == 200
    body = page_text(response)
    assert "メールアカウントとメールパスワードに利用できる文字一覧" in body
    assert "半角英小文字（a～z）、半角数字（0～9）、「.」（ピリオド）、「-」（ハイフン）、" in body
    assert "「_」（アンダーバー）" in body
    assert "3文字以上32文字以下" in body
    assert "8文字以上16文字以下" in body
    assert "半角英大文字（A～Z）" in body
    assert SYMBOLS in response.content.decode().replace("&#x27;", "'").replace("&lt;", "<").replace(
        "&gt;", ">"
    ).replace("&amp;", "&")
    # The reserved names are explained by example.
    assert "postmaster" in body and "postmaster" in RESERVED_ACCOUNTS


def test_d4_5_add_without_virus_check_goes_to_confirm(customer_client, mailbox):
    response = customer_client.post(add_url(2), add_data("k04xm40u", on=False))
    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    confirm = customer_client.get(CONFIRM)
    assert summary_header(confirm) == []  # an add: the seed's two-column table
    assert summary_rows(confirm) == [
        ["メールアカウント", "k04xm40u"],
        ["ウィルスチェックサービス", "利用しない"],
    ]
    assert "■ メールアカウント、ウィルスチェックサービスの追加" in page_text(confirm)
    assert steps(confirm) == (["STEP1", "STEP2", "STEP3", "完了"], "STEP3")
    # Nothing is reserved before 「登録」.
    assert set(AccountName.objects.values_list("name", flat=True)) == {"abcdefg"}
    response = post_confirm(customer_client, {"mail_to": ["abcdefg@arrow.example.ne.jp"]})
    application = Application.objects.get()
    assert response["Location"] == f"/desk/mail/complete/{application.pk}/"
    assert application.kind == "mailbox_add"
    order = MailboxOrder.objects.get()
    assert (order.slot, order.action, order.account, order.virus_check) == (
        2,
        "add",
        "k04xm40u",
        False,
    )
    assert set(AccountName.objects.values_list("name", flat=True)) == {"abcdefg", "k04xm40u"}


def test_d4_5_add_on_an_empty_contract_sends_no_confirmation_mail_choice(customer_client):
    """No address yet: the confirm step says no confirmation mail can be sent."""
    customer_client.post(add_url(1), add_data("k04xm40u"))
    confirm = customer_client.get(CONFIRM)
    assert "ご利用中のメールアドレスがないため、確認のメールは送信されません。" in page_text(
        confirm
    )
    assert post_confirm(customer_client)["Location"].startswith("/desk/mail/complete/")
    assert acceptance_recipients(Application.objects.get()) == []


def test_d4_5_add_on_a_used_or_pending_slot_goes_back_to_the_list(
    customer_client, customer, mailbox
):
    assert customer_client.get(add_url(1))["Location"] == LIST
    assert customer_client.post(add_url(1), add_data("k04xm40u"))["Location"] == LIST
    submit(customer, 2, "add", account="pending2")
    assert customer_client.get(add_url(2))["Location"] == LIST
    assert customer_client.post(add_url(2), add_data("k04xm40u"))["Location"] == LIST
    assert Application.objects.count() == 1
    assert customer_client.get(CONFIRM)["Location"] == LIST  # no draft was made


def test_d4_5_add_with_empty_fields_gets_a_message_beside_each(customer_client):
    response = customer_client.post(add_url(1), {})
    assert errors_beside(response, "account") == ["メールアカウントを入力してください。"]
    assert errors_beside(response, "password") == ["メールパスワードを入力してください。"]
    assert errors_beside(response, "password_confirm") == [
        "メールパスワード(確認の為再入力)を入力してください。"
    ]
    assert errors_beside(response, "virus_check") == [VIRUS_REQUIRED]
    assert not Application.objects.exists()


# --- D4.9 on the add page -----------------------------------------------------------------

ACCOUNT_CASES = {
    "ab": [ACCOUNT_MESSAGES["length"]],
    "a" * 33: [ACCOUNT_MESSAGES["length"]],
    "abc+def": [ACCOUNT_MESSAGES["characters"]],
    "ABCDEF": [ACCOUNT_MESSAGES["characters"], ACCOUNT_MESSAGES["first"]],
    "_abcdef": [ACCOUNT_MESSAGES["first"]],
    "abc..def": [ACCOUNT_MESSAGES["dots"]],
    "abcdef.": [ACCOUNT_MESSAGES["last_dot"]],
    "a.": [ACCOUNT_MESSAGES["length"], ACCOUNT_MESSAGES["last_dot"]],
    "abuse": [ACCOUNT_MESSAGES["reserved"]],
    "root": [ACCOUNT_MESSAGES["reserved"]],
    "abcdefg": [ACCOUNT_MESSAGES["taken"]],  # the customer's own account 01
    "taken": [ACCOUNT_MESSAGES["taken"]],  # another contract's mailbox
    "held": [ACCOUNT_MESSAGES["taken"]],  # another contract's pending application
}
PASSWORD_CASES = {
    "abc123": [PASSWORD_MESSAGES["length"]],
    "abcdefgh12345678x": [PASSWORD_MESSAGES["length"]],
    "abcd1234あ": [PASSWORD_MESSAGES["characters"]],
    "abcd 1234": [PASSWORD_MESSAGES["characters"]],
    "abcdefghij": [PASSWORD_MESSAGES["composition"]],
    "1234567890": [PASSWORD_MESSAGES["composition"]],
    "!!!!!!!!": [PASSWORD_MESSAGES["composition"]],
}


@pytest.fixture
def names_in_use(other_customer):
    MailboxFactory(contract=other_customer.contract, slot=1, account="taken")
    submit(other_customer, 2, "add", account="held")


@pytest.mark.parametrize(("account", "messages"), ACCOUNT_CASES.items())
def test_d4_9_account_rules_beside_the_account_on_the_add_page(
    customer_client, mailbox, names_in_use, account, messages
):
    response = customer_client.post(add_url(2), add_data(account, on=True))
    assert response.status_code == 200
    assert errors_beside(response, "account") == messages
    assert all_errors(response) == messages
    assert value_of(response, "account") == account
    assert checked_values(response, "virus_check") == ["1"]
    assert Application.objects.count() == 1  # the other contract's only
    assert customer_client.get(CONFIRM)["Location"] == LIST


@pytest.mark.parametrize(("password", "messages"), PASSWORD_CASES.items())
def test_d4_9_password_rules_beside_the_password_on_the_add_page(
    customer_client, password, messages
):
    response = customer_client.post(add_url(1), add_data("k04xm40u", password=password))
    assert errors_beside(response, "password") == messages
    # The confirmation, typed the same, is not a mismatch (too long is said there too).
    assert errors_beside(response, "password_confirm") in ([], [PASSWORD_MESSAGES["length"]])
    assert PASSWORD_MESSAGES["mismatch"] not in all_errors(response)
    assert value_of(response, "account") == "k04xm40u"
    assert value_of(response, "password") is None  # never echoed
    assert not Application.objects.exists()


def test_d4_9_mismatched_confirmation_beside_the_confirmation(customer_client):
    data = {**add_data("k04xm40u"), "password_confirm": NEW_PASSWORD.upper()}
    response = customer_client.post(add_url(1), data)
    assert errors_beside(response, "password_confirm") == [PASSWORD_MESSAGES["mismatch"]]
    assert errors_beside(response, "password") == []
    assert not Application.objects.exists()


@pytest.mark.parametrize("password", ["abcd1234", "Ab1!$%&'()*+", "a1,-./;<=>?[]^_", "Z9{}`~xx"])
def test_d4_9_valid_passwords_are_accepted_on_the_add_page(customer_client, password):
    response = customer_client.post(add_url(1), add_data("k04xm40u", password=password))
    assert response.status_code == 302, all_errors(response)
